//! Every Compose file and Kubernetes manifest of the shared corpus parses, or gives the error
//! listed (and justified) in `tests/corpus-expected-errors.txt`.

use shipshape_core::SourceFile;
use shipshape_runtime::{analyse_compose, analyse_kubernetes, looks_like_kubernetes};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
const EXPECTED: &str = include_str!("corpus-expected-errors.txt");

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(p);
        }
    }
}

fn corpus_present() -> bool {
    let present = Path::new(CORPUS).join("compose").is_dir();
    if !present {
        assert!(
            std::env::var("SHIPSHAPE_REQUIRE_CORPUS").as_deref() != Ok("1"),
            "corpus missing at {CORPUS}"
        );
        eprintln!("skipping: corpus not found at {CORPUS}");
    }
    present
}

/// `relative path` → expected error substring, from the expectations file.
fn expected() -> BTreeMap<String, String> {
    EXPECTED
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once(" | ").map(|(p, e)| {
                (
                    p.trim().to_string(),
                    e.split(" | ").next().unwrap_or("").trim().to_string(),
                )
            })
        })
        .collect()
}

#[test]
fn every_corpus_file_parses_or_fails_as_expected() {
    if !corpus_present() {
        return;
    }
    let root = Path::new(CORPUS);
    let expected = expected();
    let mut list = Vec::new();
    files(&root.join("compose"), &mut list);
    files(&root.join("k8s"), &mut list);
    assert!(list.len() > 1000, "{} files", list.len());
    let mut problems = Vec::new();
    let mut seen_expected = 0;
    for path in &list {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{rel}: unreadable: {e}"));
                continue;
            }
        };
        let file = SourceFile::new(rel.clone(), text.clone());
        let a = if rel.starts_with("k8s/") {
            let templated = text.contains("{{");
            assert!(
                looks_like_kubernetes(&text) || templated || !text.contains("kind:"),
                "{rel} not recognised"
            );
            analyse_kubernetes(&file)
        } else {
            analyse_compose(&[file], path.parent().unwrap_or(root))
        };
        let errs: Vec<String> = a.errors.iter().map(|e| e.to_string()).collect();
        match (expected.get(&rel), errs.is_empty()) {
            (None, true) => {}
            (Some(want), false) => {
                seen_expected += 1;
                if !errs.iter().any(|e| e.contains(want.as_str())) {
                    problems.push(format!(
                        "{rel}: expected error containing `{want}`, got {errs:?}"
                    ));
                }
            }
            (Some(want), true) => {
                problems.push(format!("{rel}: expected error `{want}`, parsed fine"))
            }
            (None, false) => problems.push(format!("{rel}: unexpected error(s): {errs:?}")),
        }
        // every error names a file and says something
        assert!(a
            .errors
            .iter()
            .all(|e| !e.message.is_empty() && !e.path.is_empty()));
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(
        seen_expected,
        expected.len(),
        "stale entries in corpus-expected-errors.txt"
    );
}

/// Hostile input: every corpus file cut at several points, through every front end, never panics.
#[test]
fn truncated_inputs_never_panic() {
    if !corpus_present() {
        return;
    }
    let root = Path::new(CORPUS);
    let mut list = Vec::new();
    files(&root.join("compose"), &mut list);
    files(&root.join("k8s"), &mut list);
    let mut runs = 0;
    for path in list.iter().step_by(7) {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for cut in [text.len() / 3, text.len() / 2, text.len() * 4 / 5] {
            let mut c = cut;
            while !text.is_char_boundary(c) {
                c -= 1;
            }
            let t = &text[..c];
            for name in [
                "x/compose.yaml",
                "x/.github/workflows/ci.yml",
                "README.md",
                "run.sh",
                "x.service",
            ] {
                let f = SourceFile::new(name, t.to_string());
                let _ = shipshape_runtime::analyse_docker_run_text(&f);
                let _ = analyse_kubernetes(&f);
                let _ = shipshape_runtime::analyse_inspect_json(&f);
            }
            let _ = analyse_compose(
                &[SourceFile::new("compose.yaml", t.to_string())],
                Path::new("/nonexistent"),
            );
            runs += 1;
        }
    }
    assert!(runs > 100);
}
