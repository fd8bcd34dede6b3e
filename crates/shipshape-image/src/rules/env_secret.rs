//! SS3004: secrets in the image's environment.

use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3004",
    slug: "image-secret-in-env",
    summary: "A secret is baked into the image's environment (config.Env)",
    severity: Severity::High,
    checklist: ChecklistItem::Secrets,
    source: SourceKind::Image,
    equivalents: &[("cis-docker", "4.10"), ("dockle", "CIS-DI-0010")],
    fix: None,
    docs: r#"## What it does
Reads `config.Env` and reports variables whose name says they hold a secret (`*_PASSWORD`,
`*_TOKEN`, `*_SECRET`, `*_API_KEY`…) with a literal value, and values in a known secret format
(AWS access key ids, GitHub and GitLab tokens, passwords in URLs) whatever their name.
Values that are empty, references (`$VAR`), paths or small numbers are not reported; neither are
`*_FILE` variables that point at a mounted secret.

## Why it matters
The environment is stored in clear text in the image configuration: anyone who can pull the image
reads it with `docker inspect`, and every container inherits it.

## How to fix
Pass secrets at run time (orchestrator secrets, mounted files, `--env-file` outside the image).
Never set them with `ENV` or `ARG` in the Dockerfile.

## Example
```dockerfile
# instead of ENV DB_PASSWORD=hunter2
ENV DB_PASSWORD_FILE=/run/secrets/db_password
```
"#,
};

shipshape_core::declare_rule!(EnvSecret);

impl Rule for EnvSecret {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let mut out = Vec::new();
        for (i, kv) in ctx.image.config.config.env.iter().enumerate() {
            let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
            if let Some(m) = shipshape_secrets::secret_in_assignment(k, v) {
                let why = format!("{} ({}): `{}`", m.rule.slug, m.rule.code, m.redacted(v));
                out.push(Finding::new(
                    &META,
                    ctx.config_location(&format!("config.Env[{i}]")),
                    format!("environment variable `{k}` holds a secret ({why})"),
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
    fn fires_for_secret_values() {
        let a = audit_image(
            &ImageBuilder::new()
                .env("DB_PASSWORD=c0rrect-h0rse-b4ttery")
                .env(&format!("SOMETHING=AKIA{}", "Q3VZ7M2XK4TBHWNP")),
        );
        let f = of(&a, "SS3004");
        assert_eq!(f.len(), 2);
        assert!(
            !f[0].message.contains("c0rrect-h0rse"),
            "values are redacted"
        );
        assert_eq!(f[0].location.key.as_deref(), Some("config.Env[0]"));
    }

    #[test]
    fn quiet_for_ordinary_variables() {
        let a = audit_image(
            &ImageBuilder::new()
                .env("PATH=/usr/bin:/bin")
                .env("DB_PASSWORD_FILE=/run/secrets/db")
                .env("API_TOKEN=${API_TOKEN}")
                .env("GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D")
                // AWS's documentation example and fill-in values are not secrets
                .env("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE")
                .env("DB_PASSWORD=changeme")
                .env("MINIO_ACCESS_KEY=loki"),
        );
        assert!(of(&a, "SS3004").is_empty());
    }
}
