use super::common::{self, advice};
use crate::rules::packages::{self, Action, Manager};
use crate::rules::{Context, Instr, Out, Rule};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1126",
    slug: "apt-update-alone",
    summary: "`apt-get update` runs in its own RUN, apart from the install that needs it",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("trivy", "DS017")],
    fix: None,
    docs: r#"## What it does
Reports an `apt-get update` (or `apt update`) in a RUN that installs nothing, when a later RUN
of the same stage runs `apt-get install`.

## Why it matters
The build cache keys a RUN on its text only. Once `RUN apt-get update` is cached, later builds
reuse its package lists for weeks or months, while `RUN apt-get install …` (changed or not)
runs against them: packages are installed at stale versions, missing security updates, or the
install fails because the mirrors no longer hold the listed files.

## How to fix
Update and install in the same RUN, and clean up there:

```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
```

## Example
```dockerfile
RUN apt-get update                        # reported
RUN apt-get install -y --no-install-recommends curl
```
"#,
};

shipshape_core::declare_rule!(AptUpdateAlone);

fn is_apt(m: Manager) -> bool {
    matches!(m, Manager::AptGet | Manager::Apt | Manager::Aptitude)
}

impl Rule for AptUpdateAlone {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if !common::is_run(instr) {
            return;
        }
        let parsed: Vec<_> = common::commands(ctx, index)
            .iter()
            .filter_map(packages::parse)
            .filter(|p| is_apt(p.manager))
            .collect();
        let Some(update) = parsed.iter().find(|p| p.action == Action::Update) else {
            return;
        };
        if parsed
            .iter()
            .any(|p| matches!(p.action, Action::Install | Action::Upgrade))
        {
            return;
        }
        let Some(stage) = ctx
            .graph
            .stage_of(index)
            .and_then(|s| ctx.graph.stages.get(s))
        else {
            return;
        };
        let later = (index + 1..stage.instructions.end).find(|&i| {
            ctx.df.instructions.get(i).is_some_and(common::is_run)
                && common::commands(ctx, i).iter().any(|c| {
                    packages::parse(c)
                        .is_some_and(|p| is_apt(p.manager) && p.action == Action::Install)
                })
        });
        let Some(later) = later else {
            return;
        };
        let line = ctx
            .df
            .instructions
            .get(later)
            .map_or(0, |i| ctx.file.line_col(i.span.start).0);
        let sub = update.subcommand.unwrap_or(&update.command.name);
        out.push(
            ctx.finding(
                &META,
                sub.span,
                format!(
                    "`{} update` in a RUN of its own: once cached, the install on line {line} keeps using stale package lists",
                    update.command.base_name()
                ),
            )
            .with_fix(advice(format!(
                "move the update into the RUN on line {line}: `apt-get update && apt-get install …`"
            ))),
        );
    }
}
