use crate::rules::{Context, Rule};
use crate::stages::BaseRef;
use shipshape_core::imageref::ImageRef;
use shipshape_core::{
    ChecklistItem, Finding, Fix, FixApplicability, RuleMeta, Severity, SourceKind,
};

pub static META: RuleMeta = RuleMeta {
    code: "SS1006",
    slug: "base-image-not-pinned",
    summary: "A base image is not pinned: no tag, `latest`, or a tag without a digest",
    severity: Severity::Medium,
    checklist: ChecklistItem::ImageTag,
    source: SourceKind::Dockerfile,
    equivalents: &[
        ("hadolint", "DL3006"),
        ("hadolint", "DL3007"),
        ("trivy", "DS001"),
    ],
    fix: None,
    docs: r#"## What it does
Checks every `FROM` that names an external image (after expanding build arguments with their
defaults):

- no tag, or the `latest` tag, is reported at **medium** severity;
- a tag without a `@sha256:` digest is reported at **low** severity: tags are mutable, so the
  same Dockerfile can build on a different base tomorrow.

`FROM scratch` and `FROM <earlier stage>` are not reported; neither is a `FROM $BASE` whose
argument has no default (the value is only known at build time).

## Why it matters
An unpinned base image makes builds unreproducible and lets a compromised or broken upstream
image flow silently into production. A digest pins the exact bytes that were reviewed and
scanned.

## How to fix
Pin a specific version tag and its digest; let a bot (Renovate, Dependabot) propose updates:

```dockerfile
FROM python:3.12.7-slim-bookworm@sha256:<digest>
```

`docker buildx imagetools inspect python:3.12.7-slim-bookworm` prints the digest. Pinning needs
a registry, so shipshape only suggests it.

## Example
```dockerfile
FROM node             # medium: no tag means `latest`
FROM node:22-alpine   # low: no digest
```
"#,
};

pub struct BaseImageTag;

impl Rule for BaseImageTag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_file(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        for stage in &ctx.graph.stages {
            let BaseRef::Image(reference) = &stage.base_ref else {
                continue;
            };
            if !stage.base.unresolved.is_empty() || stage.base.error.is_some() {
                continue;
            }
            let Some(image) = ImageRef::parse(reference) else {
                continue;
            };
            let span = stage.base.word.span;
            let via_arg = if reference != &stage.base.word.value {
                format!(" (`{}` expands to `{reference}`)", stage.base.word.value)
            } else {
                String::new()
            };
            if image.is_latest() {
                let what = if image.tag.is_none() {
                    "has no tag, so it means `latest`"
                } else {
                    "uses the `latest` tag"
                };
                out.push(
                    ctx.finding(
                        &META,
                        span,
                        format!("base image `{reference}` {what}{via_arg}"),
                    )
                    .with_fix(Fix {
                        description: "pin a version tag and its digest: `image:1.2.3@sha256:…`"
                            .into(),
                        applicability: FixApplicability::DisplayOnly,
                        edits: Vec::new(),
                    }),
                );
            } else if !image.is_digest_pinned() {
                out.push(
                    ctx.finding(
                        &META,
                        span,
                        format!("base image `{reference}` is pinned by tag but not by digest{via_arg}"),
                    )
                    .with_severity(Severity::Low)
                    .with_fix(Fix {
                        description: format!(
                            "add the digest: `{reference}@sha256:…` (from `docker buildx imagetools inspect {reference}`)"
                        ),
                        applicability: FixApplicability::DisplayOnly,
                        edits: Vec::new(),
                    }),
                );
            }
        }
    }
}
