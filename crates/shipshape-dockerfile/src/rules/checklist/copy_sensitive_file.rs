use super::common::{advice, context_sources, stage_severity};
use crate::rules::{Context, Instr, Out, Rule};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1017",
    slug: "copy-sensitive-file",
    summary: "COPY/ADD names a secret file: .env, a private key, credentials",
    severity: Severity::High,
    checklist: ChecklistItem::Secrets,
    source: SourceKind::Dockerfile,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Reports `COPY`/`ADD` sources from the build context that name a file which holds secrets:

- environment files: `.env`, `.env.production`, `prod.env` (not `.env.example`, `.env.sample`,
  `.env.template`, `.env.dist`, `.env.defaults`);
- private keys: `id_rsa`, `id_dsa`, `id_ecdsa`, `id_ed25519` (not `*.pub`), `*.key`,
  `*.pem`/`*.crt`-style files whose name says key or private (`server-key.pem`, `privkey.pem`),
  keystores (`*.p12`, `*.pfx`, `*.jks`, `*.keystore`), SSH key directories (`.ssh/`, `.gnupg/`);
- credential files and directories: `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`,
  `.htpasswd`, `.aws/` and `.aws/credentials`, `.docker/config.json`, `.ssh/`, `.kube/config`,
  `kubeconfig`, GCP service-account JSON (`*service-account*.json`, `credentials.json`),
  `.pgpass`, `_netrc`, a file named `credentials`;
- Terraform state (`*.tfstate`) and password databases (`*.kdbx`).

The list is the secrets crate's one list of sensitive files (the build-context walk and the
image rules use it too).

Names that say *public* (`*.pub`, `*public*`, `*gpg*`, `*.asc`, apt/repository signing keys)
are not reported. Copies into the final image's stages are **high**; into other stages
**medium**: the file does not ship, but stays in the builder cache and the stage's history.

## Why it matters
A file copied into an image is in a layer forever: deleting it in a later `RUN` does not remove
it from the earlier layer, and anyone who pulls the image can extract it.

## How to fix
Do not copy secrets. Pass them to the step that needs them as build secrets or SSH forwarding:

```dockerfile
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
RUN --mount=type=ssh git clone git@github.com:acme/private.git
```

and provide run-time secrets at run time (orchestrator secrets, `*_FILE` variables).

## Example
```dockerfile
COPY .env /app/.env               # reported
COPY id_rsa /root/.ssh/id_rsa     # reported
COPY .env.example /app/.env       # fine
```
"#,
};

/// Why a source path names a secret file (the secrets classifier's list; a `.git` directory is
/// SS1016's concern, not this rule's).
pub fn sensitive(path: &str) -> Option<&'static str> {
    shipshape_secrets::sensitive_file(path)
        .filter(|f| f.category != shipshape_secrets::FileCategory::VcsData)
        .map(|f| f.what)
}

shipshape_core::declare_rule!(CopySensitiveFile);

impl Rule for CopySensitiveFile {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        for src in context_sources(instr) {
            let Some(what) = sensitive(&src.value) else {
                continue;
            };
            out.push(
                ctx.finding(
                    &META,
                    src.span,
                    format!(
                        "`{} {}` copies {what} into the image; deleting it later does not remove it from the layer",
                        instr.keyword, src.value
                    ),
                )
                .with_severity(stage_severity(ctx, index, Severity::High, Severity::Medium))
                .with_fix(advice(
                    "do not copy it: use `RUN --mount=type=secret` (or `--mount=type=ssh`) for build steps and run-time secrets for the container",
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sensitive;

    #[test]
    fn names() {
        for p in [
            ".env",
            "./.env",
            "config/.env.production",
            "id_rsa",
            "certs/server.key",
            "tls/privkey.pem",
            ".aws/",
            ".npmrc",
            "keystore.p12",
            "prod.env",
        ] {
            assert!(sensitive(p).is_some(), "{p}");
        }
        for p in [
            ".env.example",
            ".env.sample",
            "id_rsa.pub",
            "ca.pem",
            "cert.pem",
            "nodesource.gpg.key",
            "public.key",
            "src/",
            "app.py",
            "${ENV_FILE}",
            "repo.key",
        ] {
            assert!(sensitive(p).is_none(), "{p}");
        }
    }
}
