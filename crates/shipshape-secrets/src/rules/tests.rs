//! Table-driven tests over every rule's must-match and must-not-match examples.

use super::*;
use crate::engine::{builtin_rule, RuleRegex, DEFAULT};
use shipshape_core::rule::RuleRegistry;

fn rule_hits(text: &str) -> Vec<(&'static str, String)> {
    let engine = &*DEFAULT;
    engine
        .scan(text.as_bytes(), Some("x.txt"))
        .into_iter()
        .map(|m| {
            (
                engine.rules[m.rule].meta.code,
                text[m.start..m.end].to_string(),
            )
        })
        .collect()
}

#[test]
fn registry_is_sound() {
    let reg = RuleRegistry::new(&[crate::rules_slice()]);
    assert!(reg.problems().is_empty(), "{:?}", reg.problems());
    assert!(ALL.len() >= 150, "only {} rules", ALL.len());
    for r in ALL.iter() {
        assert!(r.meta.code.starts_with("SS4"), "{}", r.meta.code);
        assert!(
            builtin_rule(r)
                .regex
                .as_ref()
                .and_then(RuleRegex::get)
                .is_some(),
            "{} regex does not compile",
            r.meta.code
        );
        assert_eq!(DEFAULT.rules.len(), ALL.len());
        for section in [
            "## What it does",
            "## Why it matters",
            "## How to fix",
            "## Example",
        ] {
            assert!(
                r.meta.docs.contains(section),
                "{} docs lack {section}",
                r.meta.code
            );
        }
        assert!(
            !r.examples.is_empty() && !r.negatives.is_empty(),
            "{}",
            r.meta.code
        );
    }
}

#[test]
fn examples_match() {
    let mut failures = Vec::new();
    for r in ALL.iter() {
        for t in r.examples {
            let text = expand_example(t);
            let hits = rule_hits(&text);
            if !hits.iter().any(|(c, _)| *c == r.meta.code) {
                failures.push(format!("{} must match {text:?}, got {hits:?}", r.meta.code));
            }
            // Not only on the first line of a file.
            let later = format!("# config\n\n{text}\n");
            if !rule_hits(&later).iter().any(|(c, _)| *c == r.meta.code) {
                failures.push(format!(
                    "{} must match after other lines: {later:?}",
                    r.meta.code
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn negatives_do_not_match() {
    let mut failures = Vec::new();
    for r in ALL.iter() {
        for t in r.negatives {
            let text = expand_example(t);
            let hits = rule_hits(&text);
            if hits.iter().any(|(c, _)| *c == r.meta.code) {
                failures.push(format!("{} must not match {text:?}", r.meta.code));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Replacing the secret of every must-match example with a placeholder silences the rule.
#[test]
fn placeholders_do_not_match() {
    let mut failures = Vec::new();
    for r in ALL.iter() {
        for t in r.examples {
            let text = expand_example(t);
            let engine = &*DEFAULT;
            let Some(m) = engine
                .scan(text.as_bytes(), None)
                .into_iter()
                .find(|m| engine.rules[m.rule].meta.code == r.meta.code)
            else {
                continue; // reported by examples_match
            };
            let len = m.end - m.start;
            for ph in [
                "${SECRET_VALUE}".to_string(),
                "<your-token-here>".to_string(),
                "x".repeat(len),
            ] {
                let replaced = format!("{}{}{}", &text[..m.start], ph, &text[m.end..]);
                if rule_hits(&replaced).iter().any(|(c, _)| *c == r.meta.code) {
                    failures.push(format!("{} fired on placeholder {replaced:?}", r.meta.code));
                }
            }
            let line_end = text[m.start..]
                .find('\n')
                .map_or(text.len(), |i| m.start + i);
            let allowed = format!(
                "{} # gitleaks:allow{}",
                &text[..line_end],
                &text[line_end..]
            );
            if rule_hits(&allowed).iter().any(|(c, _)| *c == r.meta.code) {
                failures.push(format!("{} ignored gitleaks:allow", r.meta.code));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn templates_expand_deterministically() {
    let a = expand_example("ghp_{r30}{crc}");
    assert_eq!(a, expand_example("ghp_{r30}{crc}"));
    assert_eq!(a.len(), 40);
    assert!(crate::validate::prefixed_crc32(a.as_bytes()));
    assert!(crate::validate::supabase_service_role(
        expand_example("{jwtsr}").as_bytes()
    ));
    assert!(!crate::validate::supabase_service_role(
        expand_example("{jwt}").as_bytes()
    ));
    assert_eq!(expand_example("{nope}"), "{nope}");
}
