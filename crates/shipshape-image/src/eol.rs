//! End-of-life dates of distribution releases: the shared table of `shipshape_core::eol` (data
//! in `shipshape-core/data/eol.toml`, also used by the Dockerfile analyser for base-image tags).

pub use shipshape_core::eol::{releases, EolStatus, Release as EolInfo};

/// Looks a release up by os-release `ID` and `VERSION_ID` (or codename).
pub fn lookup(distro: &str, version: &str) -> Option<EolInfo> {
    shipshape_core::eol::lookup(distro, version).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::Date;

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
