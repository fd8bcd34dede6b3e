//! Public API details: redaction, severities, inline allows, rule registry.

use shipshape_core::severity::Severity;
use shipshape_core::source::SourceFile;
use shipshape_secrets::rules::expand_example;
use shipshape_secrets::{redact, scan_source, SecretsOptions};

#[test]
fn redaction_keeps_a_short_prefix() {
    assert_eq!(
        redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
        "ghp_***"
    );
    assert_eq!(redact("hunter22"), "hu***");
    assert_eq!(redact("abc"), "***");
    // a PEM body: no line break in the message, and the prefix is the key's
    assert_eq!(redact("\\nMIIEowIBAAKCAQEAA+jWeEKNOzH"), "MIIE***");
    assert_eq!(redact("\n   MIIEowIBAAKCAQEAA+jWeEKNOzH"), "MIIE***");
}

#[test]
fn severities_follow_the_kind_of_credential() {
    let text = format!(
        "aws_access_key_id = {}\nDB_PASSWORD=Vx7{}\nSESSION_SIGNING={}\n-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
        expand_example("AKIA{B16}"),
        expand_example("{r10}"),
        expand_example("{b44}"),
        expand_example("{pem}"),
        expand_example("{pem}"),
    );
    let f = SourceFile::new("conf/app.env", text);
    let found = scan_source(&f, &SecretsOptions::default());
    let by_rule = |code: &str| {
        found
            .iter()
            .find(|x| x.rule == code)
            .map(|x| (x.severity, x.location.line()))
    };
    assert_eq!(by_rule("SS4001"), Some((Severity::Critical, Some(1))));
    assert_eq!(by_rule("SS4701"), Some((Severity::Medium, Some(2))));
    assert_eq!(by_rule("SS4711"), Some((Severity::Low, Some(3))));
    assert_eq!(by_rule("SS4502"), Some((Severity::Critical, Some(4))));
    let low = found.iter().find(|x| x.rule == "SS4711").unwrap();
    // The entropy-only rule says how sure it is in the finding's confidence, not its message.
    assert_eq!(low.confidence, shipshape_core::Confidence::Low);
    assert!(!low.message.contains("confidence"), "{}", low.message);
    assert!(found
        .iter()
        .filter(|x| x.rule != "SS4711")
        .all(|x| x.confidence == shipshape_core::Confidence::High));
    assert!(found
        .iter()
        .all(|x| x.checklist == shipshape_core::ChecklistItem::Secrets));
}

#[test]
fn inline_allow_is_not_rule_specific() {
    let tok = expand_example("ghp_{r30}{crc}");
    let f = SourceFile::new(
        "a.py",
        format!("A = '{tok}'  # shipshape:allow\nB = '{tok}'  # gitleaks:allow\nC = '{tok}'\n"),
    );
    let found = scan_source(&f, &SecretsOptions::default());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].location.line(), Some(3));
}

#[test]
fn registry_lists_every_rule_once() {
    let all = shipshape_secrets::rules_slice();
    assert!(all.len() >= 150);
    let reg = shipshape_core::rule::RuleRegistry::new(&[all]);
    assert!(reg.problems().is_empty(), "{:?}", reg.problems());
    assert!(reg.get("github-personal-access-token").is_some());
    assert_eq!(reg.by_equivalent("gitleaks", "aws-access-token").count(), 1);
    assert!(reg.get("SS4510").is_some() && reg.get("SS4799").is_some());
}

#[test]
fn base64_encoded_credentials_are_decoded_and_located() {
    use base64::Engine as _;
    let token = expand_example("ghp_{r30}{crc}");
    let encoded = base64::engine::general_purpose::STANDARD.encode(&token);
    let manifest =
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: gh\ndata:\n  token: {encoded}\n");
    let f = SourceFile::new("k8s/secret.yaml", manifest.clone());
    let found = scan_source(&f, &SecretsOptions::default());
    let gh = found
        .iter()
        .find(|x| x.rule == "SS4101")
        .unwrap_or_else(|| panic!("the decoded GitHub token is found: {found:#?}"));
    assert!(gh.message.contains("base64-encoded"), "{}", gh.message);
    assert!(!gh.message.contains(&token), "redacted: {}", gh.message);
    let span = gh.location.span.expect("span");
    assert_eq!(span.line, 6);
    assert_eq!(&manifest[span.byte_start..span.byte_end], encoded);
    // an inline allow on the line silences it, as for plain text
    let allowed = manifest.replace(&encoded, &format!("{encoded} # shipshape:allow"));
    let found = scan_source(
        &SourceFile::new("k8s/secret.yaml", allowed),
        &SecretsOptions::default(),
    );
    assert!(found.iter().all(|x| x.rule != "SS4101"), "{found:#?}");
}

#[test]
fn truncated_pem_keys_are_reported_once() {
    let body = format!(
        "{}\n{}\n{}",
        expand_example("{pem}"),
        expand_example("{pem}"),
        expand_example("{pem}")
    );
    let scan = |text: String| {
        let f = SourceFile::new("logs/app.log", text);
        scan_source(&f, &SecretsOptions::default())
            .into_iter()
            .map(|x| x.rule.code)
            .collect::<Vec<_>>()
    };
    // END line missing: at the end of the file, inside an environment value, before a log
    // marker.
    assert_eq!(
        scan(format!("-----BEGIN RSA PRIVATE KEY-----\nMIIEow{body}\n")),
        vec!["SS4512"]
    );
    assert_eq!(
        scan(format!(
            "KEY=\"-----BEGIN PRIVATE KEY-----\\nMIIEv{}\\n{}\"\nNEXT=1\n",
            expand_example("{pem}"),
            expand_example("{pem}")
        )),
        vec!["SS4512"]
    );
    // The whole key: its own rule only.
    assert_eq!(
        scan(format!(
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow{body}\n-----END RSA PRIVATE KEY-----\n"
        )),
        vec!["SS4501"]
    );
    // A BEGIN line alone, or with little base64: nothing.
    assert!(scan("-----BEGIN RSA PRIVATE KEY-----\n".into()).is_empty());
    assert!(
        scan("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n".into()).is_empty()
    );
    assert!(scan("see -----BEGIN OPENSSH PRIVATE KEY----- in the docs\n".into()).is_empty());
}
