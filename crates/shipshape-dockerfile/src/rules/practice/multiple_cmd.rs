use super::common::advice;
use crate::rules::{Context, Out, Rule};
use crate::Keyword;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1109",
    slug: "multiple-cmd-or-entrypoint",
    summary: "A stage has more than one CMD, ENTRYPOINT or HEALTHCHECK: only the last counts",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[
        ("hadolint", "DL4003"),
        ("hadolint", "DL4004"),
        ("hadolint", "DL3012"),
        ("trivy", "DS016"),
        ("trivy", "DS007"),
        ("trivy", "DS023"),
    ],
    fix: None,
    docs: r#"## What it does
Reports every `CMD`, `ENTRYPOINT` and `HEALTHCHECK` of a stage that a later instruction of the
same kind in the same stage overrides. `ONBUILD` triggers are not counted.

## Why it matters
Only the last of each takes effect; the earlier ones are dead code that misleads readers (and
reviewers) about what the container runs or how it is health-checked. It usually means a merge
mistake or a half-finished edit.

## How to fix
Keep the one you mean, delete the others. To run several processes, use a small entrypoint
script or a process supervisor.

## Example
```dockerfile
FROM node:22-alpine
CMD ["node", "worker.js"]    # reported: overridden below
CMD ["node", "server.js"]
```
"#,
};

shipshape_core::declare_rule!(MultipleCmd);

impl Rule for MultipleCmd {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        for stage in &ctx.graph.stages {
            for kw in [Keyword::Cmd, Keyword::Entrypoint, Keyword::Healthcheck] {
                let all: Vec<_> = ctx
                    .stage_instructions(stage)
                    .filter(|(_, i)| i.keyword == kw)
                    .collect();
                let Some(((_, last), earlier)) = all.split_last() else {
                    continue;
                };
                let last_line = ctx.file.line_col(last.span.start).0;
                for (_, ins) in earlier {
                    out.push(
                        ctx.finding(
                            &META,
                            ins.span,
                            format!(
                                "this {kw} has no effect: the {kw} on line {last_line} overrides it"
                            ),
                        )
                        .with_fix(advice(format!("remove this {kw}"))),
                    );
                }
            }
        }
    }
}
