//! Scan options and the allowlists of `shipshape.toml`'s `[secrets]` table.

use crate::baseline::Baseline;
use crate::gitleaks::GitleaksConfig;
use crate::SecretsError;
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::bytes::RegexSet;
use serde::Deserialize;
use std::sync::Arc;

/// Files larger than this are skipped (and counted) unless configured otherwise.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// How to scan.
#[derive(Debug, Clone)]
pub struct SecretsOptions {
    /// Skip files (and git blobs) larger than this many bytes.
    pub max_file_size: u64,
    /// Print secrets in full in messages and snippets. Off by default: output shows a prefix only.
    pub show_secrets: bool,
    /// Scan files that look binary (a NUL byte in the first 8 KiB) too.
    pub scan_binaries: bool,
    /// Do not honour `.gitignore` / `.ignore` files when walking a tree.
    pub no_ignore: bool,
    /// Worker threads for tree and history scans (0: one per core).
    pub threads: usize,
    pub allowlist: Allowlist,
    /// Imported gitleaks configuration (extra rules, allowlists).
    pub gitleaks_config: Option<Arc<GitleaksConfig>>,
    /// Accepted findings: matching fingerprints are not reported.
    pub baseline: Option<Arc<Baseline>>,
    /// Told how a git history scan advances: blobs scanned of blobs found so far.
    pub progress: shipshape_core::progress::Progress,
}

impl Default for SecretsOptions {
    fn default() -> Self {
        SecretsOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            show_secrets: false,
            scan_binaries: false,
            no_ignore: false,
            threads: 0,
            allowlist: Allowlist::default(),
            gitleaks_config: None,
            baseline: None,
            progress: Default::default(),
        }
    }
}

impl SecretsOptions {
    /// Applies a `[secrets]` table from `shipshape.toml`.
    pub fn with_config(mut self, config: &SecretsConfig) -> Result<Self, SecretsError> {
        if let Some(n) = config.max_file_size {
            self.max_file_size = n;
        }
        self.allowlist = Allowlist::new(
            &config.allow_paths,
            &config.allow_regexes,
            &config.stopwords,
        )?;
        Ok(self)
    }

    /// Parses the text of a `[secrets]` table (as TOML) and applies it.
    pub fn with_config_toml(self, text: &str) -> Result<Self, SecretsError> {
        let config: SecretsConfig =
            toml::from_str(text).map_err(|e| SecretsError::Config(e.message().to_string()))?;
        self.with_config(&config)
    }
}

/// The `[secrets]` table of `shipshape.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SecretsConfig {
    /// Bytes; larger files are skipped.
    pub max_file_size: Option<u64>,
    /// Globs (relative to the scan root) never scanned for secrets, e.g. `tests/fixtures/**`.
    #[serde(default)]
    pub allow_paths: Vec<String>,
    /// Regexes; a secret matching one is not reported.
    #[serde(default)]
    pub allow_regexes: Vec<String>,
    /// Words; a secret containing one (case-insensitive) is not reported.
    #[serde(default)]
    pub stopwords: Vec<String>,
}

/// Allowlisted paths, secret regexes and stop-words.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    paths: Option<GlobSet>,
    /// The scan's `exclude` (shipshape.toml): never read, like the allowlisted paths.
    excluded: Option<GlobSet>,
    regexes: Option<RegexSet>,
    stopwords: Vec<String>,
}

impl Allowlist {
    /// Compiles an allowlist; a bad glob or regex is an error naming it.
    pub fn new(
        paths: &[String],
        regexes: &[String],
        stopwords: &[String],
    ) -> Result<Self, SecretsError> {
        let paths = if paths.is_empty() {
            None
        } else {
            let mut b = GlobSetBuilder::new();
            for p in paths {
                b.add(
                    Glob::new(p)
                        .map_err(|e| SecretsError::Config(format!("allow-paths `{p}`: {e}")))?,
                );
            }
            Some(
                b.build()
                    .map_err(|e| SecretsError::Config(format!("allow-paths: {e}")))?,
            )
        };
        let regexes = if regexes.is_empty() {
            None
        } else {
            Some(
                RegexSet::new(regexes)
                    .map_err(|e| SecretsError::Config(format!("allow-regexes: {e}")))?,
            )
        };
        Ok(Allowlist {
            paths,
            excluded: None,
            regexes,
            stopwords: stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
        })
    }

    /// Paths excluded from the whole scan (the config's `exclude`, relative to the scan root)
    /// are not scanned for secrets either.
    pub fn exclude(&mut self, excluded: GlobSet) {
        self.excluded = (!excluded.is_empty()).then_some(excluded);
    }

    /// Whether the path is allowlisted or excluded (not scanned).
    pub fn path_allowed(&self, path: &str) -> bool {
        self.paths.as_ref().is_some_and(|g| g.is_match(path))
            || self.excluded.as_ref().is_some_and(|g| g.is_match(path))
    }

    /// Whether a secret is allowlisted.
    pub fn secret_allowed(&self, secret: &[u8]) -> bool {
        if self.regexes.as_ref().is_some_and(|r| r.is_match(secret)) {
            return true;
        }
        if self.stopwords.is_empty() {
            return false;
        }
        let lower = String::from_utf8_lossy(secret).to_ascii_lowercase();
        self.stopwords.iter().any(|w| lower.contains(w.as_str()))
    }
}
