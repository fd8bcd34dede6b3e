//! Opening images from every local source, and the layer merge.

mod common;

use common::*;
use shipshape_image::build::{BuildCompression, ImageBuilder, LayerBuilder};
use shipshape_image::{open, ErrorKind, FileKind, HiddenHow, ImageOptions, SourceType};
use std::io::Read;

/// The rule about the reference itself (not pinned by digest).
const UNPINNED: &str = "SS3009";

#[test]
fn deleted_secret_is_reported_from_every_source() {
    let dir = tempfile::tempdir().expect("tmp");
    let b = deleted_env_image();
    let layout = dir.path().join("layout");
    b.write_oci_layout(&layout, "v1").expect("layout");
    let oci_tar = dir.path().join("img.oci.tar");
    b.write_oci_archive(&oci_tar, "v1").expect("oci archive");
    let docker_tar = dir.path().join("img.docker.tar");
    b.write_docker_archive(&docker_tar, "app:v1")
        .expect("docker archive");
    let refs = [
        (format!("oci:{}", layout.display()), SourceType::OciLayout),
        (
            format!("oci:{}:v1", layout.display()),
            SourceType::OciLayout,
        ),
        (layout.display().to_string(), SourceType::OciLayout),
        (
            format!("oci-archive:{}", oci_tar.display()),
            SourceType::OciArchive,
        ),
        (oci_tar.display().to_string(), SourceType::OciArchive),
        (
            format!("docker-archive:{}", docker_tar.display()),
            SourceType::DockerArchive,
        ),
        (
            format!("docker-archive:{}:app:v1", docker_tar.display()),
            SourceType::DockerArchive,
        ),
        (docker_tar.display().to_string(), SourceType::DockerArchive),
    ];
    let mut identities: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (r, kind) in refs {
        let image = open(&r, &ImageOptions::default()).unwrap_or_else(|e| panic!("{r}: {e}"));
        assert_eq!(image.source, kind, "{r}");
        assert_eq!(image.layers.len(), 3);
        let a = audit(&image);
        assert_deleted_env_reported(&image, &a);
        // non-root, so no SS3001; a scratch-like image has no OS
        assert!(of(&a, "SS3001").is_empty());
        assert!(a.covers(shipshape_core::ChecklistItem::Secrets));
        assert!(
            a.findings
                .iter()
                .all(|f| f.location.path.starts_with(r.as_str())),
            "shown with the reference: {:#?}",
            a.findings
        );
        // The same image under another name (and with other layer compressions, so other layer
        // digests) keeps its findings' identities; only the unpinned-reference finding is about
        // the name itself, and the attestation finding is about what the source can carry (a
        // `docker save` archive keeps none, so SS3020 runs on the OCI sources only).
        let mut ids: Vec<(String, String)> = a
            .findings
            .iter()
            .filter(|f| f.rule != UNPINNED && f.rule != "SS3020")
            .map(|f| (f.rule.code.to_string(), f.fingerprint.clone()))
            .collect();
        ids.sort();
        identities.push((r, ids));
    }
    for (r, ids) in &identities[1..] {
        assert_eq!(ids, &identities[0].1, "{r} vs {}", identities[0].0);
    }
    assert!(!identities[0].1.is_empty());
}

#[test]
fn walk_files_sees_deleted_files_with_their_content() {
    let dir = tempfile::tempdir().expect("tmp");
    deleted_env_image()
        .write_oci_layout(dir.path(), "v1")
        .expect("layout");
    let image = open(
        &format!("oci:{}", dir.path().display()),
        &ImageOptions::default(),
    )
    .expect("open");
    let mut seen = Vec::new();
    image
        .walk_files(|e, layer, r| {
            let mut s = String::new();
            r.read_to_string(&mut s)?;
            seen.push((e.path_str().into_owned(), layer, e.hidden, s));
            Ok(())
        })
        .expect("walk");
    let env = seen
        .iter()
        .find(|s| s.0 == "/app/.env")
        .expect("the deleted file is visited");
    assert_eq!(env.1, 1);
    assert_eq!(
        env.2.map(|h| (h.layer, h.how)),
        Some((2, HiddenHow::Deleted))
    );
    assert!(env.3.contains("AKIAIOSFODNN7EXAMPLE"));
    let index = image.index().expect("index");
    assert!(index.get(b"/app/.env").is_none());
    assert!(index.get(b"/app/main.py").is_some());
    assert_eq!(index.layer_count(), 3);
}

#[test]
fn layer_reads_report_progress_to_the_hook() {
    let dir = tempfile::tempdir().expect("tmp");
    let docker_tar = dir.path().join("img.docker.tar");
    deleted_env_image()
        .write_docker_archive(&docker_tar, "app:v1")
        .expect("docker archive");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&seen);
    let image = open(
        &format!("docker-archive:{}", docker_tar.display()),
        &ImageOptions {
            progress: shipshape_image::Progress::new(move |what, done, total| {
                sink.lock()
                    .expect("lock")
                    .push((what.to_string(), done, total));
            }),
            ..ImageOptions::default()
        },
    )
    .expect("open");
    image.index().expect("index");
    let seen = seen.lock().expect("lock");
    for layer in 1..=3 {
        let what = format!("reading layer {layer}/3");
        let last = seen
            .iter()
            .rev()
            .find(|s| s.0 == what)
            .unwrap_or_else(|| panic!("{what} reported: {seen:?}"));
        assert!(last.2 > 0, "the layer size is known: {last:?}");
        assert_eq!(last.1, last.2, "the whole layer was read: {last:?}");
    }
}

