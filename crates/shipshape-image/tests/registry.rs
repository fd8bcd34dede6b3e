//! Pulls from a real registry: Debian's `docker-registry` started on a loopback port by the
//! test, an image pushed with skopeo, pulled by tag and by digest, with and without basic auth.

mod common;

use common::*;
use shipshape_image::{open, ErrorKind, ImageOptions, SourceType};

fn layout() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tmp");
    deleted_env_image()
        .write_oci_layout(dir.path(), "t")
        .expect("layout");
    let s = dir.path().display().to_string();
    (dir, s)
}

#[test]
fn pull_by_tag_and_digest_anonymously() {
    if !have_tools(&["docker-registry", "skopeo"], "SHIPSHAPE_REQUIRE_TOOLS") {
        return;
    }
    let reg = start(None);
    let (_l, l) = layout();
    let name = format!("127.0.0.1:{}/team/app", reg.port);
    push(&l, &format!("{name}:1.0"), None);
    let opts = ImageOptions {
        insecure: true,
        ..ImageOptions::default()
    };
    let image = open(&format!("registry:{name}:1.0"), &opts).expect("pull by tag");
    assert_eq!(image.source, SourceType::Registry);
    assert!(!image.pinned);
    let a = audit(&image);
    assert_deleted_env_reported(&image, &a);
    assert_eq!(of(&a, "SS3009").len(), 1, "a tag is not pinned");
    let digest = image.manifest_digest.clone().expect("digest");
    let by_digest = open(&format!("registry:{name}@{digest}"), &opts).expect("pull by digest");
    assert!(by_digest.pinned);
    let a = audit(&by_digest);
    assert_deleted_env_reported(&by_digest, &a);
    assert!(of(&a, "SS3009").is_empty());
    // a bare name falls through to the registry when the Engine lacks it
    let bare = open(
        &format!("{name}:1.0"),
        &ImageOptions {
            no_engine: true,
            ..opts.clone()
        },
    )
    .expect("bare name");
    assert_eq!(bare.source, SourceType::Registry);
    // wrong digest and missing tags are clear errors
    let e = open(&format!("registry:{name}:nope"), &opts).expect_err("no such tag");
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = open(
        &format!("registry:{name}@sha256:0000000000000000000000000000000000000000000000000000000000000000"),
        &opts,
    )
    .expect_err("no such digest");
    assert!(
        matches!(e.kind, ErrorKind::NotFound | ErrorKind::Digest),
        "{e}"
    );
}

#[test]
fn pull_with_basic_auth() {
    if !have_tools(
        &["docker-registry", "skopeo", "htpasswd"],
        "SHIPSHAPE_REQUIRE_TOOLS",
    ) {
        return;
    }
    let reg = start(Some(("ci", "s3cret-pass")));
    let (_l, l) = layout();
    let name = format!("127.0.0.1:{}/private/app", reg.port);
    push(&l, &format!("{name}:2"), Some("ci:s3cret-pass"));
    let anon = ImageOptions {
        insecure: true,
        docker_config: Some(std::path::PathBuf::from("/nonexistent")),
        ..ImageOptions::default()
    };
    let e = open(&format!("registry:{name}:2"), &anon).expect_err("needs credentials");
    assert_eq!(e.kind, ErrorKind::Auth, "{e}");
    // explicit credentials
    let with = ImageOptions {
        credentials: Some(("ci".into(), "s3cret-pass".into())),
        ..anon.clone()
    };
    let image = open(&format!("registry:{name}:2"), &with).expect("pull with credentials");
    assert_deleted_env_reported(&image, &audit(&image));
    // credentials from a config.json
    let cfg = tempfile::tempdir().expect("tmp");
    std::fs::write(
        cfg.path().join("config.json"),
        format!(
            r#"{{"auths":{{"127.0.0.1:{}":{{"auth":"Y2k6czNjcmV0LXBhc3M="}}}}}}"#,
            reg.port
        ),
    )
    .expect("write");
    let from_cfg = ImageOptions {
        docker_config: Some(cfg.path().to_path_buf()),
        ..anon.clone()
    };
    let image = open(&format!("registry:{name}:2"), &from_cfg).expect("pull with config.json");
    assert_eq!(image.layers.len(), 3);
    // wrong password
    let wrong = ImageOptions {
        credentials: Some(("ci".into(), "wrong".into())),
        ..anon
    };
    let e = open(&format!("registry:{name}:2"), &wrong).expect_err("wrong password");
    assert_eq!(e.kind, ErrorKind::Auth, "{e}");
}
