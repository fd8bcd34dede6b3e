//! End-to-end tests over directories: walking, skipping, suppression, baselines, gitleaks import.

use shipshape_core::source::SourceFile;
use shipshape_secrets::rules::expand_example;
use shipshape_secrets::{baseline, scan_source, scan_tree, scan_tree_with_stats, SecretsOptions};
use std::fs;
use std::path::Path;

fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

fn gh() -> String {
    expand_example("ghp_{r30}{crc}")
}

#[test]
fn walks_reports_and_skips() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let token = gh();
    write(
        root,
        "app/config.env",
        format!("A=1\nGITHUB_TOKEN={token}\n"),
    );
    write(
        root,
        ".env",
        format!("STRIPE={}\n", expand_example("sk_live_{r24}")),
    );
    write(root, "ignored/secret.txt", format!("{token}\n"));
    write(root, ".gitignore", "ignored/\n");
    let mut bin = vec![0u8, 1, 2];
    bin.extend_from_slice(token.as_bytes());
    write(root, "blob.bin", bin);
    write(root, "big.txt", format!("{}\n{token}\n", "a".repeat(2000)));
    write(root, "certs/server.pfx", [0u8, 1, 2]);
    write(
        root,
        "allowed.txt",
        format!("token {token} # shipshape:allow\n"),
    );

    let opts = SecretsOptions {
        max_file_size: 1000,
        ..SecretsOptions::default()
    };
    let (a, stats) = scan_tree_with_stats(root, &opts);
    let got: Vec<(String, String)> = a
        .findings
        .iter()
        .map(|f| (f.location.path.clone(), f.rule.code.to_string()))
        .collect();
    assert!(
        got.contains(&("app/config.env".into(), "SS4101".into())),
        "{got:?}"
    );
    assert!(got.contains(&(".env".into(), "SS4306".into())), "{got:?}");
    assert!(
        got.contains(&("certs/server.pfx".into(), "SS4510".into())),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|(p, _)| p.starts_with("ignored/")
            || p == "blob.bin"
            || p == "big.txt"
            || p == "allowed.txt"),
        "{got:?}"
    );
    assert_eq!(stats.skipped_binary, 1);
    assert_eq!(stats.skipped_large, 1);
    assert!(a.covers(shipshape_core::ChecklistItem::Secrets));
    assert!(a.notes.values().any(|n| n.contains("1 binary")));

    // The secret never appears in output: not in messages, not in the snippet sources.
    let f = a.findings.iter().find(|f| f.rule == "SS4101").unwrap();
    assert!(!f.message.contains(&token), "{}", f.message);
    assert!(f.message.contains("ghp_***"), "{}", f.message);
    let span = f.location.span.unwrap();
    assert_eq!((span.line, span.column), (2, 14));
    let src = &a.sources["app/config.env"];
    assert!(!src.text().contains(&token));
    assert_eq!(f.source, shipshape_core::SourceKind::Secret);

    // --show-secrets shows them.
    let shown = SecretsOptions {
        show_secrets: true,
        max_file_size: 1000,
        ..SecretsOptions::default()
    };
    let a2 = scan_tree(root, &shown);
    assert!(a2.findings.iter().any(|f| f.message.contains(&token)));
}

#[test]
fn baseline_accepts_existing_findings_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a.env", format!("GITHUB_TOKEN={}\n", gh()));
    let opts = SecretsOptions::default();
    let first = scan_tree(root, &opts);
    assert_eq!(first.findings.len(), 1);
    let bl = dir.path().join("baseline.json");
    baseline::write_baseline(&bl, &first.findings).unwrap();
    let text = fs::read_to_string(&bl).unwrap();
    assert!(!text.contains(&gh()), "baseline must not hold the secret");

    // Same secret moved down a line: still accepted. A new secret: reported.
    write(
        root,
        "a.env",
        format!(
            "# moved\nGITHUB_TOKEN={}\nNPM={}\n",
            gh(),
            expand_example("npm_{r30}{crc}")
        ),
    );
    let with = SecretsOptions {
        baseline: Some(std::sync::Arc::new(
            shipshape_secrets::Baseline::load(&bl).unwrap(),
        )),
        ..SecretsOptions::default()
    };
    let second = scan_tree(root, &with);
    let rules: Vec<&str> = second.findings.iter().map(|f| f.rule.code).collect();
    assert_eq!(rules, vec!["SS4201"]);
}

