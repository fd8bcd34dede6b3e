use super::common::advice;
use crate::ast::Word;
use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1013",
    slug: "secret-in-env",
    summary: "A literal secret in ENV, LABEL or an ARG default",
    severity: Severity::High,
    checklist: ChecklistItem::Secrets,
    source: SourceKind::Dockerfile,
    equivalents: &[("docker-build-check", "SecretsUsedInArgOrEnv")],
    fix: None,
    docs: r#"## What it does
Reports `ENV` and `LABEL` values and `ARG` defaults that hold a literal secret, in every stage:

- **critical**: the value matches a credential format of the secrets scan (`SS4xxx`), whatever
  the name — AWS access key ids (`AKIA…`, `ASIA…`), GitHub (`ghp_…`, `github_pat_…`), GitLab
  (`glpat-…`), Slack (`xoxb-…`, webhooks), Stripe live keys, npm tokens, Google API keys, signed
  tokens, private key blocks, and 200 more;
- **high**: a URL or connection string with an embedded password (`postgres://app:s3cret@db/app`);
- **high**: the name says credential — it contains `PASSWORD`, `PASSWD`, `PASSPHRASE`, `SECRET`,
  `TOKEN`, `API_KEY`, `ACCESS_KEY`, `PRIVATE_KEY`, `CREDENTIALS`, a `PASS`/`PWD` word, or a
  `KEY` word — and the value is a literal that passes the checks of the generic secrets rules
  (`SS4701`–`SS4704`): no stop-words, not an identifier or a plain number, not a hand-typed
  sequence.

Not reported: values that reference variables (`$DB_PASSWORD`, `${TOKEN}`), empty values,
obvious placeholders (`<your-token>`, `xxx`, `0000-0000`, `TODO`, `REPLACE_ME`, `FILL_ME_IN`,
`your-api-key`, `dummy`, `changeme`), identifier-like values (`postgres`, `broker_keystore_creds`),
switches, paths and file names (`true`, `0`, `/run/secrets/db`, `tls/server.key`, `id_rsa`); names whose last word says where or how a
secret is provided rather than holding it (`*_FILE`, `*_PATH`, `*_DIR`, `*_URL`, `*_NAME`,
`*_HOST`, `*_PORT`, `*_ID`, `*_USER`, `*_ENABLED`, `*_LENGTH`, …) — so `PASSWORD_FILE=/run/secrets/db`
and `AWS_ACCESS_KEY_ID=…` are fine (a real `AKIA…` value is still caught by its shape); and
public material (`GPG_KEY`, `NODE_PGP_KEY`, `*PUBLIC*`). `KEY` alone and `PWD` (the working
directory) are not secret names.

The message names the matching secrets rule and never shows the secret: at most its first four
characters, then `***`. Names, values and placeholders are judged by the same classifier as
the secrets scan and the compose and image rules.

## Why it matters
Everything in a Dockerfile is in the repository, and `ENV`/`LABEL` values and `ARG` defaults
are stored in the image configuration and history, readable by anyone who can pull the image
(`docker history --no-trunc`, `docker inspect`). A secret there is leaked for good: rotate it.

## How to fix
Rotate the secret, then provide it at run time (`docker run -e`, a secrets manager, an
orchestrator secret mounted as a file and read via `*_FILE`), or at build time as a build
secret that is never stored:

```dockerfile
RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
```

## Example
```dockerfile
ENV POSTGRES_PASSWORD=s3cr3t-pa55        # high
ENV GITHUB_TOKEN=ghp_…                   # critical
ENV POSTGRES_PASSWORD_FILE=/run/secrets/db   # fine
```
"#,
};

/// Why a key/value pair holds a literal secret, with the severity and the secret's byte range in
/// the value (the secrets classifier's judgement: a known format, or a literal under a credential
/// name).
pub fn judge(key: &str, value: &Word) -> Option<(Severity, String, (usize, usize))> {
    let v = value.value.as_str();
    let m = shipshape_secrets::secret_in_assignment(key, v)?;
    let span = (m.start, m.end);
    let rule = format!("{} ({})", m.rule.slug, m.rule.code);
    if m.is_format() {
        if m.family == shipshape_secrets::Family::Connection {
            return Some((
                Severity::High,
                format!("is a URL with an embedded password, matching {rule}"),
                span,
            ));
        }
        return Some((
            Severity::Critical,
            format!("contains a value matching {rule}"),
            span,
        ));
    }
    // A literal under a credential name; a value built from variables is not literal.
    if value.has_expansion() {
        return None;
    }
    let word = shipshape_secrets::credential_name(key).map_or("secret", |k| k.word());
    Some((Severity::High, format!("sets a literal {word}"), span))
}

shipshape_core::declare_rule!(SecretInEnv);

impl Rule for SecretInEnv {
    fn check_instruction(&self, ctx: &Context, _index: usize, instr: &Instr, out: &mut Out) {
        let instr = instr.effective();
        let mut pairs: Vec<(&Word, &Word)> = Vec::new();
        let what = match &instr.kind {
            InstructionKind::Env(kv) => {
                pairs.extend(kv.pairs.iter().map(|p| (&p.key, &p.value)));
                "ENV"
            }
            InstructionKind::Label(kv) => {
                pairs.extend(kv.pairs.iter().map(|p| (&p.key, &p.value)));
                "LABEL"
            }
            InstructionKind::Arg(a) => {
                pairs.extend(
                    a.args
                        .iter()
                        .filter_map(|d| d.default.as_ref().map(|v| (&d.name, v))),
                );
                "ARG"
            }
            _ => return,
        };
        for (key, value) in pairs {
            let Some((severity, why, (start, end))) = judge(&key.value, value) else {
                continue;
            };
            let shown = format!(
                " (`{}`)",
                shipshape_secrets::redact(value.value.get(start..end).unwrap_or(""))
            );
            let kind = if what == "ARG" {
                "ARG default of"
            } else {
                what
            };
            out.push(
                ctx.finding(
                    &META,
                    value.span,
                    format!("{kind} `{}` {why}{shown}", key.value),
                )
                .with_severity(severity)
                .with_fix(advice(
                    "rotate the secret; provide it at run time (`docker run -e`, a `*_FILE` secret) or as a build secret (`RUN --mount=type=secret`)",
                )),
            );
        }
    }
}
