use super::common::advice;
use crate::rules::{Context, Out, Rule};
use crate::stages::{RefKind, RefTarget};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1113",
    slug: "invalid-copy-from",
    summary: "`--from` names its own stage, a missing stage number, or a misspelt stage",
    severity: Severity::Medium,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[
        ("hadolint", "DL3022"),
        ("hadolint", "DL3023"),
        ("trivy", "DS006"),
    ],
    fix: None,
    docs: r#"## What it does
Checks the `--from` of `COPY` and of `RUN --mount`:

- naming the stage the instruction is in (a circular dependency: the build fails);
- a stage number that does not exist (`--from=3` with three stages);
- a name that is not a stage but is one or two typing mistakes away from one
  (`--from=buidler` with a stage `builder`): BuildKit takes it for an image on Docker Hub and
  either fails or, worse, copies from whatever image of that name exists.

A `--from` naming an image (`--from=nginx:1.27`, `--from=busybox`) or a named build context is
legitimate and not reported, unlike hadolint, which reports every name that is not a stage.

## Why it matters
A wrong `--from` either breaks the build or silently copies files from an unrelated public
image, which is a supply-chain risk.

## How to fix
Name the stage exactly as in its `FROM … AS <name>`, or use an explicit image reference with a
tag (`--from=docker.io/library/busybox:1.36`) when an image is meant.

## Example
```dockerfile
FROM golang:1.23 AS builder
RUN go build -o /out/app .
FROM gcr.io/distroless/static
COPY --from=buidler /out/app /app     # reported: did you mean `builder`?
```
"#,
};

shipshape_core::declare_rule!(CopyFrom);

/// Levenshtein distance, bounded by small inputs (stage names).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let v = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(v);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .collect::<String>()
        .to_ascii_lowercase()
}

impl Rule for CopyFrom {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        for r in &ctx.graph.from_refs {
            if !r.value.unresolved.is_empty() || r.value.error.is_some() {
                continue;
            }
            let span = r.value.word.span;
            let what = match r.kind {
                RefKind::Copy => "COPY --from",
                RefKind::Mount => "RUN --mount from",
            };
            let value = r.value.value.as_str();
            match &r.target {
                RefTarget::Stage(t) if *t == r.stage => out.push(
                    ctx.finding(
                        &META,
                        span,
                        format!("{what}=`{value}` names the stage it is in: a stage cannot copy from itself"),
                    )
                    .with_fix(advice("name an earlier stage")),
                ),
                RefTarget::InvalidIndex(i) => out.push(
                    ctx.finding(
                        &META,
                        span,
                        format!(
                            "{what}=`{value}`: there is no stage number {i} (stages are numbered from 0, this file has {})",
                            ctx.graph.stages.len()
                        ),
                    )
                    .with_fix(advice("name an existing stage")),
                ),
                RefTarget::Image(img) => {
                    if img.contains(['/', ':', '@']) || img.len() < 3 {
                        continue;
                    }
                    let norm = normalise(img);
                    let close = ctx.graph.stages.iter().filter_map(|s| s.name.as_deref()).find(|name| {
                        let n = normalise(name);
                        n == norm || (norm.len() >= 4 && distance(&n, &norm) <= if norm.len() >= 7 { 2 } else { 1 })
                    });
                    let Some(stage) = close else { continue };
                    out.push(
                        ctx.finding(
                            &META,
                            span,
                            format!(
                                "{what}=`{value}` is not a stage, so it is pulled as the image `{value}`: did you mean the stage `{stage}`?"
                            ),
                        )
                        .with_fix(advice(format!("use `--from={stage}`"))),
                    );
                }
                RefTarget::Stage(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn distance() {
        assert_eq!(super::distance("builder", "buidler"), 2);
        assert_eq!(super::distance("build", "build"), 0);
        assert_eq!(super::distance("", "abc"), 3);
    }
}
