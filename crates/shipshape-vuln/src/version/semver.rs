//! SemVer 2.0 precedence (crates.io, npm, Go) through the `semver` crate, which is exactly
//! SemVer 2.0: `Version::cmp_precedence` ignores build metadata as the specification says.
//!
//! Go module versions are SemVer with a `v` and may be shortened (`v1`, `v1.2`, both padded with
//! zeros, as `golang.org/x/mod/semver` does); pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`,
//! `v1.2.4-0.20191109021931-daa7c04131f5`) are pre-releases and order correctly under SemVer
//! precedence; `+incompatible` is build metadata and does not order.

use super::VersionError;
use std::cmp::Ordering;

/// Parses a strict SemVer 2.0 version (crates.io).
pub fn parse_strict(eco: &'static str, text: &str) -> Result<semver::Version, VersionError> {
    semver::Version::parse(text.trim()).map_err(|e| VersionError::new(eco, text, &e.to_string()))
}

/// npm versions: node-semver accepts a leading `v` or `=` (its loose prefix) before strict SemVer.
pub fn parse_npm(text: &str) -> Result<semver::Version, VersionError> {
    let t = text.trim();
    let t = t.strip_prefix('=').unwrap_or(t).trim_start();
    let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
    parse_strict("npm", t).map_err(|_| VersionError::new("npm", text, "not a SemVer version"))
}

/// Go module versions, with or without the leading `v`; `v1` and `v1.2` are padded.
pub fn parse_go(text: &str) -> Result<semver::Version, VersionError> {
    let t = text.trim();
    let t = t.strip_prefix('v').unwrap_or(t);
    // Split off pre-release and build before padding the release numbers.
    let cut = t.find(['-', '+']).unwrap_or(t.len());
    let (release, rest) = t.split_at(cut);
    let dots = release.matches('.').count();
    let padded = match dots {
        0 if !rest.is_empty() => {
            // `v1-pre` is not a valid shortened version in Go.
            return Err(VersionError::new(
                "Go",
                text,
                "a shortened version has no pre-release",
            ));
        }
        0 => format!("{release}.0.0"),
        1 if !rest.is_empty() => {
            return Err(VersionError::new(
                "Go",
                text,
                "a shortened version has no pre-release",
            ));
        }
        1 => format!("{release}.0"),
        _ => t.to_string(),
    };
    semver::Version::parse(&padded).map_err(|e| VersionError::new("Go", text, &e.to_string()))
}

/// SemVer 2.0 precedence: build metadata does not order.
pub fn cmp(a: &semver::Version, b: &semver::Version) -> Ordering {
    a.cmp_precedence(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(a: &str, b: &str) -> Ordering {
        cmp(&parse_go(a).unwrap(), &parse_go(b).unwrap())
    }

    #[test]
    fn semver_specification_order() {
        // SemVer 2.0 §11's example chain.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for w in chain.windows(2) {
            let a = parse_strict("crates.io", w[0]).unwrap();
            let b = parse_strict("crates.io", w[1]).unwrap();
            assert_eq!(cmp(&a, &b), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        let a = parse_strict("crates.io", "1.0.0+build.1").unwrap();
        let b = parse_strict("crates.io", "1.0.0+build.2").unwrap();
        assert_eq!(cmp(&a, &b), Ordering::Equal);
        assert!(parse_strict("crates.io", "1.0").is_err());
        assert_eq!(
            cmp(&parse_npm("v1.2.3").unwrap(), &parse_npm("=1.2.3").unwrap()),
            Ordering::Equal
        );
    }

    #[test]
    fn go_pseudo_versions() {
        assert_eq!(go("v1", "v1.0.0"), Ordering::Equal);
        assert_eq!(go("v1.2", "1.2.0"), Ordering::Equal);
        // A pseudo-version without a base tag sorts before every release.
        assert_eq!(
            go("v0.0.0-20191109021931-daa7c04131f5", "v0.1.0"),
            Ordering::Less
        );
        // A pseudo-version after v1.2.3 sorts after it and before v1.2.4.
        let pseudo = "v1.2.4-0.20191109021931-daa7c04131f5";
        assert_eq!(go("v1.2.3", pseudo), Ordering::Less);
        assert_eq!(go(pseudo, "v1.2.4"), Ordering::Less);
        // Pseudo-versions order by their timestamp.
        assert_eq!(
            go(
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-000000000000"
            ),
            Ordering::Less
        );
        // A pseudo-version after a pre-release: vX.Y.Z-pre.0.yyyymmddhhmmss-hash.
        assert_eq!(
            go(
                "v1.2.3-beta.1",
                "v1.2.3-beta.1.0.20191109021931-daa7c04131f5"
            ),
            Ordering::Less
        );
        assert_eq!(go("v2.0.0+incompatible", "v2.0.0"), Ordering::Equal);
        assert!(parse_go("v1-pre").is_err());
        assert!(parse_go("latest").is_err());
    }
}
