//! One image reference, one classification, one severity: the same reference written in a
//! Dockerfile `FROM`, a Compose `image:`, a Kubernetes `image:` and a `docker run` line draws the
//! same "not pinned" finding severity, the one the core classification gives.

mod common;

use common::*;
use shipshape_core::imageref::{classify, ImageClass};
use std::collections::BTreeMap;
use std::fs;

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The pinning rules of each front end.
const RULES: [&str; 3] = ["SS1006", "SS2022", "SS2023"];

/// `file -> [(rule, severity)]` of the pinning findings for `reference` written four ways.
fn findings_for(reference: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    fs::write(p.join("Dockerfile"), format!("FROM {reference}\n")).unwrap();
    fs::write(
        p.join("compose.yaml"),
        format!("services:\n  app:\n    image: {reference}\n"),
    )
    .unwrap();
    fs::write(
        p.join("pod.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n    - name: app\n      image: {reference}\n"
        ),
    )
    .unwrap();
    fs::write(p.join("run.sh"), format!("docker run -d {reference}\n")).unwrap();
    let out = shipshape()
        .args(["check", "--no-secrets", "--format", "json"])
        .arg(p)
        .output()
        .expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        doc["errors"].as_array().map(Vec::len),
        Some(0),
        "{reference}: {}",
        doc["errors"]
    );
    let mut by_file: BTreeMap<String, Vec<(String, String)>> =
        ["Dockerfile", "compose.yaml", "pod.yaml", "run.sh"]
            .iter()
            .map(|f| (f.to_string(), Vec::new()))
            .collect();
    for f in doc["findings"].as_array().expect("findings") {
        let rule = f["rule"].as_str().unwrap_or_default();
        if !RULES.contains(&rule) {
            continue;
        }
        let path = f["location"]["path"].as_str().unwrap_or_default();
        let file = path.rsplit('/').next().unwrap_or_default().to_string();
        by_file.entry(file).or_default().push((
            rule.to_string(),
            f["severity"].as_str().unwrap_or_default().to_string(),
        ));
    }
    by_file
}

#[test]
fn one_reference_one_severity_in_every_front_end() {
    let pinned = format!("node@{DIGEST}");
    let cases: [(&str, ImageClass, Option<&str>); 5] = [
        ("node:lts", ImageClass::MovingTag, Some("low")),
        ("node", ImageClass::Untagged, Some("medium")),
        ("node:latest", ImageClass::Latest, Some("medium")),
        ("node:20.11.1", ImageClass::VersionTag, Some("low")),
        (&pinned, ImageClass::Digest, None),
    ];
    for (reference, class, severity) in cases {
        assert_eq!(classify(reference), Ok(class), "{reference}");
        let core = class
            .unpinned_severity()
            .map(|s| format!("{s:?}").to_ascii_lowercase());
        assert_eq!(core.as_deref(), severity, "{reference}: core severity");
        // the runtime rule code depends on the class; the Dockerfile always says SS1006
        let runtime_rule = if class == ImageClass::VersionTag {
            "SS2023"
        } else {
            "SS2022"
        };
        for (file, found) in findings_for(reference) {
            let want: Vec<(String, String)> = match severity {
                None => Vec::new(),
                Some(s) => {
                    let rule = if file == "Dockerfile" {
                        "SS1006"
                    } else {
                        runtime_rule
                    };
                    vec![(rule.to_string(), s.to_string())]
                }
            };
            assert_eq!(found, want, "{reference} in {file}");
        }
    }
}
