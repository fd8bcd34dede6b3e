//! `shipshape image` end to end on images written by the tests (no registry, no engine).

mod common;

use common::*;
use shipshape_image::build::{ImageBuilder, LayerBuilder};

fn key() -> String {
    // An AWS access key id of valid shape, assembled at run time.
    format!("AKIA{}", "QYLPMN5HXZ7TW2RB")
}

#[test]
fn deleted_secret_is_reported_with_both_layers() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("app.tar");
    let env = format!(
        "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYzQ9bT4vKp2sL\n",
        key()
    );
    ImageBuilder::new()
        .layer(LayerBuilder::new().file("/app/main.sh", b"#!/bin/sh\necho hi\n"))
        .layer(LayerBuilder::new().file("/app/.env", env.as_bytes()))
        .layer(LayerBuilder::new().whiteout("/app/.env"))
        .user("10001")
        .write_docker_archive(&archive, "app:1.0")
        .unwrap();
    let out = shipshape()
        .arg("image")
        .arg(format!("docker-archive:{}", archive.display()))
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = schema_errors(
        &repo_root().join("schemas/shipshape-report-v1.schema.json"),
        &doc,
    );
    assert!(errors.is_empty(), "{errors:#?}");
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["location"]["path"]
                .as_str()
                .unwrap_or("")
                .ends_with("/app/.env")
        })
        .unwrap_or_else(|| panic!("the deleted .env is reported: {doc:#}"));
    let msg = finding["message"].as_str().unwrap();
    assert!(msg.contains("layer 2") && msg.contains("layer 3"), "{msg}");
    assert!(finding["location"]["layer"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert!(
        !msg.contains(&key()),
        "the secret is never printed in full: {msg}"
    );
    assert_eq!(out.status.code(), Some(1));
    // The secrets engine read the deleted file's content in the same pass.
    let engine = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"].as_str().unwrap().starts_with("SS4"))
        .unwrap_or_else(|| panic!("the secrets engine reports the key: {doc:#}"));
    let emsg = engine["message"].as_str().unwrap();
    assert!(emsg.contains("deleted by layer 3"), "{emsg}");
    assert!(!emsg.contains("wJalrXUtnFEMIK7MDENG"), "redacted: {emsg}");
    // One finding per leaked file: the engine's (it has the line) replaces SS3018's whole-file one.
    let file_level = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "SS3018")
        .count();
    assert_eq!(file_level, 0, "{doc:#}");
    let non_root = doc["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "non-root")
        .unwrap();
    assert_eq!(non_root["status"], "pass", "{doc:#}");
}

#[test]
fn unreadable_image_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.tar");
    std::fs::write(&bogus, b"not a tar at all").unwrap();
    let out = shipshape()
        .arg("image")
        .arg(format!("docker-archive:{}", bogus.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bogus.tar"), "{err}");
}

#[test]
fn image_checklist_passes_name_their_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("app.tar");
    ImageBuilder::new()
        .layer(LayerBuilder::new().file("/app/server", b"\x7fELF binary"))
        .user("10001")
        .healthcheck(&["CMD", "/app/server", "health"])
        .write_docker_archive(&archive, "app:1.0")
        .unwrap();
    let out = shipshape()
        .arg("image")
        .arg(format!("docker-archive:{}", archive.display()))
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = |id: &str| {
        doc["checklist"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(item("non-root")["status"], "pass");
    assert_eq!(item("non-root")["note"], "config.User is `10001`");
    assert_eq!(item("healthcheck")["status"], "pass");
    assert_eq!(
        item("healthcheck")["note"],
        "HEALTHCHECK defined in the image config"
    );
    for c in doc["checklist"].as_array().unwrap() {
        if c["status"] == "pass" {
            assert!(c["note"].as_str().is_some_and(|n| !n.is_empty()), "{c}");
        }
    }
}
