//! Packagist (Composer) version order: Composer's normalisation (`VersionParser::normalize`:
//! four numbers, expanded stability words) followed by PHP's `version_compare`.
//!
//! Hand-written: no Rust crate implements Composer's order. Branch names (`dev-main`) are not
//! versions and are refused.

use super::{cmp_digits, VersionError};
use std::cmp::Ordering;

/// A Composer version, normalised (`1.2.0.0-beta2`); `Ord` is `version_compare` on that form.
#[derive(Debug, Clone)]
pub struct ComposerVersion {
    parts: Vec<String>,
}

impl ComposerVersion {
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let normalized = normalize(text)?;
        Ok(ComposerVersion {
            parts: canonical_parts(&normalized),
        })
    }
}

fn normalize(text: &str) -> Result<String, VersionError> {
    let bad = |why: &str| VersionError::new("Packagist", text, why);
    let mut s = text.trim();
    if s.to_ascii_lowercase().starts_with("dev-") {
        return Err(bad("a branch name, not a version"));
    }
    // Build metadata and stability flags do not order.
    if let Some((v, _)) = s.split_once('+') {
        s = v;
    }
    if let Some((v, _)) = s.split_once('@') {
        s = v;
    }
    if let Some(rest) = s.strip_prefix(['v', 'V']) {
        s = rest;
    }
    let b = s.as_bytes();
    // Up to four dotted numbers.
    let mut numbers: Vec<&str> = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return Err(bad("expected a number"));
        }
        numbers.push(&s[start..i]);
        if numbers.len() < 4
            && b.get(i) == Some(&b'.')
            && b.get(i + 1).is_some_and(u8::is_ascii_digit)
        {
            i += 1;
        } else {
            break;
        }
    }
    let mut out: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
    while out.len() < 4 {
        out.push("0".to_string());
    }
    let mut normalized = out.join(".");
    let mut rest = &s[i..];
    if rest.is_empty() {
        return Ok(normalized);
    }
    // [._-]? stability [[.-]? digits]* ([.-]? dev)?
    rest = rest.strip_prefix(['.', '_', '-']).unwrap_or(rest);
    let lower = rest.to_ascii_lowercase();
    let words = [
        ("stable", ""),
        ("alpha", "alpha"),
        ("beta", "beta"),
        ("patch", "patch"),
        ("rc", "RC"),
        ("pl", "patch"),
        ("a", "alpha"),
        ("b", "beta"),
        ("p", "patch"),
    ];
    let mut modifier = None;
    for (w, expanded) in words {
        let Some(after) = lower.strip_prefix(w) else {
            continue;
        };
        let next_is_letter = after.starts_with(|c: char| c.is_ascii_alphabetic());
        if !next_is_letter || after.starts_with("dev") {
            modifier = Some((w.len(), expanded));
            break;
        }
    }
    let mut tail = lower.as_str();
    if let Some((len, expanded)) = modifier {
        tail = &tail[len..];
        let digits_start = tail;
        let mut k = 0;
        let tb = tail.as_bytes();
        while k < tb.len()
            && (tb[k].is_ascii_digit()
                || ((tb[k] == b'.' || tb[k] == b'-')
                    && tb.get(k + 1).is_some_and(u8::is_ascii_digit)))
        {
            k += 1;
        }
        let number = &digits_start[..k];
        tail = &tail[k..];
        if !expanded.is_empty() {
            normalized.push('-');
            normalized.push_str(expanded);
            normalized.push_str(number.trim_start_matches(['.', '-']));
        }
    }
    let tail = tail.strip_prefix(['.', '-']).unwrap_or(tail);
    if tail == "dev" {
        normalized.push_str("-dev");
    } else if !tail.is_empty() {
        return Err(bad("not a Composer version"));
    }
    Ok(normalized)
}

/// PHP's canonical form: `-`, `_` and `+` become `.`, and a `.` separates every switch between
/// digits and other characters.
fn canonical_parts(v: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut prev_digit: Option<bool> = None;
    for c in v.chars() {
        if matches!(c, '-' | '_' | '+' | '.') {
            if !cur.is_empty() {
                parts.push(std::mem::take(&mut cur));
            }
            prev_digit = None;
            continue;
        }
        let d = c.is_ascii_digit();
        if prev_digit.is_some_and(|p| p != d) && !cur.is_empty() {
            parts.push(std::mem::take(&mut cur));
        }
        cur.push(c);
        prev_digit = Some(d);
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// PHP's special forms, by prefix, in the order PHP tries them; a number counts as `#`.
fn special_rank(form: &str) -> i32 {
    const FORMS: [(&str, i32); 10] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| form.starts_with(name))
        .map_or(-1, |(_, r)| *r)
}

fn is_num(p: &str) -> bool {
    p.bytes().all(|b| b.is_ascii_digit())
}

fn cmp_part(a: &str, b: &str) -> Ordering {
    match (is_num(a), is_num(b)) {
        (true, true) => cmp_digits(a, b),
        (false, false) => special_rank(a).cmp(&special_rank(b)),
        (true, false) => special_rank("#").cmp(&special_rank(b)),
        (false, true) => special_rank(a).cmp(&special_rank("#")),
    }
}

impl Ord for ComposerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.parts.iter().zip(&other.parts) {
            let o = cmp_part(a, b);
            if o != Ordering::Equal {
                return o;
            }
        }
        let n = self.parts.len().min(other.parts.len());
        match (self.parts.get(n), other.parts.get(n)) {
            (Some(a), _) if is_num(a) => Ordering::Greater,
            (Some(a), _) => special_rank(a).cmp(&special_rank("#")),
            (None, Some(b)) if is_num(b) => Ordering::Less,
            (None, Some(b)) => special_rank("#").cmp(&special_rank(b)),
            (None, None) => Ordering::Equal,
        }
    }
}

impl PartialOrd for ComposerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ComposerVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ComposerVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        ComposerVersion::parse(a)
            .unwrap()
            .cmp(&ComposerVersion::parse(b).unwrap())
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize("1.0").unwrap(), "1.0.0.0");
        assert_eq!(normalize("v2.3.4").unwrap(), "2.3.4.0");
        assert_eq!(normalize("1.0.0-beta2").unwrap(), "1.0.0.0-beta2");
        assert_eq!(normalize("1.0.0RC1").unwrap(), "1.0.0.0-RC1");
        assert_eq!(normalize("1.0.0-b1").unwrap(), "1.0.0.0-beta1");
        assert_eq!(normalize("1.0.0-pl3").unwrap(), "1.0.0.0-patch3");
        assert_eq!(normalize("1.0.0-stable").unwrap(), "1.0.0.0");
        assert_eq!(normalize("1.0.0-dev").unwrap(), "1.0.0.0-dev");
        assert_eq!(normalize("1.0.0-alpha3-dev").unwrap(), "1.0.0.0-alpha3-dev");
        assert!(normalize("dev-main").is_err());
        assert!(normalize("banana").is_err());
    }

    #[test]
    fn orders() {
        let ascending = [
            "1.0.0-dev",
            "1.0.0-alpha1",
            "1.0.0-alpha2",
            "1.0.0-beta1",
            "1.0.0-RC1",
            "1.0.0",
            "1.0.0-p1",
            "1.0.1",
            "1.0.10",
            "1.1",
            "2",
        ];
        for w in ascending.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(cmp("1.0", "1.0.0.0"), Ordering::Equal);
        assert_eq!(cmp("v5.4.3", "5.4.3"), Ordering::Equal);
    }
}
