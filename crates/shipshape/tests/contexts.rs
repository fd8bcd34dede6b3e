//! Findings in tests, fixtures, docs and vendored code are reported with their context but do
//! not decide the exit code or the checklist; `gate-contexts` widens the gate, `[contexts]` and
//! `.gitattributes` reclassify paths.

mod common;

use common::*;

const PRIVILEGED: &str =
    "services:\n  app:\n    image: registry.example.com/app:1.0\n    privileged: true\n";

fn run(dir: &std::path::Path) -> (Option<i32>, serde_json::Value) {
    let out = shipshape()
        .current_dir(dir)
        .args(["check", ".", "--format", "json", "--no-secrets"])
        .output()
        .expect("runs");
    let doc = serde_json::from_slice(&out.stdout).expect("json");
    (out.status.code(), doc)
}

#[test]
fn test_paths_are_reported_but_do_not_gate() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("tests/integration")).unwrap();
    std::fs::write(p.join("tests/integration/compose.yaml"), PRIVILEGED).unwrap();
    let (code, doc) = run(p);
    assert_eq!(code, Some(0), "{}", doc["summary"]);
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "SS2001")
        .expect("still reported");
    assert_eq!(f["context"], "fixture");
    assert_eq!(doc["summary"]["critical"], 0);
    assert!(doc["summary"]["not_gating"]["fixture"].as_u64().unwrap() >= 1);
    let caps = doc["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "capabilities")
        .unwrap();
    assert_ne!(caps["status"], "fail");

    // The same file in production paths fails the run.
    std::fs::write(p.join("compose.yaml"), PRIVILEGED).unwrap();
    let (code, doc) = run(p);
    assert_eq!(code, Some(1));
    assert_eq!(doc["summary"]["critical"], 1);

    // Widening the gate.
    std::fs::remove_file(p.join("compose.yaml")).unwrap();
    std::fs::write(
        p.join("shipshape.toml"),
        "gate-contexts = [\"production\", \"fixture\"]\n",
    )
    .unwrap();
    let (code, _) = run(p);
    assert_eq!(code, Some(1));
}

#[test]
fn config_and_gitattributes_reclassify_paths() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("examples/prod")).unwrap();
    std::fs::create_dir_all(p.join("deploy/generated")).unwrap();
    std::fs::write(p.join("examples/prod/compose.yaml"), PRIVILEGED).unwrap();
    std::fs::write(p.join("deploy/generated/compose.yaml"), PRIVILEGED).unwrap();
    std::fs::write(
        p.join(".gitattributes"),
        "deploy/generated/** linguist-vendored\n",
    )
    .unwrap();
    let (code, doc) = run(p);
    assert_eq!(code, Some(0), "{}", doc["summary"]);
    let contexts: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "SS2001")
        .map(|f| f["context"].as_str().unwrap())
        .collect();
    assert_eq!(contexts, vec!["vendored", "docs"]);
    std::fs::write(
        p.join("shipshape.toml"),
        "[contexts]\nproduction = [\"examples/prod/**\"]\n",
    )
    .unwrap();
    let (code, _) = run(p);
    assert_eq!(code, Some(1));
}
