//! Findings in tests, fixtures, docs and vendored code are reported with their context but do
//! not decide the exit code or the checklist; `gate-contexts` widens the gate, `[contexts]` and
//! `.gitattributes` reclassify paths.

mod common;

use common::*;

const PRIVILEGED: &str =
    "services:\n  app:\n    image: registry.example.com/app:1.0\n    privileged: true\n";

/// `check` of the project in `dir`, run inside it, secrets left out.
fn run(dir: &std::path::Path) -> (Option<i32>, serde_json::Value) {
    check_json_in(dir, &["--no-secrets"])
}

#[test]
fn test_paths_are_reported_but_do_not_gate() {
    let dir = project(&[("tests/integration/compose.yaml", PRIVILEGED)]);
    let p = dir.path();
    let (code, doc) = run(p);
    assert_eq!(code, Some(0), "{}", doc["summary"]);
    // still reported
    let f = finding(&doc, "SS2001");
    assert_eq!(f["context"], "fixture");
    assert_eq!(doc["summary"]["critical"], 0);
    assert!(doc["summary"]["not_gating"]["fixture"].as_u64().unwrap() >= 1);
    let caps = checklist_item(&doc, "capabilities");
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
    let dir = project(&[
        ("examples/prod/compose.yaml", PRIVILEGED),
        ("deploy/generated/compose.yaml", PRIVILEGED),
        (".gitattributes", "deploy/generated/** linguist-vendored\n"),
    ]);
    let p = dir.path();
    let (code, doc) = run(p);
    assert_eq!(code, Some(0), "{}", doc["summary"]);
    let contexts: Vec<&str> = findings_of(&doc, "SS2001")
        .iter()
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

/// Every format marks a finding that cannot decide the exit code, and only such a finding: a
/// critical one in a fixture path is a GitHub notice, a skipped JUnit case and a SARIF note;
/// once `gate-contexts` takes fixtures in, it is an error everywhere again.
#[test]
fn ci_formats_mark_findings_that_do_not_gate() {
    let dir = project(&[("tests/integration/compose.yaml", PRIVILEGED)]);
    let p = dir.path();
    let out = |format: &str| {
        let o = shipshape()
            .current_dir(p)
            .args(["check", ".", "--no-secrets", "--format", format])
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    let ss2001 = |text: &str| -> String {
        text.lines()
            .find(|l| l.contains("SS2001"))
            .unwrap_or_else(|| panic!("no SS2001 in {text}"))
            .to_string()
    };
    let sarif_ss2001 = |text: &str| -> serde_json::Value {
        let sarif: serde_json::Value = serde_json::from_str(text).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "SS2001")
            .unwrap()
            .clone()
    };
    let github = out("github");
    let line = ss2001(&github);
    assert!(line.starts_with("::notice "), "{line}");
    assert!(line.contains("fixture path%3A not gating"), "{line}");
    let junit = out("junit");
    assert!(
        junit.contains(r#"<skipped message="fixture path: not gating"/>"#),
        "{junit}"
    );
    assert!(
        junit.contains(r#"<testsuites name="shipshape""#) && junit.contains(r#"failures="0""#),
        "{junit}"
    );
    let result = sarif_ss2001(&out("sarif"));
    assert_eq!(result["level"], "note", "{result}");
    assert_eq!(result["properties"]["notGating"], "fixture path");
    assert!(out("human").contains("[fixture path: not gating]"));

    std::fs::write(
        p.join("shipshape.toml"),
        "gate-contexts = [\"production\", \"fixture\"]\n",
    )
    .unwrap();
    assert!(ss2001(&out("github")).starts_with("::error "));
    let junit = out("junit");
    assert!(!junit.contains("fixture path: not gating"), "{junit}");
    let result = sarif_ss2001(&out("sarif"));
    assert_eq!(result["level"], "error", "{result}");
    let human = out("human");
    assert!(!human.contains("fixture path: not gating"), "{human}");
}
