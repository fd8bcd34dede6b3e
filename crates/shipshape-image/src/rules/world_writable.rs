//! SS3016: world-writable files and directories outside the temporary directories.

use crate::audit::{file_finding, Ctx};
use crate::fs::FileKind;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3016",
    slug: "image-world-writable",
    summary: "A file or directory outside /tmp is writable by every user",
    severity: Severity::Medium,
    checklist: ChecklistItem::NonRoot,
    source: SourceKind::Image,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Lists regular files and directories of the final filesystem with the other-write bit (`o+w`),
except under `/tmp`, `/var/tmp`, `/dev/shm` and `/run/lock`, and except directories with the
sticky bit (`1777`), where users cannot touch each other's files.

## Why it matters
Any process in the container, whatever its user, can change a world-writable file: replace a
script root runs later, plant a library in a directory on the loader path, or edit
configuration. It turns "runs as non-root" into "can still tamper with everything that matters".

## How to fix
Fix the permissions in the Dockerfile (`chmod o-w`), and give the application user its own
writable directories instead of `chmod 777`.

## Example
```dockerfile
RUN chmod -R o-w /app && install -d -o app -g app -m 0750 /app/data
```
"#,
};

const TEMP: &[&[u8]] = &[
    b"/tmp",
    b"/var/tmp",
    b"/dev/shm",
    b"/run/lock",
    b"/var/lock",
];

shipshape_core::declare_rule!(WorldWritable);

impl Rule for WorldWritable {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let Some(ix) = ctx.index() else {
            return Vec::new();
        };
        ix.visible()
            .filter(|e| matches!(e.kind, FileKind::File | FileKind::Dir) && e.mode & 0o002 != 0)
            .filter(|e| !(e.kind == FileKind::Dir && e.mode & 0o1000 != 0))
            .filter(|e| {
                !TEMP.iter().any(|t| {
                    e.path.starts_with(t) && (e.path.len() == t.len() || e.path[t.len()] == b'/')
                })
            })
            .map(|e| {
                let what = if e.kind == FileKind::Dir {
                    "directory"
                } else {
                    "file"
                };
                file_finding(
                    ctx,
                    &META,
                    e,
                    format!(
                        "{what} {} is world-writable (mode {:04o})",
                        e.path_str(),
                        e.mode
                    ),
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
    fn fires_for_writable_app_files() {
        let b =
            ImageBuilder::new().layer(LayerBuilder::new().dir_with("/app", 0o777, 0, 0).file_with(
                "/app/start.sh",
                b"#!/bin/sh",
                0o777,
                0,
                0,
            ));
        assert_eq!(of(&audit_image(&b), "SS3016").len(), 2);
    }

    #[test]
    fn quiet_for_tmp_and_sticky_dirs() {
        let b = ImageBuilder::new().layer(
            LayerBuilder::new()
                .dir_with("/tmp", 0o1777, 0, 0)
                .file_with("/tmp/x", b"", 0o666, 0, 0)
                .dir_with("/var/spool/shared", 0o1777, 0, 0)
                .file_with("/app/start.sh", b"", 0o755, 0, 0)
                .symlink("/app/link", "start.sh"),
        );
        assert!(of(&audit_image(&b), "SS3016").is_empty());
    }
}
