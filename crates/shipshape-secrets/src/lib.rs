//! Secret detection for shipshape: credentials in files, git history and image layers.
//!
//! Over 200 rules (see [`rules`]) run behind a keyword prefilter; each match is checked for entropy,
//! placeholders, stop-words and the provider's own format (checksums, decodable structure). Findings
//! never carry the secret itself: messages show a redacted prefix and fingerprints hash the secret.
//!
//! Entry points: [`scan_source`], [`scan_bytes`], [`scan_tree`], [`scan_git`], and the classifier
//! every other analyser uses for values, names and file paths ([`classify`]: [`secret_in_value`],
//! [`secret_in_assignment`], [`secrets_in_line`], [`credential_name`], [`is_placeholder_value`],
//! [`sensitive_file`], [`redact`]).

mod analyser;
pub mod baseline;
pub mod classify;
mod decode;
mod engine;
mod git;
pub mod gitleaks;
mod options;
pub mod rules;
mod scan;
pub mod validate;
mod walk;

pub use analyser::{options_from_config, SecretsAnalyser};
pub use baseline::Baseline;
pub use classify::{
    credential_name, is_placeholder_value, placeholder_kind, redact, secret_in_assignment,
    secret_in_value, secrets_in_line, sensitive_file, CredentialKind, FileCategory,
    PlaceholderKind, SecretMatch, SensitiveFile,
};
pub use git::{scan_git, scan_git_with_stats, GitStats};
pub use options::{Allowlist, SecretsConfig, SecretsOptions};
pub use rules::{Family, Rank, SecretRule};
pub use scan::{is_binary, scan_bytes, scan_source, secret_hash, BINARY_PROBE};
pub use walk::{scan_tree, scan_tree_with_stats, TreeStats};

use shipshape_core::rule::RuleMeta;
use std::sync::LazyLock;

/// Errors at the crate boundary (anything about one input is a `ScanError` in the analysis instead).
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("git: {0}")]
    Git(String),
    #[error("gitleaks config {path}: {message}")]
    GitleaksConfig { path: String, message: String },
    #[error("baseline {path}: {message}")]
    Baseline { path: String, message: String },
    #[error("secrets config: {0}")]
    Config(String),
}

/// Every rule of this crate, in code order: the built-in table, the PKCS#12 file rule and the
/// catch-all code of rules imported from a gitleaks configuration.
pub static RULES: LazyLock<Vec<&'static RuleMeta>> = LazyLock::new(|| {
    let mut v: Vec<&'static RuleMeta> = rules::METAS.clone();
    v.push(&rules::keys::PKCS12_META);
    v.push(&gitleaks::CUSTOM_META);
    v.sort_by_key(|r| r.code);
    v
});

/// The registry slice (`RuleRegistry::new(&[..., shipshape_secrets::rules_slice()])`).
pub fn rules_slice() -> &'static [&'static RuleMeta] {
    RULES.as_slice()
}
