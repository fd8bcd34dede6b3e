//! SS3009: the image was named by a tag, not a digest.

use crate::audit::Ctx;
use crate::reference::SourceType;
use crate::rules::Rule;
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
`@sha256:…`, and shows the digest it resolved to.

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

pub struct Unpinned;

impl Rule for Unpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let img = ctx.image;
        if !matches!(img.source, SourceType::Engine | SourceType::Registry) || img.pinned {
            return Vec::new();
        }
        let resolved = img
            .repo_digests
            .first()
            .cloned()
            .or_else(|| img.manifest_digest.clone());
        let msg = match &resolved {
            Some(d) => format!(
                "`{}` is not pinned by digest; it currently resolves to {d}",
                img.reference
            ),
            None => format!("`{}` is not pinned by digest", img.reference),
        };
        let mut f = Finding::new(&META, ctx.config_location("reference"), msg, &img.reference);
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
}
