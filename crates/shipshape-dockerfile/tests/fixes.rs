//! A rule that declares a fix (`RuleMeta.fix`) emits edits, and only such rules emit edits:
//! checked over every rule fixture (`tests/fixtures/rules/<CODE>/*.Dockerfile`).

use shipshape_core::config::DockerfileOptions;
use shipshape_core::SourceFile;
use shipshape_dockerfile::{analyse, DockerfileInput, RULE_GROUPS};
use std::collections::BTreeSet;
use std::path::PathBuf;

#[test]
fn declared_fixes_emit_edits() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut with_edits = BTreeSet::new();
    let mut undeclared = Vec::new();
    for rule_dir in std::fs::read_dir(&dir).unwrap() {
        let rule_dir = rule_dir.unwrap().path();
        for entry in std::fs::read_dir(&rule_dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "Dockerfile") {
                continue;
            }
            let file = SourceFile::new("Dockerfile", std::fs::read_to_string(&path).unwrap());
            let a = analyse(&DockerfileInput {
                file: &file,
                dockerignore: None,
                context_files: &[],
                options: &DockerfileOptions::default(),
                today: "2026-11-23".parse().unwrap(),
            });
            for f in &a.findings {
                let Some(fix) = &f.fix else { continue };
                if fix.edits.is_empty() {
                    continue;
                }
                with_edits.insert(f.rule.code);
                if f.rule.fix.is_none() {
                    undeclared.push(format!("{} in {}", f.rule.code, path.display()));
                }
                for e in &fix.edits {
                    assert!(
                        e.start <= e.end && e.end <= file.text().len(),
                        "{}: edit out of range",
                        f.rule.code
                    );
                }
            }
        }
    }
    assert!(
        undeclared.is_empty(),
        "edits from rules that declare no fix: {undeclared:#?}"
    );
    let declared: Vec<&str> = RULE_GROUPS
        .iter()
        .flat_map(|g| g.iter())
        .filter(|r| r.fix.is_some() && !with_edits.contains(r.code))
        .map(|r| r.code)
        .collect();
    assert!(
        declared.is_empty(),
        "rules declaring a fix with no edits in any fixture: {declared:?}"
    );
}
