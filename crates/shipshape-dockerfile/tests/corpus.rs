//! Parses every Dockerfile of the shared corpus (`../../../shared/corpus/dockerfiles` from the
//! crate): no panic, span invariants hold, and every parse error is listed with a reason in
//! `tests/corpus_known_errors.txt`.

mod common;

use shipshape_dockerfile::{parse_recovering, resolve, shell, Keyword, ResolveOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dockerfiles")
}

fn is_dockerfile(name: &str) -> bool {
    name.starts_with("Dockerfile")
        || name.ends_with(".Dockerfile")
        || name.ends_with("Containerfile")
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            collect(&p, out);
        } else if ft.is_file()
            && p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_dockerfile)
        {
            out.push(p);
        }
    }
}

fn known_errors() -> BTreeMap<String, String> {
    let text = include_str!("corpus_known_errors.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('|'))
        .map(|(p, r)| (p.trim().to_string(), r.trim().to_string()))
        .collect()
}

#[test]
fn corpus_parses() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        if std::env::var("SHIPSHAPE_REQUIRE_CORPUS").as_deref() == Ok("1") {
            panic!("corpus missing at {}", dir.display());
        }
        println!("corpus not found at {}: skipped", dir.display());
        return;
    }
    let mut files = Vec::new();
    collect(&dir, &mut files);
    assert!(
        !files.is_empty(),
        "no Dockerfile found under {}",
        dir.display()
    );
    let known = known_errors();
    let mut unexpected = Vec::new();
    let mut seen_errors = Vec::new();
    let mut span_problems = Vec::new();
    let (mut n_instr, mut n_cmds, mut bytes) = (0usize, 0usize, 0usize);
    let mut parse_time = Duration::ZERO;
    let mut shell_time = Duration::ZERO;
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let rel = f
                .strip_prefix(&dir)
                .unwrap_or(f)
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(f).unwrap_or_default();
            (rel, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect();
    for (rel, src) in &sources {
        bytes += src.len();
        let t = Instant::now();
        let (df, errors) = parse_recovering(src);
        parse_time += t.elapsed();
        n_instr += df.instructions.len();
        let t = Instant::now();
        for i in &df.instructions {
            if i.effective().keyword == Keyword::Run {
                n_cmds += shell::commands(i).len();
            }
        }
        shell_time += t.elapsed();
        let _ = resolve(&df, &ResolveOptions::default());
        for p in common::check_invariants(&df) {
            span_problems.push(format!("{rel}: {p}"));
        }
        if let Some(e) = errors.first() {
            let (line, col) = df.line_col(e.span.start);
            let msg = format!("{rel}:{line}:{col}: {}", e.message);
            seen_errors.push(rel.clone());
            if known.contains_key(rel) {
                println!("known error   {msg}");
            } else {
                unexpected.push(msg);
            }
        }
    }
    println!(
        "corpus: {} files, {} bytes, {} instructions, {} RUN commands, {} with errors; parse {:?}, shell split {:?} ({} build)",
        sources.len(),
        bytes,
        n_instr,
        n_cmds,
        seen_errors.len(),
        parse_time,
        shell_time,
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    let stale: Vec<&String> = known.keys().filter(|k| !seen_errors.contains(k)).collect();
    assert!(
        unexpected.is_empty(),
        "unexpected parse errors:\n{}",
        unexpected.join("\n")
    );
    assert!(
        stale.is_empty(),
        "allowlisted files that now parse: {stale:?}"
    );
    assert!(
        span_problems.is_empty(),
        "{} span problems:\n{}",
        span_problems.len(),
        span_problems
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
