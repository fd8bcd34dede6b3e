//! SS3017: the runtime user can modify system files.

use crate::audit::{file_finding, Ctx};
use crate::fs::FileKind;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3017",
    slug: "image-user-owns-system-files",
    summary: "The image's non-root user owns (or can write) system files or executables",
    severity: Severity::Medium,
    checklist: ChecklistItem::NonRoot,
    source: SourceKind::Image,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Resolves `config.User` against the image's `/etc/passwd` and `/etc/group`, then lists files and
directories under `/bin`, `/sbin`, `/lib*`, `/usr` and `/etc` that this user owns, or that its
group owns with group-write permission. Critical files (`/etc/passwd`, `/etc/shadow`,
`/etc/sudoers`, `/etc/group`) and setuid programs are reported as high.

## Why it matters
Running as non-root only helps if that user cannot change what root (or the next deploy) runs.
A user who owns `/usr/local/bin/app`, `/etc/passwd` or a directory on the library path can
replace them: persistence for an intruder, and sometimes a direct path to root (edit
`/etc/passwd`, replace a setuid program or a script run by root).

## How to fix
Copy files as root (`COPY` without `--chown`) so the runtime user can read and execute but not
modify them, and give it write access only to its data directories.

## Example
```dockerfile
COPY app /usr/local/bin/app
RUN install -d -o app -g app /var/lib/app
USER app
```
"#,
};

const SYSTEM: &[&[u8]] = &[
    b"/bin/",
    b"/sbin/",
    b"/lib/",
    b"/lib32/",
    b"/lib64/",
    b"/libx32/",
    b"/usr/",
    b"/etc/",
];
const CRITICAL: &[&[u8]] = &[
    b"/etc/passwd",
    b"/etc/shadow",
    b"/etc/group",
    b"/etc/sudoers",
    b"/etc/gshadow",
];

shipshape_core::declare_rule!(UserWritable);

impl Rule for UserWritable {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let Some(ix) = ctx.index() else {
            return Vec::new();
        };
        let user = ctx.runtime_user();
        if user.is_root() {
            return Vec::new();
        }
        let Some(uid) = user.uid else {
            return Vec::new();
        };
        let gid = user.gid.filter(|g| *g != 0);
        ix.visible()
            .filter(|e| matches!(e.kind, FileKind::File | FileKind::Dir))
            .filter(|e| SYSTEM.iter().any(|s| e.path.starts_with(s)))
            .filter_map(|e| {
                let how = if e.uid == uid {
                    format!("owned by the image user {} (uid {uid})", user.raw)
                } else if gid.is_some_and(|g| e.gid == g) && e.mode & 0o020 != 0 {
                    format!("group-writable by the image user's group (gid {})", e.gid)
                } else {
                    return None;
                };
                let critical = CRITICAL.contains(&&*e.path)
                    || (e.kind == FileKind::File && e.mode & 0o4000 != 0);
                let f = file_finding(
                    ctx,
                    &META,
                    e,
                    format!("{} is {how}: the runtime user can modify it", e.path_str()),
                );
                Some(if critical {
                    f.with_severity(Severity::High)
                } else {
                    f
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::build::{ImageBuilder, LayerBuilder};
    use crate::rules::testing::{audit_image, of};
    use shipshape_core::Severity;

    fn base() -> LayerBuilder {
        LayerBuilder::new()
            .file(
                "/etc/passwd",
                b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
            )
            .file("/etc/group", b"root:x:0:\napp:x:1000:\n")
    }

    #[test]
    fn fires_for_files_the_user_owns() {
        let b = ImageBuilder::new().user("app").layer(
            base()
                .file_with("/usr/local/bin/app", b"x", 0o755, 1000, 1000)
                .file_with("/etc/shadow", b"", 0o660, 0, 1000),
        );
        let a = audit_image(&b);
        let f = of(&a, "SS3017");
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f
            .iter()
            .any(|f| f.severity == Severity::High && f.location.path.ends_with("/etc/shadow")));
    }

    #[test]
    fn quiet_for_root_owned_system_files_and_user_data() {
        let b = ImageBuilder::new().user("app").layer(
            base()
                .file_with("/usr/local/bin/app", b"x", 0o755, 0, 0)
                .file_with("/home/app/data", b"", 0o644, 1000, 1000),
        );
        assert!(of(&audit_image(&b), "SS3017").is_empty());
        // root images are SS3001's business
        let b =
            ImageBuilder::new().layer(base().file_with("/usr/local/bin/app", b"x", 0o755, 0, 0));
        assert!(of(&audit_image(&b), "SS3017").is_empty());
    }
}
