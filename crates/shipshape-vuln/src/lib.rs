//! Known vulnerabilities, offline.
//!
//! - [`version`]: version order exactly as each ecosystem's tool orders versions (dpkg, apk,
//!   rpm, SemVer, PEP 440, Maven, RubyGems, Go, NuGet, Composer), with the reasons for every
//!   hand-written comparator.
//! - [`osv`]: OSV records read leniently from JSON and YAML.
//! - [`matcher`]: [`matcher::PackageQuery`], the matching input (the SBOM's packages convert
//!   into it, directly or through their purl), OSV range evaluation, distribution keys (source
//!   package and release for Debian and Ubuntu, origin and branch for Alpine), and the merging
//!   of records that describe one vulnerability.
//! - [`severity`]: CVSS v3.x and v4.0 base scores from vectors, distribution ratings.
//! - [`source`], [`store`], [`update`]: loading records, the SQLite store (why SQLite, and how
//!   updates stay atomic, is explained in [`store`]), and downloads.
//! - [`age`]: how old the database is, and the warning past `db-max-age`.
//! - [`scan`], [`rules`]: a scan's packages looked up in the store, as findings of SS5001 and
//!   evidence for the `vulnerabilities` checklist item.
//! - [`vex`]: OpenVEX and CycloneDX VEX documents applied to those findings; [`vers`]: the
//!   `vers:` version ranges CycloneDX VEX statements may limit themselves to.
//! - [`priority`]: the CISA KEV catalog and FIRST EPSS scores, imported into the store.

pub mod age;
pub mod error;
pub mod matcher;
pub mod osv;
pub mod priority;
pub mod rules;
pub mod scan;
pub mod severity;
pub mod source;
pub mod store;
pub mod update;
pub mod vers;
pub mod version;
pub mod vex;

pub use error::VulnError;
pub use version::{Ecosystem, VersionError};
