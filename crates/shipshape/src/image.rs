//! `shipshape image REF`.

use crate::check::{finish, load_config, today};
use crate::cli::ImageArgs;
use shipshape_core::{exit, ChecklistItem};
use shipshape_image::{audit_with, open, show_in_image, AuditOptions, ImageOptions, LayerSecrets};
use shipshape_sbom::LayerSbom;
use shipshape_vuln::store;
use std::path::{Path, PathBuf};

/// The verified-digest cache directory inside the cache directory; `None` when turned off or
/// when there is no cache directory (every layer is then hashed).
pub fn digest_cache(cache_dir: Option<&Path>, off: bool) -> Option<PathBuf> {
    if off {
        return None;
    }
    store::cache_dir(cache_dir).ok().map(|d| d.join("verified"))
}

pub fn run(args: &ImageArgs) -> anyhow::Result<i32> {
    let mut config = match load_config(&args.policy, Path::new(".")) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    crate::vulns::apply(&mut config, &args.vulns, args.cache_dir.as_deref());
    let mut vex = match crate::vex::prepare(&mut config, &args.gate) {
        Ok(v) => v,
        Err(code) => return Ok(code),
    };
    let mut opts = ImageOptions {
        platform: args.platform.clone(),
        insecure: args.insecure,
        digest_cache: digest_cache(args.cache_dir.as_deref(), args.no_digest_cache),
        ..ImageOptions::default()
    };
    if let Some(creds) = &args.creds {
        let Some((user, pass)) = creds.split_once(':') else {
            eprintln!("error: --creds takes USER:PASSWORD");
            return Ok(exit::ERROR);
        };
        opts.credentials = Some((user.to_string(), pass.to_string()));
    }
    let (bar, hook) = crate::progress::bar(
        &format!("reading image {}", args.reference),
        args.output.quiet,
        crate::progress::Unit::Bytes,
    );
    opts.progress = hook;
    let started = std::time::Instant::now();
    let image = match open(&args.reference, &opts) {
        Ok(i) => i,
        Err(e) => {
            crate::progress::finish(bar);
            eprintln!("error: cannot read image {e}");
            return Ok(exit::ERROR);
        }
    };
    let secrets_opts = match crate::secrets::options(&config, false) {
        Ok(o) => o,
        Err(e) => {
            crate::progress::finish(bar);
            eprintln!("error: {e}");
            return Ok(exit::ERROR);
        }
    };
    // One pass over the layers: the audit reads and verifies every blob once and hands each
    // file to its layer visitors (the secrets engine) on the way.
    // The SBOM catalogers ride along: their packages are checked against the vulnerability
    // database afterwards.
    let mut secrets = LayerSecrets::start(secrets_opts);
    let mut sbom = LayerSbom::new();
    let result = audit_with(
        &image,
        &AuditOptions {
            today: Some(today()),
            ..AuditOptions::default()
        },
        &mut [&mut secrets, &mut sbom],
    );
    let mut analysis = result.analysis;
    crate::progress::finish(bar);
    // The image's own VEX (attested by its publisher) applies beside the user's documents.
    let attested = crate::vex::add_attested(&mut vex, &image);
    analysis.errors.extend(attested.errors);
    let read = started.elapsed();
    let mut quick_view = None;
    match store::cache_dir(args.cache_dir.as_deref()) {
        Ok(cache) => {
            if let Some(sbom) = sbom.take_sbom() {
                let matching = std::time::Instant::now();
                let packages = shipshape_deps::queries(&sbom);
                let scanned = shipshape_vuln::scan::lookup(
                    &store::db_path(&cache),
                    &args.reference,
                    &packages,
                );
                if args.timings {
                    eprintln!(
                        "timings: reading and auditing the image {:.1} ms, matching {} packages {:.1} ms",
                        read.as_secs_f64() * 1e3,
                        packages.len(),
                        matching.elapsed().as_secs_f64() * 1e3
                    );
                }
                let mut vulns = scanned.analysis;
                if vulns.evaluated.contains_key("SS5001") {
                    let base = shipshape_deps::quickview::base_layers(&image);
                    quick_view = Some(shipshape_deps::quickview::count(
                        &vulns.findings,
                        &scanned.ratings,
                        base.as_deref(),
                    ));
                }
                // Shown as the audit's findings are (`REF:/path`), fingerprinted without REF.
                for f in &mut vulns.findings {
                    show_in_image(&image.reference, &mut f.location);
                }
                crate::vex::apply(
                    vex.as_ref(),
                    &mut vulns,
                    &vex_subject(&image),
                    &attested.sources,
                );
                analysis.merge(vulns);
            }
            // No SBOM: the pass failed, and its errors are already in the analysis.
        }
        Err(e) => {
            analysis.notes.insert(
                ChecklistItem::Vulnerabilities,
                format!("no cache directory for the vulnerability database ({e}): set --cache-dir or SHIPSHAPE_CACHE_DIR"),
            );
        }
    }
    crate::vulns::warn_if_stale(&mut analysis, &config);
    let s = &result.summary;
    if args.output.format == crate::cli::FormatArg::Human && !args.output.quiet {
        let remembered = s.layers.iter().filter(|l| l.verified_earlier).count();
        eprintln!(
            "image {}: {} layer{}, {:.1} MB ({:.1} MB compressed), {} files; os: {}; user: {}{}{}",
            s.reference,
            s.layers.len(),
            if s.layers.len() == 1 { "" } else { "s" },
            s.uncompressed_bytes as f64 / 1e6,
            s.compressed_bytes as f64 / 1e6,
            s.visible_files,
            s.os.as_deref().unwrap_or("none found"),
            if s.user.is_empty() {
                "root (default)"
            } else {
                &s.user
            },
            s.base_image
                .as_deref()
                .map(|b| format!("; base: {b}"))
                .unwrap_or_default(),
            match remembered {
                0 => String::new(),
                n => format!(
                    "; digests of {n} layer{} verified by an earlier scan, unchanged since",
                    if n == 1 { "" } else { "s" }
                ),
            }
        );
        if let Some(q) = &quick_view {
            eprintln!("{}", shipshape_deps::quickview::line(q));
        }
    }
    let mut subject = s.subject(&image);
    subject.vulnerabilities = quick_view;
    analysis.image = Some(Box::new(subject));
    finish(
        analysis,
        &config,
        args.reference.clone(),
        &args.output,
        false,
    )
}

/// How VEX products may name this image: the reference as given, the name it was selected by,
/// its repo digests, and its manifest and config digests.
fn vex_subject(image: &shipshape_image::Image) -> shipshape_vuln::vex::Subject {
    let mut names = vec![image.reference.clone()];
    names.extend(image.name.clone());
    names.extend(image.repo_digests.iter().cloned());
    let digests = image
        .manifest_digest
        .iter()
        .chain(&image.config_digest)
        .cloned()
        .collect();
    shipshape_vuln::vex::Subject { names, digests }
}
