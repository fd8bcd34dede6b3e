//! SS3014: A compiler or toolchain is present in the final image.

use super::tools;
use crate::audit::Ctx;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3014",
    slug: "image-has-compiler",
    summary: "A compiler or toolchain is present in the final image",
    severity: Severity::Medium,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Image,
    equivalents: &[("cis", "4.3")],
    fix: None,
    docs: r#"## What it does
Looks in the image's final filesystem (after all layers, whiteouts applied) for a compiler in the
usual executable directories (`/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/local/bin`,
`/usr/local/sbin`), including versioned names and symlinks that resolve. Reports one finding
per tool: gcc, g++, cc, c++, clang, clang++, tcc, rustc, cargo, go, javac, make.

## Why it matters
A compiler lets an intruder build exploits and tools inside the container, and toolchains are large and full of code the application never runs.

## How to fix
Compile in a build stage (multi-stage build) and copy only the artefacts into the final image.

## Example
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
```
"#,
};

const NAMES: &[&str] = &[
    "gcc", "g++", "cc", "c++", "clang", "clang++", "tcc", "rustc", "cargo", "go", "javac", "make",
];

pub(crate) fn check(ctx: &Ctx) -> Vec<Finding> {
    tools::report(ctx, &META, NAMES, "the compiler")
}

#[cfg(test)]
mod tests {
    use crate::build::{ImageBuilder, LayerBuilder};
    use crate::rules::testing::{audit_image, of};

    #[test]
    fn fires_when_present() {
        let b = ImageBuilder::new().layer(LayerBuilder::new().file("/usr/bin/gcc", b"\x7fELF"));
        let a = audit_image(&b);
        let f = of(&a, "SS3014");
        assert_eq!(f.len(), 1);
        assert!(f[0].location.path.ends_with(":/usr/bin/gcc"));
        assert!(f[0]
            .location
            .layer
            .as_deref()
            .is_some_and(|l| l.starts_with("sha256:")));
    }

    #[test]
    fn quiet_when_absent_or_deleted() {
        let b = ImageBuilder::new()
            .layer(
                LayerBuilder::new()
                    .file("/usr/bin/gcc", b"\x7fELF")
                    .file("/usr/share/doc/x/gcc", b"doc"),
            )
            .layer(LayerBuilder::new().whiteout("/usr/bin/gcc"));
        assert!(of(&audit_image(&b), "SS3014").is_empty());
    }
}
