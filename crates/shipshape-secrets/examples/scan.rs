//! Stand-in for `shipshape secrets` until the CLI wires this crate: scans a directory (or, with
//! `--git`, a repository's history) and prints one JSON object per finding on stdout, then the
//! throughput on stderr. Used by `bench/secrets.sh` and `eval/evaluate.py`.
//!
//! Usage: `cargo run --release --example scan -- [--git] [--gitleaks-config FILE] [--no-ignore] PATH`

use shipshape_secrets::{gitleaks::GitleaksConfig, rules, SecretsOptions};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let mut git = false;
    let mut path: Option<PathBuf> = None;
    let mut opts = SecretsOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--git" => git = true,
            "--no-ignore" => opts.no_ignore = true,
            "--gitleaks-config" => {
                let Some(p) = args.next() else {
                    eprintln!("--gitleaks-config needs a file");
                    std::process::exit(2);
                };
                match GitleaksConfig::load(std::path::Path::new(&p)) {
                    Ok(c) => opts.gitleaks_config = Some(Arc::new(c)),
                    Err(e) => {
                        eprintln!("{e}");
                        std::process::exit(2);
                    }
                }
            }
            _ => path = Some(PathBuf::from(a)),
        }
    }
    let Some(path) = path else {
        eprintln!("usage: scan [--git] [--gitleaks-config FILE] [--no-ignore] PATH");
        std::process::exit(2);
    };
    let start = Instant::now();
    let (analysis, bytes, units) = if git {
        match shipshape_secrets::scan_git_with_stats(&path, &opts) {
            Ok((a, s)) => (
                a,
                s.bytes_scanned,
                format!("{} commits, {} blobs", s.commits, s.blobs_scanned),
            ),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        }
    } else {
        let (a, s) = shipshape_secrets::scan_tree_with_stats(&path, &opts);
        let units = format!(
            "{} files ({} binary, {} oversized skipped)",
            s.files_scanned, s.skipped_binary, s.skipped_large
        );
        (a, s.bytes_scanned, units)
    };
    let secs = start.elapsed().as_secs_f64();
    for f in &analysis.findings {
        let family = rules::by_name(f.rule.code).map_or("other", |r| r.family.name());
        let (line, column) = f.location.span.map_or((0, 0), |s| (s.line, s.column));
        let obj = serde_json::json!({
            "rule": f.rule.code, "slug": f.slug(), "family": family, "severity": f.severity,
            "path": f.location.path, "line": line, "column": column, "message": f.message,
            "fingerprint": f.fingerprint,
        });
        println!("{obj}");
    }
    for e in &analysis.errors {
        eprintln!("error: {e}");
    }
    let mb = bytes as f64 / 1e6;
    eprintln!(
        "scanned {units}, {mb:.1} MB in {secs:.3} s: {:.1} MB/s, {} findings",
        if secs > 0.0 { mb / secs } else { 0.0 },
        analysis.findings.len()
    );
}
