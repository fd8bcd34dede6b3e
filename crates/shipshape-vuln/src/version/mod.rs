//! Version order, exactly as each ecosystem's own tool orders versions.
//!
//! | ecosystem | order | implementation |
//! |---|---|---|
//! | Debian, Ubuntu | dpkg | hand-written ([`dpkg`]), checked against `dpkg --compare-versions` |
//! | Alpine | apk-tools | hand-written ([`apk`]) |
//! | Red Hat, AlmaLinux, Rocky Linux | rpmvercmp with epochs, `~`, `^` | `rpm-version` crate |
//! | crates.io, npm | SemVer 2.0 precedence | `semver` crate ([`semver`]) |
//! | Go | SemVer with `v`, shortened forms, pseudo-versions | `semver` crate ([`semver`]) |
//! | PyPI | PEP 440 | `pep440_rs` crate |
//! | Maven | `ComparableVersion` | hand-written ([`maven`]) |
//! | RubyGems | `Gem::Version` | hand-written ([`rubygems`]) |
//! | NuGet | `NuGetVersion` | hand-written ([`nuget`]) |
//! | Packagist | Composer normalisation + PHP `version_compare` | hand-written ([`packagist`]) |
//!
//! A version that its ecosystem cannot parse is a [`VersionError`]; the matcher reports it rather
//! than guessing.

pub mod apk;
pub mod dpkg;
pub mod maven;
pub mod nuget;
pub mod packagist;
pub mod rubygems;
pub mod semver;

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A version its ecosystem does not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionError {
    pub scheme: &'static str,
    pub version: String,
    pub reason: String,
}

impl VersionError {
    pub(crate) fn new(scheme: &'static str, version: &str, reason: &str) -> Self {
        VersionError {
            scheme,
            version: version.to_string(),
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a {} version: {}",
            self.version, self.scheme, self.reason
        )
    }
}

impl std::error::Error for VersionError {}

/// Compares two runs of ASCII digits as numbers of any length (an empty run is zero).
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The ecosystems whose versions shipshape orders (OSV's ecosystem names, without the release
/// suffix such as `:12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    Debian,
    Ubuntu,
    Alpine,
    RedHat,
    AlmaLinux,
    RockyLinux,
    CratesIo,
    Npm,
    PyPI,
    Go,
    Maven,
    RubyGems,
    Packagist,
    NuGet,
}

impl Ecosystem {
    pub const ALL: [Ecosystem; 14] = [
        Ecosystem::Debian,
        Ecosystem::Ubuntu,
        Ecosystem::Alpine,
        Ecosystem::RedHat,
        Ecosystem::AlmaLinux,
        Ecosystem::RockyLinux,
        Ecosystem::CratesIo,
        Ecosystem::Npm,
        Ecosystem::PyPI,
        Ecosystem::Go,
        Ecosystem::Maven,
        Ecosystem::RubyGems,
        Ecosystem::Packagist,
        Ecosystem::NuGet,
    ];

    /// The name OSV uses (and the folder name of the OSV bucket's `all.zip`).
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::Debian => "Debian",
            Ecosystem::Ubuntu => "Ubuntu",
            Ecosystem::Alpine => "Alpine",
            Ecosystem::RedHat => "Red Hat",
            Ecosystem::AlmaLinux => "AlmaLinux",
            Ecosystem::RockyLinux => "Rocky Linux",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Go => "Go",
            Ecosystem::Maven => "Maven",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::NuGet => "NuGet",
        }
    }

    /// Splits an OSV ecosystem string into the ecosystem and its release (`Debian:12` gives
    /// Debian and `12`); `None` for an ecosystem shipshape does not order.
    pub fn parse_osv(s: &str) -> Option<(Ecosystem, Option<&str>)> {
        let (base, release) = match s.split_once(':') {
            Some((b, r)) => (b, Some(r)),
            None => (s, None),
        };
        let eco = Ecosystem::ALL.into_iter().find(|e| e.osv_name() == base)?;
        Some((eco, release.filter(|r| !r.is_empty())))
    }

    /// True for distributions, whose advisories are per release.
    pub fn is_distro(self) -> bool {
        matches!(
            self,
            Ecosystem::Debian
                | Ecosystem::Ubuntu
                | Ecosystem::Alpine
                | Ecosystem::RedHat
                | Ecosystem::AlmaLinux
                | Ecosystem::RockyLinux
        )
    }

    /// The name as stored and looked up: PyPI names are normalised (PEP 503), npm, NuGet and
    /// Packagist names are case-insensitive; the others are kept as written.
    pub fn normalize_name(self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => {
                let mut out = String::with_capacity(name.len());
                let mut sep = false;
                for c in name.trim().chars() {
                    if matches!(c, '-' | '_' | '.') {
                        sep = true;
                    } else {
                        if sep && !out.is_empty() {
                            out.push('-');
                        }
                        sep = false;
                        out.push(c.to_ascii_lowercase());
                    }
                }
                out
            }
            Ecosystem::Npm | Ecosystem::NuGet | Ecosystem::Packagist => {
                name.trim().to_ascii_lowercase()
            }
            _ => name.trim().to_string(),
        }
    }

    /// Compares two versions in this ecosystem's order.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(match self {
            Ecosystem::Debian | Ecosystem::Ubuntu => {
                dpkg::DpkgVersion::parse(a)?.cmp(&dpkg::DpkgVersion::parse(b)?)
            }
            Ecosystem::Alpine => apk::ApkVersion::parse(a)?.cmp(&apk::ApkVersion::parse(b)?),
            Ecosystem::RedHat | Ecosystem::AlmaLinux | Ecosystem::RockyLinux => {
                rpm_parse(a)?.cmp(&rpm_parse(b)?)
            }
            Ecosystem::CratesIo => semver::cmp(
                &semver::parse_strict("crates.io", a)?,
                &semver::parse_strict("crates.io", b)?,
            ),
            Ecosystem::Npm => semver::cmp(&semver::parse_npm(a)?, &semver::parse_npm(b)?),
            Ecosystem::Go => semver::cmp(&semver::parse_go(a)?, &semver::parse_go(b)?),
            Ecosystem::PyPI => pep440_parse(a)?.cmp(&pep440_parse(b)?),
            Ecosystem::Maven => maven::MavenVersion::parse(a).cmp(&maven::MavenVersion::parse(b)),
            Ecosystem::RubyGems => {
                rubygems::GemVersion::parse(a)?.cmp(&rubygems::GemVersion::parse(b)?)
            }
            Ecosystem::NuGet => nuget::NugetVersion::parse(a)?.cmp(&nuget::NugetVersion::parse(b)?),
            Ecosystem::Packagist => {
                packagist::ComposerVersion::parse(a)?.cmp(&packagist::ComposerVersion::parse(b)?)
            }
        })
    }

    /// Checks that a version parses in this ecosystem.
    pub fn validate(self, v: &str) -> Result<(), VersionError> {
        self.compare(v, v).map(|_| ())
    }
}

