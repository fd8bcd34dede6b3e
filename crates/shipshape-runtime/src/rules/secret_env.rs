use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2021",
    slug: "container-secret-in-env",
    summary: "a credential is written as a literal environment value",
    severity: Severity::High,
    checklist: ChecklistItem::Secrets,
    source: SourceKind::Runtime,
    equivalents: &[("compose-lint", "CL-0020"), ("compose-lint", "CL-0021"), ("checkov", "CKV_K8S_35")],
    fix: None,
    docs: "## What it does\nReports environment variables whose name says credential (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*API_KEY*`, `*ACCESS_KEY*`, `*PRIVATE_KEY*`, `*_PASS`, `*_PWD`, `*CREDENTIAL*`, `*ENCRYPTION_KEY*`, `*SIGNING_KEY*`, `*MASTER_KEY*`, `*SALT*`) and whose value is written literally, and any variable whose value looks like a key (AWS `AKIA...`, GitHub `ghp_...`, GitLab `glpat-...`, Slack `xox?-...`, Stripe `sk_live_...`, Google `AIza...`, a PEM private key) or a URL with a password (`postgres://user:pass@db`), and literal credentials on the command line: known credential options followed by their value (`--requirepass x`, `--password x`, `--api-key x`, `--token x`, ...), options and `key=value` settings whose name ends in a credential word, with the value written inline (`--db-password=x`, `-Dspring.datasource.password=x`, `authCredentials=user:pass`). A name matches only when its last part (after `-`, `.` and camelCase split into words) is the credential word, so `--max-tokens=512`, `--tokenizer=x` and `--password-file=/x` are not reported; etcd's `--initial-cluster-token` names a cluster and is not reported either.\n\n\
Not reported: values taken from elsewhere (`${DB_PASSWORD}`, `-e NAME`, `valueFrom`), `*_FILE` variables (pointing at `/run/secrets/...` is the right way), empty values, booleans and one- or two-digit flags (`MYSQL_RANDOM_ROOT_PASSWORD=1`), and names that describe a credential rather than hold one (`*_LENGTH`, `*_EXPIRY`, `*_HOST`, ...).\n\n\
## Why it matters\nEnvironment values end up in version control, `docker inspect`, `/proc/<pid>/environ`, crash reports and CI logs, and every process in the container inherits them.\n\n\
## How to fix\nUse Compose/Swarm `secrets:` or Kubernetes Secrets mounted as files and point the application at the file (`POSTGRES_PASSWORD_FILE=/run/secrets/db_password`); at least interpolate the value from an untracked `.env`.\n\n\
## Example\n```yaml\nenvironment:\n  POSTGRES_PASSWORD_FILE: /run/secrets/db_password\nsecrets: [db_password]\n```\n",
};

const EXCLUDED_SUFFIXES: [&str; 31] = [
    "_FILE",
    "_PATH",
    "_DIR",
    "_HOST",
    "_PORT",
    "_USER",
    "_USERNAME",
    "_NAME",
    "_LENGTH",
    "_LEN",
    "_MIN",
    "_MAX",
    "_TTL",
    "_EXPIRY",
    "_EXPIRE",
    "_EXPIRES",
    "_EXPIRATION",
    "_TIMEOUT",
    "_ENABLED",
    "_ENABLE",
    "_REQUIRED",
    "_ALGORITHM",
    "_TYPE",
    "_METHOD",
    "_HEADER",
    "_ISSUER",
    "_AUDIENCE",
    "_POLICY",
    "_ROUNDS",
    "_LIFETIME",
    "_ID",
];

/// Whether a variable name says it holds a credential.
pub fn credential_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    if n == "PWD" || EXCLUDED_SUFFIXES.iter().any(|s| n.ends_with(s)) {
        return false;
    }
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "AUTH_KEY",
        "ENCRYPTION_KEY",
        "SIGNING_KEY",
        "MASTER_KEY",
        "SALT",
        "DSN",
    ]
    .iter()
    .any(|k| n.contains(k))
        || n.ends_with("_PASS")
        || n.ends_with("_PWD")
        || n == "PASS"
}

/// Whether a literal value is too trivial to be a credential.
fn trivial(v: &str) -> bool {
    let t = v.trim();
    t.is_empty()
        || t.len() <= 2
        || matches!(
            t.to_ascii_lowercase().as_str(),
            "yes" | "no" | "true" | "false" | "on" | "off" | "null" | "none"
        )
        || t.starts_with('/')
}

