//! The secrets analyser as the pipeline sees it: options from `shipshape.toml` (the `[secrets]`
//! table and the scan's `exclude`), and a scan of the tree the user named.
//!
//! It walks the scan root itself rather than taking the discovered inputs: the secrets walk
//! reads every file (dependency folders such as `node_modules` included, which discovery skips),
//! honours `.gitleaksignore`, and counts the binary and oversized files it skips.

use crate::{scan_tree, SecretsConfig, SecretsOptions};
use shipshape_core::config::{Config, ConfigError};
use shipshape_core::report::Analysis;
use shipshape_core::{Analyser, RuleMeta, ScanError, Scope};

/// The secrets analyser of `shipshape check`.
pub struct SecretsAnalyser;

/// Secrets options from the `[secrets]` table of the config (read with spans: a bad key or
/// value is reported at its line and column) and the config's `exclude` globs.
pub fn options_from_config(
    config: &Config,
    show_secrets: bool,
) -> Result<SecretsOptions, ConfigError> {
    let section: SecretsConfig = config.section("secrets")?;
    let opts = SecretsOptions {
        show_secrets,
        ..SecretsOptions::default()
    };
    let mut opts = opts.with_config(&section).map_err(|e| {
        // Globs and regexes are checked after deserialisation: point at the table.
        let (path, line) = config
            .source
            .as_ref()
            .map(|f| {
                let at = f.text().find("[secrets]").unwrap_or(0);
                (f.path().to_string(), f.line_col(at).0)
            })
            .unwrap_or_else(|| ("shipshape.toml".into(), 1));
        ConfigError {
            path,
            line,
            column: 1,
            message: format!("[secrets]: {e}"),
        }
    })?;
    opts.allowlist.exclude(config.exclude_matcher().clone());
    Ok(opts)
}

impl Analyser for SecretsAnalyser {
    fn id(&self) -> &'static str {
        "secrets"
    }

    fn rules(&self) -> &'static [&'static RuleMeta] {
        crate::rules_slice()
    }

    fn check_config(&self, config: &Config) -> Vec<ConfigError> {
        options_from_config(config, false)
            .err()
            .into_iter()
            .collect()
    }

    fn analyse(&self, scope: &Scope<'_>) -> Analysis {
        match options_from_config(scope.config, scope.show_secrets) {
            Ok(opts) => scan_tree(scope.root, &opts),
            Err(e) => Analysis {
                errors: vec![ScanError {
                    path: e.path,
                    line: Some(e.line),
                    column: Some(e.column),
                    message: e.message,
                }],
                ..Analysis::default()
            },
        }
    }
}
