use super::common::advice;
use crate::rules::{Context, Out, Rule};
use crate::stages::BaseRef;
use shipshape_core::hardened;
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

- a general-purpose server image: `nginx` and `httpd`, whatever the tag (`nginx:alpine` too:
  a shell, a package manager, a master process started as root);
- the development variant of a hardened image: Docker Hardened Images `-dev`/`-sdk`,
  Chainguard `-dev`, distroless `:debug` (they ship a shell, and most a package manager).

Build stages are not reported (their size and tools do not ship), nor are minimal bases
(`alpine`, `*-slim`, `scratch`, `busybox`) and the runtime variants of hardened families, known
from one table (`shipshape_core::hardened`): Docker Hardened Images (`dhi.io/<name>`, running as
`nonroot`, uid 65532, with no shell or package manager), Chainguard (`cgr.dev/chainguard/*`),
distroless (`gcr.io/distroless/*`) and .NET chiseled (`mcr.microsoft.com/dotnet/*:*-chiseled`).
The fix names the hardened equivalents of well-known full images (`python`, `node`, `nginx`,
`golang`, JDKs, distributions). Severity is low: a larger base is a hardening and hygiene issue,
not a hole.

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
    if let Some(h) = hardened::classify(image) {
        return match (h.is_minimal(), h.family.name) {
            (true, "distroless") => Some("distroless"),
            (true, "Docker Hardened Images") => {
                Some("Docker Hardened Images runtime variant, no shell or package manager")
            }
            (true, "Chainguard") => Some("Chainguard runtime variant, no shell or package manager"),
            (true, _) => Some("chiseled variant, no shell or package manager"),
            (false, _) => None,
        };
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

/// Why an image is not minimal, if it is not, and how to fix it; the fix names the hardened
/// equivalents of well-known full images.
pub(crate) fn judgement(image: &ImageRef<'_>) -> Option<(String, String)> {
    if let Some(h) = hardened::classify(image) {
        // Runtime variants are minimal; development variants ship a shell and a package
        // manager, like a full image; other families (Bitnami) are judged as they are.
        if !h.dev {
            return None;
        }
        let ships = match (h.variant.shell, h.variant.package_manager) {
            (true, true) => " (with a shell and a package manager)",
            (true, false) => " (with a shell)",
            (false, true) => " (with a package manager)",
            (false, false) => "",
        };
        let what = format!(
            "the development variant of a {} image{ships}",
            h.family.name
        );
        let fix = "build in the development variant and ship on its runtime variant (the tag without `-dev`/`-sdk`)".to_string();
        return Some((what, fix));
    }
    let name = image.short_name().to_ascii_lowercase();
    let (what, fix) = base_judgement(image)?;
    let fix = match hardened::equivalents(&name) {
        Some(eq) => format!("{fix}; hardened equivalents: {eq}"),
        None => fix.to_string(),
    };
    Some((what.to_string(), fix))
}

/// [`judgement`] of images outside the hardened families.
fn base_judgement(image: &ImageRef<'_>) -> Option<(&'static str, &'static str)> {
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
        "nginx" | "httpd" => Some((
            "a general-purpose server image (with a shell and a package manager, started as root)",
            "use a hardened or unprivileged variant",
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
    fn hardened_bases_and_equivalents() {
        let j = |r: &str| judgement(&ImageRef::parse(r).expect("test input"));
        assert!(j("dhi.io/python:3.13@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").is_none());
        assert!(j("dhi.io/python:3.13-dev").is_some());
        assert!(j("cgr.dev/chainguard/node:latest").is_none());
        assert!(j("mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled").is_none());
        let (what, fix) = j("python:3.12").expect("full image");
        assert!(what.contains("full language image"));
        assert!(fix.contains("dhi.io/python") && fix.contains("cgr.dev/chainguard/python"));
        let (_, fix) = j("nginx:alpine").expect("server image");
        assert!(fix.contains("dhi.io/nginx"), "{fix}");
        let (_, fix) = j("node:20").expect("full image");
        assert!(fix.contains("cgr.dev/chainguard/node"), "{fix}");
        let (what, _) = j("gcr.io/distroless/base-debian12:debug").expect("debug variant");
        assert!(what.ends_with("(with a shell)"), "{what}");
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
