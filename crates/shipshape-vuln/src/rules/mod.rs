//! The vulnerability rules. Matching happens in [`crate::scan`]; a rule here is the metadata
//! its findings refer to.

pub mod package_vulnerable;

use package_vulnerable::META as PACKAGE_VULNERABLE;

shipshape_core::register_rules! { metas; PACKAGE_VULNERABLE }
