//! `shipshape sbom REF|DIR`.

use crate::cli::{SbomArgs, SbomFormat, SbomPredicate};
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
    let created = created();
    let text = match args.format {
        SbomFormat::Cyclonedx => pretty(&shipshape_sbom::cyclonedx::document(&sbom, &created))?,
        SbomFormat::Spdx => pretty(&shipshape_sbom::spdx::document(&sbom, &created))?,
        SbomFormat::Json => serde_json::to_string_pretty(&sbom)? + "\n",
        SbomFormat::Table => shipshape_sbom::table::render(&sbom),
        SbomFormat::InToto => {
            let Some((name, digest)) = statement_subject else {
                return Ok(exit::ERROR); // refused above: directories have no digest
            };
            let predicate = match args.predicate {
                SbomPredicate::Cyclonedx => shipshape_sbom::intoto::Predicate::CycloneDx,
                SbomPredicate::Spdx => shipshape_sbom::intoto::Predicate::Spdx,
            };
            match shipshape_sbom::intoto::statement(&sbom, &name, &digest, predicate, &created) {
                Ok(v) => pretty(&v)?,
                Err(e) => {
                    eprintln!("error: {}: {e}", args.reference);
                    return Ok(exit::ERROR);
                }
            }
        }
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
