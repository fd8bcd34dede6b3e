//! End-of-life dates of distribution releases, kept as data (`data/eol.toml`). Shared with the
//! Dockerfile analyser, which looks up base images by tag (`debian:bookworm`, `alpine:3.19`).

use jiff::civil::Date;
use serde::Deserialize;
use std::sync::OnceLock;

/// One release's support dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EolInfo {
    /// os-release `ID` (`debian`, `ubuntu`, `alpine`…).
    pub distro: String,
    /// The release as the table names it (`12`, `22.04`, `3.19`).
    pub version: String,
    pub codename: Option<String>,
    /// End of regular security support.
    pub eol: Date,
    /// End of the longest free support (Debian LTS), when later than `eol`.
    pub extended: Option<Date>,
}

/// Where a release stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EolStatus {
    Supported,
    /// Supported, but regular support ends within 90 days.
    EndingSoon,
    /// Past regular support, still within free extended support (Debian LTS).
    ExtendedOnly,
    EndOfLife,
}

impl EolInfo {
    /// The status on `today`.
    pub fn status(&self, today: Date) -> EolStatus {
        if today > self.eol {
            match self.extended {
                Some(x) if today <= x => EolStatus::ExtendedOnly,
                _ => EolStatus::EndOfLife,
            }
        } else if self
            .eol
            .since(today)
            .map(|s| s.get_days())
            .unwrap_or(i32::MAX)
            <= 90
        {
            EolStatus::EndingSoon
        } else {
            EolStatus::Supported
        }
    }

    /// `debian 12 (bookworm)`.
    pub fn label(&self) -> String {
        match &self.codename {
            Some(c) => format!("{} {} ({c})", self.distro, self.version),
            None => format!("{} {}", self.distro, self.version),
        }
    }
}

#[derive(Deserialize)]
struct Table {
    release: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    distro: String,
    version: String,
    codename: Option<String>,
    eol: String,
    extended: Option<String>,
}

fn table() -> &'static [EolInfo] {
    static TABLE: OnceLock<Vec<EolInfo>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The table is part of the crate and checked by a test: a bad row is skipped, not a panic.
        let parsed: Table = toml::from_str(include_str!("../data/eol.toml")).unwrap_or(Table {
            release: Vec::new(),
        });
        parsed
            .release
            .into_iter()
            .filter_map(|r| {
                Some(EolInfo {
                    eol: r.eol.parse().ok()?,
                    extended: match r.extended {
                        Some(x) => Some(x.parse().ok()?),
                        None => None,
                    },
                    distro: r.distro,
                    version: r.version,
                    codename: r.codename,
                })
            })
            .collect()
    })
}

/// Every release in the table.
pub fn releases() -> &'static [EolInfo] {
    table()
}

/// Looks a release up by distribution id and version or codename. Versions match on the
/// components the table uses: `12.5` finds Debian `12`, `3.19.1` finds Alpine `3.19`, `22.04.3`
/// finds Ubuntu `22.04`; `bookworm` finds Debian 12. Aliases: `rhel`/`redhat`/`ubi`,
/// `amazonlinux`/`amzn`, `rockylinux`/`rocky`.
pub fn lookup(distro: &str, version: &str) -> Option<EolInfo> {
    let distro = distro.trim().to_ascii_lowercase();
    let distro = match distro.as_str() {
        "redhat" | "ubi" | "ubi8" | "ubi9" => "rhel",
        "amazonlinux" | "amazon" => "amzn",
        "rockylinux" => "rocky",
        d => d,
    };
    let version = version.trim().trim_matches('"').to_ascii_lowercase();
    if version.is_empty() {
        return None;
    }
    table()
        .iter()
        .filter(|r| r.distro == distro)
        .find(|r| {
            r.codename.as_deref() == Some(version.as_str())
                || version == r.version
                || version.starts_with(&format!("{}.", r.version))
                || version.starts_with(&format!("{}-", r.version))
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_completely() {
        let text = include_str!("../data/eol.toml");
        let rows = text.matches("[[release]]").count();
        assert_eq!(releases().len(), rows, "every row has valid dates");
        assert!(rows > 20);
    }

    #[test]
    fn lookups() {
        let d = lookup("debian", "12.5").expect("bookworm");
        assert_eq!(d.codename.as_deref(), Some("bookworm"));
        assert_eq!(
            lookup("debian", "bookworm").map(|r| r.version),
            Some("12".into())
        );
        assert_eq!(
            lookup("alpine", "3.19.1").map(|r| r.version),
            Some("3.19".into())
        );
        assert!(lookup("alpine", "3.1").is_none(), "3.1 is not 3.19");
        assert_eq!(
            lookup("ubuntu", "22.04").map(|r| r.version),
            Some("22.04".into())
        );
        assert!(lookup("plan9", "4").is_none());
        assert!(lookup("debian", "").is_none());
    }

    #[test]
    fn statuses() {
        let d = lookup("debian", "11").expect("bullseye");
        let day = |s: &str| s.parse::<Date>().expect("date");
        assert_eq!(d.status(day("2023-01-01")), EolStatus::Supported);
        assert_eq!(d.status(day("2024-07-01")), EolStatus::EndingSoon);
        assert_eq!(d.status(day("2025-01-01")), EolStatus::ExtendedOnly);
        assert_eq!(d.status(day("2027-01-01")), EolStatus::EndOfLife);
    }
}
