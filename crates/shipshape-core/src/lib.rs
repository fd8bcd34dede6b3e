//! The shared vocabulary of shipshape: findings, severities, the production checklist, rule
//! metadata, source positions, inline suppressions, configuration and policy.
//!
//! Analysers (Dockerfile, runtime, image, secrets, …) depend on this crate only; they emit
//! [`Finding`]s and never know about policy. The policy ([`policy`]) is applied once, in one place,
//! after every analyser has run.

pub mod analyser;
pub mod checklist;
pub mod config;
pub mod context;
pub mod eol;
pub mod evidence;
pub mod facts;
pub mod finding;
pub mod hardened;
pub mod imageref;
pub mod oci;
pub mod policy;
pub mod profile;
pub mod progress;
pub mod report;
pub mod rule;
pub mod severity;
pub mod source;
pub mod subject;
pub mod suppress;
pub mod vulnerability;

pub use analyser::{Analyser, Input, InputKind, Scope};
pub use checklist::{ChecklistItem, ChecklistStatus};
pub use context::PathContext;
pub use evidence::{Evidence, Verdict};
pub use finding::{ByteSpan, Finding, Fix, FixApplicability, Location, SourceKind, Span};
pub use profile::Profile;
pub use report::{Report, ScanError};
pub use rule::{RuleMeta, RuleRegistry};
pub use severity::{Confidence, Severity};
pub use source::SourceFile;

/// Process exit codes, stable across releases.
pub mod exit {
    /// Nothing at or above the failure threshold.
    pub const CLEAN: i32 = 0;
    /// Findings at or above the threshold, or a required checklist item did not pass.
    pub const FINDINGS: i32 = 1;
    /// Usage error, unreadable or unparsable input, bad configuration: the scan is not trustworthy.
    pub const ERROR: i32 = 2;
}
