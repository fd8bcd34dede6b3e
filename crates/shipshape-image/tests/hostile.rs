//! Hostile and broken images: each gives a clear error or a safe result, never a panic.

mod common;

use common::*;
use shipshape_image::build::{sha256, ImageBuilder, LayerBuilder};
use shipshape_image::{open, ErrorKind, FileKind, ImageOptions, Limits};
use std::io::Write;
use std::path::Path;

fn layout(b: &ImageBuilder) -> (tempfile::TempDir, String, shipshape_image::build::Written) {
    let dir = tempfile::tempdir().expect("tmp");
    let w = b.write_oci_layout(dir.path(), "t").expect("layout");
    let r = format!("oci:{}", dir.path().display());
    (dir, r, w)
}

fn blob_file(dir: &Path, digest: &str) -> std::path::PathBuf {
    dir.join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

fn tar_with_raw_header(name: &[u8], data: &[u8]) -> Vec<u8> {
    // A ustar header written by hand: the tar crate refuses to write `..` names.
    let mut h = tar::Header::new_ustar();
    {
        let raw = h.as_old_mut();
        raw.name.fill(0);
        raw.name[..name.len()].copy_from_slice(name);
    }
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut b = tar::Builder::new(Vec::new());
    b.append(&h, data).expect("append");
    b.into_inner().expect("tar")
}

#[test]
fn path_traversal_is_refused_and_reported() {
    let evil = tar_with_raw_header(b"../../../etc/cron.d/evil", b"* * * * * root sh\n");
    let id = sha256(&evil);
    let b = ImageBuilder::new()
        .layer(LayerBuilder::new().file("/ok", b"x"))
        .layer(LayerBuilder::new().raw_blob(evil, &id));
    let (_d, r, _) = layout(&b);
    let image = open(&r, &ImageOptions::default()).expect("open");
    let a = audit(&image);
    assert_eq!(a.errors.len(), 1, "{:?}", a.errors);
    assert!(
        a.errors[0].message.contains("escapes the image root"),
        "{}",
        a.errors[0]
    );
    let ix = image.index().expect("index");
    assert!(ix.entries().iter().all(|e| !e.path_str().contains("..")));
    assert!(ix.get(b"/etc/cron.d/evil").is_none());
}

#[test]
fn absolute_paths_are_kept_inside_the_root() {
    let b = ImageBuilder::new().layer(
        LayerBuilder::new()
            .file_raw(b"/etc/shadow", b"root:$6$x:1::::::\n")
            .file_raw(b"./a/./b/../c", b"x"),
    );
    let (_d, r, _) = layout(&b);
    let image = open(&r, &ImageOptions::default()).expect("open");
    let ix = image.index().expect("index");
    assert!(ix.get(b"/etc/shadow").is_some());
    assert!(ix.get(b"/a/c").is_some());
}

#[test]
fn symlinks_pointing_outside_resolve_inside() {
    let b = ImageBuilder::new().layer(
        LayerBuilder::new()
            .file("/usr/lib/os-release", b"ID=debian\nVERSION_ID=\"12\"\n")
            .symlink("/etc/os-release", "../../../../../../../usr/lib/os-release")
            .symlink("/etc/passwd", "/proc/self/root/etc/passwd")
            .symlink("/loop/a", "/loop/b")
            .symlink("/loop/b", "/loop/a"),
    );
    let (_d, r, _) = layout(&b);
    let image = open(&r, &ImageOptions::default()).expect("open");
    let a = audit(&image);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let ix = image.index().expect("index");
    assert_eq!(ix.resolve(b"/etc/os-release").map(|e| e.layer), Some(0));
    assert!(ix.resolve(b"/etc/passwd").is_none());
    assert!(ix.resolve(b"/loop/a").is_none());
}

#[test]
fn hard_links_to_missing_targets_are_harmless() {
    let b = ImageBuilder::new().layer(
        LayerBuilder::new()
            .hardlink("/bin/sh", "/bin/missing")
            .hardlink("/x", "../../../etc/passwd"),
    );
    let (_d, r, _) = layout(&b);
    let image = open(&r, &ImageOptions::default()).expect("open");
    let a = audit(&image);
    // the link out of the root is refused and reported; the dangling one is kept
    assert_eq!(a.errors.len(), 1, "{:?}", a.errors);
    assert!(a.errors[0].message.contains("hard link"));
    let ix = image.index().expect("index");
    assert_eq!(ix.get(b"/bin/sh").map(|e| e.kind), Some(FileKind::HardLink));
    let mut visited = 0;
    image
        .walk_files(|_, _, r| {
            let mut v = Vec::new();
            r.read_to_end(&mut v)?;
            assert!(v.is_empty());
            visited += 1;
            Ok(())
        })
        .expect("walk");
    assert_eq!(visited, 1);
}

#[test]
fn gzip_bomb_is_stopped() {
    // 64 MiB of zeros in one member: gzip shrinks it about 1000 times.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut h = tar::Header::new_gnu();
    h.set_path("zeros").expect("path");
    h.set_size(64 << 20);
    h.set_mode(0o644);
    h.set_cksum();
    gz.write_all(h.as_bytes()).expect("write");
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&zeros).expect("write");
    }
    let blob = gz.finish().expect("gzip");
    let b = ImageBuilder::new().layer(LayerBuilder::new().raw_blob(
        blob,
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
    ));
    let (_d, r, _) = layout(&b);
    let opts = ImageOptions {
        limits: Limits {
            bomb_min_bytes: 8 << 20,
            bomb_ratio: 100,
            ..Limits::default()
        },
        ..ImageOptions::default()
    };
    let image = open(&r, &opts).expect("open");
    let a = audit(&image);
    assert_eq!(a.errors.len(), 1, "{:?}", a.errors);
    assert!(
        a.errors[0].message.contains("decompression bomb"),
        "{}",
        a.errors[0]
    );
    let e = image.index().expect_err("index fails too");
    assert_eq!(e.kind, ErrorKind::Limit);
}

