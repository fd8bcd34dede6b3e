use super::common::advice;
use crate::rules::{Context, Out, Rule};
use crate::stages::BaseRef;
use shipshape_core::imageref::ImageRef;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1007",
    slug: "base-image-eol",
    summary: "A base image's tag names an end-of-life OS or runtime release",
    severity: Severity::High,
    checklist: ChecklistItem::BaseImage,
    source: SourceKind::Dockerfile,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Reads the tag of every external base image (after expanding build arguments) and reports the
releases it names whose free security support has ended: the image's own version
(`python:3.8`, `node:16`, `centos:7`, `ubuntu:20.04`, `debian:buster`, `alpine:3.17`) and the
OS its variant names (`-buster`, `-alpine3.16`). The message names the release and the day its
support ended.

The release table (`shipshape-core/data/eol.toml`) lists Debian, Ubuntu, Alpine, CentOS,
RHEL, Rocky Linux, AlmaLinux, Amazon Linux, Fedora, Python, Node.js, Ruby, PHP, Go, .NET,
PostgreSQL, MySQL, MariaDB, MongoDB, Apache Tomcat and Java's short-lived feature releases
(Eclipse Temurin, OpenJDK, Amazon Corretto, SapMachine images), with the projects' own end
dates (Debian LTS included, Ubuntu standard support without paid ESM). Floating tags
(`python:3`, `node:lts`, `latest`) name no release and are not reported; a digest pin does not
change the release a tag names.

The final image's chain is **high**; stages that only build (a compiler image whose output is
copied out) are **medium**: their toolchain no longer gets security fixes, but only what they
produce ships.

## Why it matters
An end-of-life release gets no security updates: every vulnerability published after that day
stays in the image for good, and package mirrors for it disappear (CentOS 7, Debian 9 and
Ubuntu 18.04 repositories moved to archives, breaking `apt-get update`/`yum install`).

## How to fix
Move to a supported release of the same image and rebuild:

```dockerfile
FROM python:3.12-slim-bookworm
```

## Example
```dockerfile
FROM node:16-alpine3.16 AS build    # medium: Node.js 16 and Alpine 3.16 are end-of-life
FROM centos:7                       # high: CentOS 7 support ended 2024-06-30
```
"#,
};

shipshape_core::declare_rule!(BaseImageEol);

impl Rule for BaseImageEol {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        let chain: Vec<usize> = ctx.final_chain().iter().map(|s| s.index).collect();
        for stage in &ctx.graph.stages {
            let BaseRef::Image(reference) = &stage.base_ref else {
                continue;
            };
            if !stage.base.unresolved.is_empty() || stage.base.error.is_some() {
                continue;
            }
            let Ok(image) = ImageRef::parse(reference) else {
                continue;
            };
            let Some(tag) = image.tag else { continue };
            let ended: Vec<_> = shipshape_core::eol::from_image(&image.familiar_name(), tag)
                .into_iter()
                .filter(|r| r.is_eol(ctx.today))
                .collect();
            if ended.is_empty() {
                continue;
            }
            let what: Vec<String> = ended
                .iter()
                .map(|r| {
                    format!(
                        "{} (support ended {})",
                        r.display_name(),
                        r.end_of_support()
                    )
                })
                .collect();
            let in_final = chain.contains(&stage.index);
            let (severity, role) = if in_final {
                (Severity::High, "")
            } else {
                (Severity::Medium, " (build stage)")
            };
            out.push(
                ctx.finding(
                    &META,
                    stage.base.word.span,
                    format!(
                        "base image `{reference}`{role} is end-of-life: {}",
                        what.join("; ")
                    ),
                )
                .with_severity(severity)
                .with_fix(advice(
                    "move to a supported release of the image (a newer version tag) and rebuild",
                )),
            );
        }
    }
}
