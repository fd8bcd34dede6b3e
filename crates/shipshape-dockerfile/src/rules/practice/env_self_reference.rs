use super::common::advice;
use crate::rules::{Context, Instr, Out, Rule};
use crate::{InstructionKind, Span};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1119",
    slug: "env-self-reference",
    summary: "An ENV value refers to a variable set earlier in the same ENV",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3044")],
    fix: None,
    docs: r#"## What it does
Reports, in an `ENV` setting several variables, a value that refers (`$NAME`, `${NAME}`,
`${NAME:-default}`) to a variable set earlier in the *same* instruction.

A variable extending its own previous value (`ENV PATH=/opt/bin:$PATH`) is fine and not
reported.

## Why it matters
All the values of one `ENV` are expanded with the variables as they were *before* the
instruction. In `ENV APP_HOME=/app APP_BIN=$APP_HOME/bin`, `APP_BIN` becomes `/bin` (or whatever
`APP_HOME` was before), not `/app/bin`.

## How to fix
Split it into two instructions:

```dockerfile
ENV APP_HOME=/app
ENV APP_BIN=$APP_HOME/bin
```

## Example
```dockerfile
ENV APP_HOME=/app APP_BIN=$APP_HOME/bin     # reported: APP_BIN is not /app/bin
```
"#,
};

shipshape_core::declare_rule!(EnvSelfReference);

/// Byte offsets (in `raw`) of references to `name`.
fn references(raw: &str, name: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let bytes = raw.as_bytes();
    let mut in_single = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'\'' => in_single = !in_single,
            b'$' if !in_single => {
                let rest = &raw[i + 1..];
                let hit = if let Some(r) = rest.strip_prefix('{') {
                    r.strip_prefix(name)
                        .is_some_and(|after| after.starts_with(['}', ':']))
                } else {
                    rest.strip_prefix(name).is_some_and(|after| {
                        !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    })
                };
                if hit {
                    out.push(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

impl Rule for EnvSelfReference {
    fn check_instruction(&self, ctx: &Context, _index: usize, instr: &Instr, out: &mut Out) {
        let InstructionKind::Env(env) = &instr.kind else {
            return;
        };
        for (j, pair) in env.pairs.iter().enumerate() {
            for earlier in &env.pairs[..j] {
                let name = earlier.key.value.as_str();
                if name.is_empty() || name == pair.key.value {
                    continue;
                }
                let Some(&at) = references(&pair.value.raw, name).first() else {
                    continue;
                };
                let v = &pair.value;
                let span = if v.raw.len() == v.span.len() {
                    let len = if v.raw[at + 1..].starts_with('{') {
                        v.raw[at..].find('}').map_or(name.len() + 1, |e| e + 1)
                    } else {
                        name.len() + 1
                    };
                    Span::new(v.span.start + at, v.span.start + at + len)
                } else {
                    v.span
                };
                out.push(
                    ctx.finding(
                        &META,
                        span,
                        format!(
                            "`${name}` in `{}` is expanded with the value `{name}` had before this ENV, not the one set on this line",
                            pair.key.value
                        ),
                    )
                    .with_fix(advice(format!(
                        "set `{}` in a separate ENV after the one that sets `{name}`",
                        pair.key.value
                    ))),
                );
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_references() {
        assert_eq!(super::references("$A/x", "A"), vec![0]);
        assert_eq!(super::references("x${A:-y}", "A"), vec![1]);
        assert!(super::references("$AB", "A").is_empty());
        assert!(super::references("'$A'", "A").is_empty());
        assert!(super::references("\\$A", "A").is_empty());
    }
}
