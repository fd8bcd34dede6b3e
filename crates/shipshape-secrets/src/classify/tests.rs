use super::*;

/// Credentials are assembled at run time so the repository holds no contiguous token.
fn aws_key_id() -> String {
    crate::rules::expand_example("AKIA{B16}")
}

fn github_pat() -> String {
    crate::rules::expand_example("ghp_{r30}{crc}")
}

fn stripe_live() -> String {
    format!("sk_live_{}", "4eC39HqLyjWDarjtT1zdp7dcXq9")
}

#[test]
fn values_in_a_known_format() {
    for (value, code) in [
        (aws_key_id(), "SS4001"),
        (github_pat(), "SS4101"),
        (stripe_live(), ""),
        (
            "postgres://app:Qv7zK2mP9xLw@db.internal:5432/app".to_string(),
            "SS4601",
        ),
    ] {
        let m = secret_in_value(&value).unwrap_or_else(|| panic!("{value} is a secret"));
        assert!(m.is_format(), "{value}");
        if !code.is_empty() {
            assert_eq!(m.rule.code, code, "{value}");
        }
        assert!(!m.secret(&value).is_empty());
    }
    // the span points at the secret inside a longer value
    let value = format!("id={};", aws_key_id());
    let m = secret_in_value(&value).expect("AWS key id");
    assert_eq!(m.secret(&value), aws_key_id());
    assert_eq!((m.start, m.end), (3, 23));
    assert_eq!(m.redacted(&value), "AKIA***");
}

#[test]
fn values_not_in_a_known_format() {
    for value in [
        "",
        "hello world",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "postgres://app:${DB_PASSWORD}@db/app",
        "postgres://user@db/app",
        "https://example.com/a:b@c",
        "s3cr3tP4ss!",
        "changeme",
    ] {
        assert!(secret_in_value(value).is_none(), "{value}");
    }
}

#[test]
fn assignments_that_hold_secrets() {
    for (name, value, code) in [
        ("DB_PASSWORD", "s3cr3tP4ss!", "SS4701"),
        ("POSTGRES_PASSWORD", "hunter2hunter2", "SS4701"),
        ("dbPassword", "'Tr0ub4dor&3'", "SS4701"),
        ("--requirepass", "hunter22", "SS4701"),
        (
            "SECRET_KEY_BASE",
            "9f3e7a1c5b8d2f0e4c6a9b7d1f3e5c8a",
            "SS4702",
        ),
        ("NPM_TOKEN", "Zk29fPq81LmX0vBn", "SS4703"),
        ("DOCKER_ENV_PASSWORD", "\"This is it\"", "SS4701"),
        ("org.example.api-key", "Vq83nZp1Lk7tYw2R", "SS4704"),
    ] {
        let m = secret_in_assignment(name, value)
            .unwrap_or_else(|| panic!("{name}={value} is a secret"));
        assert_eq!(m.rule.code, code, "{name}={value}");
        assert_eq!(m.rank, Rank::Assignment);
        assert_eq!(m.secret(value), value.trim_matches(['\'', '"']));
    }
    // a known format is reported whatever the name
    let key = aws_key_id();
    let m = secret_in_assignment("SOMETHING", &key).expect("format");
    assert_eq!(m.rule.code, "SS4001");
    let m = secret_in_assignment("AWS_ACCESS_KEY_ID", &key).expect("format");
    assert!(m.is_format());
    assert!(secret_in_assignment("GITHUB_TOKEN", &github_pat()).is_some_and(|m| m.is_format()));
}

#[test]
fn assignments_that_do_not() {
    for (name, value) in [
        // real cases that were false positives elsewhere
        ("MINIO_ACCESS_KEY", "loki"),
        ("KAFKA_SSL_KEYSTORE_CREDENTIALS", "broker_keystore_creds"),
        ("password", "{password}"),
        ("--password", "\"$(cat /run/secrets/db-password)\""),
        ("DB_PASSWORD", "changeme"),
        ("API_KEY", "your-api-key-here"),
        ("pass", "parallelPushdown{…}"),
        ("token", "JSONExprTok1[0]"),
        // references, placeholders, switches, paths, numbers
        ("DB_PASSWORD", "$DB_PASSWORD"),
        ("DB_PASSWORD", "${DB_PASSWORD:-x}"),
        ("API_TOKEN", "<your-token>"),
        ("API_TOKEN", "xxxxxxxxxxxxxxxx"),
        ("MYSQL_RANDOM_ROOT_PASSWORD", "1"),
        ("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"),
        ("TOKEN_EXPIRY", "3600"),
        ("DB_PASSWORD", ""),
        ("DB_PASSWORD", "/run/secrets/db"),
        ("TLS_PRIVATE_KEY", "tls/server.key"),
        ("API_TOKEN", "abcdef123456"),
        ("authCredentials", "username:password"),
        // names that do not hold the credential
        ("POSTGRES_PASSWORD_FILE", "s3cr3tP4ss!"),
        ("AWS_ACCESS_KEY_ID", "Zk29fPq81LmX0vBn"),
        ("GPG_KEY", "A035C8C19219BA821ECEA86B64E628F8D684696D"),
        ("LANG", "C.UTF-8"),
        ("VERSION", "s3cr3tP4ss!"),
        ("REGISTRY_AUTH_HTPASSWD_REALM", "Registry Realm"),
    ] {
        assert!(
            secret_in_assignment(name, value).is_none(),
            "{name}={value} is not a secret"
        );
    }
}

