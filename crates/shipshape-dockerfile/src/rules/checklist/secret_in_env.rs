use super::common::{
    advice, is_not_a_secret_value, is_placeholder, is_weak_default, redact, secret_word,
    token_format, url_password,
};
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

- **critical**: the value has the shape of a known credential, whatever the name — AWS access
  key ids (`AKIA…`, `ASIA…`), GitHub (`ghp_…`, `github_pat_…`), GitLab (`glpat-…`), Slack
  (`xoxb-…`, webhooks), Stripe live keys, npm tokens, Google API keys, private key blocks;
- **high**: a URL with an embedded password (`postgres://app:s3cret@db/app`);
- **high**: the name looks secret — it contains `PASSWORD`, `PASSWD`, `PASSPHRASE`, `SECRET`,
  `TOKEN`, `API_KEY`, `ACCESS_KEY`, `PRIVATE_KEY`, `CREDENTIALS`, a `PASS`/`PWD` word, or a
  `KEY` word — and the value is a literal. Well-known defaults (`changeme`, `changeit`,
  `password`, `admin`, `postgres`, …) are real, weak passwords and are reported.

Not reported: values that reference variables (`$DB_PASSWORD`, `${TOKEN}`), empty values,
obvious placeholders (`<your-token>`, `xxx`, `0000-0000`, `TODO`, `REPLACE_ME`, `FILL_ME_IN`,
`your-api-key`, `dummy`),
switches, paths and file names (`true`, `0`, `/run/secrets/db`, `tls/server.key`, `id_rsa`); names whose last word says where or how a
secret is provided rather than holding it (`*_FILE`, `*_PATH`, `*_DIR`, `*_URL`, `*_NAME`,
`*_HOST`, `*_PORT`, `*_ID`, `*_USER`, `*_ENABLED`, `*_LENGTH`, …) — so `PASSWORD_FILE=/run/secrets/db`
and `AWS_ACCESS_KEY_ID=…` are fine (a real `AKIA…` value is still caught by its shape); and
public key ids (`GPG_KEY`, `NODE_PGP_KEY`, `*_SIGNING_KEY`). `KEY` alone and `PWD` (the working
directory) are not secret names.

The message never shows the secret: at most its first four characters, then `***`.

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

/// Why a key/value pair holds a literal secret, with the severity.
pub fn judge(key: &str, value: &Word) -> Option<(Severity, String)> {
    let v = value.value.as_str();
    if let Some(what) = token_format(v) {
        return Some((Severity::Critical, format!("contains {what}")));
    }
    if let Some(pw) = url_password(v) {
        return Some((
            Severity::High,
            format!("is a URL with an embedded password (`{}`)", redact(pw)),
        ));
    }
    let word = secret_word(key)?;
    if value.has_expansion() || is_placeholder(v) || is_not_a_secret_value(v) {
        return None;
    }
    if is_weak_default(v) {
        // A public, well-known value: naming it leaks nothing.
        return Some((
            Severity::High,
            format!("sets the well-known default {word} `{v}`"),
        ));
    }
    Some((Severity::High, format!("sets a literal {word}")))
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
            let Some((severity, why)) = judge(&key.value, value) else {
                continue;
            };
            let shown = if why.contains("URL") || why.contains("well-known") {
                String::new()
            } else {
                format!(" (`{}`)", redact(&value.value))
            };
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
