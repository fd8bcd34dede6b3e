//! The policy end to end: expiring ignores, inline suppressions, thresholds, required items.

mod common;

use common::*;
use std::fs;

fn project(dockerfile: &str, config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    if let Some(c) = config {
        fs::write(dir.path().join("shipshape.toml"), c).unwrap();
    }
    dir
}

fn json(dir: &tempfile::TempDir, extra: &[&str]) -> (i32, serde_json::Value) {
    let (code, doc) = check_json(dir.path(), extra);
    (code.expect("an exit code"), doc)
}

const ROOT: &str = "FROM alpine:3.22@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1\nCMD [\"sh\"]\n";

#[test]
fn expired_ignore_becomes_a_finding_unexpired_suppresses() {
    let unexpired = project(
        ROOT,
        Some("[[ignore]]\nrules = [\"root-user\"]\nreason = \"vendor image\"\nexpires = 2999-01-01\n"),
    );
    let (code, doc) = json(&unexpired, &[]);
    assert!(!rules_in(&doc).contains("SS1001"), "{doc}");
    assert_eq!(doc["suppressed"][0]["rule"], "SS1001");
    assert_eq!(doc["suppressed"][0]["reason"], "vendor image");
    assert_eq!(code, 0, "{doc}");

    let expired = project(
        ROOT,
        Some("[[ignore]]\nrules = [\"root-user\"]\nreason = \"vendor image\"\nexpires = 2020-01-01\n"),
    );
    let (code, doc) = json(&expired, &[]);
    let rules = rules_in(&doc);
    assert!(rules.contains("SS1001"), "{doc}");
    assert!(rules.contains("SS0001"), "{doc}");
    let ss0001 = finding(&doc, "SS0001");
    assert_eq!(ss0001["location"]["line"], 1);
    assert!(ss0001["location"]["path"]
        .as_str()
        .unwrap()
        .ends_with("shipshape.toml"));
    assert_eq!(code, 1);
}

#[test]
fn inline_suppressions_both_syntaxes() {
    let with_ours = project(
        &format!("# shipshape:ignore SS1001 entrypoint drops privileges\n{ROOT}"),
        None,
    );
    let (_, doc) = json(&with_ours, &[]);
    assert!(!rules_in(&doc).contains("SS1001"), "{doc}");
    let with_hadolint = project(&format!("# hadolint ignore=DL3002\n{ROOT}"), None);
    let (_, doc) = json(&with_hadolint, &[]);
    assert!(!rules_in(&doc).contains("SS1001"), "{doc}");
    let unrelated = project(&format!("# hadolint ignore=DL3008\n{ROOT}"), None);
    let (_, doc) = json(&unrelated, &[]);
    assert!(rules_in(&doc).contains("SS1001"), "{doc}");
}

#[test]
fn threshold_and_required_items() {
    let dir = project(ROOT, None);
    let (code, _) = json(&dir, &["--fail-on", "critical"]);
    assert_eq!(code, 0, "a high finding does not fail a critical threshold");
    let (code, _) = json(&dir, &["--fail-on", "high"]);
    assert_eq!(code, 1);
    let strict = project(
        "FROM alpine:3.22@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1\nUSER 10001\n",
        Some("require = [\"read-only\"]\n"),
    );
    let (code, doc) = json(&strict, &[]);
    let item = doc["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "read-only")
        .unwrap();
    assert_eq!(item["required"], true);
    assert_eq!(item["status"], "not-analysed");
    assert_eq!(
        code, 1,
        "a required item that was not analysed fails the run"
    );
}

#[test]
fn rule_overrides() {
    let dir = project(ROOT, Some("[rules]\nroot-user = \"off\"\n"));
    let (_, doc) = json(&dir, &[]);
    assert!(!rules_in(&doc).contains("SS1001"));
    let dir = project(ROOT, Some("[rules]\nSS1001 = \"low\"\n"));
    let (code, doc) = json(&dir, &[]);
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "SS1001")
        .unwrap();
    assert_eq!(f["severity"], "low");
    assert_eq!(code, 0);
}

#[test]
fn malformed_dockerfile_is_exit_2_with_file_and_line() {
    let dir = project("FROM alpine:3.22\n\nRUN echo ok\nFROBNICATE now\n", None);
    let out = shipshape().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Scan errors go to standard error (the human report counts them).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Dockerfile:4"), "{stderr}");
    assert!(stderr.to_lowercase().contains("frobnicate"), "{stderr}");
    let dir = project("FROM alpine:3.22\nRUN <<EOF\necho never closed\n", None);
    let out = shipshape().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fingerprints_survive_edits_above() {
    let fingerprint = |dockerfile: &str| {
        let dir = project(dockerfile, None);
        let out = shipshape()
            .current_dir(dir.path())
            .args(["check", ".", "--format", "json"])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "SS1001")
            .map(|f| {
                (
                    f["fingerprint"].as_str().unwrap().to_string(),
                    f["location"]["line"].as_u64().unwrap(),
                )
            })
            .unwrap()
    };
    let (fa, la) = fingerprint(ROOT);
    let (fb, lb) = fingerprint(&format!("# a comment added above\n\n{ROOT}"));
    assert_ne!(la, lb, "the finding moved");
    assert_eq!(fa, fb, "but kept its fingerprint");
    let (fc, _) = fingerprint(&ROOT.replace("alpine:3.22", "alpine:3.21"));
    assert_ne!(fa, fc, "a change of the flagged text changes it");
}
