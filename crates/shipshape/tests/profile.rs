//! The Pod Security profile the gate enforces: `baseline` by default, `restricted` with
//! `profile = "restricted"` in shipshape.toml or `--profile restricted`.

mod common;
use common::shipshape;

fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("JSON output")
}

/// An unhardened service: what only the restricted profile forbids, nothing baseline forbids.
const UNHARDENED: &str =
    "services:\n  web:\n    image: registry.example/app:1.0\n    restart: always\n";

#[test]
fn restricted_findings_are_reported_and_gate_only_under_the_restricted_profile() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("compose.yaml"), UNHARDENED).unwrap();
    let out = shipshape()
        .arg("check")
        .arg(d.path())
        .args(["--format", "json", "--no-secrets", "--fail-on", "medium"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let doc = json_of(&out);
    let user = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "SS2015")
        .expect("the missing user is reported");
    assert_eq!(user["profile"], "restricted");
    assert_eq!(doc["summary"]["not_gating"]["restricted-profile"], 7);
    assert_eq!(doc["summary"]["medium"], 0);
    // the checklist still says what is missing
    let non_root = doc["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "non-root")
        .unwrap();
    assert_eq!(non_root["status"], "fail");

    // the same project under the restricted profile fails, by flag or by configuration
    shipshape()
        .arg("check")
        .arg(d.path())
        .args(["--no-secrets", "--profile", "restricted"])
        .assert()
        .code(1);
    std::fs::write(
        d.path().join("shipshape.toml"),
        "profile = \"restricted\"\n",
    )
    .unwrap();
    let out = shipshape()
        .arg("check")
        .arg(d.path())
        .args(["--no-secrets", "--no-color"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains("[restricted profile: not gating]"), "{text}");
    // one block and one fix for the workload's missing hardening
    assert_eq!(
        text.matches("help: harden `web` in one change").count(),
        1,
        "{text}"
    );
    std::fs::write(d.path().join("shipshape.toml"), "profile = \"strict\"\n").unwrap();
    shipshape()
        .arg("check")
        .arg(d.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "shipshape.toml:1:11: profile: unknown profile `strict`",
        ));
}

#[test]
fn what_baseline_forbids_fails_the_default_gate_whatever_its_severity() {
    let d = tempfile::tempdir().unwrap();
    // NET_RAW is low, but Baseline forbids adding it in Kubernetes
    std::fs::write(
        d.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: registry.example/app:1.0\n    securityContext:\n      capabilities:\n        add: [NET_RAW]\n",
    )
    .unwrap();
    let out = shipshape()
        .arg("check")
        .arg(d.path())
        .args(["--format", "json", "--no-secrets"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc = json_of(&out);
    let cap = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "SS2002")
        .unwrap();
    assert_eq!(cap["severity"], "low");
    assert_eq!(cap["profile"], "baseline");
    // in Compose, Docker grants NET_RAW anyway: severity alone decides, and low passes
    let c = tempfile::tempdir().unwrap();
    std::fs::write(
        c.path().join("compose.yaml"),
        format!("{UNHARDENED}    cap_add: [NET_RAW]\n"),
    )
    .unwrap();
    shipshape()
        .arg("check")
        .arg(c.path())
        .arg("--no-secrets")
        .assert()
        .code(0);
}
