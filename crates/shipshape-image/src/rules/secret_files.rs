//! SS3018: private keys and credential files in any layer, deleted or not.
//!
//! It recognises the file kinds that matter most by name and a light look at their content. In
//! `shipshape image` the secrets engine (SS4xxx) also reads every layer file; when it pinpoints a
//! secret in the same file of the same layer, the policy keeps that finding and drops this one.

use crate::audit::{file_finding, Ctx};
use crate::fs::HiddenHow;
use crate::rules::Rule;
use memchr::memmem;
use shipshape_core::{ChecklistItem, Finding, Location, RuleMeta, Severity, SourceKind};
use shipshape_secrets::FileCategory;
use std::sync::LazyLock;

pub static META: RuleMeta = RuleMeta {
    code: "SS3018",
    slug: "image-secret-file",
    summary:
        "A private key or credential file is in an image layer (even if a later layer deleted it)",
    severity: Severity::High,
    checklist: ChecklistItem::Secrets,
    source: SourceKind::Image,
    equivalents: &[
        ("cis-docker", "4.10"),
        ("gitleaks", "private-key"),
        ("trivy", "private-key"),
    ],
    fix: None,
    docs: r#"## What it does
Reads every file of every layer, including files a later layer deleted or overwrote, and reports:
PEM/OpenSSH private keys anywhere (a `-----BEGIN … PRIVATE KEY-----` line followed by key data);
`.env` files; `.aws/credentials`; `.docker/config.json` with registry auths; `.npmrc` with auth
tokens; `.pypirc` with passwords; `.git-credentials`; `.netrc`; `.pgpass`; kubeconfigs with
tokens or client keys. Each finding names the layer that added the file and, when a later layer
deleted it, says so: the file is still in the image, one `tar` away. When the secrets scan
(`SS4xxx`) finds the credential inside the same file of the same layer, only its finding is
shown, since it points at the line.

## Why it matters
A layer is an immutable tar archive. `RUN rm secret` in a later step only adds a whiteout entry:
anyone who can pull the image extracts the earlier layer and reads the secret. Keys baked into
images end up in every registry, cache and laptop the image reaches.

## How to fix
Rotate the credential first. Then keep it out of the build: BuildKit secret mounts
(`RUN --mount=type=secret`), multi-stage builds that copy only artefacts, and a `.dockerignore`
that excludes `.env`, `*.pem` and `.aws/`.

## Example
```dockerfile
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
```
"#,
};

/// A secret-bearing file found while streaming the layers.
#[derive(Debug, Clone)]
pub(crate) struct SecretHit {
    /// Entry id in the index.
    pub(crate) id: usize,
    pub(crate) what: String,
    pub(crate) severity: Severity,
}

fn name_of(path: &[u8]) -> &[u8] {
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}

/// The secrets classifier's verdict on a layer path (bytes that are not UTF-8 are replaced, so a
/// `.env` under a directory with a Latin-1 name is still one).
fn classify(path: &[u8]) -> Option<shipshape_secrets::SensitiveFile> {
    shipshape_secrets::sensitive_file(&String::from_utf8_lossy(path)).filter(|f| !f.directory)
}

fn is_dotenv(path: &[u8]) -> bool {
    classify(path).is_some_and(|f| f.category == FileCategory::EnvFile)
}

/// Files worth reading whatever their size (up to the content cap): environment and credential
/// files as the secrets classifier names them.
pub(crate) fn is_candidate_name(path: &[u8]) -> bool {
    classify(path).is_some_and(|f| {
        matches!(
            f.category,
            FileCategory::EnvFile
                | FileCategory::RegistryCredentials
                | FileCategory::CloudCredentials
                | FileCategory::Credentials
        )
    })
}

/// The shortest content `inspect` can report for a file that is not a candidate by name: a
/// private key's BEGIN line (`-----BEGIN PRIVATE KEY-----`, newline) and 16 characters of key data.
pub(crate) const MIN_KEY_BYTES: u64 = 44;

