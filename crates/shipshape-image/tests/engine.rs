//! Images from the local Docker Engine over its unix socket (the test builds them itself with
//! the docker CLI; shipshape does not use it).

mod common;

use common::*;
use shipshape_image::build::LayerBuilder;
use shipshape_image::{open, ErrorKind, ImageOptions, SourceType};
use std::process::Command;

fn engine_available() -> bool {
    let ok = Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        return true;
    }
    if std::env::var("SHIPSHAPE_REQUIRE_DOCKER").as_deref() == Ok("1") {
        panic!("SHIPSHAPE_REQUIRE_DOCKER=1 but the Docker Engine is not reachable");
    }
    eprintln!("SKIPPED: no Docker Engine (set SHIPSHAPE_REQUIRE_DOCKER=1 to make this a failure)");
    false
}

/// Removes the test's images whatever happens.
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for i in &self.0 {
            let _ = Command::new("docker").args(["rmi", "-f", i]).output();
        }
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn engine_export_of_a_docker_built_image() {
    if !engine_available() {
        return;
    }
    let tag = format!("shipshape-test-engine:{}", std::process::id());
    let base = format!("shipshape-test-base:{}", std::process::id());
    let _cleanup = Cleanup(vec![tag.clone(), base.clone()]);
    let dir = tempfile::tempdir().expect("tmp");
    // A root filesystem imported with `docker import` (no registry, no pull)...
    let rootfs = LayerBuilder::new()
        .file(
            "/etc/os-release",
            b"ID=debian\nVERSION_ID=\"10\"\nPRETTY_NAME=\"Debian GNU/Linux 10 (buster)\"\n",
        )
        .file(
            "/etc/passwd",
            b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
        )
        .file_with("/bin/sh", b"\x7fELF", 0o755, 0, 0)
        .tar()
        .expect("tar");
    let rootfs_path = dir.path().join("rootfs.tar");
    std::fs::write(&rootfs_path, rootfs).expect("write");
    run(Command::new("docker").args(["import", &rootfs_path.display().to_string(), &base]));
    // ...then a Dockerfile on top of it, and one FROM scratch.
    std::fs::write(
        dir.path().join("secret.env"),
        "DB_PASSWORD=correct-horse-battery-staple\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM {base}\nCOPY secret.env /app/.env\nEXPOSE 22\nUSER app\nCMD [\"/bin/sh\"]\n"),
    )
    .expect("write");
    run(Command::new("docker").env("DOCKER_BUILDKIT", "0").args([
        "build",
        "-q",
        "-t",
        &tag,
        &dir.path().display().to_string(),
    ]));

    for reference in [format!("docker:{tag}"), tag.clone()] {
        let image = open(
            &reference,
            &ImageOptions {
                no_registry: true,
                ..ImageOptions::default()
            },
        )
        .unwrap_or_else(|e| panic!("{reference}: {e}"));
        assert_eq!(image.source, SourceType::Engine);
        assert_eq!(image.layers.len(), 2);
        let a = audit(&image);
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        assert!(of(&a, "SS3001").is_empty(), "USER app");
        assert_eq!(of(&a, "SS3003").len(), 1, "EXPOSE 22");
        assert_eq!(of(&a, "SS3009").len(), 1, "a tag is not a digest");
        assert_eq!(of(&a, "SS3010").len(), 1, "buster is end of life");
        assert_eq!(of(&a, "SS3011").len(), 1, "/bin/sh");
        let env = of(&a, "SS3018");
        assert_eq!(env.len(), 1);
        assert!(
            env[0].message.contains("added by layer 2"),
            "{}",
            env[0].message
        );
        assert!(a.covers(shipshape_core::ChecklistItem::ImageTag));
        // The Engine's export keeps no attestations: the provenance item is not analysed.
        assert!(of(&a, "SS3020").is_empty());
        assert!(!a.covers(shipshape_core::ChecklistItem::Provenance));
        assert!(a.notes[&shipshape_core::ChecklistItem::Provenance].contains("Docker Engine"));
    }
    // FROM scratch
    let scratch = format!("shipshape-test-scratch:{}", std::process::id());
    let _c2 = Cleanup(vec![scratch.clone()]);
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY secret.env /.env\nUSER 65534\n",
    )
    .expect("write");
    run(Command::new("docker").env("DOCKER_BUILDKIT", "0").args([
        "build",
        "-q",
        "-t",
        &scratch,
        &dir.path().display().to_string(),
    ]));
    let image = open(&format!("docker:{scratch}"), &ImageOptions::default()).expect("open scratch");
    let a = audit(&image);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    assert_eq!(of(&a, "SS3018").len(), 1);
    assert!(of(&a, "SS3011").is_empty(), "no shell in scratch");
}

#[test]
fn missing_engine_images_are_not_found() {
    if !engine_available() {
        return;
    }
    let e = open(
        "docker:shipshape-no-such-image:never",
        &ImageOptions::default(),
    )
    .expect_err("missing");
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(
        e.to_string()
            .starts_with("docker:shipshape-no-such-image:never"),
        "{e}"
    );
}
