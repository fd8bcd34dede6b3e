//! `shipshape sbom REF|DIR`.

use crate::check::load_config;
use crate::cli::{SbomArgs, SbomFormat};
use shipshape_core::config::Config;
use shipshape_core::{exit, ScanError};
use shipshape_image::{open, visit_layers, ImageOptions};
use shipshape_sbom::{catalog_dir, LayerSbom, Sbom};
use std::io::Write;
use std::path::Path;

pub fn run(args: &SbomArgs) -> anyhow::Result<i32> {
    let mut config = match load_config(
        &crate::cli::PolicyArgs {
            config: args.config.clone(),
            fail_on: None,
            min_confidence: None,
            profile: None,
        },
        Path::new("."),
    ) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    crate::vulns::apply(&mut config, &args.vulns, args.cache_dir.as_deref());
    let (sbom, errors) = if is_directory(&args.reference) {
        catalog_dir(Path::new(&args.reference), &args.reference)
    } else {
        match image_sbom(args) {
            Ok(r) => r,
            Err(code) => return Ok(code),
        }
    };
    // Fail closed: a database that could not be read would make the SBOM silently smaller, so
    // no document is written at all.
    if !errors.is_empty() {
        for e in &errors {
            match e.line {
                Some(l) => eprintln!("error: {}:{l}: {}", e.path, e.message),
                None => eprintln!("error: {}: {}", e.path, e.message),
            }
        }
        eprintln!(
            "error: no SBOM written: {} file{} could not be cataloged",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        return Ok(exit::ERROR);
    }
    let vulns = if args.no_vulns || args.format == SbomFormat::Spdx {
        None
    } else {
        match vulnerabilities(&sbom, &config) {
            Ok(v) => v,
            Err(code) => return Ok(code),
        }
    };
    let text = render(&sbom, args.format, vulns.as_ref())?;
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return Ok(exit::ERROR);
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(exit::CLEAN)
}

/// The document of `sbom` in `format`, with the vulnerability section when `vulns` is given
/// (SPDX has none: its writer ignores them).
fn render(
    sbom: &Sbom,
    format: SbomFormat,
    vulns: Option<&shipshape_deps::sbom_vulns::SbomVulns>,
) -> anyhow::Result<String> {
    use shipshape_deps::sbom_vulns;
    let created = created();
    Ok(match format {
        SbomFormat::Cyclonedx => {
            let mut doc = shipshape_sbom::cyclonedx::document(sbom, &created);
            if let Some(v) = vulns {
                sbom_vulns::add_to_cyclonedx(&mut doc, sbom, v);
            }
            pretty(&doc)?
        }
        SbomFormat::Spdx => pretty(&shipshape_sbom::spdx::document(sbom, &created))?,
        SbomFormat::Json => {
            let mut doc = serde_json::to_value(sbom)?;
            if let Some(v) = vulns {
                sbom_vulns::add_to_json(&mut doc, sbom, v);
            }
            pretty(&doc)?
        }
        SbomFormat::Table => {
            let mut t = shipshape_sbom::table::render(sbom);
            if let Some(v) = vulns {
                t.push_str(&sbom_vulns::table(sbom, v));
            }
            t
        }
    })
}

/// The packages of `sbom` looked up in the database; `Ok(None)` without a database (a note on
/// standard error says how to get one). A database that cannot be read is an error (exit 2).
fn vulnerabilities(
    sbom: &Sbom,
    config: &Config,
) -> Result<Option<shipshape_deps::sbom_vulns::SbomVulns>, i32> {
    let db = match crate::vulns::db_path(config) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("note: no vulnerabilities looked up: {e}");
            return Ok(None);
        }
    };
    match shipshape_deps::sbom_vulns::lookup(&db, sbom, &config.vulnerabilities) {
        Ok(Some(v)) => {
            if let Some(w) = shipshape_vuln::age::check(&db, config.vulnerabilities.db_max_age_days)
            {
                eprintln!("warning: {w}");
            }
            if !v.unmatched.is_empty() {
                eprintln!(
                    "note: {} package{} could not be looked up in the vulnerability database, e.g. {}",
                    v.unmatched.len(),
                    if v.unmatched.len() == 1 { "" } else { "s" },
                    v.unmatched[0]
                );
            }
            Ok(Some(v))
        }
        Ok(None) => {
            eprintln!(
                "note: no vulnerabilities in the SBOM: {}",
                shipshape_vuln::scan::no_database_note(&db)
            );
            Ok(None)
        }
        Err(e) => {
            eprintln!(
                "error: {}: cannot read the vulnerability database: {e}",
                db.display()
            );
            Err(exit::ERROR)
        }
    }
}