/// What kind of key a value looks like, if any: the quick shapes checked when the secrets
/// engine's detectors (tried first, see `check`) do not recognise the value.
pub fn key_like(v: &str) -> Option<&'static str> {
    let t = v.trim();
    let tail_ok = |prefix: &str, min: usize, f: fn(char) -> bool| {
        t.strip_prefix(prefix)
            .is_some_and(|r| r.len() >= min && r.chars().take(min).all(f))
    };
    let alnum = |c: char| c.is_ascii_alphanumeric();
    let upper = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit();
    let token = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if (tail_ok("AKIA", 16, upper) || tail_ok("ASIA", 16, upper)) && t.len() == 20 {
        return Some("an AWS access key id");
    }
    for p in ["ghp_", "gho_", "ghs_", "ghu_", "ghr_"] {
        if tail_ok(p, 36, alnum) {
            return Some("a GitHub token");
        }
    }
    if tail_ok("github_pat_", 40, token) {
        return Some("a GitHub token");
    }
    if tail_ok("glpat-", 20, token) {
        return Some("a GitLab token");
    }
    for p in ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxo-"] {
        if tail_ok(p, 10, token) {
            return Some("a Slack token");
        }
    }
    if tail_ok("sk_live_", 20, alnum) || tail_ok("rk_live_", 20, alnum) {
        return Some("a Stripe live key");
    }
    if tail_ok("AIza", 35, token) {
        return Some("a Google API key");
    }
    if t.contains("-----BEGIN") && t.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    url_password(t).map(|_| "a URL with a password")
}

/// The password of `scheme://user:password@host`, when literal.
fn url_password(v: &str) -> Option<&str> {
    let rest = &v[v.find("://")? + 3..];
    let at = rest.find('@')?;
    let userinfo = &rest[..at];
    if userinfo.contains('/') {
        return None;
    }
    let pass = userinfo.split_once(':')?.1;
    (!pass.is_empty() && !pass.starts_with('$') && !pass.starts_with('<')).then_some(pass)
}

/// Command-line options known to take a credential as their next word (`--requirepass x`).
const SECRET_OPTIONS: [&str; 9] = [
    "--requirepass",
    "--masterauth",
    "--password",
    "--passwd",
    "--api-key",
    "--apikey",
    "--token",
    "--secret",
    "--auth-token",
];

/// Last words of an option or setting name that hold a credential. Matched as the whole name or
/// its last `_` part (after `-`, `.` and camelCase become `_`), so `--db-password=x`,
/// `spring.datasource.password=x` and `authCredentials=u:p` match while `--max-tokens=512`,
/// `--tokenizer=x` and `--password-file=/x` do not.
const CREDENTIAL_ENDINGS: [&str; 17] = [
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "SECRET_KEY",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "AUTH_KEY",
    "MASTER_KEY",
    "CREDENTIALS",
    "CREDENTIAL",
    "REQUIREPASS",
    "MASTERAUTH",
];

/// Names that end like a credential but hold an identifier (etcd's `--initial-cluster-token` names
/// the cluster, it does not authenticate anyone).
const NOT_CREDENTIALS: [&str; 1] = ["INITIAL_CLUSTER_TOKEN"];

/// `--db-password` / `-Dspring.datasource.password` / `authCredentials` as `DB_PASSWORD`,
/// `SPRING_DATASOURCE_PASSWORD`, `AUTH_CREDENTIALS`.
fn normalise_name(name: &str) -> String {
    let bare = match name.strip_prefix("-D") {
        Some(rest) if !rest.starts_with('-') => rest,
        _ => name.trim_start_matches('-'),
    };
    let mut out = String::with_capacity(bare.len() + 4);
    let mut prev_lower = false;
    for c in bare.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(match c {
            '-' | '.' => '_',
            c => c.to_ascii_uppercase(),
        });
    }
    out
}

/// Whether an option or setting name (`--db-password`, `authCredentials`) says it holds a credential.
fn credential_setting(name: &str) -> bool {
    let n = normalise_name(name);
    !n.is_empty()
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !NOT_CREDENTIALS.contains(&n.as_str())
        && CREDENTIAL_ENDINGS
            .iter()
            .any(|w| n == *w || n.strip_suffix(w).is_some_and(|r| r.ends_with('_')))
}

/// Whether a command-line value is written literally (not a variable, template or another option).
fn literal_value(v: &str) -> bool {
    !v.starts_with('$')
        && !v.starts_with('-')
        && !v.starts_with("{{")
        && !v.starts_with('<')
        && !trivial(v)
}

/// A literal credential on a command line: a known credential option and its next word
/// (`redis-server --requirepass x`), an option whose name says credential with an inline value
/// (`--db-password=x`, `-Dapp.secret=x`) or a `key=value` setting whose key does
/// (`authCredentials=user:pass`). Returns the option or key as written.
fn secret_argument(cmd: &str) -> Option<String> {
    let words: Vec<&str> = cmd
        .split_whitespace()
        .map(|w| w.trim_matches(|c| c == '"' || c == '\'' || c == ','))
        .collect();
    for (i, w) in words.iter().enumerate() {
        let (opt, inline) = match w.split_once('=') {
            Some((o, v)) => (o, Some(v)),
            None => (*w, None),
        };
        let known = SECRET_OPTIONS.iter().any(|o| o.eq_ignore_ascii_case(opt));
        let value = match inline {
            Some(v) if known || credential_setting(opt) => v,
            None if known => words.get(i + 1).copied().unwrap_or(""),
            _ => continue,
        };
        if literal_value(value) {
            return Some(opt.to_string());
        }
    }
    None
}

