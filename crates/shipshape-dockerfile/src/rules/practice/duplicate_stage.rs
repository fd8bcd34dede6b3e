use super::common::advice;
use crate::rules::{Context, Out, Rule};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1114",
    slug: "duplicate-stage-name",
    summary: "Two stages have the same name",
    severity: Severity::Medium,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3024"), ("trivy", "DS012")],
    fix: None,
    docs: r#"## What it does
Reports a `FROM … AS <name>` whose name (compared case-insensitively, as BuildKit does) was
already given to an earlier stage.

## Why it matters
BuildKit rejects duplicate stage names; older builders silently let the later stage shadow the
earlier one, so `COPY --from=<name>` and `--target <name>` pick a stage the author may not
expect.

## How to fix
Give every stage a distinct name.

## Example
```dockerfile
FROM node:22 AS build
FROM golang:1.23 AS build     # reported
```
"#,
};

shipshape_core::declare_rule!(DuplicateStage);

impl Rule for DuplicateStage {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        for (i, stage) in ctx.graph.stages.iter().enumerate() {
            let (Some(name), Some(span)) = (&stage.name, stage.name_span) else {
                continue;
            };
            let Some(first) = ctx.graph.stages[..i]
                .iter()
                .find(|s| s.name.as_ref() == Some(name))
            else {
                continue;
            };
            let line = first.name_span.map_or(0, |s| ctx.file.line_col(s.start).0);
            out.push(
                ctx.finding(
                    &META,
                    span,
                    format!("stage name `{name}` is already used by the stage on line {line}"),
                )
                .with_fix(advice(
                    "rename one of the stages (and the `--from`/`--target` that mean it)",
                )),
            );
        }
    }
}
