//! The secrets analyser as the pipeline sees it: options from `shipshape.toml` (the `[secrets]`
//! table and the scan's `exclude`), and a scan of the tree the user named.
//!
//! It walks the scan root itself rather than taking the discovered inputs: the secrets walk
//! reads every file (dependency folders such as `node_modules` included, which discovery skips),
//! honours `.gitleaksignore`, and counts the binary and oversized files it skips.

use crate::{scan_tree, SecretsOptions};
use shipshape_core::config::Config;
use shipshape_core::report::Analysis;
use shipshape_core::{Analyser, RuleMeta, ScanError, Scope};

/// The secrets analyser of `shipshape check`.
pub struct SecretsAnalyser;

/// Secrets options from the `[secrets]` table of the config and the config's `exclude` globs.
/// A bad table is reported with the config file and the table's line.
pub fn options_from_config(
    config: &Config,
    show_secrets: bool,
) -> Result<SecretsOptions, ScanError> {
    let table = config
        .secrets_section
        .as_ref()
        .map(|(t, _)| t.clone())
        .unwrap_or_default();
    let opts = SecretsOptions {
        show_secrets,
        ..SecretsOptions::default()
    };
    let mut opts = opts.with_config_toml(&table.to_string()).map_err(|e| {
        let (file, line) = match (&config.source, &config.secrets_section) {
            (Some(f), Some((_, line))) => (f.path().to_string(), *line),
            _ => ("shipshape.toml".to_string(), 1),
        };
        ScanError {
            path: file,
            line: Some(line),
            column: None,
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

    fn analyse(&self, scope: &Scope<'_>) -> Analysis {
        match options_from_config(scope.config, scope.show_secrets) {
            Ok(opts) => scan_tree(scope.root, &opts),
            Err(e) => Analysis {
                errors: vec![e],
                ..Analysis::default()
            },
        }
    }
}
