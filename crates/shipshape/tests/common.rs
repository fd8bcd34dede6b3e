//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

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

/// The report schema, relative to the repository root.
pub const REPORT_SCHEMA: &str = "schemas/shipshape-report-v1.schema.json";

/// Asserts that `doc` follows the JSON report schema.
pub fn assert_report_schema(doc: &Value) {
    let errors = schema_errors(&repo_root().join(REPORT_SCHEMA), doc);
    assert!(errors.is_empty(), "{errors:#?}");
}

/// A command's standard output parsed as JSON.
pub fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("{e}: not JSON:\n{}", String::from_utf8_lossy(out)))
}

/// Runs `cmd`: its exit code and its standard output as JSON (a panic naming both streams when
/// the output is no JSON).
pub fn run_json(cmd: &mut Command) -> (Option<i32>, Value) {
    let out = cmd.output().expect("shipshape runs");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), doc)
}

/// `shipshape check TARGET --format json ARGS`: exit code and report.
pub fn check_json(target: impl AsRef<OsStr>, args: &[&str]) -> (Option<i32>, Value) {
    run_json(
        shipshape()
            .arg("check")
            .arg(target)
            .args(["--format", "json"])
            .args(args),
    )
}

/// `shipshape check . --format json ARGS` run inside `dir`, so the report's paths are relative
/// to it.
pub fn check_json_in(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    run_json(
        shipshape()
            .current_dir(dir)
            .args(["check", ".", "--format", "json"])
            .args(args),
    )
}

/// The findings of `rule` in a report, in report order.
pub fn findings_of<'a>(doc: &'a Value, rule: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .expect("a findings list")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// The first finding of `rule` in a report; a panic listing the findings when there is none.
pub fn finding<'a>(doc: &'a Value, rule: &str) -> &'a Value {
    findings_of(doc, rule)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no {rule} finding in {:#}", doc["findings"]))
}

/// The one finding of `rule` in a report; a panic listing the findings when there is none or
/// more than one.
pub fn only_finding<'a>(doc: &'a Value, rule: &str) -> &'a Value {
    match findings_of(doc, rule)[..] {
        [f] => f,
        _ => panic!("not one {rule} finding in {:#}", doc["findings"]),
    }
}

/// Writes the files (`name`, text) under `dir`, making their folders.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

/// A temporary project of the files (`name`, text).
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_files(dir.path(), files);
    dir
}

/// `shipshape db import SRC --cache-dir CACHE`, for assertions.
pub fn run_db_import(src: &Path, cache: &Path) -> assert_cmd::assert::Assert {
    shipshape()
        .args(["db", "import"])
        .arg(src)
        .arg("--cache-dir")
        .arg(cache)
        .assert()
}

/// `shipshape db import SRC --cache-dir CACHE`, which must succeed.
pub fn db_import(src: &Path, cache: &Path) -> assert_cmd::assert::Assert {
    run_db_import(src, cache).success()
}

/// Imports the OSV records under `records` into the vulnerability database of `cache` with the
/// store API (merging with what is there); returns how many it imported.
pub fn store_import(cache: &Path, records: &Path) -> u64 {
    let db = shipshape_vuln::store::db_path(cache);
    let loaded = shipshape_vuln::source::load(records).expect("records load");
    let summary =
        shipshape_vuln::store::import(&db, loaded, &shipshape_vuln::store::ImportMode::Merge)
            .expect("records import");
    summary.imported
}

/// A cache directory holding the corpus's Debian records (skipped without ../shared, see
/// [`shared_dir`]).
pub fn debian_cache() -> Option<tempfile::TempDir> {
    let records = shared_dir("corpus/osv/Debian")?;
    let cache = tempfile::tempdir().expect("tempdir");
    let imported = store_import(cache.path(), &records);
    assert!(imported > 100, "{imported} Debian records imported");
    Some(cache)
}

/// Debian 12's os-release.
pub const DEBIAN_12: &[u8] =
    b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n";

/// A one-layer Debian 12 image whose dpkg database is `status`, run as user 10001.
pub fn debian_builder(status: &str) -> shipshape_image::build::ImageBuilder {
    use shipshape_image::build::{ImageBuilder, LayerBuilder};
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file("etc/os-release", DEBIAN_12)
                .file("var/lib/dpkg/status", status.as_bytes()),
        )
        .user("10001")
}

/// [`debian_builder`]'s image written as the docker archive `DIR/NAME.tar` (tagged `NAME:1`);
/// returns its `docker-archive:` reference.
pub fn debian_image(dir: &Path, name: &str, status: &str) -> String {
    let archive = dir.join(format!("{name}.tar"));
    debian_builder(status)
        .write_docker_archive(&archive, &format!("{name}:1"))
        .expect("image written");
    format!("docker-archive:{}", archive.display())
}

/// A run of a command that writes a JSON report on standard output.
pub struct Report {
    pub code: i32,
    /// The report; `Null` from [`report_or_null`] when the run wrote none.
    pub doc: Value,
    pub stderr: String,
}

/// Runs `cmd` for its JSON report, which must be there (a panic naming both streams when the
/// output is no JSON) and must follow the report schema.
pub fn report(cmd: &mut Command) -> Report {
    let run = report_or_null(cmd);
    assert!(
        !run.doc.is_null(),
        "no JSON report; stderr:\n{}",
        run.stderr
    );
    run
}

/// Runs `cmd` for its JSON report, if it writes one (a failed run may not): a report there must
/// follow the report schema.
pub fn report_or_null(cmd: &mut Command) -> Report {
    let out = cmd.output().expect("shipshape runs");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    if !doc.is_null() {
        assert_report_schema(&doc);
    }
    Report {
        code: out.status.code().unwrap_or(-1),
        doc,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `shipshape image REFERENCE --format json --cache-dir CACHE ARGS`.
pub fn image_json(reference: &str, cache: &Path, args: &[&str]) -> Command {
    let mut cmd = shipshape();
    cmd.arg("image")
        .arg(reference)
        .args(["--format", "json", "--cache-dir"])
        .arg(cache)
        .args(args);
    cmd
}

/// `shipshape graph --format json TARGET`, which must succeed; the graph, checked against its
/// schema.
pub fn graph_json(target: &Path) -> Value {
    let out = shipshape()
        .args(["graph", "--format", "json"])
        .arg(target)
        .output()
        .expect("shipshape runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(&out.stdout);
    let errors = schema_errors(
        &repo_root().join("schemas/shipshape-graph-v1.schema.json"),
        &doc,
    );
    assert!(errors.is_empty(), "{errors:#?}");
    doc
}

/// The rules of a report's findings.
pub fn rules_in(doc: &Value) -> std::collections::BTreeSet<String> {
    doc["findings"]
        .as_array()
        .expect("a findings list")
        .iter()
        .map(|f| f["rule"].as_str().expect("a rule").to_string())
        .collect()
}

/// `shipshape check TARGET ARGS`, for assertions on its exit code and output.
pub fn check(target: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    shipshape().arg("check").arg(target).args(args).assert()
}
