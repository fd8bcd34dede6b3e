//! Helpers shared by the integration tests.
#![allow(dead_code)]

use shipshape_core::report::Analysis;
use shipshape_core::Finding;
use shipshape_image::build::{ImageBuilder, LayerBuilder};
use shipshape_image::{AuditOptions, Image};

/// The example: layer 2 adds `/app/.env` with an AWS key, layer 3 deletes it.
pub fn deleted_env_image() -> ImageBuilder {
    ImageBuilder::new()
        .user("10001")
        .layer(
            LayerBuilder::new()
                .dir("/app")
                .file("/app/main.py", b"print('hi')\n")
                .file("/etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
        )
        .layer(LayerBuilder::new().file(
            "/app/.env",
            b"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        ))
        .layer(LayerBuilder::new().whiteout("/app/.env"))
}

pub fn opts() -> AuditOptions {
    AuditOptions {
        today: Some(jiff::civil::date(2025, 1, 15)),
        ..AuditOptions::default()
    }
}

pub fn audit(image: &Image) -> Analysis {
    shipshape_image::audit(image, &opts())
}

pub fn of<'a>(a: &'a Analysis, code: &str) -> Vec<&'a Finding> {
    a.findings.iter().filter(|f| f.rule == code).collect()
}

/// Asserts the deleted `.env` is reported with both layers.
pub fn assert_deleted_env_reported(image: &Image, a: &Analysis) {
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let f = of(a, "SS3018");
    assert_eq!(f.len(), 1, "{f:#?}");
    let f = f[0];
    assert!(f.message.contains("/app/.env"), "{}", f.message);
    assert!(f.message.contains("added by layer 2"), "{}", f.message);
    assert!(f.message.contains("deleted by layer 3"), "{}", f.message);
    assert!(
        f.message.contains("still recoverable from layer 2"),
        "{}",
        f.message
    );
    assert_eq!(
        f.location.layer.as_deref(),
        Some(image.layers[1].digest.as_str())
    );
    assert_eq!(
        f.related[0].layer.as_deref(),
        Some(image.layers[2].digest.as_str())
    );
    assert_eq!(f.location.path, format!("{}:/app/.env", image.reference));
}

/// Whether an external tool is on PATH; when missing, skip loudly unless required.
pub fn have_tools(tools: &[&str], require_var: &str) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| {
            std::process::Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .output()
                .map(|o| !o.status.success())
                .unwrap_or(true)
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var(require_var).as_deref() == Ok("1") {
        panic!("{require_var}=1 but {missing:?} not installed");
    }
    eprintln!("SKIPPED: {missing:?} not installed (set {require_var}=1 to make this a failure)");
    false
}
