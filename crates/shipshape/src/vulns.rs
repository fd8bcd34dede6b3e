//! Wiring of the vulnerability options shared by `image`, `check` and `sbom`: the command-line
//! flags into the configuration, the database's age on standard error.

use crate::cli::VulnArgs;
use shipshape_core::config::Config;
use shipshape_core::report::Analysis;
use shipshape_core::{ChecklistItem, Severity, Verdict};
use std::path::{Path, PathBuf};

/// Puts the flags over the configuration's `[vulnerabilities]` values.
pub fn apply(config: &mut Config, args: &VulnArgs, cache_dir: Option<&Path>) {
    let v = &mut config.vulnerabilities;
    if let Some(d) = cache_dir {
        v.cache_dir = Some(d.to_path_buf());
    }
    if !args.severity.is_empty() {
        v.severities = args
            .severity
            .iter()
            .filter_map(|s| s.parse::<Severity>().ok())
            .collect();
    }
    v.only_fixed |= args.only_fixed;
    if let Some(days) = args.db_max_age {
        v.db_max_age_days = days;
    }
}

/// The database file the configuration points at (the user's cache when none is set).
pub fn db_path(config: &Config) -> Result<PathBuf, shipshape_vuln::VulnError> {
    let cache = shipshape_vuln::store::cache_dir(config.vulnerabilities.cache_dir.as_deref())?;
    Ok(shipshape_vuln::store::db_path(&cache))
}

/// When the scan looked packages up (`analysis` ran SS5001) in a database older than
/// `db-max-age`: the warning on standard error, and the age added to the item's evidence and
/// note.
pub fn warn_if_stale(analysis: &mut Analysis, config: &Config) {
    if !analysis.evaluated.contains_key("SS5001") {
        return;
    }
    let Ok(db) = db_path(config) else {
        return;
    };
    let Some(warning) = shipshape_vuln::age::check(&db, config.vulnerabilities.db_max_age_days)
    else {
        return;
    };
    eprintln!("warning: {warning}");
    for e in analysis
        .evidence
        .iter_mut()
        .filter(|e| e.item == ChecklistItem::Vulnerabilities)
    {
        if let Verdict::Pass(note) = &mut e.verdict {
            note.push_str(&format!(" ({warning})"));
        }
    }
    analysis
        .notes
        .entry(ChecklistItem::Vulnerabilities)
        .and_modify(|n| n.push_str(&format!("; {warning}")))
        .or_insert(warning);
}
