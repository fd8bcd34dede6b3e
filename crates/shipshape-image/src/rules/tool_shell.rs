//! SS3011: A shell is present in the final image.

use super::tools;
use crate::audit::Ctx;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3011",
    slug: "image-has-shell",
    summary: "A shell is present in the final image",
    severity: Severity::Low,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Image,
    equivalents: &[("cis", "4.3")],
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

pub(crate) fn check(ctx: &Ctx) -> Vec<Finding> {
    tools::report(ctx, &META, NAMES, "a shell")
}

#[cfg(test)]
mod tests {
    use crate::build::{ImageBuilder, LayerBuilder};
    use crate::rules::testing::{audit_image, of};

    #[test]
    fn fires_when_present() {
        let b = ImageBuilder::new().layer(LayerBuilder::new().file("/bin/sh", b"\x7fELF"));
        let a = audit_image(&b);
        let f = of(&a, "SS3011");
        assert_eq!(f.len(), 1);
        assert!(f[0].location.path.ends_with(":/bin/sh"));
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
                    .file("/bin/sh", b"\x7fELF")
                    .file("/usr/share/doc/x/sh", b"doc"),
            )
            .layer(LayerBuilder::new().whiteout("/bin/sh"));
        assert!(of(&audit_image(&b), "SS3011").is_empty());
    }
}