/// `check --sbom FILE`: the SBOM of the lockfiles (and package databases) discovery found,
/// with their vulnerabilities when a database exists. When a lockfile cannot be read no
/// document is written (the check reports the error and exits 2).
pub fn write_project(
    root: &Path,
    inputs: &[shipshape_core::Input],
    config: &Config,
    format: SbomFormat,
    file: &Path,
) -> Result<(), i32> {
    let base = if root.is_dir() {
        root
    } else {
        root.parent().unwrap_or(root)
    };
    let rels: Vec<String> = inputs
        .iter()
        .filter(|i| shipshape_sbom::is_cataloged(&i.rel))
        .map(|i| i.rel.clone())
        .collect();
    let display = shipshape_core::analyser::display(root);
    let (mut sbom, errors) = shipshape_sbom::catalog_files(base, rels, "");
    sbom.subject.name = display;
    if !errors.is_empty() {
        // The check reports the same errors (and exits 2); a smaller SBOM is never written.
        eprintln!(
            "error: no SBOM written to {}: {} file{} could not be cataloged",
            file.display(),
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        return Ok(());
    }
    let vulns = if format == SbomFormat::Spdx {
        None
    } else {
        vulnerabilities(&sbom, config)?
    };
    let text = render(&sbom, format, vulns.as_ref()).map_err(|e| {
        eprintln!("error: {e:#}");
        exit::ERROR
    })?;
    std::fs::write(file, text).map_err(|e| {
        eprintln!("error: cannot write {}: {e}", file.display());
        exit::ERROR
    })
}

/// A directory that is not an OCI image layout is a tree to catalog; anything else is an image.
fn is_directory(reference: &str) -> bool {
    let p = Path::new(reference);
    p.is_dir() && !p.join("oci-layout").is_file()
}

fn image_sbom(args: &SbomArgs) -> Result<(Sbom, Vec<ScanError>), i32> {
    let mut opts = ImageOptions {
        platform: args.platform.clone(),
        insecure: args.insecure,
        ..ImageOptions::default()
    };
    if let Some(creds) = &args.creds {
        let Some((user, pass)) = creds.split_once(':') else {
            eprintln!("error: --creds takes USER:PASSWORD");
            return Err(exit::ERROR);
        };
        opts.credentials = Some((user.to_string(), pass.to_string()));
    }
    let (bar, hook) = crate::progress::bar(
        &format!("reading image {}", args.reference),
        args.quiet,
        crate::progress::Unit::Bytes,
    );
    opts.progress = hook;
    let image = match open(&args.reference, &opts) {
        Ok(i) => i,
        Err(e) => {
            crate::progress::finish(bar);
            eprintln!("error: cannot read image {e}");
            return Err(exit::ERROR);
        }
    };
    // One verified pass over the layers, the catalogers reading the package databases on the way.
    let mut cataloger = LayerSbom::new();
    let analysis = visit_layers(&image, &mut [&mut cataloger]);
    crate::progress::finish(bar);
    match cataloger.take_sbom() {
        Some(sbom) => Ok((sbom, analysis.errors)),
        None => {
            for e in &analysis.errors {
                eprintln!("error: {}: {}", e.path, e.message);
            }
            if analysis.errors.is_empty() {
                eprintln!("error: {}: the layers could not be read", args.reference);
            }
            Err(exit::ERROR)
        }
    }
}

/// The documents' creation time: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now;
/// whole seconds, UTC.
fn created() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| jiff::Timestamp::now().as_second());
    jiff::Timestamp::from_second(secs)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn pretty(v: &serde_json::Value) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(v)? + "\n")
}
