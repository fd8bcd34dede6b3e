//! Audits an image and prints the findings and a summary, until the CLI's `shipshape image`
//! exists. `cargo run --release -p shipshape-image --example audit -- REF [--platform P] [--insecure]`

use shipshape_image::{audit_full, open, AuditOptions, ImageOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut reference = None;
    let mut opts = ImageOptions::default();
    let mut quiet = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--platform" => opts.platform = args.next(),
            "--insecure" => opts.insecure = true,
            "--quiet" => quiet = true,
            "--creds" => {
                if let Some((u, p)) = args.next().as_deref().and_then(|c| c.split_once(':')) {
                    opts.credentials = Some((u.to_string(), p.to_string()));
                }
            }
            _ => reference = Some(a),
        }
    }
    let Some(reference) = reference else {
        eprintln!(
            "usage: audit REF [--platform os/arch] [--insecure] [--creds user:pass] [--quiet]"
        );
        std::process::exit(2);
    };
    let image = match open(&reference, &opts) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let result = audit_full(&image, &AuditOptions::default());
    let s = &result.summary;
    if !quiet {
        for f in &result.analysis.findings {
            let at = f
                .location
                .key
                .as_deref()
                .map(|k| format!(" [{k}]"))
                .unwrap_or_default();
            println!(
                "{} {:<8} {}{}: {}",
                f.rule,
                f.severity.as_str(),
                f.location.path,
                at,
                f.message
            );
        }
    }
    for e in &result.analysis.errors {
        println!("ERROR {e}");
    }
    println!(
        "{}: {} layers, {} compressed, {} uncompressed, {} entries ({} visible), os: {}, findings: {}",
        s.reference,
        s.layers.len(),
        s.compressed_bytes,
        s.uncompressed_bytes,
        s.entries,
        s.visible_files,
        s.os.as_deref().unwrap_or("none"),
        result.analysis.findings.len()
    );
    if !result.analysis.errors.is_empty() {
        std::process::exit(2);
    }
}