/// Looks at one file. `content` is at most the configured cap.
pub(crate) fn inspect(id: usize, path: &[u8], content: &[u8]) -> Option<SecretHit> {
    let name = name_of(path);
    let hit = |what: String, severity| Some(SecretHit { id, what, severity });
    let candidate = is_candidate_name(path);
    // A credential in a known format anywhere in an environment or credentials file.
    let text = if candidate {
        std::str::from_utf8(content).ok()
    } else {
        None
    };
    let known = text.and_then(|t| {
        shipshape_secrets::secrets_in_line(t)
            .into_iter()
            .find(|m| m.is_format())
            .map(|m| (m, t))
    });
    let known_note = || {
        known
            .map(|(m, t)| format!(" with a value matching {} ({})", m.rule.slug, m.redacted(t)))
            .unwrap_or_default()
    };
    if is_dotenv(path) {
        let text = String::from_utf8_lossy(content);
        let secrets: Vec<String> = text
            .lines()
            .filter_map(|l| {
                let l = l.trim().strip_prefix("export ").unwrap_or(l.trim());
                let (k, v) = l.split_once('=')?;
                shipshape_secrets::secret_in_assignment(k.trim(), v.trim())
                    .map(|_| k.trim().to_string())
            })
            .collect();
        if known.is_some() || !secrets.is_empty() {
            let sev = if known.is_some() {
                Severity::Critical
            } else {
                Severity::High
            };
            let names = if secrets.is_empty() {
                String::new()
            } else {
                format!(" ({})", secrets.join(", "))
            };
            return hit(
                format!("environment file with secrets{}{names}", known_note()),
                sev,
            );
        }
        if text
            .lines()
            .any(|l| l.contains('=') && !l.trim_start().starts_with('#'))
        {
            return hit(
                "environment file (no secret-looking values, but .env files should not ship)"
                    .into(),
                Severity::Medium,
            );
        }
        return None;
    }
    if path.ends_with(b"/.aws/credentials") {
        if known.is_some() || memmem::find(content, b"aws_secret_access_key").is_some() {
            return hit(
                format!("AWS credentials file{}", known_note()),
                Severity::Critical,
            );
        }
        return None;
    }
    let has = |needle: &[u8]| memmem::find(content, needle).is_some();
    // Each kind's content test runs only for the file it names (lazily: most files name none).
    type Test<'c> = &'c dyn Fn() -> bool;
    let checks: [(bool, &str, Test); 7] = [
        (
            path.ends_with(b"/.docker/config.json"),
            "Docker registry credentials",
            &|| has(b"\"auth\": \"") || has(b"\"auth\":\"") || has(b"identitytoken"),
        ),
        (name == b".npmrc", "npm auth token", &|| {
            has(b"_authToken") || has(b"_auth=") || has(b"_password")
        }),
        (name == b".pypirc", "PyPI credentials", &|| has(b"password")),
        (name == b".git-credentials", "Git credentials", &|| {
            has(b"://") && has(b"@")
        }),
        (
            name == b".netrc" || name == b"_netrc",
            "netrc credentials",
            &|| has(b"password"),
        ),
        (name == b".pgpass", "PostgreSQL password file", &|| {
            memchr::memchr_iter(b':', content).count() >= 4
        }),
        (
            path.ends_with(b"/.kube/config"),
            "kubeconfig credentials",
            &|| has(b"token:") || has(b"client-key-data:"),
        ),
    ];
    if let Some((_, what, found)) = checks.iter().find(|c| c.0) {
        return if found() {
            hit((*what).to_string(), Severity::High)
        } else {
            None
        };
    }
    if let Some(kind) = private_key(content) {
        let sev = if kind.contains("encrypted") {
            Severity::Medium
        } else {
            Severity::Critical
        };
        return hit(kind.to_string(), sev);
    }
    None
}

/// A PEM or OpenSSH private key: the BEGIN line, then key data (so format strings and
/// documentation that merely mention the header do not count).
fn private_key(content: &[u8]) -> Option<&'static str> {
    // Built once: constructing a searcher per file cost more than searching most files.
    static BEGIN: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"-----BEGIN "));
    for at in BEGIN.find_iter(content) {
        let rest = &content[at..];
        let line_end = rest.iter().take(100).position(|&b| b == b'\n')?;
        let line = &rest[..line_end];
        if memmem::find(line, b"PRIVATE KEY-----").is_none() {
            continue;
        }
        let body = rest[line_end + 1..]
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .find(|l| !l.is_empty() && !l.contains(&b':'))?;
        let b64 = body
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            .count();
        if b64 >= 16 {
            let encrypted = memmem::find(line, b"ENCRYPTED").is_some()
                || memmem::find(&rest[..rest.len().min(300)], b"Proc-Type: 4,ENCRYPTED").is_some();
            return Some(if encrypted {
                "encrypted private key"
            } else {
                "private key"
            });
        }
    }
    None
}

shipshape_core::declare_rule!(SecretFiles);

