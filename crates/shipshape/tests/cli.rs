//! End-to-end tests of the command line, as a user runs it.

mod common;

use common::*;
use predicates::prelude::*;
use std::fs;

#[test]
fn json_output_validates_against_the_shipped_schema() {
    let (code, doc) = check_json("examples/demo", &[]);
    assert_report_schema(&doc);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["checklist"].as_array().unwrap().len(), 15);
    assert_eq!(doc["summary"]["exit_code"], code.unwrap());
}

#[test]
fn sarif_output_validates_against_sarif_2_1_0() {
    let Some(schemas) = shared_dir("schemas") else {
        return;
    };
    for example in ["examples/demo", "examples/hardened"] {
        let out = shipshape()
            .args(["check", example, "--format", "sarif"])
            .output()
            .unwrap();
        let doc = json_of(&out.stdout);
        let errors = schema_errors(&schemas.join("sarif-2.1.0.json"), &doc);
        assert!(errors.is_empty(), "{example}: {errors:#?}");
        assert_eq!(doc["version"], "2.1.0");
        // every result's ruleIndex points at its rule
        let rules = doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        for r in doc["runs"][0]["results"].as_array().unwrap() {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
            assert!(rules[idx]["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## "));
        }
    }
}

/// The report of `check examples/demo` in `format`.
fn demo_as(format: &str) -> String {
    let out = shipshape()
        .args(["check", "examples/demo", "--format", format])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn junit_and_github_formats() {
    let xml = demo_as("junit");
    assert!(xml.starts_with("<?xml"));
    assert_eq!(xml.matches("<testsuite ").count(), 15, "{xml}");
    let text = demo_as("github");
    assert!(
        text.lines().last().unwrap().starts_with("shipshape: "),
        "{text}"
    );
}

#[test]
fn human_output_has_checklist_and_summary() {
    shipshape()
        .args(["check", "examples/demo"])
        .assert()
        .stdout(predicate::str::contains(
            "Production checklist: examples/demo",
        ))
        .stdout(predicate::str::contains("non-root"))
        .stdout(predicate::str::is_match(r"\d+ critical, \d+ high, \d+ medium, \d+ low").unwrap());
}

#[test]
fn output_to_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.json");
    shipshape()
        .args(["check", "examples/hardened", "--format", "json", "--output"])
        .arg(&target)
        .assert()
        .stdout(predicate::str::is_empty());
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(doc["target"], "examples/hardened");
}

#[test]
fn missing_path_is_exit_2() {
    shipshape()
        .args(["check", "does/not/exist"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does/not/exist"));
}

#[test]
fn malformed_config_names_file_and_line() {
    let dir = project(&[("Dockerfile", "FROM scratch\n")]);
    fs::write(
        dir.path().join("shipshape.toml"),
        "fail-on = \"high\"\n\n[[ignore]]\nrules = [\"no-such-rule\"]\nreason = \"x\"\n",
    )
    .unwrap();
    check(dir.path(), &[])
        .code(2)
        .stderr(predicate::str::contains("shipshape.toml:4:"))
        .stderr(predicate::str::contains("no-such-rule"));
    fs::write(dir.path().join("shipshape.toml"), "fail-on = \n").unwrap();
    check(dir.path(), &[])
        .code(2)
        .stderr(predicate::str::contains("shipshape.toml:1:"));
}

#[test]
fn non_utf8_input_is_a_scan_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        b"FROM scratch\nLABEL a=\xff\xfe\n",
    )
    .unwrap();
    let (code, doc) = check_json(dir.path(), &[]);
    assert_eq!(code, Some(2));
    assert_eq!(doc["errors"][0]["line"], 2, "{doc}");
}

#[test]
fn init_writes_a_config_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    shipshape().arg("init").arg(dir.path()).assert().success();
    let written = fs::read_to_string(dir.path().join("shipshape.toml")).unwrap();
    assert!(written.contains("fail-on = \"high\""));
    // refuses to overwrite
    shipshape().arg("init").arg(dir.path()).assert().code(2);
    fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    check(dir.path(), &[]).code(predicate::in_iter([0, 1]));
}

#[test]
fn rules_and_rule_docs() {
    let out = shipshape().args(["rules", "--json"]).output().unwrap();
    assert!(out.status.success());
    let rules = json_of(&out.stdout);
    let list = rules.as_array().unwrap();
    assert!(list.iter().any(|r| r["code"] == "SS0001"));
    shipshape()
        .args(["rule", "expired-ignore"])
        .assert()
        .success()
        .stdout(predicate::str::contains("SS0001"))
        .stdout(predicate::str::contains("## How to fix"));
    shipshape().args(["rule", "SS9998"]).assert().code(2);
}

#[test]
fn completions() {
    shipshape()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("shipshape"));
}

#[test]
fn unknown_format_is_a_usage_error() {
    shipshape()
        .args(["check", ".", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn malformed_compose_names_file_and_line() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"\n  db:\n    image: postgres:16\n",
        ),
    ]);
    let (code, doc) = check_json(dir.path(), &[]);
    assert_eq!(code, Some(2));
    let err = &doc["errors"][0];
    assert!(
        err["path"].as_str().unwrap().ends_with("compose.yaml"),
        "{doc}"
    );
    assert!(err["line"].as_u64().unwrap() >= 4, "{doc}");
}

