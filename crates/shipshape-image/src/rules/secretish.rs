//! Shared heuristics for secrets in configuration values (Env, Labels, history). The secrets
//! engine (SS4xxx) replaces these for file contents when it runs; configuration stays here.

use regex::Regex;
use std::sync::OnceLock;

/// Whether a variable or label name says its value is a secret.
pub(crate) fn secret_name(key: &str) -> bool {
    let k = key.to_ascii_uppercase().replace(['.', '-'], "_");
    if k.contains("PUBLIC")
        || k.ends_with("_FILE")
        || k.ends_with("_PATH")
        || k.ends_with("_DIR")
        || k.contains("GPG_KEY")
        || k.ends_with("_ID")
    {
        return false;
    }
    const WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "SECRET",
        "TOKEN",
        "APIKEY",
        "API_KEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "AUTH_KEY",
        "CLIENT_KEY",
        "CREDENTIAL",
    ];
    WORDS.iter().any(|w| k.contains(w))
        || k.ends_with("_PASS")
        || k.ends_with("_PWD")
        || k == "PASS"
}

/// Whether a value is obviously not a secret (empty, a reference, a flag, a path, a small number).
pub(crate) fn placeholder(v: &str) -> bool {
    let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
    let lower = v.to_ascii_lowercase();
    v.is_empty()
        || v.starts_with('$')
        || v.starts_with('/')
        || (v.starts_with('<') && v.ends_with('>'))
        || ["true", "false", "yes", "no", "none", "null", "nil", "-"].contains(&lower.as_str())
        || (v.len() < 8 && v.bytes().all(|b| b.is_ascii_digit()))
}

fn patterns() -> &'static [(&'static str, Regex)] {
    static P: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    P.get_or_init(|| {
        let raw: &[(&str, &str)] = &[
            ("AWS access key id", r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
            (
                "GitHub token",
                r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,})\b",
            ),
            ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20}\b"),
            ("Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
            ("Stripe live key", r"\b[sr]k_live_[A-Za-z0-9]{20,}"),
            ("private key", r"-----BEGIN [A-Z ]*PRIVATE KEY"),
            (
                "password in a URL",
                r"[a-z][a-z0-9+.-]*://[^:@/\s]+:([^@/\s$]{3,})@",
            ),
        ];
        // The patterns are constants checked by the tests below; a bad one is dropped, not a panic.
        raw.iter()
            .filter_map(|(n, p)| Regex::new(p).ok().map(|r| (*n, r)))
            .collect()
    })
}

/// The kind of a known secret format found in `text`, with the matched text.
pub(crate) fn known_secret(text: &str) -> Option<(&'static str, String)> {
    patterns()
        .iter()
        .find_map(|(n, r)| r.find(text).map(|m| (*n, m.as_str().to_string())))
}

/// Shows the first few characters only.
pub(crate) fn redact(v: &str) -> String {
    let n = v.chars().count();
    if n <= 8 {
        "****".to_string()
    } else {
        let head: String = v.chars().take(4).collect();
        format!("{head}…({n} chars)")
    }
}

/// Why `KEY=VALUE` looks like a secret, if it does.
pub(crate) fn assessment(key: &str, value: &str) -> Option<String> {
    if let Some((kind, m)) = known_secret(value) {
        return Some(format!("{kind} {}", redact(&m)));
    }
    if secret_name(key) && !placeholder(value) {
        return Some(format!("value {}", redact(value)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_patterns_compile() {
        assert_eq!(patterns().len(), 7);
    }

    #[test]
    fn names_and_values() {
        assert!(secret_name("DB_PASSWORD"));
        assert!(secret_name("github.token"));
        assert!(secret_name("STRIPE_API_KEY"));
        assert!(!secret_name("POSTGRES_PASSWORD_FILE"));
        assert!(!secret_name("GPG_KEY"));
        assert!(!secret_name("PATH"));
        assert!(!secret_name("PWD"));
        assert!(
            !secret_name("AWS_ACCESS_KEY_ID"),
            "an id is not the secret; its value pattern is checked"
        );
        assert!(placeholder("${TOKEN}"));
        assert!(placeholder(""));
        assert!(placeholder("3600"));
        assert!(!placeholder("hunter2-but-longer"));
        assert_eq!(
            known_secret("x AKIAIOSFODNN7EXAMPLE y").map(|k| k.0),
            Some("AWS access key id")
        );
        assert_eq!(
            known_secret("postgres://app:s3cr3t@db/x").map(|k| k.0),
            Some("password in a URL")
        );
        assert!(known_secret("postgres://app:$PW@db/x").is_none());
        assert!(known_secret("https://example.com/a:b@c").is_none());
        assert_eq!(redact("AKIAIOSFODNN7EXAMPLE"), "AKIA…(20 chars)");
        assert!(assessment("API_TOKEN", "abcdef123456").is_some());
        assert!(assessment("LANG", "C.UTF-8").is_none());
    }
}
