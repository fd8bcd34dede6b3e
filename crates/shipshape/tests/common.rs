//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared folder beside the repository (corpus, schemas), if present. When it is missing the
/// caller skips with a visible message, unless SHIPSHAPE_REQUIRE_CORPUS=1 makes it mandatory.
pub fn shared_dir(what: &str) -> Option<PathBuf> {
    let dir = repo_root().join("../shared");
    if dir.join(what).exists() {
        return Some(dir.join(what));
    }
    if std::env::var("SHIPSHAPE_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!("../shared/{what} is required (SHIPSHAPE_REQUIRE_CORPUS=1) but missing");
    }
    eprintln!("SKIPPED: ../shared/{what} not found beside the repository");
    None
}

/// `shipshape` with a clean environment (no colour, no CI variables, a vulnerability cache
/// directory that holds no database unless the test sets its own), run from the repo root.
pub fn shipshape() -> Command {
    let mut cmd = Command::cargo_bin("shipshape").expect("binary built");
    cmd.current_dir(repo_root())
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CI")
        .env(
            "SHIPSHAPE_CACHE_DIR",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-vulnerability-database"),
        )
        .env("NO_COLOR", "1");
    cmd
}

/// Validates a JSON document against a JSON Schema file; returns the error messages.
pub fn schema_errors(schema_path: &std::path::Path, doc: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema readable"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Whether the tool `name` is on PATH; without it the caller skips visibly, unless
/// SHIPSHAPE_REQUIRE_TOOLS=1 makes it a failure (scripts/test.sh installs the tools).
pub fn tool(name: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if found {
        return true;
    }
    if std::env::var("SHIPSHAPE_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!(
            "SHIPSHAPE_REQUIRE_TOOLS=1 but {name} is not installed (scripts/test.sh installs it)"
        );
    }
    eprintln!("SKIPPED: {name} not installed (scripts/test.sh installs it; SHIPSHAPE_REQUIRE_TOOLS=1 makes this a failure)");
    false
}

/// Runs the validator command `cmd` on `file`; fails the test when it rejects the file.
pub fn run_validator(cmd: &[&str], file: &std::path::Path) {
    let out = std::process::Command::new(cmd[0])
        .args(&cmd[1..])
        .arg(file)
        .output()
        .expect("validator runs");
    assert!(
        out.status.success(),
        "{} rejected {}:\n{}{}",
        cmd[0],
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// cyclonedx-python-lib's validator on `file`, when installed (see [`tool`]).
pub fn validate_cyclonedx(file: &std::path::Path) {
    if tool("cdx-validate") {
        run_validator(&["cdx-validate"], file);
    }
}

/// `shipshape sbom ARGS` with a fixed creation time: exit code, stdout, stderr.
pub fn sbom(args: &[&str]) -> (i32, String, String) {
    let out = shipshape()
        .arg("sbom")
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1736935200")
        .output()
        .expect("shipshape runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The checklist item `id` of a JSON report.
pub fn checklist_item(doc: &serde_json::Value, id: &str) -> serde_json::Value {
    doc["checklist"]
        .as_array()
        .expect("a checklist")
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no checklist item {id}"))
}
