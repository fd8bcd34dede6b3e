//! SS3002: no health check in the image.

use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3002",
    slug: "image-healthcheck-missing",
    summary: "The image defines no HEALTHCHECK (or disables it with NONE)",
    severity: Severity::Low,
    checklist: ChecklistItem::Healthcheck,
    source: SourceKind::Image,
    equivalents: &[("cis-docker", "4.6"), ("dockle", "CIS-DI-0006")],
    fix: None,
    docs: r#"## What it does
Reads `config.Healthcheck` of the built image and reports when it is missing or set to `NONE`.

## Why it matters
Without a health check the engine only knows whether the process exists, not whether it works:
a hung server keeps receiving traffic and is never restarted. Orchestrators that define their own
probes (Kubernetes) can ignore this finding.

## How to fix
Add a `HEALTHCHECK` that exercises the service cheaply, or define probes in the orchestrator.

## Example
```dockerfile
HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/healthcheck"]
```
"#,
};

shipshape_core::declare_rule!(Healthcheck);

impl Rule for Healthcheck {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let hc = ctx.image.config.config.healthcheck.as_ref();
        let disabled = hc.is_some_and(|h| h.test.first().map(String::as_str) == Some("NONE"));
        let missing = hc.is_none_or(|h| h.test.is_empty());
        if !(missing || disabled) {
            return Vec::new();
        }
        let msg = if disabled {
            "the health check is disabled (`HEALTHCHECK NONE`)"
        } else {
            "the image defines no health check"
        };
        vec![Finding::new(
            &META,
            ctx.config_location("config.Healthcheck"),
            msg,
            "Healthcheck",
        )]
    }
}

#[cfg(test)]
mod tests {
    use crate::build::ImageBuilder;
    use crate::rules::testing::{audit_image, of};

    #[test]
    fn fires_when_missing_or_disabled() {
        assert_eq!(of(&audit_image(&ImageBuilder::new()), "SS3002").len(), 1);
        assert_eq!(
            of(
                &audit_image(&ImageBuilder::new().healthcheck(&["NONE"])),
                "SS3002"
            )
            .len(),
            1
        );
    }

    #[test]
    fn quiet_with_a_health_check() {
        let b = ImageBuilder::new().healthcheck(&["CMD", "/app/health"]);
        assert!(of(&audit_image(&b), "SS3002").is_empty());
    }
}
