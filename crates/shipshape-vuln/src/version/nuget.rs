//! NuGet version order (`NuGetVersion`): up to four numbers, a SemVer 2.0 pre-release compared
//! without regard to case, build metadata ignored.
//!
//! Hand-written: NuGet's order differs from SemVer (a fourth number, leading zeros allowed,
//! case-insensitive labels), so the `semver` crate cannot parse or order these versions.

use super::{cmp_digits, VersionError};
use std::cmp::Ordering;

/// A parsed NuGet version; `Ord` is NuGet's order.
#[derive(Debug, Clone)]
pub struct NugetVersion {
    numbers: [String; 4],
    pre: Vec<String>,
}

impl NugetVersion {
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let s = text.trim();
        let bad = |why: &str| VersionError::new("NuGet", text, why);
        let s = s.split_once('+').map_or(s, |(v, _)| v);
        let (release, pre) = match s.split_once('-') {
            Some((r, p)) => (r, Some(p)),
            None => (s, None),
        };
        let parts: Vec<&str> = release.split('.').collect();
        if parts.is_empty() || parts.len() > 4 {
            return Err(bad("one to four numbers"));
        }
        let mut numbers: [String; 4] = Default::default();
        for (k, p) in parts.iter().enumerate() {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("the release part is dotted numbers"));
            }
            numbers[k] = p.trim_start_matches('0').to_string();
        }
        let pre = match pre {
            None => Vec::new(),
            Some(p) => {
                let labels: Vec<String> = p.split('.').map(str::to_ascii_lowercase).collect();
                if labels.iter().any(|l| {
                    l.is_empty() || !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                }) {
                    return Err(bad("a pre-release label is empty or has other characters"));
                }
                labels
            }
        };
        Ok(NugetVersion { numbers, pre })
    }
}

fn cmp_label(a: &str, b: &str) -> Ordering {
    let num = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (num(a), num(b)) {
        (true, true) => cmp_digits(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

impl Ord for NugetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        for k in 0..4 {
            let o = cmp_digits(&self.numbers[k], &other.numbers[k]);
            if o != Ordering::Equal {
                return o;
            }
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => {}
        }
        for (a, b) in self.pre.iter().zip(&other.pre) {
            let o = cmp_label(a, b);
            if o != Ordering::Equal {
                return o;
            }
        }
        self.pre.len().cmp(&other.pre.len())
    }
}

impl PartialOrd for NugetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for NugetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NugetVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        NugetVersion::parse(a)
            .unwrap()
            .cmp(&NugetVersion::parse(b).unwrap())
    }

    #[test]
    fn documented_orders() {
        assert_eq!(cmp("1.0", "1.0.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.01", "1.1"), Ordering::Equal);
        assert_eq!(cmp("1.0.0.1", "1.0.0"), Ordering::Greater);
        assert_eq!(cmp("1.0.0-beta", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0-Beta", "1.0.0-beta"), Ordering::Equal);
        assert_eq!(cmp("1.0.0-alpha.2", "1.0.0-alpha.10"), Ordering::Less);
        assert_eq!(cmp("1.0.0-alpha", "1.0.0-alpha.1"), Ordering::Less);
        assert_eq!(cmp("1.0.0+abc", "1.0.0+def"), Ordering::Equal);
        assert_eq!(cmp("13.0.1", "13.0.3"), Ordering::Less);
        assert!(NugetVersion::parse("1.2.3.4.5").is_err());
        assert!(NugetVersion::parse("x").is_err());
    }
}