impl Rule for SecretFiles {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let Some(fs) = ctx.fs else {
            return Vec::new();
        };
        let entries = fs.index.entries();
        let mut out = Vec::new();
        for hit in &fs.secrets {
            let Some(e) = entries.get(hit.id) else {
                continue;
            };
            let added = ctx.layer_label(e.layer);
            let (status, related) = match e.hidden {
                None => (format!("added by {added}"), None),
                Some(h) => {
                    let verb = match h.how {
                        HiddenHow::Deleted => "deleted",
                        HiddenHow::Replaced => "overwritten",
                    };
                    let mut rel = Location::path(e.path_str());
                    rel.layer = Some(ctx.image.layer_digest(h.layer).to_string());
                    (
                        format!(
                            "added by {added}, {verb} by {}, still recoverable from layer {}",
                            ctx.layer_label(h.layer),
                            e.layer + 1
                        ),
                        Some(rel),
                    )
                }
            };
            let mut f = file_finding(
                ctx,
                &META,
                e,
                format!("{}: {} ({status})", e.path_str(), hit.what),
            )
            .with_severity(hit.severity);
            if let Some(r) = related {
                f = f.with_related(r);
            }
            out.push(f);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{ImageBuilder, LayerBuilder};
    use crate::rules::testing::{audit_image, of};

    const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";

    #[test]
    fn fires_for_a_deleted_env_file_with_both_layers() {
        // A format-valid AWS key id, assembled at run time.
        let key = format!("AKIA{}", "Q3VZ7M2XK4TBHWNP");
        let env = format!("AWS_ACCESS_KEY_ID={key}\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
        let b = ImageBuilder::new()
            .layer(LayerBuilder::new().file("/app/main.py", b"print(1)"))
            .layer(LayerBuilder::new().file("/app/.env", env.as_bytes()))
            .layer(LayerBuilder::new().whiteout("/app/.env"));
        let a = audit_image(&b);
        let f = of(&a, "SS3018");
        assert_eq!(f.len(), 1, "{f:#?}");
        let f = f[0];
        assert_eq!(f.severity, Severity::Critical);
        assert!(f.message.contains("added by layer 2"), "{}", f.message);
        assert!(f.message.contains("deleted by layer 3"), "{}", f.message);
        assert!(
            f.message.contains("still recoverable from layer 2"),
            "{}",
            f.message
        );
        assert!(
            !f.message.contains("Q3VZ7M2XK4TBHWNP"),
            "the key is redacted"
        );
        assert!(f.location.path.ends_with(":/app/.env"));
        assert_eq!(f.related.len(), 1);
        assert_ne!(f.location.layer, f.related[0].layer);
    }

    #[test]
    fn fires_for_keys_and_credential_files() {
        let b = ImageBuilder::new().layer(
            LayerBuilder::new()
                .file("/root/.ssh/id_ed25519", KEY.as_bytes())
                .file("/srv/tls/server.key", KEY.as_bytes())
                .file("/home/u/.aws/credentials", b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n")
                .file("/root/.docker/config.json", br#"{"auths":{"r.io":{"auth":"dTpw"}}}"#)
                .file("/app/.npmrc", b"//registry.npmjs.org/:_authToken=npm_abc\n")
                .file("/root/.pypirc", b"[pypi]\nusername = u\npassword = p\n"),
        );
        let a = audit_image(&b);
        assert_eq!(of(&a, "SS3018").len(), 6);
    }

    #[test]
    fn quiet_for_public_material_and_templates() {
        let b = ImageBuilder::new().layer(
            LayerBuilder::new()
                .file("/root/.ssh/id_ed25519.pub", b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA u@h")
                .file("/usr/share/doc/openssl/README", b"look for -----BEGIN RSA PRIVATE KEY----- in the file\n")
                .file("/usr/lib/libfmt.so", b"\0\0-----BEGIN %s PRIVATE KEY-----\n%s\0")
                .file("/app/.env.example", b"API_TOKEN=changeme-please\n")
                .file("/root/.docker/config.json", br#"{"credsStore":"desktop"}"#)
                .file("/etc/ssl/certs/ca.pem", b"-----BEGIN CERTIFICATE-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END CERTIFICATE-----\n"),
        );
        let a = audit_image(&b);
        assert!(of(&a, "SS3018").is_empty(), "{:#?}", of(&a, "SS3018"));
    }

    #[test]
    fn detectors() {
        assert_eq!(private_key(KEY.as_bytes()), Some("private key"));
        assert!(is_dotenv(b"/app/.env.production"));
        assert!(!is_dotenv(b"/app/.env.example"));
        assert!(!is_dotenv(b"/home/u/.envrc"));
        assert!(is_candidate_name(b"/root/.docker/config.json"));
        assert!(is_candidate_name(b"/home/u/.aws/credentials"));
        assert!(!is_candidate_name(b"/etc/ssl/private/server.key"));
        assert!(!is_candidate_name(b"/usr/share/doc/README"));
    }
}
