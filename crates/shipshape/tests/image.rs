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
/// is hashed again and its mismatch reported. Uncompressed and gzip layers alike.
#[test]
fn unchanged_images_are_hashed_once_and_rewritten_ones_again() {
    use shipshape_image::build::BuildCompression;
    use std::io::{Seek, SeekFrom, Write};
    let dir = tempfile::tempdir().unwrap();
    let filler = vec![b'a'; 4096];
    let image = |c: BuildCompression| {
        ImageBuilder::new()
            .layer(
                LayerBuilder::new()
                    .file("/app/data", &filler)
                    .compression(c),
            )
            .user("10001")
    };
    let archive = dir.path().join("app.tar");
    image(BuildCompression::None)
        .write_docker_archive(&archive, "app:1.0")
        .unwrap();
    // The layout's layer: the blob holding the file, or the gzip stream.
    let layout = |name: &str, c: BuildCompression| {
        let layout = dir.path().join(name);
        image(c).write_oci_layout(&layout, "1.0").unwrap();
        let blob = std::fs::read_dir(layout.join("blobs/sha256"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let bytes = std::fs::read(p).unwrap();
                bytes.starts_with(&[0x1f, 0x8b])
                    || bytes.windows(filler.len()).any(|w| w == filler.as_slice())
            })
            .unwrap();
        (format!("oci:{}", layout.display()), blob)
    };
    let plain = layout("plain", BuildCompression::None);
    let gzip = layout("gzip", BuildCompression::Gzip);
    let filler_at = |file: &std::path::Path| {
        let bytes = std::fs::read(file).unwrap();
        bytes
            .windows(filler.len())
            .position(|w| w == filler.as_slice())
            .unwrap() as u64
    };
    // What to rewrite in each: a byte of the file's content, or the gzip header's timestamp
    // (the layer still decompresses; only its digest tells).
    let cases = [
        (
            format!("docker-archive:{}", archive.display()),
            filler_at(&archive),
            archive,
        ),
        (plain.0, filler_at(&plain.1), plain.1),
        (gzip.0, 4, gzip.1),
    ];
    assert_eq!(std::fs::read(&cases[2].2).unwrap()[..2], [0x1f, 0x8b]);
    // Only files that had settled before the scan are remembered (a write in the same clock
    // tick as the read would go unseen).
    std::thread::sleep(std::time::Duration::from_millis(3100));
    const SAID: &str = "digests of 1 layer verified by an earlier scan";
    for (i, (reference, at, file)) in cases.iter().enumerate() {
        let cache = dir.path().join(format!("cache-{i}"));
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
        // The JSON report says which layers this scan did not hash.
        let layer = |extra: &[&str]| {
            let doc: serde_json::Value =
                serde_json::from_slice(&scan(&[extra, &["--format", "json"]].concat()).stdout)
                    .unwrap();
            let errors = schema_errors(
                &repo_root().join("schemas/shipshape-report-v1.schema.json"),
                &doc,
            );
            assert!(errors.is_empty(), "{errors:#?}");
            doc["image"]["layers"][0].clone()
        };
        assert_eq!(layer(&[])["verified_earlier"], true);
        assert!(layer(&["--no-digest-cache"])
            .get("verified_earlier")
            .is_none());

        let mtime = std::fs::metadata(file).unwrap().modified().unwrap();
        let mut f = std::fs::File::options().write(true).open(file).unwrap();
        f.seek(SeekFrom::Start(*at)).unwrap();
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
