//! RubyGems version order (`Gem::Version#<=>`).
//!
//! Hand-written: no Rust crate implements it. A version is segments of digits or letters
//! (`1.0.0.pre.2`, a `-` standing for `.pre.`); trailing zeros are dropped from the release part
//! and from the pre-release part; a letter segment makes a pre-release, older than any number.

use super::{cmp_digits, VersionError};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Num(String),
    Str(String),
}

/// A parsed RubyGems version; `Ord` is RubyGems' order.
#[derive(Debug, Clone)]
pub struct GemVersion {
    segments: Vec<Seg>,
}

impl GemVersion {
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let s = text.trim();
        let bad = |why: &str| VersionError::new("RubyGems", text, why);
        if s.is_empty() {
            // RubyGems reads an empty version as "0".
            return Ok(GemVersion {
                segments: Vec::new(),
            });
        }
        if !s.as_bytes()[0].is_ascii_digit() {
            return Err(bad("a version starts with a digit"));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            return Err(bad("only letters, digits, `.` and `-` are allowed"));
        }
        if s.contains("..") || s.ends_with('.') {
            return Err(bad("an empty segment"));
        }
        let s = s.replace('-', ".pre.");
        let mut raw = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let start = i;
            if b[i].is_ascii_digit() {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                raw.push(Seg::Num(s[start..i].trim_start_matches('0').to_string()));
            } else if b[i].is_ascii_alphabetic() {
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                raw.push(Seg::Str(s[start..i].to_string()));
            } else {
                i += 1;
            }
        }
        // Canonical segments: the release part and the pre-release part, each without trailing
        // zeros.
        let split = raw
            .iter()
            .position(|s| matches!(s, Seg::Str(_)))
            .unwrap_or(raw.len());
        let (release, pre) = raw.split_at(split);
        let trim = |part: &[Seg]| {
            let mut v = part.to_vec();
            while matches!(v.last(), Some(Seg::Num(d)) if d.is_empty()) {
                v.pop();
            }
            v
        };
        let mut segments = trim(release);
        segments.extend(trim(pre));
        Ok(GemVersion { segments })
    }

    /// True for a pre-release (a letter anywhere).
    pub fn is_prerelease(&self) -> bool {
        self.segments.iter().any(|s| matches!(s, Seg::Str(_)))
    }
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Seg::Num(String::new());
        for k in 0..self.segments.len().max(other.segments.len()) {
            let a = self.segments.get(k).unwrap_or(&zero);
            let b = other.segments.get(k).unwrap_or(&zero);
            let o = match (a, b) {
                (Seg::Num(x), Seg::Num(y)) => cmp_digits(x, y),
                (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
                (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
                (Seg::Str(x), Seg::Str(y)) => x.cmp(y),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GemVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        GemVersion::parse(a)
            .unwrap()
            .cmp(&GemVersion::parse(b).unwrap())
    }

    #[test]
    fn documented_orders() {
        // Gem::Version's documentation: 1.0.a.2 < 1.0.b1 < 1.0 < 1.0.1.
        let ascending = [
            "1.0.a.2",
            "1.0.b1",
            "1.0",
            "1.0.1",
            "1.1",
            "2.0.0.rc1",
            "2.0.0",
        ];
        for w in ascending.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(cmp("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.0.0.pre.beta", "1.0.0-beta"), Ordering::Equal);
        assert_eq!(cmp("1.0.0-1", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("1.0.a.0", "1.0.a"), Ordering::Equal);
        assert_eq!(cmp("5.2.4.3", "5.2.4.10"), Ordering::Less);
        assert_eq!(cmp("1.13.10", "1.13.9"), Ordering::Greater);
        assert!(GemVersion::parse("1.0.a").unwrap().is_prerelease());
        assert!(GemVersion::parse("junk").is_err());
        assert!(GemVersion::parse("1..0").is_err());
    }
}
