//! `shipshape sbom REF|DIR`.

use crate::cli::{SbomArgs, SbomFormat};
use shipshape_core::{exit, ScanError};
use shipshape_image::{open, visit_layers, ImageOptions};
use shipshape_sbom::{catalog_dir, LayerSbom, Sbom};
use std::io::Write;
use std::path::Path;

pub fn run(args: &SbomArgs) -> anyhow::Result<i32> {
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
    let created = created();
    let text = match args.format {
        SbomFormat::Cyclonedx => pretty(&shipshape_sbom::cyclonedx::document(&sbom, &created))?,
        SbomFormat::Spdx => pretty(&shipshape_sbom::spdx::document(&sbom, &created))?,
        SbomFormat::Json => serde_json::to_string_pretty(&sbom)? + "\n",
        SbomFormat::Table => shipshape_sbom::table::render(&sbom),
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