#[test]
fn compressions_and_opaque_directories() {
    let dir = tempfile::tempdir().expect("tmp");
    let b = ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file("/data/a", b"a")
                .file("/data/sub/b", b"b")
                .compression(BuildCompression::Zstd),
        )
        .layer(
            LayerBuilder::new()
                .opaque("/data")
                .file("/data/c", b"c")
                .compression(BuildCompression::None),
        )
        .layer(LayerBuilder::new().file("/data/sub/b", b"again"));
    b.write_oci_layout(dir.path(), "x").expect("layout");
    let image = open(
        &format!("oci:{}", dir.path().display()),
        &ImageOptions::default(),
    )
    .expect("open");
    let ix = image.index().expect("index");
    let visible: Vec<String> = ix.visible().map(|e| e.path_str().into_owned()).collect();
    assert_eq!(visible, ["/data/c", "/data/sub/b"]);
    assert_eq!(ix.get(b"/data/sub/b").map(|e| e.layer), Some(2));
    let a = audit(&image);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
}

#[test]
fn archives_with_several_images_need_a_tag() {
    // Two images in one docker-archive: merge two manifest.json entries by hand.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("two.tar");
    let b = ImageBuilder::new().layer(LayerBuilder::new().file("/x", b"x"));
    b.write_docker_archive(&path, "one:1").expect("write");
    let mut a = tar::Archive::new(std::fs::File::open(&path).expect("open"));
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for e in a.entries().expect("entries") {
        let mut e = e.expect("entry");
        let name = e.path().expect("path").display().to_string();
        let mut data = Vec::new();
        e.read_to_end(&mut data).expect("read");
        files.push((name, data));
    }
    let m = files
        .iter_mut()
        .find(|f| f.0 == "manifest.json")
        .expect("manifest");
    let mut v: serde_json::Value = serde_json::from_slice(&m.1).expect("json");
    let mut second = v[0].clone();
    second["RepoTags"] = serde_json::json!(["two:2"]);
    v.as_array_mut().expect("array").push(second);
    m.1 = serde_json::to_vec(&v).expect("json");
    let out = dir.path().join("both.tar");
    let mut builder = tar::Builder::new(std::fs::File::create(&out).expect("create"));
    for (name, data) in &files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        builder
            .append_data(&mut h, name, data.as_slice())
            .expect("append");
    }
    builder.finish().expect("finish");
    let err = open(
        &format!("docker-archive:{}", out.display()),
        &ImageOptions::default(),
    )
    .expect_err("ambiguous");
    assert_eq!(err.kind, ErrorKind::Reference);
    assert!(
        err.message.contains("one:1") && err.message.contains("two:2"),
        "{err}"
    );
    let img = open(
        &format!("docker-archive:{}:two:2", out.display()),
        &ImageOptions::default(),
    )
    .expect("by tag");
    assert_eq!(img.name.as_deref(), Some("two:2"));
    let err = open(
        &format!("docker-archive:{}:three", out.display()),
        &ImageOptions::default(),
    )
    .expect_err("no such tag");
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert!(
        err.to_string().starts_with("docker-archive:"),
        "errors name the source: {err}"
    );
}

#[test]
fn missing_and_wrong_inputs_give_clear_errors() {
    let e = open("oci:/nonexistent/layout", &ImageOptions::default()).expect_err("missing");
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = open("docker-archive:/nonexistent.tar", &ImageOptions::default()).expect_err("missing");
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(e.to_string().contains("/nonexistent.tar"));
    let dir = tempfile::tempdir().expect("tmp");
    let junk = dir.path().join("junk.tar");
    std::fs::write(&junk, b"this is not a tar archive at all, just text").expect("write");
    let e = open(
        &format!("docker-archive:{}", junk.display()),
        &ImageOptions::default(),
    )
    .expect_err("junk");
    assert!(matches!(e.kind, ErrorKind::Format), "{e}");
    let e = open(
        &format!("oci:{}", dir.path().display()),
        &ImageOptions::default(),
    )
    .expect_err("not a layout");
    assert!(e.message.contains("not an OCI layout"), "{e}");
}

