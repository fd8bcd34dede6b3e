//! apk version order (Alpine): `digits{.digits}[letter]{_suffix[digits]}[~hash][-rN]`.
//!
//! Hand-written: no maintained crate implements apk-tools' order. The grammar and the order of
//! token kinds follow apk-tools' `version.c` semantics: after equal leading tokens, the version
//! that goes on is newer, unless what follows is a pre-release suffix (`_alpha`, `_beta`, `_pre`,
//! `_rc`); a later token kind (a revision after a digit) makes the version older than one that
//! goes on with an earlier kind (`1.2-r1` < `1.2.1`).

use super::{cmp_digits, VersionError};
use std::cmp::Ordering;

/// Token kinds in the order the grammar allows them; the order is also the tie-breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
}

/// Suffix ranks: pre-release words before "no suffix" (5), post-release words after it.
const SUFFIXES: [(&str, u8); 9] = [
    ("alpha", 1),
    ("beta", 2),
    ("pre", 3),
    ("rc", 4),
    ("cvs", 6),
    ("svn", 7),
    ("git", 8),
    ("hg", 9),
    ("p", 10),
];
const SUFFIX_NONE: u8 = 5;

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    suffix: u8,
}

/// A parsed apk version; `Ord` is apk's order.
#[derive(Debug, Clone)]
pub struct ApkVersion<'a> {
    tokens: Vec<Token<'a>>,
}

impl<'a> ApkVersion<'a> {
    /// Parses and validates an apk version (an invalid one is an error, as `apk version -c`
    /// would report it).
    pub fn parse(text: &'a str) -> Result<Self, VersionError> {
        let s = text.trim();
        let bad = |why: &str| VersionError::new("apk", text, why);
        let b = s.as_bytes();
        let digits_end = |from: usize| {
            let mut k = from;
            while k < b.len() && b[k].is_ascii_digit() {
                k += 1;
            }
            k
        };
        let mut tokens = Vec::new();
        let first = digits_end(0);
        if first == 0 {
            return Err(bad("a version starts with a digit"));
        }
        tokens.push(Token {
            kind: Kind::InitialDigit,
            text: &s[..first],
            suffix: 0,
        });
        let mut i = first;
        let mut last = Kind::InitialDigit;
        while i < b.len() {
            let (kind, start, end, suffix) = match b[i] {
                b'a'..=b'z' if last <= Kind::Digit => (Kind::Letter, i, i + 1, 0),
                b'.' if last <= Kind::Digit => {
                    let end = digits_end(i + 1);
                    (Kind::Digit, i + 1, end, 0)
                }
                b'0'..=b'9' if last == Kind::Suffix => (Kind::SuffixNo, i, digits_end(i), 0),
                b'_' if last <= Kind::SuffixNo => {
                    let mut end = i + 1;
                    while end < b.len() && b[end].is_ascii_lowercase() {
                        end += 1;
                    }
                    let word = &s[i + 1..end];
                    let rank = SUFFIXES
                        .iter()
                        .find(|(w, _)| *w == word)
                        .map(|(_, r)| *r)
                        .ok_or_else(|| bad("unknown suffix"))?;
                    (Kind::Suffix, i + 1, end, rank)
                }
                b'~' if last < Kind::CommitHash => {
                    let mut end = i + 1;
                    while end < b.len() && b[end].is_ascii_hexdigit() {
                        end += 1;
                    }
                    (Kind::CommitHash, i + 1, end, 0)
                }
                b'-' if last < Kind::RevisionNo && b.get(i + 1) == Some(&b'r') => {
                    (Kind::RevisionNo, i + 2, digits_end(i + 2), 0)
                }
                _ => return Err(bad("unexpected character")),
            };
            if end == start {
                return Err(bad("a part of the version is empty"));
            }
            tokens.push(Token {
                kind,
                text: &s[start..end],
                suffix,
            });
            last = kind;
            i = end;
        }
        Ok(ApkVersion { tokens })
    }
}

