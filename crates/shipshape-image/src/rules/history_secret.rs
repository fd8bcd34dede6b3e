//! SS3006: secrets in the build history (build arguments, ENV steps).

use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3006",
    slug: "image-secret-in-history",
    summary: "A secret is recorded in the image's build history (build args, ENV, RUN lines)",
    severity: Severity::High,
    checklist: ChecklistItem::Secrets,
    source: SourceKind::Image,
    equivalents: &[("dockle", "CIS-DI-0010")],
    fix: None,
    docs: r#"## What it does
Reads every `history[].created_by` of the image configuration: the Dockerfile line of each build
step. BuildKit records the build arguments a `RUN` used as `RUN |2 TOKEN=… USER=… …`; classic
builds record `ENV` and `ARG` values. Reports `NAME=value` pairs whose name says secret and whose
value is a literal, and values in a known secret format anywhere in the line.

## Why it matters
`--build-arg TOKEN=…` is not a secret mechanism: the value ends up in the image's history, which
anyone who can pull the image reads with `docker history --no-trunc`, even if no layer contains it.

## How to fix
Use BuildKit secret mounts (`RUN --mount=type=secret,id=token …`), which never reach the image,
and rotate the exposed credential.

## Example
```dockerfile
# instead of ARG NPM_TOKEN + RUN npm ci
RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci
```
"#,
};

shipshape_core::declare_rule!(HistorySecret);

impl Rule for HistorySecret {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let mut out = Vec::new();
        for (i, h) in ctx.image.config.history.iter().enumerate() {
            let line = &h.created_by;
            let mut reported = false;
            for tok in line.split_whitespace() {
                let tok = tok.trim_matches(|c| c == '"' || c == '\'' || c == ';');
                let Some((k, v)) = tok.split_once('=') else {
                    continue;
                };
                let name_ok =
                    !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if !name_ok {
                    continue;
                }
                if let Some(m) = shipshape_secrets::secret_in_assignment(k, v) {
                    let why = format!("{} ({}): `{}`", m.rule.slug, m.rule.code, m.redacted(v));
                    out.push(finding(ctx, i, k, &format!("`{k}` ({why})")));
                    reported = true;
                }
            }
            if !reported {
                if let Some(m) = shipshape_secrets::secrets_in_line(line).first() {
                    let slug = m.rule.slug;
                    out.push(finding(
                        ctx,
                        i,
                        slug,
                        &format!(
                            "a value matching {slug} ({}): `{}`",
                            m.rule.code,
                            m.redacted(line)
                        ),
                    ));
                }
            }
        }
        out
    }
}

fn finding(ctx: &Ctx, i: usize, ident: &str, what: &str) -> Finding {
    Finding::new(
        &META,
        ctx.config_location(&format!("history[{i}].created_by")),
        format!("build step {} records {what}", i + 1),
        ident,
    )
}

#[cfg(test)]
mod tests {
    use crate::build::ImageBuilder;
    use crate::rules::testing::{audit_image, of};

    #[test]
    fn fires_for_build_args_and_env_steps() {
        let b = ImageBuilder::new()
            .history("RUN |2 NPM_TOKEN=Zk29fPq81LmXvB7n VERSION=1.2 /bin/sh -c npm ci")
            .history("/bin/sh -c #(nop)  ENV AWS_SECRET_ACCESS_KEY=q8Vz3LmX7pT2wKr9YbN4hJd6FsA1cE5gU0oIiRtQ")
            .history("/bin/sh -c git clone https://bot:Wz4kQ81pXv0sLm7R@git.example.com/a/b");
        let a = audit_image(&b);
        let f = of(&a, "SS3006");
        assert_eq!(f.len(), 3, "{f:#?}");
        assert!(f
            .iter()
            .all(|f| !f.message.contains("29fPq81") && !f.message.contains("4kQ81")));
    }

    #[test]
    fn quiet_for_ordinary_steps() {
        let b = ImageBuilder::new()
            .history("RUN |1 VERSION=1.2 /bin/sh -c make")
            .history("ENV PATH=/usr/local/bin:/usr/bin")
            .history("ARG TOKEN")
            .history("RUN /bin/sh -c curl -H \"Authorization: Bearer $TOKEN\" https://x")
            // documentation values and command substitutions are not secrets
            .history("RUN |1 NPM_TOKEN=npm_abcdefghijklmnop /bin/sh -c npm ci")
            .history("/bin/sh -c mysqld --password=\"$(cat /run/secrets/db-password)\"");
        assert!(of(&audit_image(&b), "SS3006").is_empty());
    }
}
