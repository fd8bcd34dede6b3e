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
Not reported: values taken from elsewhere (`${DB_PASSWORD}`, `-e NAME`, `valueFrom`, `$(cat /run/secrets/x)`), `*_FILE` variables (pointing at `/run/secrets/...` is the right way), empty values, booleans and small numbers (`MYSQL_RANDOM_ROOT_PASSWORD=1`), placeholders (`changeme`, `your-api-key-here`, `username:password`, `123456`), identifier-like values under key and credential names (`MINIO_ACCESS_KEY=loki`; a password is reported even when it is a guessable word such as `POSTGRES_PASSWORD: postgres`), and names that describe a credential rather than hold one (`*_LENGTH`, `*_EXPIRY`, `*_HOST`, ...). Names and values are judged by the secrets crate's classifier, the same as the Dockerfile and image rules and the secrets scan; the message names the matching secrets rule.\n\n\
## Why it matters\nEnvironment values end up in version control, `docker inspect`, `/proc/<pid>/environ`, crash reports and CI logs, and every process in the container inherits them.\n\n\
## How to fix\nUse Compose/Swarm `secrets:` or Kubernetes Secrets mounted as files and point the application at the file (`POSTGRES_PASSWORD_FILE=/run/secrets/db_password`); at least interpolate the value from an untracked `.env`.\n\n\
## Example\n```yaml\nenvironment:\n  POSTGRES_PASSWORD_FILE: /run/secrets/db_password\nsecrets: [db_password]\n```\n",
};

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
            Some(v) => v,
            None if known => words.get(i + 1).copied().unwrap_or(""),
            _ => continue,
        };
        // The option name must say credential (known options do: `--requirepass`, `--token`),
        // and the value be a literal secret, as the secrets classifier judges both.
        let name = if known && shipshape_secrets::credential_name(opt).is_none() {
            "password"
        } else {
            opt
        };
        if shipshape_secrets::secret_in_assignment(name, value).is_some() {
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
            // A value in a known credential format is literal in the part that matched (variables
            // are left as `$X` or resolved to nothing), even when the rest came from a variable; a
            // literal under a credential name only counts when no variable supplied it.
            let Some(m) = shipshape_secrets::secret_in_assignment(&e.name, value) else {
                continue;
            };
            let rule = format!("{} ({})", m.rule.slug, m.rule.code);
            if m.is_format() {
                cx.report(
                    &META,
                    spec,
                    &e.loc,
                    format!("`{}` sets {} to a value matching {rule}", spec.name, e.name),
                );
            } else if !e.from_variable {
                cx.report(
                    &META,
                    spec,
                    &e.loc,
                    format!(
                        "`{}` sets credential {} to a literal value ({rule})",
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
        assert!(fires("SS2021", &hard_with("-e X=AKIAQ3VZ7M2XK4TBHWNP")));
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
        // a key id in AWS's documentation is an example, not a leak
        assert!(!fires("SS2021", &hard_with("-e X=AKIAIOSFODNN7EXAMPLE")));
        // real cases that were false positives: an identifier, a documentation placeholder
        assert!(!fires(
            "SS2021",
            &hard_with("-e MINIO_ACCESS_KEY=loki -e KAFKA_SSL_KEYSTORE_CREDENTIALS=broker_keystore_creds -e API_KEY=your-api-key-here -e DB_PASSWORD=changeme")
        ));
        assert!(fires("SS2021", &hard_with("redis:7 redis-server --requirepass hunter22").replace(" registry.example.com/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000", "")));
        assert!(secret_argument("redis-server --requirepass $REDIS_PASSWORD").is_none());
    }

    #[test]
    fn command_line_settings() {
        let found = |c: &str| secret_argument(c);
        assert_eq!(
            found("polipo authCredentials=deploy:Zk29fPq81LmX").as_deref(),
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
            found("srv \"--api-key=Vq83nZp1Lk7tYw2R\"").as_deref(),
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
            // documentation placeholders (polipo's example) and hand-typed sequences
            "polipo authCredentials=username:password",
            "srv --api-key=abcdef",
            "mysqld --password=\"$(cat /run/secrets/db-password)\"",
            "app password={password}",
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

    #[test]
    fn uses_the_secrets_engine_for_values() {
        // A SendGrid-shaped key, assembled at run time.
        let value = format!(
            "SG.{}.{}",
            "aB3dE5fG7hJ9kL1mN3pQ5r", "sT7uV9wX1yZ3aB5cD7eF9gH1jK3lM5nP7qR9sT1uV3w"
        );
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
