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