#[test]
fn umoci_and_skopeo_images() {
    if !have_tools(&["umoci", "skopeo"], "SHIPSHAPE_REQUIRE_TOOLS") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("rootfs");
    std::fs::create_dir_all(root.join("app")).expect("mkdir");
    std::fs::create_dir_all(root.join("etc")).expect("mkdir");
    std::fs::write(
        root.join("app/.env"),
        "DB_PASSWORD=correct-horse-battery-staple\n",
    )
    .expect("write");
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"10\"\nPRETTY_NAME=\"Debian GNU/Linux 10 (buster)\"\n",
    )
    .expect("write");
    let layout = dir.path().join("oci");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(args[0])
            .args(&args[1..])
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let l = layout.display().to_string();
    run(&["umoci", "init", "--layout", &l]);
    run(&["umoci", "new", "--image", &format!("{l}:t")]);
    run(&[
        "umoci",
        "insert",
        "--image",
        &format!("{l}:t"),
        &root.display().to_string(),
        "/",
    ]);
    run(&[
        "umoci",
        "config",
        "--image",
        &format!("{l}:t"),
        "--config.user",
        "0",
        "--config.exposedports",
        "22/tcp",
    ]);
    // a second layer deleting the .env
    let wh = dir.path().join("wh");
    std::fs::create_dir_all(wh.join("app")).expect("mkdir");
    run(&[
        "umoci",
        "insert",
        "--image",
        &format!("{l}:t"),
        "--whiteout",
        "/app/.env",
    ]);
    let oci_tar = dir.path().join("img.oci.tar");
    let docker_tar = dir.path().join("img.docker.tar");
    run(&[
        "skopeo",
        "copy",
        &format!("oci:{l}:t"),
        &format!("oci-archive:{}", oci_tar.display()),
    ]);
    run(&[
        "skopeo",
        "copy",
        &format!("oci:{l}:t"),
        &format!("docker-archive:{}:app:t", docker_tar.display()),
    ]);
    for r in [
        format!("oci:{l}:t"),
        format!("oci-archive:{}", oci_tar.display()),
        format!("docker-archive:{}", docker_tar.display()),
    ] {
        let image = open(&r, &ImageOptions::default()).unwrap_or_else(|e| panic!("{r}: {e}"));
        let a = audit(&image);
        assert!(a.errors.is_empty(), "{r}: {:?}", a.errors);
        assert_eq!(of(&a, "SS3001").len(), 1, "{r}: user 0");
        assert_eq!(of(&a, "SS3003").len(), 1, "{r}: port 22");
        assert_eq!(of(&a, "SS3010").len(), 1, "{r}: buster is end of life");
        let env = of(&a, "SS3018");
        assert_eq!(env.len(), 1, "{r}: {env:#?}");
        assert!(
            env[0].message.contains("deleted by layer 2"),
            "{r}: {}",
            env[0].message
        );
        let ix = image.index().expect("index");
        assert_eq!(ix.get(b"/app/.env"), None);
        assert!(ix
            .entries()
            .iter()
            .any(|e| &*e.path == b"/app/.env" && e.kind == FileKind::File));
    }
}

#[test]
fn audit_with_a_visitor_sees_what_walk_files_sees_in_one_pass() {
    let dir = tempfile::tempdir().expect("tmp");
    // a candidate file larger than the rules' content cap: the visitor still gets all of it
    let mut big_env = b"TOKEN=abc\n".to_vec();
    big_env.resize(3 << 20, b'#');
    big_env.extend_from_slice(b"\nTAIL=1\n");
    deleted_env_image()
        .layer(
            LayerBuilder::new()
                .file("/srv/.env", &big_env)
                .file("/srv/tiny", b"ab")
                .file("/srv/empty", b""),
        )
        .write_oci_layout(dir.path(), "v1")
        .expect("layout");
    let r = format!("oci:{}", dir.path().display());
    let image = open(&r, &ImageOptions::default()).expect("open");
    let mut one_pass = Vec::new();
    let result = shipshape_image::audit_full_with(&image, &opts(), |id, e, rd| {
        let mut v = Vec::new();
        rd.read_to_end(&mut v)?;
        one_pass.push((id, e.path_str().into_owned(), e.layer, v));
        Ok(())
    });
    assert!(
        result.analysis.errors.is_empty(),
        "{:?}",
        result.analysis.errors
    );
    // the audit's own findings are unchanged by the visitor
    let plain =
        shipshape_image::audit_full(&open(&r, &ImageOptions::default()).expect("open"), &opts());
    assert_eq!(
        result.analysis.findings.len(),
        plain.analysis.findings.len()
    );
    let index = image.index().expect("cached index");
    let mut walked = Vec::new();
    image
        .walk_files(|e, layer, rd| {
            let mut v = Vec::new();
            rd.read_to_end(&mut v)?;
            walked.push((e.path_str().into_owned(), layer, e.hidden, v));
            Ok(())
        })
        .expect("walk");
    assert_eq!(one_pass.len(), walked.len());
    for ((id, path, layer, content), w) in one_pass.iter().zip(&walked) {
        assert_eq!((path, *layer, content), (&w.0, w.1, &w.3));
        // the final entry by id carries what a later layer did to it
        assert_eq!(index.entries()[*id].hidden, w.2, "{path}");
    }
    let env = one_pass
        .iter()
        .find(|x| x.1 == "/srv/.env")
        .expect("big env");
    assert_eq!(env.3, big_env);
    let deleted = one_pass
        .iter()
        .find(|x| x.1 == "/app/.env")
        .expect("deleted env");
    assert_eq!(
        index.entries()[deleted.0].hidden.map(|h| h.how),
        Some(HiddenHow::Deleted)
    );
}
