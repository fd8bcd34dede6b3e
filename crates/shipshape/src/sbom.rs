//! `shipshape sbom REF|DIR`.

use crate::check::load_config;
use crate::cli::{SbomArgs, SbomFormat, SbomPredicate};
use shipshape_core::config::Config;
use shipshape_core::{exit, ScanError};
use shipshape_image::{open, visit_layers, ImageOptions};
use shipshape_sbom::{catalog_dir, LayerSbom, Sbom};
use std::io::Write;
use std::path::Path;

pub fn run(args: &SbomArgs) -> anyhow::Result<i32> {
    let directory = is_directory(&args.reference);
    if args.predicate != SbomPredicate::Cyclonedx && args.format != SbomFormat::InToto {
        eprintln!("error: --predicate applies to --format in-toto only");
        return Ok(exit::ERROR);
    }
    if directory && args.format == SbomFormat::InToto {
        eprintln!(
            "error: {}: an in-toto statement names its subject by digest; a directory has none (use --format cyclonedx or spdx)",
            args.reference
        );
        return Ok(exit::ERROR);
    }
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
    let mut statement_subject = None;
    let (sbom, errors) = if directory {
        catalog_dir(Path::new(&args.reference), &args.reference)
    } else {
        match image_sbom(args) {
            Ok((sbom, errors, subject)) => {
                statement_subject = Some(subject);
                (sbom, errors)
            }
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
    // An in-toto statement attests the SBOM alone (its predicate is the bill of materials);
    // SPDX 2.3 has no vulnerability section.
    let vulns = if args.no_vulns || matches!(args.format, SbomFormat::Spdx | SbomFormat::InToto) {
        None
    } else {
        match vulnerabilities(&sbom, &config) {
            Ok(v) => v,
            Err(code) => return Ok(code),
        }
    };
    let text = if args.format == SbomFormat::InToto {
        let Some((name, digest)) = statement_subject else {
            return Ok(exit::ERROR); // refused above: directories have no digest
        };
        let predicate = match args.predicate {
            SbomPredicate::Cyclonedx => shipshape_sbom::intoto::Predicate::CycloneDx,
            SbomPredicate::Spdx => shipshape_sbom::intoto::Predicate::Spdx,
        };
        match shipshape_sbom::intoto::statement(&sbom, &name, &digest, predicate, &created()) {
            Ok(v) => pretty(&v)?,
            Err(e) => {
                eprintln!("error: {}: {e}", args.reference);
                return Ok(exit::ERROR);
            }
        }
    } else {
        render(&sbom, args.format, vulns.as_ref())?
    };
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
        // Needs the image's digest: written by `run`; `check --sbom` does not offer it.
        SbomFormat::InToto => {
            anyhow::bail!("an in-toto statement needs an image's digest: use `shipshape sbom IMAGE --format in-toto`")
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

/// The SBOM of an image, the scan errors, and the subject an in-toto statement names.
type ImageSbom = (Sbom, Vec<ScanError>, (String, String));

/// The SBOM of an image, the scan errors, and the subject an in-toto statement names: the image's
/// name and its manifest digest (the image ID, its config digest, when the source has no
/// manifest digest, as a `docker save` archive).
fn image_sbom(args: &SbomArgs) -> Result<ImageSbom, i32> {
    let mut opts = ImageOptions {
        platform: args.platform.clone(),
        insecure: args.insecure,
        digest_cache: crate::image::digest_cache(args.cache_dir.as_deref(), args.no_digest_cache),
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
    let digest = image
        .manifest_digest
        .clone()
        .or_else(|| image.config_digest.clone())
        .unwrap_or_default();
    if args.format == SbomFormat::InToto && image.manifest_digest.is_none() {
        eprintln!(
            "note: {} has no manifest digest (a `docker save` archive or the Engine); the statement's subject is its image ID {digest}",
            args.reference
        );
    }
    let name = image
        .name
        .clone()
        .unwrap_or_else(|| image.reference.clone());
    match cataloger.take_sbom() {
        Some(sbom) => Ok((sbom, analysis.errors, (name, digest))),
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