fn token_cmp(a: &Token<'_>, b: &Token<'_>) -> Ordering {
    match a.kind {
        // A digit group after a dot with a leading zero compares as a string (1.01 < 1.1).
        Kind::Digit if a.text.starts_with('0') || b.text.starts_with('0') => a.text.cmp(b.text),
        Kind::InitialDigit | Kind::Digit | Kind::SuffixNo | Kind::RevisionNo => {
            cmp_digits(a.text, b.text)
        }
        Kind::Suffix => a.suffix.cmp(&b.suffix),
        Kind::Letter | Kind::CommitHash | Kind::End => a.text.cmp(b.text),
    }
}

impl Ord for ApkVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        let end = Token {
            kind: Kind::End,
            text: "",
            suffix: SUFFIX_NONE,
        };
        let mut k = 0;
        loop {
            let a = self.tokens.get(k).copied().unwrap_or(end);
            let b = other.tokens.get(k).copied().unwrap_or(end);
            if a.kind == b.kind {
                if a.kind == Kind::End {
                    return Ordering::Equal;
                }
                match token_cmp(&a, &b) {
                    Ordering::Equal => {
                        k += 1;
                        continue;
                    }
                    o => return o,
                }
            }
            // The versions agree so far and one goes on differently.
            if a.kind == Kind::Suffix && a.suffix < SUFFIX_NONE {
                return Ordering::Less;
            }
            if b.kind == Kind::Suffix && b.suffix < SUFFIX_NONE {
                return Ordering::Greater;
            }
            return b.kind.cmp(&a.kind);
        }
    }
}

impl PartialOrd for ApkVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ApkVersion<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ApkVersion<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        ApkVersion::parse(a)
            .unwrap()
            .cmp(&ApkVersion::parse(b).unwrap())
    }

    #[test]
    fn orders() {
        let ascending = [
            "1.0_alpha",
            "1.0_alpha1",
            "1.0_alpha2",
            "1.0_beta",
            "1.0_pre1",
            "1.0_rc1",
            "1.0",
            "1.0-r1",
            "1.0-r2",
            "1.0-r10",
            "1.0_cvs",
            "1.0_git20240101",
            "1.0_p1",
            "1.0a",
            "1.0b",
            "1.0.1",
            "1.1",
            "1.10",
            "2",
        ];
        for w in ascending.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
            assert_eq!(cmp(w[1], w[0]), Ordering::Greater, "{} > {}", w[1], w[0]);
        }
        // Leading zeros after a dot compare as strings.
        assert_eq!(cmp("1.01", "1.1"), Ordering::Less);
        assert_eq!(cmp("8.2.0015", "8.2.002"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("3.1.4-r5", "3.1.4-r5"), Ordering::Equal);
        assert_eq!(cmp("1.2.3-r0", "1.2.3"), Ordering::Greater);
        assert_eq!(cmp("1.2_p1-r0", "1.2_p1"), Ordering::Greater);
        // Real Alpine versions.
        assert_eq!(cmp("3.0.12-r0", "3.0.8-r0"), Ordering::Greater);
        assert_eq!(cmp("1.36.1-r29", "1.36.1-r30"), Ordering::Less);
        assert_eq!(cmp("2.40.1_git20240101-r0", "2.40.1-r0"), Ordering::Greater);
        assert_eq!(cmp("1.0~abc", "1.0~abd"), Ordering::Less);
    }

    #[test]
    fn refuses_invalid() {
        for bad in [
            "",
            "a1",
            "1.0-1",
            "1.0_foo",
            "1.0-r",
            "1..0",
            "1.0-r1_p1",
            "1.0A",
            "1.0 ",
        ] {
            let trimmed_ok = bad == "1.0 ";
            assert_eq!(ApkVersion::parse(bad).is_ok(), trimmed_ok, "{bad:?}");
        }
    }
}
