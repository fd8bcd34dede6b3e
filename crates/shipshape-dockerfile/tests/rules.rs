//! Rule fixtures: `tests/fixtures/rules/<CODE>/*.Dockerfile`.
//!
//! Each fixture starts with header comments:
//! - `# expect: SS1001@5 SS1001@9` — the exact lines this rule must report (`none`: nothing);
//! - `# target: <stage>` — optional build target;
//! - `# context: .env id_rsa` — optional sensitive files present in the build context;
//! - `# trusted-registries: ghcr.io/acme docker.io/library` — optional `trusted_registries`.
//!
//! A `<fixture>.dockerignore` beside it is the build context's `.dockerignore`. The findings of
//! the rule under test are also snapshotted (line, column, severity, message) so message changes
//! are reviewed. Every registered rule must have at least one fixture that fires and one that
//! does not.

use shipshape_core::config::DockerfileOptions;
use shipshape_core::SourceFile;
use shipshape_dockerfile::{analyse, DockerfileInput, RULE_GROUPS};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

struct Header {
    expect: Vec<u32>,
    target: Option<String>,
    context: Vec<String>,
    trusted: Vec<String>,
}

fn header(text: &str, code: &str, path: &Path) -> Header {
    let mut h = Header {
        expect: Vec::new(),
        target: None,
        context: Vec::new(),
        trusted: Vec::new(),
    };
    let mut saw_expect = false;
    for line in text
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
    {
        let body = line.trim_start_matches('#').trim();
        if let Some(rest) = body.strip_prefix("expect:") {
            saw_expect = true;
            for item in rest.split_whitespace() {
                if item == "none" {
                    continue;
                }
                let (c, l) = item
                    .split_once('@')
                    .unwrap_or_else(|| panic!("{}: bad expect item {item}", path.display()));
                assert_eq!(c, code, "{}: expects another rule", path.display());
                h.expect.push(l.parse().expect("line number"));
            }
        } else if let Some(rest) = body.strip_prefix("target:") {
            h.target = Some(rest.trim().to_string());
        } else if let Some(rest) = body.strip_prefix("context:") {
            h.context = rest.split_whitespace().map(str::to_string).collect();
        } else if let Some(rest) = body.strip_prefix("trusted-registries:") {
            h.trusted = rest.split_whitespace().map(str::to_string).collect();
        }
    }
    assert!(saw_expect, "{}: missing `# expect:` header", path.display());
    h.expect.sort();
    h
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

#[test]
fn rule_fixtures() {
    let today: jiff::civil::Date = "2026-11-23".parse().unwrap();
    let mut fires: BTreeMap<String, usize> = BTreeMap::new();
    let mut passes: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let code = dir.file_name().unwrap().to_string_lossy().to_string();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let h = header(&text, &code, &path);
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let file = SourceFile::new(format!("{code}/{name}"), text);
            let ignore_path = PathBuf::from(format!("{}.dockerignore", path.display()));
            let ignore = ignore_path.exists().then(|| {
                SourceFile::new(
                    format!("{code}/{name}.dockerignore"),
                    std::fs::read_to_string(&ignore_path).unwrap(),
                )
            });
            let options = DockerfileOptions {
                target: h.target.clone(),
                trusted_registries: h.trusted.clone(),
            };
            let analysis = analyse(&DockerfileInput {
                file: &file,
                dockerignore: ignore.as_ref(),
                context_files: &h.context,
                options: &options,
                today,
            });
            assert!(
                analysis.errors.is_empty(),
                "{}: scan errors {:?}",
                path.display(),
                analysis.errors
            );
            let mine: Vec<_> = analysis
                .findings
                .iter()
                .filter(|f| f.rule == code)
                .collect();
            let mut lines: Vec<u32> = mine.iter().filter_map(|f| f.location.line()).collect();
            lines.sort();
            if lines != h.expect {
                failures.push(format!(
                    "{}: expected lines {:?}, got {:?}: {:#?}",
                    path.display(),
                    h.expect,
                    lines,
                    mine.iter().map(|f| &f.message).collect::<Vec<_>>()
                ));
            }
            if h.expect.is_empty() {
                *passes.entry(code.clone()).or_default() += 1;
            } else {
                *fires.entry(code.clone()).or_default() += 1;
            }
            let rendered: Vec<String> = mine
                .iter()
                .map(|f| {
                    let s = f.location.span.unwrap();
                    format!(
                        "{}:{}-{}:{} {} {}",
                        s.line, s.column, s.end_line, s.end_column, f.severity, f.message
                    )
                })
                .collect();
            insta::with_settings!({ snapshot_path => dir.join("snapshots"), prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!(name.clone(), rendered.join("\n"));
            });
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    for group in RULE_GROUPS {
        for meta in group.iter() {
            assert!(
                fires.get(meta.code).copied().unwrap_or(0) > 0,
                "{} has no fixture that fires",
                meta.code
            );
            assert!(
                passes.get(meta.code).copied().unwrap_or(0) > 0,
                "{} has no fixture that must not fire",
                meta.code
            );
        }
    }
}