#[test]
fn gitleaksignore_and_allowlists() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a.env", format!("X=1\nGITHUB_TOKEN={}\n", gh()));
    write(root, "fixtures/b.env", format!("GITHUB_TOKEN={}\n", gh()));
    write(root, ".gitleaksignore", "a.env:github-pat:2\n");
    let opts = SecretsOptions::default()
        .with_config_toml("allow-paths = [\"fixtures/**\"]\nstopwords = [\"zzzz\"]\n")
        .unwrap();
    let a = scan_tree(root, &opts);
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    assert!(SecretsOptions::default()
        .with_config_toml("bogus = 1")
        .is_err());
}

#[test]
fn gitleaks_config_rules_run() {
    let cfg = shipshape_secrets::gitleaks::GitleaksConfig::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/custom-gitleaks.toml"
    )))
    .unwrap();
    assert_eq!(cfg.imported, 2);
    let opts = SecretsOptions {
        gitleaks_config: Some(std::sync::Arc::new(cfg)),
        ..SecretsOptions::default()
    };
    let tok = expand_example("itk_{l32}");
    let f = SourceFile::new(
        "svc.yaml",
        format!(
            "token: {tok}\nsandbox: itk_sandbox{}\nold: itk_0000{}\n",
            expand_example("{l24}"),
            expand_example("{l28}")
        ),
    );
    let found = scan_source(&f, &opts);
    let custom: Vec<_> = found.iter().filter(|f| f.rule == "SS4799").collect();
    assert_eq!(custom.len(), 1, "{found:?}");
    assert!(custom[0].message.contains("internal-token"));
    assert_eq!(custom[0].location.line(), Some(1));
    // Global path allowlist.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "vendor/x.yaml", format!("token: {tok}\n"));
    assert!(scan_tree(dir.path(), &opts).findings.is_empty());
}

/// The gitleaks project's own default configuration imports cleanly.
#[test]
fn gitleaks_default_config_imports() {
    let p = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/secrets/gitleaks+gitleaks/config/gitleaks.toml"
    ));
    if !p.exists() {
        assert!(
            std::env::var("SHIPSHAPE_REQUIRE_CORPUS").is_err(),
            "corpus missing: {}",
            p.display()
        );
        eprintln!("skipping: corpus not found at {}", p.display());
        return;
    }
    let cfg = shipshape_secrets::gitleaks::GitleaksConfig::load(p).unwrap();
    assert!(cfg.imported > 150, "{}", cfg.imported);
}

#[test]
fn helpers_for_other_analysers() {
    assert_eq!(
        shipshape_secrets::secret_in_value(&gh()).map(|m| m.rule.code),
        Some("SS4101")
    );
    assert!(shipshape_secrets::secret_in_value("hello world").is_none());
    assert!(shipshape_secrets::secret_in_value("AKIAIOSFODNN7EXAMPLE").is_none());
    assert_eq!(
        shipshape_secrets::secret_in_assignment("DB_PASSWORD", "Xk9v2mQ7pL4s").map(|m| m.rule.code),
        Some("SS4701")
    );
    assert!(shipshape_secrets::secret_in_assignment("DB_PASSWORD", "${DB_PASSWORD}").is_none());
    assert!(shipshape_secrets::secret_in_assignment("PORT", "8080").is_none());
}

#[test]
fn hostile_input_does_not_panic() {
    let opts = SecretsOptions::default();
    let mut junk = Vec::new();
    for i in 0..20000u32 {
        junk.push((i.wrapping_mul(2654435761) >> 13) as u8);
    }
    junk.extend_from_slice(
        b"\xff\xfepassword=\xc3(abc123456 ghp_\xe2\x82 -----BEGIN RSA PRIVATE KEY-----\n",
    );
    let _ = shipshape_secrets::scan_bytes(
        "junk",
        &junk,
        &SecretsOptions {
            scan_binaries: true,
            ..opts.clone()
        },
    );
    let long_line = format!("{} {} {}", "x=".repeat(50_000), gh(), "y".repeat(50_000));
    let found = shipshape_secrets::scan_bytes("min.js", long_line.as_bytes(), &opts);
    assert_eq!(found.len(), 1);
    let invalid = [b"GITHUB_TOKEN=".as_slice(), gh().as_bytes(), b"\n\xff\xff"].concat();
    let found = shipshape_secrets::scan_bytes("bad-utf8", &invalid, &opts);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].location.line(), Some(1));
}
