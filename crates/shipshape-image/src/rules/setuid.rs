//! SS3015: setuid/setgid executables in the image.

use crate::audit::{file_finding, Ctx};
use crate::fs::FileKind;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3015",
    slug: "image-setuid-bit",
    summary: "A setuid or setgid executable is present in the final image",
    severity: Severity::Medium,
    checklist: ChecklistItem::NoNewPrivileges,
    source: SourceKind::Image,
    equivalents: &[("cis-docker", "4.8"), ("dockle", "CIS-DI-0008")],
    fix: None,
    docs: r#"## What it does
Lists regular files of the final filesystem with the setuid (`04000`) or setgid (`02000`) bit.
Directories with setgid (group inheritance) are not reported.

## Why it matters
A setuid-root program is the classic way from an unprivileged user to root: any bug in `su`,
`mount`, `passwd` or `newgrp` becomes a privilege escalation inside the container. Running with
`no-new-privileges` neutralises the bits; removing them works everywhere.

## How to fix
Strip the bits in the last build step, or use a minimal base image without such programs, and
run with `--security-opt no-new-privileges`.

## Example
```dockerfile
RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true
```
"#,
};

shipshape_core::declare_rule!(Setuid);

impl Rule for Setuid {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let Some(ix) = ctx.index() else {
            return Vec::new();
        };
        ix.visible()
            .filter(|e| e.kind == FileKind::File && e.mode & 0o6000 != 0)
            .map(|e| {
                let bits = match (e.mode & 0o4000 != 0, e.mode & 0o2000 != 0) {
                    (true, true) => "setuid and setgid",
                    (true, false) => "setuid",
                    _ => "setgid",
                };
                let owner = if e.mode & 0o4000 != 0 {
                    format!(" (runs as uid {})", e.uid)
                } else {
                    format!(" (runs with gid {})", e.gid)
                };
                file_finding(
                    ctx,
                    &META,
                    e,
                    format!("{} is {bits}{owner}, mode {:04o}", e.path_str(), e.mode),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::build::{ImageBuilder, LayerBuilder};
    use crate::rules::testing::{audit_image, of};

    #[test]
    fn fires_for_setuid_binaries() {
        let b = ImageBuilder::new().layer(
            LayerBuilder::new()
                .file_with("/usr/bin/su", b"x", 0o4755, 0, 0)
                .file_with("/usr/bin/wall", b"x", 0o2755, 0, 5),
        );
        assert_eq!(of(&audit_image(&b), "SS3015").len(), 2);
    }

    #[test]
    fn quiet_for_plain_files_and_setgid_dirs() {
        let b = ImageBuilder::new().layer(
            LayerBuilder::new()
                .file_with("/usr/bin/ls", b"x", 0o755, 0, 0)
                .dir_with("/var/mail", 0o2775, 0, 8),
        );
        assert!(of(&audit_image(&b), "SS3015").is_empty());
        // stripped by a later layer
        let b = ImageBuilder::new()
            .layer(LayerBuilder::new().file_with("/usr/bin/su", b"x", 0o4755, 0, 0))
            .layer(LayerBuilder::new().file_with("/usr/bin/su", b"x", 0o755, 0, 0));
        assert!(of(&audit_image(&b), "SS3015").is_empty());
    }
}
