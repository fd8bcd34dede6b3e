//! Inline suppression comments: `# shipshape:ignore SS1001 reason` and `# hadolint ignore=DL3008`.

use serde::Serialize;

/// Which tool's syntax a suppression comment used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IgnoreSyntax {
    /// `# shipshape:ignore CODE[,CODE] reason`: codes or slugs.
    Shipshape,
    /// `# hadolint ignore=DL3008,DL3009`: hadolint codes, matched through rule equivalents.
    Hadolint,
}

/// One suppression comment and the lines it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InlineIgnore {
    /// 1-based line of the comment.
    pub comment_line: u32,
    /// Inclusive 1-based line range the comment applies to.
    pub first_line: u32,
    pub last_line: u32,
    pub syntax: IgnoreSyntax,
    /// Rule codes/slugs (shipshape) or hadolint codes, as written.
    pub rules: Vec<String>,
    pub reason: Option<String>,
}

impl InlineIgnore {
    /// Whether the comment covers `line`.
    pub fn covers(&self, line: u32) -> bool {
        (self.first_line..=self.last_line).contains(&line)
    }
}

/// Parses the body of one comment (the text after `#`). Returns the syntax, the rule names and
/// the reason, or `None` when it is not a suppression comment.
pub fn parse_comment(body: &str) -> Option<(IgnoreSyntax, Vec<String>, Option<String>)> {
    // A comment in backticks on a continued shell line (`` `# shipshape:ignore X why` \ ``)
    // ends with the closing backtick and the continuation.
    let body = body
        .trim()
        .trim_end_matches(|c: char| c == '\\' || c == '`' || c.is_whitespace());
    if let Some(rest) = strip_prefix_ci(body, "shipshape:ignore") {
        // `shipshape:ignore` must be followed by whitespace and at least one rule name.
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        let rest = rest.trim_start();
        let (names, reason) = match rest.find(char::is_whitespace) {
            Some(i) => (&rest[..i], rest[i..].trim()),
            None => (rest, ""),
        };
        let rules = split_names(names);
        if rules.is_empty() {
            return None;
        }
        let reason = (!reason.is_empty()).then(|| reason.to_string());
        return Some((IgnoreSyntax::Shipshape, rules, reason));
    }
    if let Some(rest) = strip_prefix_ci(body, "hadolint") {
        let rest = rest.trim_start();
        let rest = strip_prefix_ci(rest, "ignore=")?;
        let names = rest.split_whitespace().next().unwrap_or("");
        let rules = split_names(names);
        if rules.is_empty() {
            return None;
        }
        return Some((IgnoreSyntax::Hadolint, rules, None));
    }
    None
}

fn split_names(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Finds suppression comments in a `#`-commented text (shell, YAML, Dockerfile, Makefile, TOML).
///
/// A comment alone on its line covers itself and the next line that is neither blank nor a comment;
/// a comment after code covers its own line. Callers whose statements span several lines (a
/// Dockerfile instruction with continuations) widen `last_line` to the statement's end.
pub fn scan_hash_comments(text: &str) -> Vec<InlineIgnore> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (idx, line) in lines.iter().enumerate() {
        let Some(hash) = line.find('#') else { continue };
        let before = &line[..hash];
        let Some((syntax, rules, reason)) = parse_comment(&line[hash + 1..]) else {
            continue;
        };
        let comment_line = (idx + 1) as u32;
        let standalone = before.trim().is_empty();
        let target = if standalone {
            lines
                .iter()
                .enumerate()
                .skip(idx + 1)
                .find(|(_, l)| {
                    let t = l.trim();
                    !t.is_empty() && !t.starts_with('#')
                })
                .map(|(i, _)| (i + 1) as u32)
                .unwrap_or(comment_line)
        } else {
            comment_line
        };
        out.push(InlineIgnore {
            comment_line,
            first_line: comment_line,
            last_line: target,
            syntax,
            rules,
            reason,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_syntaxes() {
        let (s, r, why) =
            parse_comment(" shipshape:ignore SS1001,root-user  base image sets it").unwrap();
        assert_eq!(s, IgnoreSyntax::Shipshape);
        assert_eq!(r, vec!["SS1001", "root-user"]);
        assert_eq!(why.as_deref(), Some("base image sets it"));
        let (s, r, why) = parse_comment("hadolint ignore=DL3008,DL3009").unwrap();
        assert_eq!(s, IgnoreSyntax::Hadolint);
        assert_eq!(r, vec!["DL3008", "DL3009"]);
        assert!(why.is_none());
        assert!(parse_comment("shipshape:ignore").is_none());
        assert!(parse_comment("shipshape:ignored SS1").is_none());
        assert!(parse_comment("just a comment").is_none());
    }

    #[test]
    fn coverage() {
        let text = "a\n# shipshape:ignore SS1 why\n\n# other\nb\nc # shipshape:ignore SS2\n";
        let v = scan_hash_comments(text);
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].first_line, v[0].last_line), (2, 5));
        assert!(v[0].covers(5) && !v[0].covers(6));
        assert_eq!((v[1].first_line, v[1].last_line), (6, 6));
    }
}
