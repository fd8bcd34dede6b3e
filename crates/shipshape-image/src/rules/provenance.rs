//! SS3008: the image does not say where it came from.

use crate::audit::Ctx;
use crate::image::Image;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3008",
    slug: "image-oci-labels-missing",
    summary: "The image lacks OCI provenance labels (source, revision, version)",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Image,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Reads `config.Labels` and reports which of `org.opencontainers.image.source`,
`org.opencontainers.image.revision` and `org.opencontainers.image.version` are missing (the older
`org.label-schema.vcs-url`, `vcs-ref` and `version` count too).

## Why it matters
When an image misbehaves in production or a vulnerability is announced, these labels answer
"which commit of which repository is this?" in seconds. Without them, the answer is guesswork.

## How to fix
Set the labels at build time from CI variables (`docker buildx build --label`, or `LABEL` with
build args); many CI actions add them automatically.

## Example
```dockerfile
ARG REVISION
LABEL org.opencontainers.image.source="https://github.com/acme/app" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.version="1.4.2"
```
"#,
};

use shipshape_core::oci::PROVENANCE_LABELS as WANTED;

shipshape_core::declare_rule!(Provenance);

impl Rule for Provenance {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let labels = &ctx.image.config.config.labels;
        let has = |k: &str| labels.get(k).is_some_and(|v| !v.trim().is_empty());
        let missing: Vec<&str> = WANTED
            .iter()
            .filter(|(_, oci, old)| !has(oci) && !has(old))
            .map(|(n, _, _)| *n)
            .collect();
        if missing.is_empty() {
            return Vec::new();
        }
        let keys: Vec<String> = missing
            .iter()
            .map(|m| format!("org.opencontainers.image.{m}"))
            .collect();
        vec![Finding::new(
            &META,
            ctx.config_location("config.Labels"),
            format!(
                "the image has no {} label ({})",
                missing.join(", "),
                keys.join(", ")
            ),
            &missing.join(","),
        )]
    }
}

/// The base image, from the OCI `base.name` label (with `base.digest`), or what the history
/// tells (a root filesystem `ADD` as first step).
pub fn base_image(image: &Image) -> Option<String> {
    let labels = &image.config.config.labels;
    if let Some(name) = labels.get("org.opencontainers.image.base.name") {
        return Some(match labels.get("org.opencontainers.image.base.digest") {
            Some(d) if !name.contains('@') => format!("{name}@{d}"),
            _ => name.clone(),
        });
    }
    let first = image.config.history.first()?;
    let cb = first.created_by.as_str();
    if cb.contains("ADD file:") && cb.trim_end().ends_with(" in /") {
        return Some(
            "a root filesystem archive (`ADD file:… in /`); the base image is not named".into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::build::ImageBuilder;
    use crate::rules::testing::{audit_image, of};

    #[test]
    fn fires_when_labels_are_missing() {
        let a =
            audit_image(&ImageBuilder::new().label("org.opencontainers.image.source", "https://x"));
        let f = of(&a, "SS3008");
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("revision, version"));
    }

    #[test]
    fn quiet_with_all_labels() {
        let b = ImageBuilder::new()
            .label(
                "org.opencontainers.image.source",
                "https://github.com/acme/app",
            )
            .label("org.opencontainers.image.revision", "abc123")
            .label("org.label-schema.version", "1.0");
        assert!(of(&audit_image(&b), "SS3008").is_empty());
    }

    #[test]
    fn base_image_from_labels_and_history() {
        let b = ImageBuilder::new()
            .label(
                "org.opencontainers.image.base.name",
                "docker.io/library/debian:12",
            )
            .label("org.opencontainers.image.base.digest", "sha256:abc");
        let dir = tempfile::tempdir().expect("tmp");
        b.write_oci_layout(dir.path(), "t").expect("write");
        let img = crate::open(
            &format!("oci:{}", dir.path().display()),
            &Default::default(),
        )
        .expect("open");
        assert_eq!(
            super::base_image(&img).as_deref(),
            Some("docker.io/library/debian:12@sha256:abc")
        );
    }
}
