//! Variable substitution with BuildKit's `shell.Lex` semantics (the lexer BuildKit uses for
//! ENV, ARG, FROM, COPY, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL and `--from`).
//!
//! Supported: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`,
//! `${VAR+alt}`, `${VAR?msg}`, `${VAR:?msg}`, `${VAR#pat}`, `${VAR##pat}`, `${VAR%pat}`,
//! `${VAR%%pat}`, `${VAR/pat/repl}`, `${VAR//pat/repl}`; single quotes suppress expansion,
//! double quotes do not; the escape character (`\` or the `# escape=` one) escapes.
//!
//! Unlike BuildKit, a variable the lookup cannot resolve is not an error: it expands to the
//! empty string and its name is reported in [`Expanded::unresolved`], so a linter knows the value
//! is only partially known.

use std::fmt;

/// Result of an expansion.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expanded {
    /// The expanded value (quotes removed).
    pub value: String,
    /// Variables whose value was needed but that the lookup could not resolve (each listed once,
    /// in order of first use). Their value was taken as empty.
    pub unresolved: Vec<String>,
    /// Variables that were unresolved but whose `${VAR-default}` / `${VAR+alt}` modifier decided
    /// the value (the result is right unless a build argument overrides the variable).
    pub defaulted: Vec<String>,
}

impl Expanded {
    /// True when every variable used was resolved (defaults included).
    pub fn is_complete(&self) -> bool {
        self.unresolved.is_empty()
    }
}

/// A syntax error in a substitution (`${}`, `${VAR:1}`, unterminated quote…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpandError {
    /// Message (BuildKit's wording).
    pub message: String,
    /// Byte offset in the expanded word where the problem was detected.
    pub offset: usize,
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.offset)
    }
}

impl std::error::Error for ExpandError {}