#[test]
fn graph_reports_reachability() {
    let dir = tempfile::tempdir().unwrap();
    let flat = "services:\n  web:\n    image: nginx:1.27\n    ports: [\"443:443\"]\n  api:\n    image: acme/api:1.0\n  db:\n    image: postgres:16\n";
    fs::write(dir.path().join("compose.yaml"), flat).unwrap();
    shipshape()
        .arg("graph")
        .arg(dir.path().join("compose.yaml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("web -> db: reachable"));
    let segmented = "services:\n  web:\n    image: nginx:1.27\n    ports: [\"443:443\"]\n    networks: [edge]\n  api:\n    image: acme/api:1.0\n    networks: [edge, data]\n  db:\n    image: postgres:16\n    networks: [data]\nnetworks:\n  edge: {}\n  data:\n    internal: true\n";
    fs::write(dir.path().join("compose.yaml"), segmented).unwrap();
    shipshape()
        .arg("graph")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("web -> db: reachable").not());
    shipshape()
        .args(["graph", "--format", "dot"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::starts_with("graph"));
}

#[test]
fn graph_json_is_machine_readable_and_valid() {
    let dir = tempfile::tempdir().unwrap();
    let project = "services:\n  web:\n    image: nginx:1.27\n    ports: [\"443:443\"]\n    networks: [edge]\n  api:\n    image: acme/api:1.0\n    networks: [edge, data]\n  db:\n    image: postgres:16\n    networks: [data]\n  cache:\n    image: redis:7\n    networks: [data, edge]\nnetworks:\n  edge: {}\n  data:\n    internal: true\n    driver: overlay\n";
    fs::write(dir.path().join("compose.yaml"), project).unwrap();
    let doc = graph_json(dir.path());
    let tier = |name: &str| {
        doc["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["tier"].clone())
    };
    assert_eq!(tier("web"), Some("edge".into()));
    assert_eq!(tier("db"), Some("data".into()));
    let data = doc["networks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "data")
        .unwrap();
    assert_eq!(data["internal"], true);
    assert_eq!(data["driver"], "overlay");
    let pairs: Vec<(String, String, usize)> = doc["reachable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["services"][0].as_str().unwrap().to_string(),
                p["services"][1].as_str().unwrap().to_string(),
                p["networks"].as_array().unwrap().len(),
            )
        })
        .collect();
    // api and cache share both networks; web never reaches db; web reaches cache (a data
    // service on the edge network: the edge_reaches_data list names it).
    assert!(
        pairs.contains(&("api".into(), "cache".into(), 2)),
        "{pairs:?}"
    );
    assert!(
        !pairs.iter().any(|(a, b, _)| a == "db" && b == "web"),
        "{pairs:?}"
    );
    assert_eq!(doc["edge_reaches_data"][0]["from"], "web");
    assert_eq!(doc["edge_reaches_data"][0]["to"], "cache");
}

#[test]
fn hardened_example_passes_every_item_it_can_decide() {
    let (code, doc) = check_json("examples/hardened", &[]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert!(
        rules_in(&doc).is_empty(),
        "no finding at all: {:?}",
        rules_in(&doc)
    );
    for item in doc["checklist"].as_array().unwrap() {
        let expected = if item["id"] == "vulnerabilities" {
            "not-analysed"
        } else {
            "pass"
        };
        assert_eq!(item["status"], expected, "{item}");
    }
}

#[test]
fn demo_example_fails_with_the_expected_problems() {
    let (code, doc) = check_json("examples/demo", &[]);
    assert_eq!(code, Some(1));
    let rules = rules_in(&doc);
    for expected in [
        "SS1001", // no USER
        "SS1013", // DATABASE_PASSWORD in ENV
        "SS1016", // .dockerignore without .git/.env
        "SS1018", // curl | sh
        "SS1020", // EXPOSE 22
        "SS2001", // --privileged in deploy/run.sh
        "SS2004", // docker socket mount
        "SS2030", // web reaches db on the default network
    ] {
        assert!(
            rules.contains(expected),
            "{expected} missing from {rules:?}"
        );
    }
}

#[test]
fn human_output_groups_findings_on_one_subject() {
    let dir = project(&[(
        "compose.yaml",
        "services:\n  vote:\n    image: registry.example.com/vote:1.0\n",
    )]);
    // Human output of `check .` run in the project, with `extra` flags.
    let human = |extra: &[&str]| {
        let out = shipshape()
            .current_dir(dir.path())
            .args(["check", ".", "--no-color", "--no-secrets"])
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = human(&[]);
    // One excerpt of the service for all its missing settings, each rule listed under it.
    let blocks = text.matches("findings on `").count();
    assert!(blocks >= 1, "{text}");
    assert!(
        text.contains("medium[SS2012]") && text.contains("medium[SS2011]"),
        "{text}"
    );
    let excerpts = text.matches("| ^").count();
    let findings = text.matches("[SS2").count();
    assert!(
        excerpts < findings,
        "{excerpts} excerpts for {findings} findings:\n{text}"
    );

    let concise = human(&["--concise"]);
    let first = concise.lines().next().unwrap_or_default();
    assert!(first.starts_with("compose.yaml:"), "{concise}");
    assert!(
        ["critical", "high", "medium", "low"]
            .iter()
            .any(|s| first.contains(&format!(": {s}[SS"))),
        "{concise}"
    );
    assert!(!concise.contains(" | "), "no excerpts: {concise}");

    let stats = human(&["--statistics"]);
    assert!(
        stats
            .lines()
            .any(|l| l.trim_start().starts_with("1  SS2012  medium")),
        "{stats}"
    );
    assert!(!stats.contains("[SS2012]"), "{stats}");
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    for args in [
        vec!["rules"],
        vec!["rules", "--json"],
        vec!["rule", "SS1001"],
        vec!["completions", "bash"],
        vec!["check", "examples/demo"],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_shipshape"))
            .current_dir(repo_root())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first).unwrap();
        // The reader is gone: the next writes fail with a broken pipe.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(101), "{args:?}");
        assert!(!first.is_empty(), "{args:?}");
    }
}
