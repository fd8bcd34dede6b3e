//! The vulnerability rules. Matching happens in [`crate::scan`] and VEX in [`crate::vex`]; a
//! rule here is the metadata its findings refer to.

pub mod package_vulnerable;
pub mod vex_statement_unused;

use package_vulnerable::META as PACKAGE_VULNERABLE;
use vex_statement_unused::META as VEX_STATEMENT_UNUSED;

shipshape_core::register_rules! { metas; PACKAGE_VULNERABLE, VEX_STATEMENT_UNUSED }
