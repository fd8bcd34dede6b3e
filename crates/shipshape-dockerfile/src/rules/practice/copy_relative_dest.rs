use super::common::{self, advice, windows_absolute};
use crate::rules::{Context, Instr, Out, Rule};
use crate::stages::BaseRef;
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1120",
    slug: "copy-relative-dest-without-workdir",
    summary: "COPY or ADD to a relative destination before any WORKDIR",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3045")],
    fix: None,
    docs: r#"## What it does
Reports a `COPY` or `ADD` whose destination is relative (`COPY . .`, `COPY app.py app/`) in a
stage where no `WORKDIR` has been set yet, neither in the stage nor in the stages it is built
on. Destinations that depend on a variable without a known value are not judged, nor are
Windows images.

## Why it matters
A relative destination resolves against the working directory, which then comes from the base
image: `/` for most images, but `/go`, `/usr/src/app`, `/home/node`… for others. Files land in a
place that changes with the base image, and readers cannot tell where.

## How to fix
Set `WORKDIR` first, or use an absolute destination:

```dockerfile
WORKDIR /app
COPY . .
```

## Example
```dockerfile
FROM python:3.12-slim
COPY . .                  # reported: copies into / (python sets no WORKDIR)
```
"#,
};

shipshape_core::declare_rule!(CopyRelativeDest);

fn workdir_set_before(ctx: &Context<'_>, index: usize) -> bool {
    let Some(mut stage) = ctx
        .graph
        .stage_of(index)
        .and_then(|s| ctx.graph.stages.get(s))
    else {
        return true;
    };
    let mut end = index;
    for _ in 0..=ctx.graph.stages.len() {
        if (stage.instructions.start..end.min(stage.instructions.end)).any(|i| {
            matches!(
                ctx.df.instructions.get(i).map(|i| &i.kind),
                Some(InstructionKind::Workdir { .. })
            )
        }) {
            return true;
        }
        match stage.base_ref {
            BaseRef::Stage(b) if b != stage.index => match ctx.graph.stages.get(b) {
                Some(s) => {
                    stage = s;
                    end = s.instructions.end;
                }
                None => return true,
            },
            _ => return false,
        }
    }
    true
}

impl Rule for CopyRelativeDest {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        let (InstructionKind::Copy(c) | InstructionKind::Add(c)) = &instr.kind else {
            return;
        };
        let env = ctx.graph.env_before(ctx.df, index);
        let Ok(dest) = env.expand(&c.dest.raw, ctx.df.escape) else {
            return;
        };
        let value = dest.value.trim();
        if !dest.unresolved.is_empty()
            || value.is_empty()
            || value.starts_with('/')
            || windows_absolute(value)
            || !common::posix_shell(ctx, index)
            || workdir_set_before(ctx, index)
        {
            return;
        }
        let kw = instr.keyword.as_str();
        out.push(
            ctx.finding(
                &META,
                c.dest.span,
                format!("{kw} to the relative destination `{value}` before any WORKDIR: it lands wherever the base image's working directory is"),
            )
            .with_fix(advice("set `WORKDIR /app` (or another absolute path) before it, or use an absolute destination")),
        );
    }
}
