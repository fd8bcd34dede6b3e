//! `shipshape image` end to end on images written by the tests (no registry, no engine).

mod common;

use common::*;
use shipshape_image::build::{ImageBuilder, LayerBuilder};

fn key() -> String {
    // An AWS access key id of valid shape, assembled at run time.
    format!("AKIA{}", "QYLPMN5HXZ7TW2RB")
}

/// `image docker-archive:ARCHIVE --format json`: the report, checked against the schema.
fn image_report(archive: &std::path::Path) -> Report {
    report(
        shipshape()
            .arg("image")
            .arg(format!("docker-archive:{}", archive.display()))
            .args(["--format", "json"]),
    )
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
    let Report { code, doc, .. } = image_report(&archive);
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
    assert_eq!(code, 1);
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
    let doc = image_report(&archive).doc;
    let item = |id: &str| checklist_item(&doc, id);
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

/// The verified-digest cache: a second scan of an unchanged archive or layout does not hash its
/// layer again and says so; a layer rewritten in place (same size, modification time set back)
/// is hashed again and its mismatch reported.
#[test]
fn unchanged_images_are_hashed_once_and_rewritten_ones_again() {
    use shipshape_image::build::BuildCompression;
    use std::io::{Seek, SeekFrom, Write};
    let dir = tempfile::tempdir().unwrap();
    let filler = vec![b'a'; 4096];
    let image = || {
        ImageBuilder::new()
            .layer(
                LayerBuilder::new()
                    .file("/app/data", &filler)
                    .compression(BuildCompression::None),
            )
            .user("10001")
    };
    let archive = dir.path().join("app.tar");
    image().write_docker_archive(&archive, "app:1.0").unwrap();
    let layout = dir.path().join("layout");
    image().write_oci_layout(&layout, "1.0").unwrap();
    // The file holding the layer, for each: the archive, the layout's largest blob.
    let layout_blob = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let cases = [
        (format!("docker-archive:{}", archive.display()), archive),
        (format!("oci:{}", layout.display()), layout_blob),
    ];
    // Only files that had settled before the scan are remembered (a write in the same clock
    // tick as the read would go unseen).
    std::thread::sleep(std::time::Duration::from_millis(3100));
    const SAID: &str = "digests of 1 layer verified by an earlier scan";
    for (reference, file) in &cases {
        let cache = dir.path().join(format!("cache-{}", reference.len()));
        let scan = |extra: &[&str]| {
            shipshape()
                .arg("image")
                .arg(reference)
                .args(extra)
                .env("SHIPSHAPE_CACHE_DIR", &cache)
                .output()
                .unwrap()
        };
        let first = scan(&[]);
        let first_err = String::from_utf8_lossy(&first.stderr);
        assert!(first.status.code().unwrap() < 2, "{reference}: {first_err}");
        assert!(!first_err.contains(SAID), "{first_err}");
        assert_eq!(cache.join("verified").read_dir().unwrap().count(), 1);
        let second = scan(&[]);
        let second_err = String::from_utf8_lossy(&second.stderr);
        assert!(second_err.contains(SAID), "{reference}: {second_err}");
        assert_eq!(second.status.code(), first.status.code());
        assert_eq!(second.stdout, first.stdout, "the same findings");
        let hashed = scan(&["--no-digest-cache"]);
        assert!(!String::from_utf8_lossy(&hashed.stderr).contains(SAID));

        let bytes = std::fs::read(file).unwrap();
        let at = bytes
            .windows(filler.len())
            .position(|w| w == filler.as_slice())
            .unwrap();
        let mtime = std::fs::metadata(file).unwrap().modified().unwrap();
        let mut f = std::fs::File::options().write(true).open(file).unwrap();
        f.seek(SeekFrom::Start(at as u64)).unwrap();
        f.write_all(b"b").unwrap();
        f.set_modified(mtime).unwrap();
        drop(f);
        assert_eq!(std::fs::metadata(file).unwrap().modified().unwrap(), mtime);
        let rewritten = scan(&[]);
        let err = String::from_utf8_lossy(&rewritten.stderr);
        assert_eq!(rewritten.status.code(), Some(2), "{reference}: {err}");
        assert!(err.contains("mismatch") && !err.contains(SAID), "{err}");
    }
}
