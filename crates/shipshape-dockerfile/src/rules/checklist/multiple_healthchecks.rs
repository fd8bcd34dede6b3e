use crate::rules::{Context, Out, Rule};
use crate::InstructionKind;
use shipshape_core::finding::Edit;
use shipshape_core::{ChecklistItem, Fix, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1005",
    slug: "multiple-healthchecks",
    summary: "A stage has more than one HEALTHCHECK; only the last one takes effect",
    severity: Severity::Low,
    checklist: ChecklistItem::Healthcheck,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3012"), ("trivy", "DS023")],
    fix: Some(FixApplicability::Safe),
    docs: r#"## What it does
Reports every `HEALTHCHECK` of a stage that a later `HEALTHCHECK` of the same stage replaces.

## Why it matters
An image has one health check: each `HEALTHCHECK` overwrites the previous one. The earlier
instructions do nothing, and a reader who trusts the first one is misled about what is checked
(or, with a later `HEALTHCHECK NONE`, that anything is checked at all).

## How to fix
Keep only the health check you mean. The fix deletes the overridden instructions; it does not
change the built image.

## Example
```dockerfile
FROM nginx:1.27-alpine
HEALTHCHECK CMD wget -q --spider http://localhost/ || exit 1   # reported: overridden
HEALTHCHECK CMD wget -q --spider http://localhost/health || exit 1
```
"#,
};

shipshape_core::declare_rule!(MultipleHealthchecks);

impl Rule for MultipleHealthchecks {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        for stage in &ctx.graph.stages {
            let checks: Vec<_> = ctx
                .stage_instructions(stage)
                .filter(|(_, i)| matches!(i.kind, InstructionKind::Healthcheck(_)))
                .collect();
            let Some(((last_index, _), earlier)) = checks.split_last() else {
                continue;
            };
            let (last_line, _) = ctx.df.line_col(
                ctx.df
                    .instructions
                    .get(*last_index)
                    .map_or(0, |i| i.span.start),
            );
            for (_, instr) in earlier {
                // Delete the instruction and its line break.
                let src = &ctx.df.source;
                let mut end = instr.span.end;
                if src.get(end..end + 2) == Some("\r\n") {
                    end += 2;
                } else if src.get(end..end + 1) == Some("\n") {
                    end += 1;
                }
                out.push(
                    ctx.finding(
                        &META,
                        instr.keyword_span.cover(instr.args_span),
                        format!(
                            "this HEALTHCHECK has no effect: the one on line {last_line} replaces it"
                        ),
                    )
                    .with_fix(Fix {
                        description: "delete the overridden HEALTHCHECK".into(),
                        applicability: FixApplicability::Safe,
                        edits: vec![Edit {
                            start: instr.span.start,
                            end,
                            replacement: String::new(),
                        }],
                    }),
                );
            }
        }
    }
}