shipshape_core::declare_rule!(SecretEnv);

impl Rule for SecretEnv {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if let Some(cmd) = &spec.command {
            if let Some(opt) = secret_argument(&cmd.value) {
                cx.report(
                    &META,
                    spec,
                    &cmd.loc,
                    format!(
                        "`{}` passes a literal credential to `{opt}` on its command line",
                        spec.name
                    ),
                );
            }
        }
        for e in &spec.env {
            let Some(value) = e.value.as_deref() else {
                continue;
            };
            // a value that looks like a key or carries a URL password is literal in the part that
            // matched (variables are left as `$X` or resolved to nothing), even when the rest of the
            // value came from a variable
            let detected = shipshape_secrets::looks_secret_value(value)
                .map(|m| format!("a value matching {} ({})", m.slug, m.code))
                .or_else(|| key_like(value).map(str::to_string));
            if let Some(kind) = detected {
                cx.report(
                    &META,
                    spec,
                    &e.loc,
                    format!("`{}` sets {} to {kind}", spec.name, e.name),
                );
            } else if !e.from_variable && credential_name(&e.name) && !trivial(value) {
                cx.report(
                    &META,
                    spec,
                    &e.loc,
                    format!(
                        "`{}` sets credential {} to a literal value",
                        spec.name, e.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(fires(
            "SS2021",
            &hard_with("-e POSTGRES_PASSWORD=hunter2hunter2")
        ));
        assert!(fires(
            "SS2021",
            &hard_with("--env DATABASE_URL=postgres://app:s3cr3t@db/app")
        ));
        assert!(fires("SS2021", &hard_with("-e X=AKIAABCDEFGHIJKLMNOP")));
        assert!(!fires(
            "SS2021",
            &hard_with("-e POSTGRES_PASSWORD_FILE=/run/secrets/db -e POSTGRES_PASSWORD")
        ));
        assert!(!fires(
            "SS2021",
            &hard_with(
                "-e DB_PASSWORD=$DB_PASSWORD -e MYSQL_RANDOM_ROOT_PASSWORD=1 -e TOKEN_EXPIRY=3600"
            )
        ));
        assert!(credential_name("SECRET_KEY_BASE"));
        assert!(!credential_name("PWD"));
        assert!(key_like("postgres://user@db").is_none());
        assert!(key_like("postgres://:literal@db").is_some());
        assert!(fires("SS2021", &hard_with("redis:7 redis-server --requirepass hunter22").replace(" registry.example.com/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000", "")));
        assert!(secret_argument("redis-server --requirepass $REDIS_PASSWORD").is_none());
    }

    #[test]
    fn command_line_settings() {
        let found = |c: &str| secret_argument(c);
        assert_eq!(
            found("polipo authCredentials=username:password").as_deref(),
            Some("authCredentials")
        );
        assert_eq!(
            found("app --db-password=hunter22").as_deref(),
            Some("--db-password")
        );
        assert_eq!(
            found("java -Dspring.datasource.password=s3cret -jar app.jar").as_deref(),
            Some("-Dspring.datasource.password")
        );
        assert_eq!(
            found("srv \"--api-key=abcdef\"").as_deref(),
            Some("--api-key")
        );
        for quiet in [
            "vllm serve --max-tokens=512 --tokenizer=bert --max-num-batched-tokens 8192",
            "app --password-file=/run/secrets/pw --token-ttl=3600 --secret-name=db",
            "etcd --initial-cluster-token=my-etcd-token",
            "app --db-password=$DB_PASSWORD authCredentials=${CREDS}",
            "app --password",
            "app --db-password somevalue",
            "app mode=production retries=3",
            "app --password={{ .Values.pw }}",
        ] {
            assert!(found(quiet).is_none(), "{quiet}");
        }
        assert!(!fires(
            "SS2021",
            &hard_with("-e DATABASE_URL=postgres://u:$PW@db/app")
        ));
    }
}

#[cfg(test)]
mod engine_tests {
    use super::*;

    #[test]
    fn uses_the_secrets_engine_for_values() {
        // A SendGrid-shaped key (not among the quick shapes of `key_like`), assembled at run time.
        let value = format!(
            "SG.{}.{}",
            "aB3dE5fG7hJ9kL1mN3pQ5r", "sT7uV9wX1yZ3aB5cD7eF9gH1jK3lM5nP7qR9sT1uV3w"
        );
        assert!(key_like(&value).is_none());
        let compose = format!(
            "services:\n  mail:\n    image: acme/mail:1.0\n    environment:\n      MAIL_RELAY_SETTING: {value}\n"
        );
        let file = shipshape_core::SourceFile::new("compose.yaml", compose);
        let a = crate::analyse_compose(std::slice::from_ref(&file), std::path::Path::new("."));
        let hit = a.findings.iter().find(|f| f.rule == "SS2021");
        assert!(
            hit.is_some_and(|f| f.message.contains("sendgrid")),
            "{:#?}",
            a.findings
        );
    }
}
