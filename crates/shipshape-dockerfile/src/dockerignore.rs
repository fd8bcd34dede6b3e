//! `.dockerignore` semantics, as BuildKit applies them to the build context.
//!
//! Patterns are anchored at the context root (unlike `.gitignore`: `.git` only excludes the
//! top-level `.git`; `**/.git` excludes it anywhere), cleaned like Go's `filepath.Clean`, `!`
//! re-includes, the last matching pattern wins, and a path is excluded when it or one of its
//! parent directories matches. The glob syntax is Go's `filepath.Match` plus `**`; `globset`
//! (ripgrep's) does the matching, only the BuildKit-specific rules above are written here.

use globset::{GlobBuilder, GlobMatcher};

/// One pattern line.
#[derive(Debug, Clone)]
pub struct IgnorePattern {
    /// The cleaned pattern, without `!`.
    pub pattern: String,
    /// `!pattern`: re-include what earlier patterns excluded.
    pub negate: bool,
    /// 1-based line in the file.
    pub line: u32,
    /// Start of the line's pattern text in the file (byte offset).
    pub start: usize,
    /// End of the pattern text (byte offset, exclusive).
    pub end: usize,
    matcher: GlobMatcher,
}

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    /// The valid patterns, in file order.
    pub patterns: Vec<IgnorePattern>,
    /// Lines whose pattern is not a valid glob: (line, byte offset, message).
    pub errors: Vec<(u32, usize, String)>,
}

/// Go's `filepath.Clean` for `/`-separated relative patterns.
fn clean(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

impl DockerIgnore {
    /// Parses the file text. Never fails: invalid patterns are recorded in `errors`.
    pub fn parse(text: &str) -> DockerIgnore {
        let mut out = DockerIgnore::default();
        let mut offset = 0;
        for (idx, line) in text.split('\n').enumerate() {
            let line_start = offset;
            offset += line.len() + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let start = line_start + (line.len() - line.trim_start().len());
            let end = start + trimmed.len();
            let (negate, rest) = match trimmed.strip_prefix('!') {
                Some(r) => (true, r.trim()),
                None => (false, trimmed),
            };
            if rest.is_empty() {
                continue;
            }
            let mut pattern = clean(&rest.replace('\\', "/"));
            if pattern.len() > 1 && pattern.starts_with('/') {
                pattern.remove(0);
            }
            let line_no = (idx + 1) as u32;
            match compile(&pattern) {
                Ok(matcher) => out.patterns.push(IgnorePattern {
                    pattern,
                    negate,
                    line: line_no,
                    start,
                    end,
                    matcher,
                }),
                Err(e) => out.errors.push((line_no, start, e)),
            }
        }
        out
    }

    /// Whether a context-relative, `/`-separated path is left out of the build context.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.matching_pattern(path).is_some_and(|p| !p.negate)
    }

    /// The last pattern that decides about `path` (it or a parent directory matches), if any.
    pub fn matching_pattern(&self, path: &str) -> Option<&IgnorePattern> {
        let path = clean(path);
        let dirs: Vec<&str> = path.split('/').collect();
        let mut decided = None;
        for p in &self.patterns {
            let mut hit = p.matcher.is_match(&path);
            if !hit && dirs.len() > 1 {
                for i in 1..dirs.len() {
                    if p.matcher.is_match(dirs[..i].join("/")) {
                        hit = true;
                        break;
                    }
                }
            }
            if hit {
                decided = Some(p);
            }
        }
        decided
    }
}

fn compile(pattern: &str) -> Result<GlobMatcher, String> {
    let build = |p: &str| {
        GlobBuilder::new(p)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map(|g| g.compile_matcher())
    };
    match build(pattern) {
        Ok(m) => Ok(m),
        // Go treats a `**` that is not a whole path segment as two `*`; globset refuses it.
        Err(_) if pattern.contains("**") => {
            build(&pattern.replace("**", "*")).map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchored_at_the_root() {
        let d = DockerIgnore::parse(".git\n*.pem\n");
        assert!(d.is_excluded(".git"));
        assert!(
            d.is_excluded(".git/config"),
            "children of an excluded directory"
        );
        assert!(!d.is_excluded("sub/.git/config"), "not anchored anywhere");
        assert!(d.is_excluded("server.pem"));
        assert!(!d.is_excluded("certs/server.pem"));
    }

    #[test]
    fn double_star_negation_and_cleaning() {
        let d = DockerIgnore::parse(
            "# comment\n**/.env*\n!.env.example\n  /secrets/  \n./build/../tmp\n",
        );
        assert!(d.is_excluded(".env"));
        assert!(d.is_excluded("app/.env.local"));
        assert!(!d.is_excluded(".env.example"), "re-included");
        assert!(d.is_excluded("secrets/key"));
        assert!(d.is_excluded("tmp/x"));
        assert_eq!(d.patterns.len(), 4);
        assert_eq!(d.patterns[1].line, 3);
        let star = DockerIgnore::parse("*\n!src\n");
        assert!(star.is_excluded("README.md"));
        assert!(!star.is_excluded("src/main.rs"));
    }

    #[test]
    fn invalid_pattern_is_reported() {
        let d = DockerIgnore::parse("[abc\nok\n");
        assert_eq!(d.errors.len(), 1);
        assert_eq!(d.errors[0].0, 1);
        assert_eq!(d.patterns.len(), 1);
    }
}
