use super::common::{advice, windows_absolute};
use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1111",
    slug: "workdir-relative",
    summary: "WORKDIR is a relative path",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3000"), ("trivy", "DS009")],
    fix: None,
    docs: r#"## What it does
Reports a `WORKDIR` whose path (after expanding build arguments and environment variables) is
not absolute. Paths that depend on a variable without a known value are not judged, and
Windows paths (`C:\app`) count as absolute.

## Why it matters
A relative `WORKDIR` resolves against the previous working directory, which may come from the
base image: the same Dockerfile then puts files in different places when the base image changes
its `WORKDIR`, and readers cannot tell where commands run.

## How to fix
Use an absolute path: `WORKDIR /app`.

## Example
```dockerfile
WORKDIR app      # reported: relative to whatever the base image set
WORKDIR /app     # fine
```
"#,
};

shipshape_core::declare_rule!(WorkdirRelative);

impl Rule for WorkdirRelative {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        let InstructionKind::Workdir { path } = &instr.kind else {
            return;
        };
        let env = ctx.graph.env_before(ctx.df, index);
        let Ok(expanded) = env.expand(&path.raw, ctx.df.escape) else {
            return;
        };
        let value = expanded.value.trim();
        if !expanded.unresolved.is_empty()
            || value.is_empty()
            || value.starts_with('/')
            || windows_absolute(value)
        {
            return;
        }
        out.push(
            ctx.finding(
                &META,
                path.span,
                format!("WORKDIR `{value}` is relative: it resolves against the previous working directory, possibly the base image's"),
            )
            .with_fix(advice(format!("use an absolute path such as `/{}`", value.trim_start_matches("./")))),
        );
    }
}