#[test]
fn layer_size_limit_holds_for_uncompressed_layers() {
    let b = ImageBuilder::new().layer(
        LayerBuilder::new()
            .file("/big", &[1u8; 100_000])
            .compression(shipshape_image::build::BuildCompression::None),
    );
    let (_d, r, _) = layout(&b);
    let opts = ImageOptions {
        limits: Limits {
            max_layer_bytes: 50_000,
            ..Limits::default()
        },
        ..ImageOptions::default()
    };
    let e = open(&r, &opts).expect("open").index().expect_err("too big");
    assert_eq!(e.kind, ErrorKind::Limit);
}

#[test]
fn truncated_layer_is_an_error() {
    let b = ImageBuilder::new().layer(
        LayerBuilder::new()
            .file("/a", &[42u8; 200_000])
            .file("/b", b"b"),
    );
    let (d, r, w) = layout(&b);
    let p = blob_file(d.path(), &w.layers[0]);
    let full = std::fs::read(&p).expect("read");
    std::fs::write(&p, &full[..full.len() / 2]).expect("truncate");
    let image = open(&r, &ImageOptions::default()).expect("documents are intact");
    let a = audit(&image);
    assert_eq!(a.errors.len(), 1, "{:?}", a.errors);
    let m = &a.errors[0].message;
    assert!(
        m.contains("layer 1") && (m.contains("truncated") || m.contains("unexpected end")),
        "{m}"
    );
    assert!(
        !a.covers(shipshape_core::ChecklistItem::Secrets),
        "an unread layer cannot pass the secrets item"
    );
}

/// `b` as a layout whose second layer was swapped for other content after the manifest was
/// written (its digest no longer matches).
fn tampered_layout(b: &ImageBuilder) -> (tempfile::TempDir, String) {
    let (d, r, w) = layout(b);
    let other = LayerBuilder::new()
        .file("/app/.env", b"EVIL=1\n")
        .blob()
        .expect("blob")
        .0;
    std::fs::write(blob_file(d.path(), &w.layers[1]), other).expect("swap");
    (d, r)
}

#[test]
fn digest_mismatches_are_errors() {
    let b = deleted_env_image();
    // a layer whose content changed after the manifest was written
    let (_d, r) = tampered_layout(&b);
    let image = open(&r, &ImageOptions::default()).expect("open");
    let a = audit(&image);
    assert!(
        a.errors
            .iter()
            .any(|e| e.message.contains("digest mismatch") || e.message.contains("mismatch")),
        "{:?}",
        a.errors
    );
    // a tampered config is refused at open
    let (d, r, w) = layout(&b);
    let cfg = blob_file(d.path(), &w.config_digest);
    let mut bytes = std::fs::read(&cfg).expect("read");
    bytes.extend_from_slice(b" ");
    std::fs::write(&cfg, bytes).expect("write");
    let e = open(&r, &ImageOptions::default()).expect_err("tampered config");
    assert_eq!(e.kind, ErrorKind::Digest);
    assert!(e.to_string().contains("digest mismatch"), "{e}");
}

