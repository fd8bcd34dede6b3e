//! SS3011: A shell is present in the final image.

use super::tools;
use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3011",
    slug: "image-has-shell",
    summary: "A shell is present in the final image",
    severity: Severity::Low,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Image,
    equivalents: &[("cis-docker", "4.3")],
    fix: None,
    docs: r#"## What it does
Looks in the image's final filesystem (after all layers, whiteouts applied) for a shell in the
usual executable directories (`/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/local/bin`,
`/usr/local/sbin`), including versioned names and symlinks that resolve. Reports one finding
per tool: sh, bash, dash, zsh, ash, ksh, mksh, csh, tcsh, fish, busybox.

## Why it matters
Shells let an attacker who gets code execution (through the application) run arbitrary commands comfortably, and let `docker exec` users change a running container. Distroless and scratch images ship none.

## How to fix
Use a distroless or scratch final stage and copy only the application into it.

## Example
```dockerfile
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
```
"#,
};

const NAMES: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "csh", "tcsh", "fish", "busybox",
];

shipshape_core::declare_rule!(ToolShell);

impl Rule for ToolShell {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        tools::report(ctx, &META, NAMES, "a shell")
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_tool_fires, assert_tool_quiet_when_deleted};

    #[test]
    fn fires_when_present() {
        assert_tool_fires("SS3011", "/bin/sh");
    }

    #[test]
    fn quiet_when_absent_or_deleted() {
        assert_tool_quiet_when_deleted("SS3011", "/bin/sh");
    }
}
