//! SS3001: the image runs as root.

use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{
    ChecklistItem, Finding, Fix, FixApplicability, RuleMeta, Severity, SourceKind,
};

pub static META: RuleMeta = RuleMeta {
    code: "SS3001",
    slug: "image-user-root",
    summary: "The image's configured user is root (empty, `root`, uid 0)",
    severity: Severity::High,
    checklist: ChecklistItem::NonRoot,
    source: SourceKind::Image,
    equivalents: &[("cis-docker", "4.1"), ("dockle", "CIS-DI-0001")],
    fix: None,
    docs: r#"## What it does
Reads `config.User` of the built image. An empty user, `root`, `0`, `0:0`, or a name that
`/etc/passwd` in the image maps to uid 0 means every container started from the image runs as
root unless the runtime overrides it.

## Why it matters
A process running as root inside a container is one kernel bug, one mounted socket or one
misconfigured volume away from root on the host. Running as an unprivileged user is the single
cheapest hardening step.

## How to fix
Create a user in the Dockerfile and switch to it with `USER` before the final `CMD`/`ENTRYPOINT`,
using a numeric uid so Kubernetes' `runAsNonRoot` can verify it.

## Example
```dockerfile
RUN useradd --uid 10001 --no-create-home app
USER 10001
```
"#,
};

shipshape_core::declare_rule!(RootUser);

impl Rule for RootUser {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let user = ctx.runtime_user();
        if !user.is_root() {
            return Vec::new();
        }
        let shown = if user.raw.is_empty() {
            "no user is set, so it defaults to root".to_string()
        } else {
            format!("`{}` is root", user.raw)
        };
        vec![Finding::new(
            &META,
            ctx.config_location("config.User"),
            format!("the image runs as root: {shown}"),
            &format!("User={}", user.raw),
        )
        .with_fix(Fix {
            description: "add a non-root user and `USER <uid>` in the Dockerfile".into(),
            applicability: FixApplicability::DisplayOnly,
            edits: Vec::new(),
        })]
    }
}

#[cfg(test)]
mod tests {
    use crate::build::{ImageBuilder, LayerBuilder};
    use crate::rules::testing::{audit_image, of};

    #[test]
    fn fires_for_empty_and_root_users() {
        for u in ["", "root", "0", "0:0"] {
            let a = audit_image(&ImageBuilder::new().user(u));
            let f = of(&a, "SS3001");
            assert_eq!(f.len(), 1, "user {u:?}");
            assert_eq!(f[0].location.key.as_deref(), Some("config.User"));
        }
        let passwd = LayerBuilder::new().file("/etc/passwd", b"toor:x:0:0::/:/bin/sh\n");
        let a = audit_image(&ImageBuilder::new().user("toor").layer(passwd));
        assert_eq!(of(&a, "SS3001").len(), 1);
    }

    #[test]
    fn quiet_for_non_root_users() {
        for u in ["10001", "app", "1000:1000"] {
            let a = audit_image(&ImageBuilder::new().user(u));
            assert!(of(&a, "SS3001").is_empty(), "user {u:?}");
        }
    }
}
