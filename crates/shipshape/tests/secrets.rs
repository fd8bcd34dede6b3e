//! `shipshape secrets` and the secrets part of `check`, end to end.

mod common;

use common::*;
use std::fs;

fn secret_line() -> String {
    // Built at run time so the repository holds no credential-shaped literal.
    format!(
        "DATABASE_URL=postgres://admin:{}@db.internal:5432/app\n",
        "Zq8vN2kLp4Rt7xWm"
    )
}

fn findings(out: &std::process::Output) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    doc["findings"].as_array().unwrap().clone()
}

#[test]
fn finds_redacts_and_baselines() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("settings.env"), secret_line()).unwrap();
    let out = shipshape()
        .arg("secrets")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["checklist"], "secrets");
    assert!(found[0]["location"]["path"]
        .as_str()
        .unwrap()
        .ends_with("settings.env"));
    assert_eq!(found[0]["location"]["line"], 1);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("Zq8vN2kLp4Rt7xWm"),
        "the secret never appears in output"
    );

    // Human output masks the excerpt too.
    let human = shipshape().arg("secrets").arg(dir.path()).output().unwrap();
    let shown = String::from_utf8_lossy(&human.stdout);
    assert!(shown.contains("settings.env"), "{shown}");
    assert!(!shown.contains("Zq8vN2kLp4Rt7xWm"), "{shown}");

    // Accept it in a baseline: the next scan reports nothing, a new secret is reported.
    let baseline = dir.path().join("baseline.json");
    shipshape()
        .arg("secrets")
        .arg(dir.path())
        .arg("--write-baseline")
        .arg(&baseline)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(baseline.exists());
    let again = shipshape()
        .arg("secrets")
        .arg(dir.path())
        .arg("--baseline")
        .arg(&baseline)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(findings(&again).is_empty(), "{:#?}", findings(&again));
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(
        said.contains("1 known finding accepted by the baseline"),
        "the baseline says what it hid: {said}"
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the baseline is written atomically: {leftovers:?}"
    );
    fs::write(
        dir.path().join("other.env"),
        secret_line().replace("Zq8vN2kLp4Rt7xWm", "Hd3sK9qWz2Lm5Vx8"),
    )
    .unwrap();
    let new = shipshape()
        .arg("secrets")
        .arg(dir.path())
        .arg("--baseline")
        .arg(&baseline)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let nf = findings(&new);
    assert_eq!(nf.len(), 1, "{nf:#?}");
    assert!(nf[0]["location"]["path"]
        .as_str()
        .unwrap()
        .ends_with("other.env"));
}

#[test]
fn stdin_and_inline_allow() {
    let out = shipshape()
        .args(["secrets", "-", "--format", "json"])
        .write_stdin(secret_line())
        .output()
        .unwrap();
    assert_eq!(findings(&out).len(), 1);
    let allowed = format!(
        "{} # shipshape:allow test fixture\n",
        secret_line().trim_end()
    );
    let out = shipshape()
        .args(["secrets", "-", "--format", "json"])
        .write_stdin(allowed)
        .output()
        .unwrap();
    assert!(findings(&out).is_empty());
}

#[test]
fn check_scans_files_for_secrets_and_honours_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Dockerfile"), "FROM scratch\nUSER 1000\n").unwrap();
    fs::write(dir.path().join("config.env"), secret_line()).unwrap();
    fs::create_dir(dir.path().join("ignored")).unwrap();
    fs::write(dir.path().join("ignored/x.env"), secret_line()).unwrap();
    fs::write(dir.path().join(".gitignore"), "ignored/\n").unwrap();
    let out = shipshape()
        .arg("check")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let secrets: Vec<_> = findings(&out)
        .into_iter()
        .filter(|f| f["checklist"] == "secrets")
        .collect();
    assert_eq!(secrets.len(), 1, "{secrets:#?}");
    assert!(secrets[0]["location"]["path"]
        .as_str()
        .unwrap()
        .ends_with("config.env"));
    let out = shipshape()
        .arg("check")
        .arg(dir.path())
        .args(["--format", "json", "--no-secrets"])
        .output()
        .unwrap();
    assert!(findings(&out).iter().all(|f| f["checklist"] != "secrets"));
}

#[test]
fn bad_secrets_config_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("shipshape.toml"),
        "fail-on = \"high\"\n\n[secrets]\nbogus-key = 1\n",
    )
    .unwrap();
    let out = shipshape().arg("secrets").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // The exact key, not just the table.
    assert!(err.contains("shipshape.toml:4:1"), "{err}");
    assert!(err.contains("bogus-key"), "{err}");
}
