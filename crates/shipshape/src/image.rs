//! `shipshape image REF`.

use crate::check::{finish, load_config, today};
use crate::cli::ImageArgs;
use shipshape_core::exit;
use shipshape_image::{audit_with, open, AuditOptions, ImageOptions, LayerSecrets};
use std::path::Path;

pub fn run(args: &ImageArgs) -> anyhow::Result<i32> {
    let config = match load_config(&args.policy, Path::new(".")) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let mut opts = ImageOptions {
        platform: args.platform.clone(),
        insecure: args.insecure,
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
    let mut secrets = LayerSecrets::start(secrets_opts);
    let result = audit_with(
        &image,
        &AuditOptions {
            today: Some(today()),
            ..AuditOptions::default()
        },
        &mut [&mut secrets],
    );
    let analysis = result.analysis;
    crate::progress::finish(bar);
    let s = &result.summary;
    if args.output.format == crate::cli::FormatArg::Human && !args.output.quiet {
        eprintln!(
            "image {}: {} layer{}, {:.1} MB ({:.1} MB compressed), {} files; os: {}; user: {}{}",
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
                .unwrap_or_default()
        );
    }
    finish(
        analysis,
        &config,
        args.reference.clone(),
        &args.output,
        false,
    )
}
