use crate::rules::{Context, Out, Rule};
use crate::stages::BaseRef;
use shipshape_core::imageref::{ImageClass, ImageRef};
use shipshape_core::{ChecklistItem, Fix, FixApplicability, RuleMeta, Severity, SourceKind};

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
defaults). The reference is classified the same way for Dockerfiles, Compose, Kubernetes,
`docker run` and images (`shipshape_core::imageref`), with the same severities:

- no tag, or the `latest` tag, is reported at **medium** severity;
- a moving tag, one that is not a specific version, is reported at **low** severity: a channel
  (`lts`, `stable`, `edge`), a variant or codename alone (`alpine`, `slim`, `bookworm`), a bare
  major version (`20`, `20-alpine`). A version tag has at least `major.minor` at its start or
  after a `-` (`1.27`, `3.12.7-slim`, `min-6.3.0`), or holds a date stamp or commit hash
  (`jammy-20240111`, `sha-1a2b3c4`);
- a version tag without a `@sha256:` digest is reported at **low** severity: tags are mutable, so
  the same Dockerfile can build on a different base tomorrow.

`FROM scratch`, `FROM <earlier stage>` and references pinned by digest or image ID are not
reported; neither is a `FROM $BASE` or `FROM node:${TAG}` whose argument has no default (the tag
is only known at build time). A reference whose tag is written out is judged even when another
part has no value (`FROM ${REGISTRY}/node:latest` is reported). An invalid reference (upper-case
repository, malformed digest) is not judged here.

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
FROM node:lts         # low: a moving tag
FROM node:22.11.0     # low: no digest
```
"#,
};

shipshape_core::declare_rule!(BaseImageTag);

impl Rule for BaseImageTag {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        for stage in &ctx.graph.stages {
            let BaseRef::Image(reference) = &stage.base_ref else {
                continue;
            };
            if stage.base.error.is_some() {
                continue;
            }
            // A build argument without a value: judge the reference as written, variables kept.
            let written = stage.base.word.value.as_str();
            let (text, via_arg) = if !stage.base.unresolved.is_empty() {
                (written, String::new())
            } else if reference != written {
                (
                    reference.as_str(),
                    format!(" (`{written}` expands to `{reference}`)"),
                )
            } else {
                (reference.as_str(), String::new())
            };
            let Ok(image) = ImageRef::parse(text) else {
                continue;
            };
            let class = image.class();
            let Some(severity) = class.unpinned_severity() else {
                continue;
            };
            let pin = "pin a version tag and its digest: `image:1.2.3@sha256:…`".to_string();
            let (what, fix) = match class {
                ImageClass::Untagged => ("has no tag, so it means `latest`".to_string(), pin),
                ImageClass::Latest => ("uses the `latest` tag".to_string(), pin),
                ImageClass::MovingTag => (
                    format!(
                        "uses `{}`, a tag that moves to new releases, and no digest",
                        image.tag.unwrap_or_default()
                    ),
                    pin,
                ),
                _ => (
                    "is pinned by tag but not by digest".to_string(),
                    format!(
                        "add the digest: `{text}@sha256:…` (from `docker buildx imagetools inspect {text}`)"
                    ),
                ),
            };
            out.push(
                ctx.finding(
                    &META,
                    stage.base.word.span,
                    format!("base image `{text}` {what}{via_arg}"),
                )
                .with_severity(severity)
                .with_fix(Fix {
                    description: fix,
                    applicability: FixApplicability::DisplayOnly,
                    edits: Vec::new(),
                }),
            );
        }
    }
}
