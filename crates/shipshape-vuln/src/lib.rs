//! Known vulnerabilities: exact version order per ecosystem, OSV records and matching, CVSS
//! base scores, and the offline advisory store.

pub mod error;
pub mod matcher;
pub mod osv;
pub mod severity;
pub mod source;
pub mod store;
pub mod update;
pub mod version;

pub use error::VulnError;
pub use version::{Ecosystem, VersionError};
