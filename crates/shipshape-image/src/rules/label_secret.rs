//! SS3005: secrets in the image's labels.

use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3005",
    slug: "image-secret-in-label",
    summary: "A secret is stored in an image label",
    severity: Severity::High,
    checklist: ChecklistItem::Secrets,
    source: SourceKind::Image,
    equivalents: &[("dockle", "CIS-DI-0010")],
    fix: None,
    docs: r#"## What it does
Reads `config.Labels` and reports labels whose key names a secret (`…password`, `…token`) with a
literal value, and values in a known secret format (AWS keys, GitHub tokens, passwords in URLs).

## Why it matters
Labels are public metadata: registries display them, `docker inspect` prints them, and they are
copied into every image built `FROM` this one.

## How to fix
Remove the label and rotate the credential. Labels are for provenance (`source`, `revision`),
never for configuration.

## Example
```dockerfile
# remove:
LABEL deploy.token="glpat-…"
```
"#,
};

shipshape_core::declare_rule!(LabelSecret);

impl Rule for LabelSecret {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let mut out = Vec::new();
        for (k, v) in &ctx.image.config.config.labels {
            if let Some(m) = shipshape_secrets::secret_in_assignment(k, v) {
                let why = format!("{} ({}): `{}`", m.rule.slug, m.rule.code, m.redacted(v));
                out.push(Finding::new(
                    &META,
                    ctx.config_location(&format!("config.Labels.{k}")),
                    format!("label `{k}` holds a secret ({why})"),
                    k,
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::build::ImageBuilder;
    use crate::rules::testing::{audit_image, of};

    #[test]
    fn fires_for_a_token_label() {
        let a = audit_image(&ImageBuilder::new().label(
            "ci.deploy-token",
            &format!("glpat-{}", "Xq2Lm7Vb4Kp8Rz3Tn9Wd"),
        ));
        assert_eq!(of(&a, "SS3005").len(), 1);
    }

    #[test]
    fn quiet_for_provenance_labels() {
        let a = audit_image(
            &ImageBuilder::new()
                .label(
                    "org.opencontainers.image.source",
                    "https://github.com/acme/app",
                )
                .label("org.opencontainers.image.revision", "0123456789abcdef"),
        );
        assert!(of(&a, "SS3005").is_empty());
    }
}
