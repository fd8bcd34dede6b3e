//! dpkg version order (Debian, Ubuntu): `[epoch:]upstream[-revision]`.
//!
//! Hand-written (about 60 lines) rather than the `debversion` crate: that crate orders an empty
//! digit run before `0` (`1a` < `1a0`), where dpkg treats them as equal, and it brings chrono,
//! lazy-regex and num-bigint along. The property test in `tests/version_oracles.rs` compares this
//! code with `dpkg --compare-versions`.

use super::VersionError;
use std::cmp::Ordering;

/// A parsed dpkg version; `Ord` is dpkg's order.
#[derive(Debug, Clone)]
pub struct DpkgVersion<'a> {
    epoch: u32,
    upstream: &'a str,
    revision: &'a str,
}

impl<'a> DpkgVersion<'a> {
    /// Parses `[epoch:]upstream[-revision]`. The epoch must be a number; the upstream part must
    /// not be empty. Characters outside Debian policy are accepted (dpkg only warns).
    pub fn parse(text: &'a str) -> Result<Self, VersionError> {
        let s = text.trim();
        let bad = |why: &str| VersionError::new("dpkg", text, why);
        if s.is_empty() {
            return Err(bad("empty version"));
        }
        if s.chars().any(char::is_whitespace) {
            return Err(bad("whitespace inside the version"));
        }
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) => {
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad("the epoch is not a number"));
                }
                let epoch = e
                    .parse::<u32>()
                    .map_err(|_| bad("the epoch is too large"))?;
                (epoch, rest)
            }
            None => (0, s),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(bad("empty upstream version"));
        }
        Ok(DpkgVersion {
            epoch,
            upstream,
            revision,
        })
    }
}

impl Ord for DpkgVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}

impl PartialOrd for DpkgVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DpkgVersion<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DpkgVersion<'_> {}

/// Weight of one character in a non-digit run: `~` before the end of the string, the end before
/// letters, letters before every other character.
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's comparison of an upstream version or a revision: alternating non-digit runs (compared
/// character by character with [`weight`]) and digit runs (compared as numbers of any length).
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let (wa, wb) = (weight(a.get(i).copied()), weight(b.get(j).copied()));
            if wa != wb {
                return wa.cmp(&wb);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        DpkgVersion::parse(a)
            .unwrap()
            .cmp(&DpkgVersion::parse(b).unwrap())
    }

    #[test]
    fn documented_orders() {
        // Debian policy 5.6.12: `~` sorts before anything, even the end of the part.
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0~~", "1.0~~a"), Ordering::Less);
        assert_eq!(cmp("1.0~~a", "1.0~"), Ordering::Less);
        assert_eq!(cmp("1.0~", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0a"), Ordering::Less);
        // Letters sort before non-letters.
        assert_eq!(cmp("1.0a", "1.0+"), Ordering::Less);
        // The epoch wins over everything else.
        assert_eq!(cmp("1:1.0", "2.0"), Ordering::Greater);
        assert_eq!(cmp("0:1.0", "1.0"), Ordering::Equal);
        // Numbers compare as numbers.
        assert_eq!(cmp("1.10", "1.9"), Ordering::Greater);
        assert_eq!(cmp("1.010", "1.10"), Ordering::Equal);
        assert_eq!(cmp("1a", "1a0"), Ordering::Equal);
        // A missing revision equals revision 0.
        assert_eq!(cmp("1.0", "1.0-0"), Ordering::Equal);
        // Stable updates and backports.
        assert_eq!(cmp("2.36-9+deb12u4", "2.36-9+deb12u10"), Ordering::Less);
        assert_eq!(cmp("20250419~deb12u1", "20250419"), Ordering::Less);
        assert_eq!(cmp("1.2.3-1~bpo12+1", "1.2.3-1"), Ordering::Less);
        assert_eq!(cmp("2.36-9+deb12u4", "2.36-9+deb12u4+b1"), Ordering::Less);
        // The revision is split at the last hyphen.
        assert_eq!(cmp("1.0-1-2", "1.0-1-10"), Ordering::Less);
        // Arbitrarily long numbers do not overflow.
        assert_eq!(
            cmp(
                "1.123456789012345678901234567890",
                "1.123456789012345678901234567891"
            ),
            Ordering::Less
        );
    }

    #[test]
    fn refuses_malformed() {
        for bad in ["", " ", "a:1.0", ":1.0", "1:", "-1", "99999999999:1", "1 0"] {
            assert!(DpkgVersion::parse(bad).is_err(), "{bad:?}");
        }
    }
}
