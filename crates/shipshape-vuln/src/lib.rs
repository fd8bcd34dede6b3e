//! Known vulnerabilities: exact version order per ecosystem, OSV records and matching, CVSS
//! base scores, and the offline advisory store.

pub mod version;

pub use version::{Ecosystem, VersionError};