/// Expands `word` with the default escape character `\`.
pub fn expand(
    word: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Expanded, ExpandError> {
    expand_with_escape(word, '\\', lookup)
}

/// Expands `word` using `escape` as the escape character (see the `# escape=` directive).
pub fn expand_with_escape(
    word: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Expanded, ExpandError> {
    let mut lex = Lex::new(word, escape, Some(lookup));
    let (value, _) = lex.process_stop_on(&[], false)?;
    Ok(Expanded {
        value,
        unresolved: lex.unresolved,
        defaulted: lex.defaulted,
    })
}

/// Removes quotes and escapes the way BuildKit does, without expanding variables (`$VAR` and
/// `${...}` are copied verbatim). Unterminated quotes are tolerated.
pub fn unquote(word: &str, escape: char) -> String {
    unquote_checked(word, escape).0
}

/// Like [`unquote`]; the flag is false when a quote was left unterminated.
pub(crate) fn unquote_checked(word: &str, escape: char) -> (String, bool) {
    if !word.contains(['\'', '"', escape]) {
        return (word.to_string(), true);
    }
    let mut lex = Lex::new(word, escape, None);
    match lex.process_stop_on(&[], false) {
        Ok((v, _)) => (v, !lex.unterminated),
        Err(_) => (word.to_string(), false),
    }
}

const MAX_DEPTH: u32 = 64;

/// A variable lookup.
type Lookup<'f> = &'f dyn Fn(&str) -> Option<String>;

struct Lex<'a, 'f> {
    s: &'a str,
    pos: usize,
    escape: char,
    lookup: Option<Lookup<'f>>,
    unresolved: Vec<String>,
    defaulted: Vec<String>,
    unterminated: bool,
    depth: u32,
}

impl<'a, 'f> Lex<'a, 'f> {
    fn new(s: &'a str, escape: char, lookup: Option<Lookup<'f>>) -> Self {
        Lex {
            s,
            pos: 0,
            escape,
            lookup,
            unresolved: Vec::new(),
            defaulted: Vec::new(),
            unterminated: false,
            depth: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.pos..).and_then(|r| r.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn err(&self, msg: impl Into<String>) -> ExpandError {
        ExpandError {
            message: msg.into(),
            offset: self.pos,
        }
    }

    /// Processes until one of `stops` (consumed) or the end. Returns the text and the stop hit.
    fn process_stop_on(
        &mut self,
        stops: &[char],
        raw_escapes: bool,
    ) -> Result<(String, Option<char>), ExpandError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("substitution nested too deeply"));
        }
        let mut out = String::new();
        while let Some(ch) = self.peek() {
            if stops.contains(&ch) {
                self.bump();
                self.depth -= 1;
                return Ok((out, Some(ch)));
            }
            match ch {
                '\'' => {
                    let s = self.single_quote()?;
                    out.push_str(&s);
                }
                '"' => {
                    let s = self.double_quote()?;
                    out.push_str(&s);
                }
                '$' => {
                    let s = self.dollar()?;
                    out.push_str(&s);
                }
                _ => {
                    self.bump();
                    if ch == self.escape {
                        if raw_escapes {
                            out.push(ch);
                        }
                        match self.bump() {
                            Some(c) => out.push(c),
                            None => break,
                        }
                    } else {
                        out.push(ch);
                    }
                }
            }
        }
        self.depth -= 1;
        if let Some(stop) = stops.first() {
            return Err(self.err(format!(
                "unexpected end of statement while looking for matching {stop}"
            )));
        }
        Ok((out, None))
    }

    fn single_quote(&mut self) -> Result<String, ExpandError> {
        self.bump();
        let start = self.pos;
        match self.s.get(start..).and_then(|r| r.find('\'')) {
            Some(i) => {
                self.pos = start + i + 1;
                Ok(self.s[start..start + i].to_string())
            }
            None => {
                if self.lookup.is_none() {
                    self.unterminated = true;
                    self.pos = self.s.len();
                    return Ok(self.s.get(start..).unwrap_or("").to_string());
                }
                Err(self.err("unexpected end of statement while looking for matching single-quote"))
            }
        }
    }

    fn double_quote(&mut self) -> Result<String, ExpandError> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    if self.lookup.is_none() {
                        self.unterminated = true;
                        return Ok(out);
                    }
                    return Err(self.err(
                        "unexpected end of statement while looking for matching double-quote",
                    ));
                }
                Some('"') => {
                    self.bump();
                    return Ok(out);
                }
                Some('$') => {
                    let s = self.dollar()?;
                    out.push_str(&s);
                }
                Some(_) => {
                    let mut ch = self.bump().unwrap_or_default();
                    if ch == self.escape {
                        match self.peek() {
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.escape => {
                                ch = c;
                                self.bump();
                            }
                            Some(_) => {}
                        }
                    }
                    out.push(ch);
                }
            }
        }
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_ascii_digit() {
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    self.bump();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.bump();
                name.push(ch);
                return name;
            }
            if !ch.is_alphanumeric() && ch != '_' {
                break;
            }
            self.bump();
            name.push(ch);
        }
        name
    }

    fn lookup_value(&self, name: &str) -> Option<String> {
        self.lookup.and_then(|f| f(name))
    }

    fn note_unresolved(&mut self, name: &str) {
        if !self.unresolved.iter().any(|n| n == name) {
            self.unresolved.push(name.to_string());
        }
    }

    fn note_defaulted(&mut self, name: &str) {
        if !self.defaulted.iter().any(|n| n == name) {
            self.defaulted.push(name.to_string());
        }
    }

    /// Copies a `$...` expression verbatim (unquote mode).
    fn dollar_raw(&mut self) -> String {
        let start = self.pos;
        self.bump();
        if self.peek() == Some('{') {
            let mut depth = 0usize;
            while let Some(c) = self.bump() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        } else {
            self.name();
        }
        self.s.get(start..self.pos).unwrap_or("").to_string()
    }

    fn dollar(&mut self) -> Result<String, ExpandError> {
        if self.lookup.is_none() {
            return Ok(self.dollar_raw());
        }
        self.bump();
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return Ok("$".to_string());
            }
            return Ok(match self.lookup_value(&name) {
                Some(v) => v,
                None => {
                    self.note_unresolved(&name);
                    String::new()
                }
            });
        }
        self.bump();
        match self.peek() {
            None => return Err(self.err("syntax error: missing '}'")),
            Some('{' | '}' | ':') => return Err(self.err("syntax error: bad substitution")),
            Some(_) => {}
        }
        let name = self.name();
        let Some(ch) = self.bump() else {
            return Err(self.err("syntax error: missing '}'"));
        };
        match ch {
            '}' => Ok(match self.lookup_value(&name) {
                Some(v) => v,
                None => {
                    self.note_unresolved(&name);
                    String::new()
                }
            }),
            ':' | '+' | '-' | '?' | '#' | '%' => {
                let null_is_unset = ch == ':';
                let op = if null_is_unset { self.bump() } else { Some(ch) };
                let Some(op) = op else {
                    return Err(self.err("syntax error: missing '}'"));
                };
                let raw_escapes = op == '#' || op == '%';
                if !matches!(op, '+' | '-' | '?' | '#' | '%') || (null_is_unset && raw_escapes) {
                    let m = if null_is_unset {
                        format!(":{op}")
                    } else {
                        op.to_string()
                    };
                    return Err(self.err(format!("unsupported modifier ({m}) in substitution")));
                }
                let word = match self.process_stop_on(&['}'], raw_escapes) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        if self.peek().is_none() {
                            return Err(self.err("syntax error: missing '}'"));
                        }
                        return Err(e);
                    }
                };
                let value = self.lookup_value(&name);
                let empty = value.as_deref().is_none_or(str::is_empty);
                match op {
                    '-' => {
                        if value.is_none() || (null_is_unset && empty) {
                            if value.is_none() {
                                self.note_defaulted(&name);
                            }
                            Ok(word)
                        } else {
                            Ok(value.unwrap_or_default())
                        }
                    }
                    '+' => {
                        if value.is_none() || (null_is_unset && empty) {
                            if value.is_none() {
                                self.note_defaulted(&name);
                            }
                            Ok(String::new())
                        } else {
                            Ok(word)
                        }
                    }
                    '?' => match value {
                        None => {
                            self.note_unresolved(&name);
                            Ok(String::new())
                        }
                        Some(v) if null_is_unset && v.is_empty() => {
                            let msg = if word.is_empty() {
                                "is not allowed to be empty".to_string()
                            } else {
                                word
                            };
                            Err(self.err(format!("{name}: {msg}")))
                        }
                        Some(v) => Ok(v),
                    },
                    _ => {
                        if value.is_none() {
                            self.note_unresolved(&name);
                        }
                        let v = value.unwrap_or_default();
                        let (greedy, pat) = match word.strip_prefix(op) {
                            Some(rest) => (true, rest.to_string()),
                            None => (false, word),
                        };
                        let pat: Vec<char> = pat.chars().collect();
                        Ok(if op == '#' {
                            trim_prefix(&pat, &v, greedy)
                        } else {
                            trim_suffix(&pat, &v, greedy)
                        })
                    }
                }
            }
            '/' => {
                let all = self.peek() == Some('/');
                if all {
                    self.bump();
                }
                let (pattern, stop) = match self.process_stop_on(&['/', '}'], true) {
                    Ok(r) => r,
                    Err(e) => {
                        if self.peek().is_none() {
                            return Err(self.err("syntax error: missing '}'"));
                        }
                        return Err(e);
                    }
                };
                let replacement = if stop == Some('/') {
                    match self.process_stop_on(&['}'], true) {
                        Ok((r, _)) => r,
                        Err(_) => return Err(self.err("syntax error: missing '}'")),
                    }
                } else {
                    String::new()
                };
                let value = self.lookup_value(&name);
                if value.is_none() {
                    self.note_unresolved(&name);
                }
                let pat: Vec<char> = pattern.chars().collect();
                Ok(replace(&pat, &value.unwrap_or_default(), &replacement, all))
            }
            other => Err(self.err(format!("unsupported modifier ({other}) in substitution"))),
        }
    }
}

