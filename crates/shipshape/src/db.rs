//! `shipshape db`: wiring of the vulnerability store's import and status.

use crate::cli::{DbArgs, DbCommand};
use crate::progress;
use shipshape_core::exit;
use shipshape_vuln::priority::Detected;
use shipshape_vuln::store::{self, ImportMode, Store};
use shipshape_vuln::update::{Outcome, Progress};
use shipshape_vuln::Ecosystem;

pub fn run(args: &DbArgs) -> anyhow::Result<i32> {
    let cache = store::cache_dir(args.cache_dir.as_deref())?;
    let db = store::db_path(&cache);
    match &args.command {
        DbCommand::Import { path } => {
            match shipshape_vuln::priority::detect(path)? {
                Detected::Kev(catalog) => {
                    let n = store::import_kev(&db, &catalog)?;
                    outln!(
                        "imported the CISA KEV catalog {} ({n} CVEs) from {} into {}",
                        catalog.catalog_version,
                        path.display(),
                        db.display()
                    );
                    return Ok(exit::CLEAN);
                }
                Detected::Epss(scores) => {
                    let n = store::import_epss(&db, &scores)?;
                    outln!(
                        "imported EPSS scores of {} ({n} CVEs) from {} into {}",
                        scores.score_date.as_deref().unwrap_or("an unknown date"),
                        path.display(),
                        db.display()
                    );
                    return Ok(exit::CLEAN);
                }
                Detected::Osv => {}
            }
            let loaded = shipshape_vuln::source::load(path)?;
            let summary = store::import(&db, loaded, &ImportMode::Merge)?;
            outln!(
                "imported {} records from {} into {}",
                summary.imported,
                path.display(),
                db.display()
            );
            if summary.withdrawn > 0 {
                outln!("  {} withdrawn records left out", summary.withdrawn);
            }
            if summary.unsupported > 0 {
                outln!(
                    "  {} records name no package of a supported ecosystem (kept, never matched)",
                    summary.unsupported
                );
            }
            if !summary.not_osv.is_empty() {
                eprintln!(
                    "note: {} JSON/YAML documents are not OSV records and were skipped, e.g. {}",
                    summary.not_osv.len(),
                    summary
                        .not_osv
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            if summary.other_files > 0 {
                eprintln!(
                    "note: {} files without a .json, .yaml or .yml extension were skipped",
                    summary.other_files
                );
            }
            Ok(exit::CLEAN)
        }
        DbCommand::Update {
            ecosystems,
            base_url,
            kev_url,
            epss_url,
            quiet,
        } => {
            let selected = if ecosystems.is_empty() {
                Ecosystem::ALL.to_vec()
            } else {
                ecosystems
                    .iter()
                    .map(|n| {
                        Ecosystem::ALL
                            .into_iter()
                            .find(|e| e.osv_name().eq_ignore_ascii_case(n))
                            .ok_or_else(|| anyhow::anyhow!("unknown ecosystem `{n}`"))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?
            };
            let (bar, hook) = progress::bar("downloading", *quiet, progress::Unit::Bytes);
            let mut current = String::new();
            let mut total = 0;
            let extras = shipshape_vuln::update::Extras {
                kev_url: kev_url.clone(),
                epss_url: epss_url.clone(),
            };
            let report =
                shipshape_vuln::update::update_with(&db, base_url, &selected, &extras, &mut |p| {
                    match p {
                        Progress::Start {
                            ecosystem,
                            total: t,
                        } => {
                            current = format!("{ecosystem} all.zip");
                            total = t.unwrap_or(0);
                        }
                        Progress::Bytes(n) => hook.report(&current, n, total),
                        Progress::Done => {}
                    }
                });
            progress::finish(bar);
            let report = report?;
            let named = report
                .ecosystems
                .iter()
                .map(|(eco, o)| (eco.to_string(), o))
                .chain(
                    report
                        .kev
                        .iter()
                        .map(|o| ("CISA KEV catalog".to_string(), o)),
                )
                .chain(report.epss.iter().map(|o| ("EPSS scores".to_string(), o)));
            for (name, outcome) in named {
                match outcome {
                    Outcome::NotModified => outln!("{name}: not modified"),
                    Outcome::Updated { bytes } => outln!("{name}: downloaded {bytes} bytes"),
                }
            }
            outln!("vulnerability database: {}", db.display());
            Ok(exit::CLEAN)
        }
        DbCommand::Status {
            json,
            max_age_days,
            config,
        } => {
            // The flag, else the configuration's `db-max-age` (the scans' own threshold).
            let max_age_days = match max_age_days {
                Some(d) => *d,
                None => {
                    let policy = crate::cli::PolicyArgs {
                        config: config.clone(),
                        fail_on: None,
                        min_confidence: None,
                        profile: None,
                    };
                    match crate::check::load_config(&policy, &std::env::current_dir()?) {
                        Ok(c) => c.vulnerabilities.db_max_age_days,
                        Err(code) => return Ok(code),
                    }
                }
            };
            let status = Store::open(&db)?.status()?;
            let age = match &status.built_at {
                Some(b) => Some(
                    jiff::Timestamp::now()
                        .duration_since(b.parse::<jiff::Timestamp>()?)
                        .as_secs(),
                ),
                None => None,
            };
            if *json {
                let mut v = serde_json::to_value(&status)?;
                v["age_seconds"] = serde_json::json!(age);
                outln!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                outln!("vulnerability database: {}", status.path.display());
                match (&status.built_at, age) {
                    (Some(b), Some(age)) => outln!("built: {b} ({})", human_age(age)),
                    _ => outln!("built: no advisories imported yet"),
                }
                outln!("records: {}", status.records);
                outln!(
                    "{:<24} {:>8} {:>9}  newest record",
                    "ecosystem",
                    "records",
                    "packages"
                );
                for e in &status.ecosystems {
                    outln!(
                        "{:<24} {:>8} {:>9}  {}",
                        e.ecosystem,
                        e.records,
                        e.packages,
                        e.newest_modified.as_deref().unwrap_or("-")
                    );
                }
                for (what, p) in [
                    ("CISA KEV catalog", &status.kev),
                    ("EPSS scores", &status.epss),
                ] {
                    match p {
                        Some(p) => outln!(
                            "{what}: {} CVEs, version {}, of {}",
                            p.cves,
                            p.version.as_deref().unwrap_or("unknown"),
                            p.date.as_deref().unwrap_or("an unknown date")
                        ),
                        None => outln!("{what}: not imported (`shipshape db import FILE`)"),
                    }
                }
            }
            if let Some(w) = shipshape_vuln::age::check(&db, max_age_days) {
                eprintln!("warning: {w}");
            }
            Ok(exit::CLEAN)
        }
    }
}

fn human_age(secs: i64) -> String {
    match secs {
        s if s < 0 => "in the future: check the clock".to_string(),
        s if s < 120 => format!("{s} seconds ago"),
        s if s < 7_200 => format!("{} minutes ago", s / 60),
        s if s < 172_800 => format!("{} hours ago", s / 3_600),
        s => format!("{} days ago", s / 86_400),
    }
}
