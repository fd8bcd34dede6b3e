//! SS3014: A compiler or toolchain is present in the final image.

use super::tools;
use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3014",
    slug: "image-has-compiler",
    summary: "A compiler or toolchain is present in the final image",
    severity: Severity::Medium,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Image,
    equivalents: &[("cis-docker", "4.3")],
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

shipshape_core::declare_rule!(ToolCompiler);

impl Rule for ToolCompiler {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        tools::report(ctx, &META, NAMES, "the compiler")
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_tool_fires, assert_tool_quiet_when_deleted};

    #[test]
    fn fires_when_present() {
        assert_tool_fires("SS3014", "/usr/bin/gcc");
    }

    #[test]
    fn quiet_when_absent_or_deleted() {
        assert_tool_quiet_when_deleted("SS3014", "/usr/bin/gcc");
    }
}
