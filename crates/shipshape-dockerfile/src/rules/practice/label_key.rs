use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1124",
    slug: "label-invalid-key",
    summary: "A LABEL key is malformed or uses a namespace reserved by Docker",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3048")],
    fix: None,
    docs: r#"## What it does
Reports `LABEL` keys that break Docker's key format: keys in the namespaces reserved for Docker
(`com.docker.*`, `io.docker.*`, `org.dockerproject.*`), empty keys, keys that do not start and
end with a letter or digit, keys with consecutive `.` or `-`, and keys with characters other
than letters, digits, `.`, `-`, `_` and `/`. Keys that depend on a variable are not judged.

Upper-case letters are accepted (Docker recommends lower case, but tools read such labels fine).

## Why it matters
Labels are how images carry provenance (source, revision, licences, authors) to registries,
scanners and policy engines. Malformed or reserved keys are ignored or misread by that tooling,
so the information is effectively lost.

## How to fix
Use reverse-DNS keys, preferably the OCI annotations:
`org.opencontainers.image.source`, `org.opencontainers.image.revision`, ….

## Example
```dockerfile
LABEL com.docker.version="1.0"            # reported: reserved namespace
LABEL org.opencontainers.image.version="1.0"
```
"#,
};

shipshape_core::declare_rule!(LabelKey);

fn problem(key: &str) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    if key.is_empty() {
        return Some("the key is empty");
    }
    if ["com.docker.", "io.docker.", "org.dockerproject."]
        .iter()
        .any(|ns| lower.starts_with(ns))
    {
        return Some("the namespace is reserved for Docker");
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
    {
        return Some("it contains characters other than letters, digits, `.`, `-`, `_` and `/`");
    }
    if !key.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !key.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Some("it must start and end with a letter or digit");
    }
    if key.contains("..") || key.contains("--") {
        return Some("it contains consecutive `.` or `-`");
    }
    None
}

impl Rule for LabelKey {
    fn check_instruction(&self, ctx: &Context, _index: usize, instr: &Instr, out: &mut Out) {
        let InstructionKind::Label(l) = &instr.kind else {
            return;
        };
        for pair in &l.pairs {
            if pair.key.has_expansion() {
                continue;
            }
            if let Some(p) = problem(&pair.key.value) {
                out.push(ctx.finding(
                    &META,
                    pair.key.span,
                    format!("invalid LABEL key `{}`: {p}", pair.key.value),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys() {
        assert!(super::problem("org.opencontainers.image.source").is_none());
        assert!(super::problem("Vendor").is_none());
        assert!(super::problem("com.docker.x").is_some());
        assert!(super::problem("my..key").is_some());
        assert!(super::problem("-a").is_some());
        assert!(super::problem("a b").is_some());
    }
}
