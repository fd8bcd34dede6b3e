//! BuildKit-style golden cases: `tests/cases/<name>/Dockerfile` is parsed and dumped; the dump
//! (tree, errors, stage graph) must equal `tests/cases/<name>/expected`. An optional `target`
//! file gives `--target`. Run with `UPDATE_GOLDEN=1` to rewrite the expected files.

mod common;

use shipshape_dockerfile::{dump, dump_stages, parse_recovering, resolve, ResolveOptions};
use std::fmt::Write;
use std::path::Path;

fn render(src: &str, target: Option<String>) -> String {
    let (df, errors) = parse_recovering(src);
    let mut out = dump(&df);
    for e in &errors {
        let (line, col) = df.line_col(e.span.start);
        let _ = writeln!(
            out,
            "error {:?} @{} line {line} col {col} src={:?}",
            e.message,
            e.span,
            df.text(e.span)
        );
    }
    if errors.is_empty() && !df.instructions.is_empty() {
        let opts = ResolveOptions {
            target,
            ..ResolveOptions::default()
        };
        match resolve(&df, &opts) {
            Ok(g) => {
                out.push_str("-- stages\n");
                out.push_str(&dump_stages(&df, &g));
            }
            Err(e) => {
                let _ = writeln!(out, "-- stages error: {e}");
            }
        }
    }
    for p in common::check_invariants(&df) {
        let _ = writeln!(out, "SPAN PROBLEM {p}");
    }
    out
}

#[test]
fn golden_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let update = std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/cases exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 20,
        "expected at least 20 golden cases, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let src = std::fs::read(dir.join("Dockerfile")).expect("case has a Dockerfile");
        let src = String::from_utf8(src).expect("case Dockerfile is UTF-8");
        let target = std::fs::read_to_string(dir.join("target"))
            .ok()
            .map(|t| t.trim().to_string());
        let got = render(&src, target);
        assert!(
            !got.contains("SPAN PROBLEM"),
            "{name}: span invariants broken:\n{got}"
        );
        let expected_path = dir.join("expected");
        if update {
            std::fs::write(&expected_path, &got).expect("write expected");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != got {
            failures.push(format!(
                "--- {name}: expected\n{expected}\n--- {name}: got\n{got}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden case(s) differ (UPDATE_GOLDEN=1 rewrites them):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
