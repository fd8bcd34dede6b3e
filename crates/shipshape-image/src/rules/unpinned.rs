//! SS3009: the image was named by a tag, not a digest.

use crate::audit::Ctx;
use crate::reference::SourceType;
use crate::rules::Rule;
use shipshape_core::imageref::{self, ImageClass};
use shipshape_core::{
    ChecklistItem, Finding, Fix, FixApplicability, RuleMeta, Severity, SourceKind,
};

pub static META: RuleMeta = RuleMeta {
    code: "SS3009",
    slug: "image-reference-not-pinned",
    summary: "The image reference is a tag, not pinned by digest",
    severity: Severity::Low,
    checklist: ChecklistItem::ImageTag,
    source: SourceKind::Image,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
For images read from the Docker Engine or a registry, reports a reference without
`@sha256:…` (or an image ID), and shows the digest it resolved to. The reference is classified
as in Dockerfiles (SS1006), Compose, Kubernetes and `docker run` (SS2022/SS2023), with the same
severities: **medium** for no tag or `latest`, **low** for a moving tag (`lts`, `20`, `alpine`)
and for a version tag (`1.27`, `3.12.7-slim`).

## Why it matters
A tag is a movable pointer: the image audited today is not necessarily the one deployed
tomorrow under the same tag. Only a digest names exact content, so only a digest makes this
audit's verdict apply to what runs.

## How to fix
Deploy by digest (`repo:tag@sha256:…` keeps the tag readable), and let a bot bump digests.

## Example
```yaml
image: registry.example.com/app:1.4.2@sha256:3b1f…
```
"#,
};

/// The class and severity of the "not pinned" finding for a reference read from the Engine or a
/// registry, `None` when it pins the image. `id` is the image ID (configuration digest): an Engine
/// reference that is a prefix of it (`docker:3b1f0c2a9d7e`) names content, like a digest.
fn judgement(reference: &str, id: Option<&str>) -> Option<(Option<ImageClass>, Severity)> {
    let name = crate::reference::image_name(reference)?;
    let hex = name.strip_prefix("sha256:").unwrap_or(name);
    let short_id = hex.len() >= 12
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && id.is_some_and(|id| id.trim_start_matches("sha256:").starts_with(hex));
    if short_id {
        return None;
    }
    match imageref::classify(name) {
        Ok(class) => class.unpinned_severity().map(|s| (Some(class), s)),
        // a name the Engine took but the grammar does not: judged by its text
        Err(_) if name.contains("@sha256:") => None,
        Err(_) => Some((None, META.severity)),
    }
}

shipshape_core::declare_rule!(Unpinned);

impl Rule for Unpinned {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let img = ctx.image;
        if !matches!(img.source, SourceType::Engine | SourceType::Registry) {
            return Vec::new();
        }
        let Some((class, severity)) = judgement(&img.reference, img.config_digest.as_deref())
        else {
            return Vec::new();
        };
        let resolved = img
            .repo_digests
            .first()
            .cloned()
            .or_else(|| img.manifest_digest.clone());
        let what = match class {
            Some(ImageClass::Untagged) => " (no tag: `latest`)",
            Some(ImageClass::Latest) => " (`latest`)",
            Some(ImageClass::MovingTag) => " (a moving tag)",
            _ => "",
        };
        let msg = match &resolved {
            Some(d) => format!(
                "`{}`{what} is not pinned by digest; it currently resolves to {d}",
                img.reference
            ),
            None => format!("`{}`{what} is not pinned by digest", img.reference),
        };
        let mut f = Finding::new(&META, ctx.config_location("reference"), msg, &img.reference)
            .with_severity(severity);
        if let Some(d) = resolved {
            f = f.with_fix(Fix {
                description: format!("refer to the image as {d}"),
                applicability: FixApplicability::DisplayOnly,
                edits: Vec::new(),
            });
        }
        vec![f]
    }
}

#[cfg(test)]
mod tests {
    use crate::build::ImageBuilder;
    use crate::rules::testing::{audit_image, of};

    #[test]
    fn local_layouts_are_not_judged() {
        // Must-not-fire: a layout on disk has no tag to pin. Must-fire cases need a registry or
        // the Engine: see tests/registry.rs and tests/engine.rs.
        assert!(of(&audit_image(&ImageBuilder::new()), "SS3009").is_empty());
    }

    #[test]
    fn severity_follows_the_shared_classification() {
        use super::judgement;
        use shipshape_core::Severity;
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let sev = |r: &str| judgement(r, Some(digest)).map(|(_, s)| s);
        assert_eq!(sev("node"), Some(Severity::Medium));
        assert_eq!(sev("docker:node:latest"), Some(Severity::Medium));
        assert_eq!(sev("registry:node:lts"), Some(Severity::Low));
        assert_eq!(sev("node:20.11.1"), Some(Severity::Low));
        assert_eq!(sev(&format!("node@{digest}")), None);
        assert_eq!(sev(&format!("docker:{digest}")), None);
        assert_eq!(sev("docker:0123456789ab"), None, "a short image ID");
        assert_eq!(
            sev("docker:0123456789ac"),
            Some(Severity::Medium),
            "not this image's ID"
        );
        assert_eq!(sev("oci:/tmp/layout"), None);
    }
}