/// A visitor that records whether it was asked to finish.
struct Finishes(bool);

impl shipshape_image::LayerVisitor for Finishes {
    fn wants(&self, _path: &str, _size: u64) -> bool {
        true
    }
    fn visit(
        &mut self,
        _id: usize,
        _entry: &shipshape_image::FileEntry,
        _reader: &mut dyn std::io::Read,
    ) -> std::io::Result<()> {
        Ok(())
    }
    fn finish(&mut self, image: &shipshape_image::Image) -> shipshape_core::report::Analysis {
        self.0 = true;
        let mut a = shipshape_core::report::Analysis::default();
        if let Err(e) = image.index() {
            a.errors
                .push(shipshape_core::ScanError::new("finish", e.message));
        }
        a
    }
}

#[test]
fn visitors_do_not_finish_after_a_failed_pass() {
    let b = deleted_env_image();
    let (_d, r) = tampered_layout(&b);
    let image = open(&r, &ImageOptions::default()).expect("open");
    let mut v = Finishes(false);
    let a = shipshape_image::audit_with(&image, &opts(), &mut [&mut v]).analysis;
    let mismatches = a
        .errors
        .iter()
        .filter(|e| e.message.contains("mismatch"))
        .count();
    assert_eq!(
        mismatches, 1,
        "one error, not one per visitor: {:?}",
        a.errors
    );
    assert!(!v.0, "a visitor finished on a partial filesystem");
    // The same image intact: the visitor finishes.
    let (_d, r, _) = layout(&b);
    let image = open(&r, &ImageOptions::default()).expect("open");
    let mut v = Finishes(false);
    let a = shipshape_image::audit_with(&image, &opts(), &mut [&mut v]).analysis;
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    assert!(v.0, "the visitor finishes after a complete pass");
}

#[test]
fn docker_archive_diff_id_mismatch_is_an_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let b = ImageBuilder::new().layer(LayerBuilder::new().raw_blob(
        LayerBuilder::new().file("/x", b"x").tar().expect("tar"),
        "sha256:1111111111111111111111111111111111111111111111111111111111111111",
    ));
    let p = dir.path().join("a.tar");
    b.write_docker_archive(&p, "a:1").expect("write");
    let image = open(
        &format!("docker-archive:{}", p.display()),
        &ImageOptions::default(),
    )
    .expect("open");
    let e = image.index().expect_err("mismatch");
    assert_eq!(e.kind, ErrorKind::Digest);
}

#[test]
fn ten_thousand_tiny_layers() {
    let mut b = ImageBuilder::new();
    for i in 0..10_000 {
        b = b.layer(
            LayerBuilder::new()
                .file(&format!("/l/{i}"), b"x")
                .compression(shipshape_image::build::BuildCompression::None),
        );
    }
    b = b.layer(LayerBuilder::new().whiteout("/l"));
    let (_d, r, _) = layout(&b);
    let image = open(&r, &ImageOptions::default()).expect("open");
    assert_eq!(image.layers.len(), 10_001);
    let a = audit(&image);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let ix = image.index().expect("index");
    assert_eq!(ix.layer_count(), 10_001);
    assert_eq!(ix.visible().count(), 0);
    assert!(ix
        .entries()
        .iter()
        .all(|e| e.hidden.is_some_and(|h| h.layer == 10_000)));
    // and a limit below that is a clear error
    let opts = ImageOptions {
        limits: Limits {
            max_layers: 127,
            ..Limits::default()
        },
        ..ImageOptions::default()
    };
    let e = open(&r, &opts).expect_err("too many layers");
    assert_eq!(e.kind, ErrorKind::Limit);
}

#[test]
fn non_utf8_names_survive() {
    let b = ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file_raw(b"/app/\xff\xfe/.env", b"API_TOKEN=abcdefghijklmnop\n")
                .file_raw(b"/caf\xe9", b"x"),
        )
        .layer(LayerBuilder::new().file_raw(b"/app/\xff\xfe/.wh..env", b""));
    let (_d, r, _) = layout(&b);
    let image = open(&r, &ImageOptions::default()).expect("open");
    let a = audit(&image);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let f = of(&a, "SS3018");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("deleted by layer 2"),
        "{}",
        f[0].message
    );
    assert!(f[0].location.path.contains('\u{fffd}'));
    let ix = image.index().expect("index");
    assert!(
        ix.get(b"/caf\xe9").is_some(),
        "names are kept byte for byte"
    );
}

