//! The Pod Security profile the gate enforces: `baseline` by default, `restricted` with
//! `profile = "restricted"` in shipshape.toml or `--profile restricted`.

mod common;
use common::*;

/// An unhardened service: what only the restricted profile forbids, nothing baseline forbids.
const UNHARDENED: &str =
    "services:\n  web:\n    image: registry.example/app:1.0\n    restart: always\n";

#[test]
fn restricted_findings_are_reported_and_gate_only_under_the_restricted_profile() {
    let d = project(&[("compose.yaml", UNHARDENED)]);
    let (code, doc) = check_json(d.path(), &["--no-secrets", "--fail-on", "medium"]);
    assert_eq!(code, Some(0), "{:#}", doc["findings"]);
    // the missing user is reported
    let user = finding(&doc, "SS2015");
    assert_eq!(user["profile"], "restricted");
    assert_eq!(doc["summary"]["not_gating"]["restricted-profile"], 7);
    assert_eq!(doc["summary"]["medium"], 0);
    // the checklist still says what is missing
    let non_root = checklist_item(&doc, "non-root");
    assert_eq!(non_root["status"], "fail");

    // the same project under the restricted profile fails, by flag or by configuration
    check(d.path(), &["--no-secrets", "--profile", "restricted"]).code(1);
    std::fs::write(
        d.path().join("shipshape.toml"),
        "profile = \"restricted\"\n",
    )
    .unwrap();
    let out = check(d.path(), &["--no-secrets", "--no-color"])
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
    check(d.path(), &[])
        .code(2)
        .stderr(predicates::str::contains(
            "shipshape.toml:1:11: profile: unknown profile `strict`",
        ));
}

#[test]
fn what_baseline_forbids_fails_the_default_gate_whatever_its_severity() {
    // NET_RAW is low, but Baseline forbids adding it in Kubernetes
    let d = project(&[(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: registry.example/app:1.0\n    securityContext:\n      capabilities:\n        add: [NET_RAW]\n",
    )]);
    let (code, doc) = check_json(d.path(), &["--no-secrets"]);
    assert_eq!(code, Some(1), "{:#}", doc["findings"]);
    let cap = finding(&doc, "SS2002");
    assert_eq!(cap["severity"], "low");
    assert_eq!(cap["profile"], "baseline");
    // in Compose, Docker grants NET_RAW anyway: severity alone decides, and low passes
    let c = project(&[(
        "compose.yaml",
        &format!("{UNHARDENED}    cap_add: [NET_RAW]\n"),
    )]);
    check(c.path(), &["--no-secrets"]).code(0);
}
