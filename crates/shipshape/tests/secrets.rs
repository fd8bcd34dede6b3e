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
    json_of(&out.stdout)["findings"].as_array().unwrap().clone()
}

/// `shipshape secrets DIR ARGS --format json`.
fn secrets_json(dir: &std::path::Path, args: &[&std::ffi::OsStr]) -> std::process::Output {
    shipshape()
        .arg("secrets")
        .arg(dir)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap()
}

#[test]
fn finds_redacts_and_baselines() {
    let dir = project(&[("settings.env", &secret_line())]);
    let out = secrets_json(dir.path(), &[]);
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
    secrets_json(
        dir.path(),
        &["--write-baseline".as_ref(), baseline.as_ref()],
    );
    assert!(baseline.exists());
    let again = secrets_json(dir.path(), &["--baseline".as_ref(), baseline.as_ref()]);
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
    let new = secrets_json(dir.path(), &["--baseline".as_ref(), baseline.as_ref()]);
    let nf = findings(&new);
    assert_eq!(nf.len(), 1, "{nf:#?}");
    assert!(nf[0]["location"]["path"]
        .as_str()
        .unwrap()
        .ends_with("other.env"));
}

#[test]
fn stdin_and_inline_allow() {
    let from_stdin = |text: String| {
        shipshape()
            .args(["secrets", "-", "--format", "json"])
            .write_stdin(text)
            .output()
            .unwrap()
    };
    assert_eq!(findings(&from_stdin(secret_line())).len(), 1);
    let allowed = format!(
        "{} # shipshape:allow test fixture\n",
        secret_line().trim_end()
    );
    assert!(findings(&from_stdin(allowed)).is_empty());
}

#[test]
fn check_scans_files_for_secrets_and_honours_gitignore() {
    let dir = project(&[
        ("Dockerfile", "FROM scratch\nUSER 1000\n"),
        ("config.env", &secret_line()),
        ("ignored/x.env", &secret_line()),
        (".gitignore", "ignored/\n"),
    ]);
    let (_, doc) = check_json(dir.path(), &[]);
    let secrets: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["checklist"] == "secrets")
        .collect();
    assert_eq!(secrets.len(), 1, "{secrets:#?}");
    assert!(secrets[0]["location"]["path"]
        .as_str()
        .unwrap()
        .ends_with("config.env"));
    let (_, doc) = check_json(dir.path(), &["--no-secrets"]);
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["checklist"] != "secrets"));
}

#[test]
fn bad_secrets_config_names_the_line() {
    let dir = project(&[(
        "shipshape.toml",
        "fail-on = \"high\"\n\n[secrets]\nbogus-key = 1\n",
    )]);
    let out = shipshape().arg("secrets").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // The exact key, not just the table.
    assert!(err.contains("shipshape.toml:4:1"), "{err}");
    assert!(err.contains("bogus-key"), "{err}");
}
