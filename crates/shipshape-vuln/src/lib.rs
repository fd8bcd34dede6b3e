//! Known vulnerabilities: exact version order per ecosystem, OSV records and matching, CVSS
//! base scores, and the offline advisory store.

pub mod matcher;
pub mod osv;
pub mod severity;
pub mod version;

pub use version::{Ecosystem, VersionError};