#[test]
fn oversized_names_are_refused() {
    let long = format!("/{}", "a/".repeat(40_000));
    let b = ImageBuilder::new().layer(LayerBuilder::new().file(&long, b"x"));
    let (_d, r, _) = layout(&b);
    let e = open(&r, &ImageOptions::default())
        .expect("open")
        .index()
        .expect_err("too long");
    assert_eq!(e.kind, ErrorKind::Limit, "{e}");
}

#[test]
fn unsafe_names_in_documents_are_refused() {
    // manifest.json naming a member outside the archive
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("evil.tar");
    let manifest = br#"[{"Config":"../../etc/passwd","RepoTags":["x:1"],"Layers":[]}]"#;
    let mut b = tar::Builder::new(std::fs::File::create(&p).expect("create"));
    let mut h = tar::Header::new_gnu();
    h.set_size(manifest.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, "manifest.json", &manifest[..])
        .expect("append");
    b.finish().expect("finish");
    let e = open(
        &format!("docker-archive:{}", p.display()),
        &ImageOptions::default(),
    )
    .expect_err("unsafe");
    assert!(e.message.contains("unsafe member"), "{e}");
    // index.json with a digest that is a path
    let d = tempfile::tempdir().expect("tmp");
    std::fs::write(
        d.path().join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .expect("w");
    std::fs::write(
        d.path().join("index.json"),
        br#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../../../etc/passwd","size":1}]}"#,
    )
    .expect("w");
    let e = open(
        &format!("oci:{}", d.path().display()),
        &ImageOptions::default(),
    )
    .expect_err("unsafe digest");
    assert!(e.message.contains("malformed digest"), "{e}");
}

#[test]
fn garbage_layers_are_errors() {
    let junk = b"definitely not a tar stream, not gzip either......".repeat(20);
    let id = sha256(&junk);
    let b = ImageBuilder::new().layer(LayerBuilder::new().raw_blob(junk, &id));
    let (_d, r, _) = layout(&b);
    let image = open(&r, &ImageOptions::default()).expect("open");
    let a = audit(&image);
    assert_eq!(a.errors.len(), 1, "{:?}", a.errors);
}

/// Pseudo-random bytes (no compression can shrink them, so every layer spans many read chunks).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn layers_spanning_many_read_chunks_verify_and_catch_late_corruption() {
    use shipshape_image::build::BuildCompression;
    for comp in [
        BuildCompression::None,
        BuildCompression::Gzip,
        BuildCompression::Zstd,
    ] {
        let big = noise(3 << 20, 7);
        let b = ImageBuilder::new().layer(
            LayerBuilder::new()
                .file("/a", b"first")
                .file("/big", &big)
                .file("/z", b"last")
                .compression(comp),
        );
        let (d, r, w) = layout(&b);
        let image = open(&r, &ImageOptions::default()).expect("open");
        let mut seen = Vec::new();
        image
            .walk_files(|e, _, rd| {
                let mut v = Vec::new();
                rd.read_to_end(&mut v)?;
                seen.push((e.path_str().to_string(), v.len()));
                Ok(())
            })
            .expect("walk");
        assert!(seen.contains(&("/big".to_string(), 3 << 20)), "{seen:?}");
        assert!(seen.contains(&("/z".to_string(), 4)), "{seen:?}");
        // flip one byte near the end of the blob: only the digest can notice
        let path = blob_file(d.path(), &w.layers[0]);
        let mut bytes = std::fs::read(&path).expect("read");
        let at = bytes.len() - 2048;
        bytes[at] ^= 0x55;
        std::fs::write(&path, bytes).expect("write");
        let image = open(&r, &ImageOptions::default()).expect("open");
        let e = image.index().expect_err("corrupted layer");
        assert!(
            matches!(
                e.kind,
                ErrorKind::Digest | ErrorKind::Format | ErrorKind::Io
            ),
            "{e}"
        );
    }
}

#[test]
fn a_visitor_that_stops_early_ends_the_read_without_hanging() {
    let b = ImageBuilder::new().layer(
        LayerBuilder::new()
            .file("/first", b"x")
            .file("/big", &noise(4 << 20, 3))
            .file("/after", b"y"),
    );
    let (_d, r, _) = layout(&b);
    let image = open(&r, &ImageOptions::default()).expect("open");
    let mut calls = 0;
    let e = image
        .walk_files(|_, _, _| {
            calls += 1;
            Err(std::io::Error::other("stop here"))
        })
        .expect_err("the visitor's error is the walk's error");
    assert_eq!(calls, 1);
    assert!(e.to_string().contains("stop here"), "{e}");
}
