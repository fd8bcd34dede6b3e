//! Finding identity does not depend on how the scanned directory is named: `check .` inside it,
//! `check DIR` from its parent and `check /absolute/DIR` give every finding the same fingerprint.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

/// `(rule, path relative to the project) -> fingerprint` of a JSON report.
fn fingerprints(out: &[u8], prefix: &str) -> BTreeMap<(String, String), Vec<String>> {
    let doc: serde_json::Value = serde_json::from_slice(out).expect("valid JSON");
    let mut map: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for f in doc["findings"].as_array().expect("findings") {
        let path = f["location"]["path"].as_str().unwrap_or_default();
        let rel = path
            .strip_prefix(prefix)
            .unwrap_or(path)
            .trim_start_matches('/')
            .to_string();
        let rule = f["rule"].as_str().unwrap_or_default().to_string();
        map.entry((rule, rel))
            .or_default()
            .push(f["fingerprint"].as_str().unwrap_or_default().to_string());
    }
    for v in map.values_mut() {
        v.sort();
    }
    map
}

#[test]
fn fingerprints_are_the_same_for_dot_dir_and_absolute_path() {
    let project = repo_root().join("examples/demo");
    let parent = project.parent().expect("examples");
    let run = |dir: &Path, target: &str| {
        shipshape()
            .current_dir(dir)
            .args(["check", target, "--format", "json"])
            .output()
            .expect("runs")
            .stdout
    };
    let dot = fingerprints(&run(&project, "."), "");
    let named = fingerprints(&run(parent, "demo"), "demo");
    let absolute_target = project.to_string_lossy().to_string();
    let absolute = fingerprints(&run(parent, &absolute_target), &absolute_target);
    assert!(dot.len() > 10, "the demo project has findings: {dot:?}");
    // Dockerfile, build-context, run-line and compose-project findings alike.
    for code in ["SS1001", "SS1016", "SS2001", "SS2030"] {
        assert!(
            dot.keys().any(|(rule, _)| rule.starts_with(code)),
            "no {code} finding in the demo"
        );
    }
    assert_eq!(dot, named, "check . and check DIR differ");
    assert_eq!(dot, absolute, "check . and check /abs/DIR differ");
}