#[test]
fn lines() {
    let pat = github_pat();
    let line = format!("/bin/sh -c git clone https://bot:{pat}@github.com/a/b");
    let found = secrets_in_line(&line);
    assert!(!found.is_empty());
    assert!(found.iter().any(|m| m.secret(&line).contains(&pat[..10])));
    let line = "RUN |1 DB_PASSWORD=Wz4kQ81pXv0s /bin/sh -c make";
    assert_eq!(
        secrets_in_line(line).first().map(|m| m.secret(line)),
        Some("Wz4kQ81pXv0s")
    );
    for quiet in [
        "pass := parallelPushdown{child: p, limit: 3}",
        "token = JSONExprTok1[0]",
        "url = f\"db://{user}:{password}@host\"; password={password}",
        "mysqld --password=\"$(cat /run/secrets/db-password)\"",
        "RUN |1 VERSION=1.2 /bin/sh -c make",
        "/bin/sh -c curl -H \"Authorization: Bearer $TOKEN\" https://x",
    ] {
        assert!(secrets_in_line(quiet).is_empty(), "{quiet}");
    }
}

#[test]
fn credential_names() {
    use CredentialKind::*;
    for (n, kind) in [
        ("POSTGRES_PASSWORD", Password),
        ("MYSQL_ROOT_PASSWORD", Password),
        ("dbPassword", Password),
        ("--db-password", Password),
        ("-Dspring.datasource.password", Password),
        ("DB_PASS", Password),
        ("PASS", Password),
        ("DB_PWD", Password),
        ("requirepass", Password),
        ("GPG_PASSPHRASE", Passphrase),
        ("GITHUB_TOKEN", Token),
        ("NPM_AUTH_TOKEN", Token),
        ("API_KEY", ApiKey),
        ("apiKey", ApiKey),
        ("org.example.api-key", ApiKey),
        ("MINIO_ACCESS_KEY", AccessKey),
        ("AWS_SECRET_ACCESS_KEY", Secret),
        ("SECRET_KEY_BASE", Secret),
        ("DJANGO_SECRET_KEY", Secret),
        ("CLIENT_SECRET", Secret),
        ("SSH_PRIVATE_KEY", PrivateKey),
        ("GOOGLE_APPLICATION_CREDENTIALS_JSON", Credentials),
        ("authCredentials", Credentials),
        ("LICENSE_KEY", Key),
        ("JWT_SIGNING_KEY", Key),
        ("ENCRYPTION_KEY", Key),
        ("PASSWORD_SALT", Password),
        ("HASHIDS_SALT", Secret),
    ] {
        assert_eq!(credential_name(n), Some(kind), "{n}");
    }
    for n in [
        "PASSWORD_FILE",
        "POSTGRES_PASSWORD_FILE",
        "TOKEN_URL",
        "SECRETS_DIR",
        "SECRET_NAME",
        "AWS_ACCESS_KEY_ID",
        "PASSWORD_MIN_LENGTH",
        "TOKEN_EXPIRY",
        "JWT_TOKEN_AUDIENCE",
        "GPG_KEY",
        "GPG_KEYS",
        "NODE_GPG_KEY",
        "NEXT_PUBLIC_API_KEY",
        "SSH_PUBLIC_KEY",
        "PWD",
        "KEY",
        "TOKENIZERS_PARALLELISM",
        "BYPASS_CACHE",
        "KEYCLOAK_URL",
        "KEYCLOAK_REALM",
        "--initial-cluster-token",
        "--max-tokens",
        "--tokenizer",
        "--password-file",
        "PATH",
        "",
    ] {
        assert_eq!(credential_name(n), None, "{n}");
    }
    for kind in [
        Password,
        Passphrase,
        Secret,
        Token,
        ApiKey,
        AccessKey,
        SecretKey,
        PrivateKey,
        Credentials,
        Key,
    ] {
        assert!(kind.rule().code.starts_with("SS470"), "{kind:?}");
        assert!(!kind.word().is_empty());
    }
}

#[test]
fn placeholders() {
    for v in [
        "",
        "  ",
        "$VAR",
        "${VAR}",
        "\"${VAR:-default}\"",
        "$(cat /run/secrets/x)",
        "\"$(cat /run/secrets/db-password)\"",
        "{{ .Values.password }}",
        "{password}",
        "%(password)s",
        "<your-key>",
        "[token]",
        "changeme",
        "CHANGEME",
        "change-me",
        "xxx",
        "xxxx-xxxx",
        "***",
        "0000-0000",
        "TODO",
        "REPLACE_ME",
        "your-api-key-here",
        "your-api-key",
        "dummy",
        "AKIAIOSFODNN7EXAMPLE",
        "123456",
        "true",
        "off",
        "1",
        "3600",
        "--password-stdin",
        "/run/secrets/db",
        "./certs/key.pem",
        "tls/server.key",
        "id_rsa",
    ] {
        assert!(is_placeholder_value(v), "{v:?} is a placeholder");
    }
    for v in [
        "s3cr3tP4ss!",
        "hunter2",
        "postgres",
        "Zk29fPq81LmX0vBn",
        "p4$$word",
    ] {
        assert!(!is_placeholder_value(v), "{v:?} is not a placeholder");
    }
}