impl serde::Serialize for Ecosystem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.osv_name())
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.osv_name())
    }
}

/// rpm EVR `[epoch:]version[-release]` through the `rpm-version` crate (a port of rpmvercmp:
/// `~` sorts before everything, `^` after the base version but before anything else).
fn rpm_parse(v: &str) -> Result<rpm_version::Evr<'_>, VersionError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(VersionError::new("rpm", v, "empty version"));
    }
    if let Some((epoch, _)) = t.split_once(':') {
        if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VersionError::new("rpm", v, "the epoch is not a number"));
        }
    }
    Ok(rpm_version::Evr::parse(t))
}

fn pep440_parse(v: &str) -> Result<pep440_rs::Version, VersionError> {
    pep440_rs::Version::from_str(v.trim())
        .map_err(|e| VersionError::new("PEP 440", v, &e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpm_orders() {
        let c = |a, b| Ecosystem::RockyLinux.compare(a, b).unwrap();
        // rpm's documented semantics (rpmvercmp).
        assert_eq!(c("1.0", "1.0"), Ordering::Equal);
        assert_eq!(c("1.0", "2.0"), Ordering::Less);
        assert_eq!(c("2.0.1", "2.0"), Ordering::Greater);
        assert_eq!(c("2.0.1a", "2.0.1"), Ordering::Greater);
        assert_eq!(c("5.5p1", "5.5p10"), Ordering::Less);
        assert_eq!(c("10xyz", "10.1xyz"), Ordering::Less);
        assert_eq!(c("xyz10", "xyz10.1"), Ordering::Less);
        assert_eq!(c("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(c("1.0~rc1", "1.0~rc2"), Ordering::Less);
        assert_eq!(c("1.0^", "1.0"), Ordering::Greater);
        assert_eq!(c("1.0^git1", "1.0.1"), Ordering::Less);
        assert_eq!(c("1.0^git1", "1.0~rc1"), Ordering::Greater);
        assert_eq!(c("1.010", "1.10"), Ordering::Equal);
        assert_eq!(c("1.a", "1.1"), Ordering::Less);
        assert_eq!(c("1:1.0-1.el9", "2.0-1.el9"), Ordering::Greater);
        assert_eq!(c("0:1.0-1.el9", "1.0-1.el9"), Ordering::Equal);
        assert_eq!(c("3.0.7-24.el9", "3.0.7-27.el9"), Ordering::Less);
        assert_eq!(c("1.0-1.el9_2.1", "1.0-1.el9_2"), Ordering::Greater);
        assert!(Ecosystem::RedHat.compare("x:1", "1").is_err());
    }

    #[test]
    fn pep440_orders() {
        let c = |a, b| Ecosystem::PyPI.compare(a, b).unwrap();
        // PEP 440's summary of the order.
        let chain = [
            "1.0.dev0",
            "1.0a1",
            "1.0a2.dev1",
            "1.0a2",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+local",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.1",
            "1!0.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(c(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(c("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(c("1.0-RC1", "1.0rc1"), Ordering::Equal);
        assert!(Ecosystem::PyPI.compare("not a version", "1").is_err());
    }

    #[test]
    fn ecosystem_names() {
        assert_eq!(
            Ecosystem::parse_osv("Debian:12"),
            Some((Ecosystem::Debian, Some("12")))
        );
        assert_eq!(
            Ecosystem::parse_osv("Alpine:v3.20"),
            Some((Ecosystem::Alpine, Some("v3.20")))
        );
        assert_eq!(
            Ecosystem::parse_osv("crates.io"),
            Some((Ecosystem::CratesIo, None))
        );
        assert_eq!(Ecosystem::parse_osv("Hackage"), None);
        assert_eq!(Ecosystem::PyPI.normalize_name("Foo_Bar.baz"), "foo-bar-baz");
        assert_eq!(
            Ecosystem::PyPI.normalize_name("zope.interface"),
            "zope-interface"
        );
        assert_eq!(Ecosystem::Npm.normalize_name("JSONStream"), "jsonstream");
        assert_eq!(
            Ecosystem::Go.normalize_name("github.com/A/b"),
            "github.com/A/b"
        );
    }
}