/// Shell glob match of a whole string (`*`, `?`, `[...]`, `\x`).
fn glob_match(pat: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pat.len() {
            match pat[p] {
                '*' => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                '?' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class_match(pat, p, text[t]) {
                        if matched {
                            p = next;
                            t += 1;
                            continue;
                        }
                    } else if text[t] == '[' {
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
                '\\' if p + 1 < pat.len() => {
                    if pat[p + 1] == text[t] {
                        p += 2;
                        t += 1;
                        continue;
                    }
                }
                c => {
                    if c == text[t] {
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while p < pat.len() && pat[p] == '*' {
        p += 1;
    }
    p == pat.len()
}

/// Matches a bracket expression starting at `pat[start] == '['`; returns (matched, index after `]`),
/// or `None` when the bracket is not closed (then `[` is literal).
fn class_match(pat: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(pat.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < pat.len() {
        let ch = pat[i];
        if ch == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        let lo = if ch == '\\' && i + 1 < pat.len() {
            i += 1;
            pat[i]
        } else {
            ch
        };
        if pat.get(i + 1) == Some(&'-') && pat.get(i + 2).is_some_and(|&h| h != ']') {
            let hi = pat[i + 2];
            if lo <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

fn char_boundaries(v: &str) -> Vec<usize> {
    let mut b: Vec<usize> = v.char_indices().map(|(i, _)| i).collect();
    b.push(v.len());
    b
}

/// Values longer than this are left alone by the pattern operators (they are quadratic).
const MAX_PATTERN_VALUE: usize = 8192;

fn trim_prefix(pat: &[char], value: &str, greedy: bool) -> String {
    if value.len() > MAX_PATTERN_VALUE {
        return value.to_string();
    }
    let chars: Vec<char> = value.chars().collect();
    let bounds = char_boundaries(value);
    let n = chars.len();
    let try_len = |k: usize| glob_match(pat, &chars[..k]);
    let found = if greedy {
        (0..=n).rev().find(|&k| try_len(k))
    } else {
        (0..=n).find(|&k| try_len(k))
    };
    match found {
        Some(k) => value[bounds[k]..].to_string(),
        None => value.to_string(),
    }
}

fn trim_suffix(pat: &[char], value: &str, greedy: bool) -> String {
    if value.len() > MAX_PATTERN_VALUE {
        return value.to_string();
    }
    let chars: Vec<char> = value.chars().collect();
    let bounds = char_boundaries(value);
    let n = chars.len();
    let try_start = |k: usize| glob_match(pat, &chars[k..]);
    let found = if greedy {
        (0..=n).find(|&k| try_start(k))
    } else {
        (0..=n).rev().find(|&k| try_start(k))
    };
    match found {
        Some(k) => value[..bounds[k]].to_string(),
        None => value.to_string(),
    }
}

fn replace(pat: &[char], value: &str, replacement: &str, all: bool) -> String {
    if value.len() > MAX_PATTERN_VALUE {
        return value.to_string();
    }
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let mut out = String::new();
    let mut i = 0usize;
    let mut replaced = false;
    while i <= n {
        if !replaced || all {
            if let Some(j) = (i..=n).rev().find(|&j| glob_match(pat, &chars[i..j])) {
                out.push_str(replacement);
                replaced = true;
                if j > i {
                    i = j;
                    continue;
                }
            }
        }
        if i < n {
            out.push(chars[i]);
        }
        i += 1;
    }
    out
}

/// Splits a line into words the way BuildKit's lexer does for heredoc detection (quotes and
/// escapes kept, whitespace outside quotes separates). Returns byte ranges.
pub(crate) fn split_words_raw(line: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut it = line.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == '\\' && q == '"' {
                    it.next();
                }
            }
            None => {
                if c.is_whitespace() {
                    if let Some(s) = start.take() {
                        out.push((s, i));
                    }
                    continue;
                }
                if start.is_none() {
                    start = Some(i);
                }
                match c {
                    '\'' | '"' => quote = Some(c),
                    '\\' => {
                        it.next();
                    }
                    _ => {}
                }
            }
        }
    }
    if let Some(s) = start {
        out.push((s, line.len()));
    }
    out
}

/// A heredoc redirection word (`<<EOF`, `<<-"EOF"`, `3<<EOF`) as BuildKit recognises it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HeredocWord {
    pub fd: Option<u32>,
    pub chomp: bool,
    pub name: String,
    pub expand: bool,
}

/// Matches BuildKit's `^(\d*)<<(-?)([^<]*)$` and its delimiter rules.
pub(crate) fn parse_heredoc_word(word: &str) -> Option<HeredocWord> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let rest = word.get(digits..)?.strip_prefix("<<")?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let words = split_words_raw(rest);
    if words.len() != 1 {
        return None;
    }
    let name = unquote(rest, '\\');
    if name.is_empty() {
        return None;
    }
    let count = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    let expand = count(&name) == count(rest);
    let fd = if digits > 0 {
        Some(word[..digits].parse::<u32>().unwrap_or(0))
    } else {
        None
    };
    Some(HeredocWord {
        fd,
        chomp,
        name,
        expand,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn basic_forms() {
        let e = env(&[("A", "x"), ("E", "")]);
        let ex = |w: &str| expand(w, &e).unwrap();
        assert_eq!(ex("$A").value, "x");
        assert_eq!(ex("${A}y").value, "xy");
        assert_eq!(ex("${B:-d}").value, "d");
        assert_eq!(ex("${B:-d}").defaulted, vec!["B"]);
        assert!(ex("${B:-d}").unresolved.is_empty());
        assert_eq!(ex("${E:-d}").value, "d");
        assert_eq!(ex("${E-d}").value, "");
        assert_eq!(ex("${A:+alt}").value, "alt");
        assert_eq!(ex("${E:+alt}").value, "");
        assert_eq!(ex("${E+alt}").value, "alt");
        assert_eq!(ex("${B+alt}").value, "");
        assert_eq!(ex("'$A'").value, "$A");
        assert_eq!(ex("\"$A\"").value, "x");
        assert_eq!(ex("\\$A").value, "$A");
        assert_eq!(ex("$B-$A").unresolved, vec!["B"]);
        assert_eq!(ex("a$").value, "a$");
        assert_eq!(ex("${A:-${B}}").value, "x");
        assert_eq!(ex("${B:-${C}}").unresolved, vec!["C"]);
    }

    #[test]
    fn patterns() {
        let e = env(&[("V", "1.2.3-alpine"), ("P", "a/b/c")]);
        let ex = |w: &str| expand(w, &e).unwrap().value;
        assert_eq!(ex("${V%-*}"), "1.2.3");
        assert_eq!(ex("${V%%.*}"), "1");
        assert_eq!(ex("${V#*.}"), "2.3-alpine");
        assert_eq!(ex("${V##*.}"), "3-alpine");
        assert_eq!(ex("${P/\\//_}"), "a_b/c");
        assert_eq!(ex("${P//\\//_}"), "a_b_c");
        assert_eq!(ex("${P//[ab]/x}"), "x/x/c");
    }

    #[test]
    fn errors() {
        let e = env(&[]);
        assert!(expand("${}", &e).is_err());
        assert!(expand("${A", &e).is_err());
        assert!(expand("${A:1}", &e).is_err());
        assert!(expand("'abc", &e).is_err());
        assert_eq!(expand("${A?}", &e).unwrap().unresolved, vec!["A"]);
    }

    #[test]
    fn backtick_escape() {
        let e = env(&[("A", "x")]);
        assert_eq!(
            expand_with_escape("`$A \\n", '`', &e).unwrap().value,
            "$A \\n"
        );
    }

    #[test]
    fn unquoting() {
        assert_eq!(unquote("\"a b\"c", '\\'), "a bc");
        assert_eq!(unquote("'$x'${y:-\"z\"}", '\\'), "$x${y:-\"z\"}");
        assert_eq!(unquote("a\\ b", '\\'), "a b");
        assert_eq!(unquote_checked("\"abc", '\\'), ("abc".to_string(), false));
    }

    #[test]
    fn heredoc_words() {
        let h = parse_heredoc_word("<<EOF").unwrap();
        assert_eq!(
            (h.fd, h.chomp, h.name.as_str(), h.expand),
            (None, false, "EOF", true)
        );
        let h = parse_heredoc_word("3<<-'E O'").unwrap();
        assert_eq!(
            (h.fd, h.chomp, h.name.as_str(), h.expand),
            (Some(3), true, "E O", false)
        );
        assert!(parse_heredoc_word("<<<EOF").is_none());
        assert!(parse_heredoc_word("<<").is_none());
        assert!(parse_heredoc_word("a<<EOF").is_none());
        assert!(parse_heredoc_word("<<\"\"").is_none());
    }
}