#[test]
fn placeholder_kinds() {
    use PlaceholderKind::*;
    for (v, kind) in [
        ("", Empty),
        ("0", Empty),
        ("${TOKEN}", Reference),
        ("getenv(\"PW\")", Reference),
        ("<your-token>", Reference),
        ("false", Switch),
        ("3600", Switch),
        ("/run/secrets/x", Path),
        ("changeme", FillIn),
    ] {
        assert_eq!(placeholder_kind(v), Some(kind), "{v}");
    }
    assert_eq!(placeholder_kind("Zk29fPq81LmX0vBn"), None);
}

#[test]
fn sensitive_files() {
    use FileCategory::*;
    for (p, category) in [
        (".env", EnvFile),
        ("./.env", EnvFile),
        ("config/.env.production", EnvFile),
        (".env.local", EnvFile),
        ("prod.env", EnvFile),
        ("id_rsa", PrivateKey),
        ("/root/.ssh/id_ed25519", PrivateKey),
        ("certs/server.key", PrivateKey),
        ("tls/privkey.pem", PrivateKey),
        ("key.pem", PrivateKey),
        ("keystore.p12", Keystore),
        ("app.pfx", Keystore),
        ("app.jks", Keystore),
        ("my.keystore", Keystore),
        ("vault.kdbx", Keystore),
        (".npmrc", RegistryCredentials),
        (".pypirc", RegistryCredentials),
        ("/root/.docker/config.json", RegistryCredentials),
        ("home/u/.aws/credentials", CloudCredentials),
        (".kube/config", CloudCredentials),
        ("kubeconfig", CloudCredentials),
        ("gcp-service-account.json", CloudCredentials),
        ("credentials.json", CloudCredentials),
        (".netrc", Credentials),
        ("_netrc", Credentials),
        (".git-credentials", Credentials),
        (".htpasswd", Credentials),
        (".pgpass", Credentials),
        ("credentials", Credentials),
        ("infra/terraform.tfstate", InfrastructureState),
        ("terraform.tfstate.backup", InfrastructureState),
        (".git", VcsData),
        (".git/HEAD", VcsData),
    ] {
        let f = sensitive_file(p).unwrap_or_else(|| panic!("{p} is sensitive"));
        assert_eq!(f.category, category, "{p}");
        assert!(!f.what.is_empty());
    }
    for (p, category) in [
        (".aws/", CloudCredentials),
        (".ssh", PrivateKey),
        (".docker", RegistryCredentials),
        (".git", VcsData),
    ] {
        let f = sensitive_file(p).unwrap_or_else(|| panic!("{p} is sensitive"));
        assert!(f.directory && f.category == category, "{p}");
    }
    for p in [
        ".env.example",
        ".env.sample",
        ".env.template",
        ".env.dist",
        ".env.defaults",
        ".envrc",
        "id_rsa.pub",
        "ca.pem",
        "cert.pem",
        "server.crt",
        "nodesource.gpg.key",
        "public.key",
        "repo.key",
        "src/",
        "app.py",
        "${ENV_FILE}",
        ".gitignore",
        ".github/workflows/ci.yml",
        "config.json",
        "service-account.example.json",
        "",
    ] {
        assert_eq!(sensitive_file(p), None, "{p}");
    }
}

#[test]
fn redaction() {
    assert_eq!(redact("supersecretvalue"), "supe***");
    assert_eq!(redact("abcdefgh"), "ab***");
    assert_eq!(redact("abc"), "***");
    assert_eq!(redact("  \\nMIIEvQIBADAN"), "MIIE***");
}

#[test]
fn weak_literal_passwords_are_still_passwords() {
    // The password itself, and a guessable one: reported (issue: literal database passwords
    // are the true positives of real projects).
    for (name, value) in [
        ("POSTGRES_PASSWORD", "postgres"),
        ("MYSQL_ROOT_PASSWORD", "root"),
        ("WORDPRESS_DB_PASSWORD", "wordpress"),
    ] {
        assert!(
            secret_in_assignment(name, value).is_some(),
            "{name}={value}"
        );
    }
    // Placeholders, references and identifiers under other credential names are not.
    for (name, value) in [
        ("POSTGRES_PASSWORD", "changeme"),
        ("POSTGRES_PASSWORD", "${POSTGRES_PASSWORD}"),
        ("DB_PASSWORD", "$(cat /run/secrets/db-password)"),
        ("MINIO_ACCESS_KEY", "loki"),
        ("KAFKA_SSL_KEYSTORE_CREDENTIALS", "broker_keystore_creds"),
        ("DB_PASSWORD", "ab"),
    ] {
        assert!(
            secret_in_assignment(name, value).is_none(),
            "{name}={value}"
        );
    }
}
