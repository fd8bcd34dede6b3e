use super::common::advice;
use crate::rules::{Context, Out, Rule};
use crate::stages::BaseRef;
use shipshape_core::imageref::ImageRef;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1009",
    slug: "non-minimal-base",
    summary: "The final image is built on a full distribution or a build-toolchain image",
    severity: Severity::Low,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Dockerfile,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Looks at the external image the final image is ultimately built on and reports:

- a full distribution: `ubuntu`, `debian` without `-slim`, `centos`, `fedora`, `rockylinux`,
  `almalinux`, `oraclelinux` without `-slim`, `amazonlinux`, `opensuse/*`, `archlinux`,
  `buildpack-deps`;
- a full language image: `python`, `node`, `ruby`, `perl` whose tag names no `slim`, `alpine`
  or other minimal variant;
- a toolchain image used as the runtime: `golang`, `rust`, `gcc`, `maven`, `gradle`, the .NET
  `sdk`, and JDK images (`openjdk`, `eclipse-temurin`, `amazoncorretto` … tagged `jdk`).

Build stages are not reported (their size and tools do not ship), nor are minimal bases
(`alpine`, `*-slim`, distroless, Chainguard, `scratch`, `busybox`). Severity is low: a larger
base is a hardening and hygiene issue, not a hole.

## Why it matters
Every package in the final image is attack surface and scanner noise: full distribution and
language images carry compilers, headers, shells, package managers and hundreds of libraries the
application never loads. They are many times larger, slower to pull, and get more CVE reports
that someone has to triage.

## How to fix
Build in a full image, ship on a minimal one:

```dockerfile
FROM golang:1.23 AS build
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
```

For interpreted languages use the `-slim` variant (or Alpine if your dependencies support musl).

## Example
```dockerfile
FROM python:3.12          # reported: full image; use python:3.12-slim
```
"#,
};

const MINIMAL_MARKERS: &[&str] = &[
    "slim",
    "alpine",
    "distroless",
    "minimal",
    "micro",
    "busybox",
    "chiseled",
    "nano",
];

/// What makes a base minimal, when its name or tag says so: `slim variant`, `Alpine variant`,
/// `distroless`, ….
pub(crate) fn minimal_variant(image: &ImageRef<'_>) -> Option<&'static str> {
    if judgement(image).is_some() {
        return None;
    }
    let name = image.familiar_name().to_ascii_lowercase();
    let tag = image.tag.unwrap_or("latest").to_ascii_lowercase();
    if name.starts_with("gcr.io/distroless/") {
        return Some("distroless");
    }
    if name.starts_with("cgr.dev/chainguard/") {
        return Some("Chainguard minimal image");
    }
    if name == "alpine" || name == "busybox" {
        return Some("a minimal distribution");
    }
    const VARIANTS: &[(&str, &str)] = &[
        ("distroless", "distroless variant"),
        ("chiseled", "chiseled variant"),
        ("slim", "slim variant"),
        ("alpine", "Alpine variant"),
        ("minimal", "minimal variant"),
        ("micro", "micro variant"),
        ("busybox", "busybox variant"),
        ("nano", "nano variant"),
    ];
    VARIANTS
        .iter()
        .find(|(marker, _)| tag.contains(marker))
        .map(|(_, what)| *what)
}

/// Why an image is not minimal, if it is not.
pub(crate) fn judgement(image: &ImageRef<'_>) -> Option<(&'static str, &'static str)> {
    let name = image.short_name().to_ascii_lowercase();
    let tag = image.tag.unwrap_or("latest").to_ascii_lowercase();
    let minimal_tag = MINIMAL_MARKERS.iter().any(|m| tag.contains(m));
    let official = !name.contains('/')
        || name.starts_with("opensuse/")
        || image.registry == Some("mcr.microsoft.com");
    if !official {
        return None;
    }
    match name.as_str() {
        "ubuntu" | "centos" | "fedora" | "rockylinux" | "almalinux" | "amazonlinux"
        | "archlinux" | "opensuse/leap" | "opensuse/tumbleweed" | "buildpack-deps" => Some((
            "a full distribution",
            "use a slim or distroless base, or a multi-stage build",
        )),
        "debian" | "oraclelinux" if !minimal_tag => Some((
            "a full distribution",
            "use the `-slim` variant or a distroless base",
        )),
        "python" | "node" | "ruby" | "perl" if !minimal_tag => Some((
            "a full language image (with compilers and headers)",
            "use the `-slim` (or `-alpine`) variant, or build in this image and copy into a slim one",
        )),
        "golang" | "rust" | "gcc" | "maven" | "gradle" => Some((
            "a build toolchain image",
            "build in this image and copy the result into a minimal runtime (distroless, `*-slim`, `scratch`)",
        )),
        "openjdk" | "eclipse-temurin" | "amazoncorretto" | "ibm-semeru-runtimes"
            if tag.contains("jdk") =>
        {
            Some((
                "a JDK (compiler) image",
                "run on the `-jre` variant or a distroless Java image",
            ))
        }
        "dotnet/sdk" if image.registry == Some("mcr.microsoft.com") => Some((
            "the .NET SDK image",
            "run on `mcr.microsoft.com/dotnet/aspnet` or `dotnet/runtime`",
        )),
        _ => None,
    }
}

shipshape_core::declare_rule!(NonMinimalBase);

impl Rule for NonMinimalBase {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        let Some(stage) = ctx.final_base_image() else {
            return;
        };
        let BaseRef::Image(reference) = &stage.base_ref else {
            return;
        };
        if !stage.base.unresolved.is_empty() || stage.base.error.is_some() {
            return;
        }
        let Ok(image) = ImageRef::parse(reference) else {
            return;
        };
        let Some((what, fix)) = judgement(&image) else {
            return;
        };
        out.push(
            ctx.finding(
                &META,
                stage.base.word.span,
                format!("the final image is built on `{reference}`, {what}"),
            )
            .with_fix(advice(fix)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(r: &str) -> bool {
        judgement(&ImageRef::parse(r).expect("test input")).is_some()
    }

    #[test]
    fn images() {
        assert!(judged("python:3.12"));
        assert!(judged("python"));
        assert!(!judged("python:3.12-slim-bookworm"));
        assert!(!judged("node:22-alpine"));
        assert!(judged("debian:bookworm"));
        assert!(!judged("debian:bookworm-slim"));
        assert!(judged("golang:1.23-alpine"));
        assert!(judged("eclipse-temurin:21-jdk"));
        assert!(!judged("eclipse-temurin:21-jre"));
        assert!(!judged("gcr.io/distroless/static"));
        assert!(!judged("alpine:3.22"));
        assert!(!judged("myorg/python:3.12"));
        assert!(judged("mcr.microsoft.com/dotnet/sdk:8.0"));
        assert!(!judged("mcr.microsoft.com/dotnet/aspnet:8.0"));
    }
}
