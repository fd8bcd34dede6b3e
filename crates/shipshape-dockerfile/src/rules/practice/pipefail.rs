use super::common::{self, advice};
use crate::rules::{Context, Instr, Out, Rule};
use crate::shell::SimpleCommand;
use crate::stages::BaseRef;
use crate::{CommandForm, InstructionKind, Word};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1110",
    slug: "pipe-without-pipefail",
    summary: "A RUN pipes commands without `pipefail`, so a failure on the left is ignored",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL4006"), ("trivy", "DS032")],
    fix: None,
    docs: r#"## What it does
Reports a shell-form RUN containing a pipeline (`a | b`) when neither the `SHELL` in force
(`SHELL ["/bin/bash", "-o", "pipefail", "-c"]`) nor the script itself (`set -o pipefail`,
`set -euo pipefail`, before the pipeline) enables `pipefail`.

Not reported: pipelines whose left side cannot fail in a way that matters (`echo`, `printf`,
`yes`, `true`), pipelines in the condition of an `if`/`while` (their status is being tested on
purpose), exec-form RUNs, and non-POSIX shells (PowerShell, `cmd`).

## Why it matters
A pipeline's exit status is that of its last command. In `curl -fsSL https://x/install.sh | sh`
or `wget -O- https://x/app.tgz | tar xz`, a failed download feeds nothing (or half a file) to the
right side, which may still succeed: the build goes on with a missing or truncated step and
produces a broken image instead of failing.

## How to fix
Where the image has bash, set it once per stage:

```dockerfile
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
```

Or start the script with `set -o pipefail &&`, which works in bash and in busybox `ash`
(Alpine's `/bin/sh`). Check that the `/bin/sh` of your base image supports it: `dash` (Debian's
and Ubuntu's `/bin/sh`) gained it only in recent releases, and an unsupported option fails the
build.

## Example
```dockerfile
FROM debian:bookworm-slim
RUN curl -fsSL https://example.com/key.asc | gpg --dearmor -o /usr/share/keyrings/x.gpg  # reported
```
"#,
};

shipshape_core::declare_rule!(Pipefail);

/// `-o pipefail` among shell options (`-o pipefail`, `-eo pipefail`, `-euxo pipefail`).
fn sets_pipefail(args: &[Word]) -> bool {
    args.windows(2).any(|w| {
        let opt = w[0].value.as_str();
        w[1].value == "pipefail"
            && opt.starts_with('-')
            && !opt.starts_with("--")
            && opt.contains('o')
    })
}

const HARMLESS: [&str; 5] = ["echo", "printf", "yes", "true", ":"];

/// Whether a base image's name suggests busybox/ash as `/bin/sh`.
fn alpine_like(ctx: &Context<'_>, index: usize) -> bool {
    let Some(mut stage) = ctx
        .graph
        .stage_of(index)
        .and_then(|s| ctx.graph.stages.get(s))
    else {
        return false;
    };
    for _ in 0..=ctx.graph.stages.len() {
        match &stage.base_ref {
            BaseRef::Stage(b) if *b != stage.index => match ctx.graph.stages.get(*b) {
                Some(s) => stage = s,
                None => return false,
            },
            BaseRef::Image(r) => {
                let r = r.to_ascii_lowercase();
                return r.contains("alpine") || r.contains("busybox");
            }
            _ => return false,
        }
    }
    false
}

impl Rule for Pipefail {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        let InstructionKind::Run(run) = &instr.kind else {
            return;
        };
        if !matches!(run.command, CommandForm::Shell(_)) || !common::posix_shell(ctx, index) {
            return;
        }
        let shell = common::shell_before(ctx, index);
        if shell.is_some_and(sets_pipefail) {
            return;
        }
        let cmds = common::commands(ctx, index);
        let mut checked: Vec<u32> = Vec::new();
        for c in cmds {
            if !c.is_piped() || checked.contains(&c.pipeline.id) {
                continue;
            }
            checked.push(c.pipeline.id);
            let elements: Vec<&SimpleCommand> = cmds
                .iter()
                .filter(|x| x.pipeline.id == c.pipeline.id)
                .collect();
            if elements.iter().any(|e| e.context.in_condition) {
                continue;
            }
            let last_index = c.pipeline.len.saturating_sub(1);
            let Some(fallible) = elements
                .iter()
                .find(|e| e.pipeline.index < last_index && !HARMLESS.contains(&e.base_name()))
            else {
                continue;
            };
            let start = elements
                .iter()
                .map(|e| e.span.start)
                .min()
                .unwrap_or(c.span.start);
            let enabled = cmds
                .iter()
                .any(|s| s.base_name() == "set" && s.span.start < start && sets_pipefail(&s.args));
            if enabled {
                continue;
            }
            let last = elements
                .iter()
                .rev()
                .find(|e| e.pipeline.index == last_index)
                .map_or("the last command", |e| e.base_name());
            let span = common::cover(elements.iter().map(|e| e.span), c.span);
            let under = match shell {
                Some(args) => format!(
                    "SHELL `{}`",
                    args.iter()
                        .map(|a| a.value.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                None => "`/bin/sh -c`".to_string(),
            };
            let fix = if alpine_like(ctx, index) {
                "start the script with `set -o pipefail &&` (busybox ash supports it)"
            } else {
                "add `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before this RUN, or start the script with `set -o pipefail &&` if the image's /bin/sh supports it"
            };
            out.push(
                ctx.finding(
                    &META,
                    span,
                    format!(
                        "pipe without `pipefail` under {under}: if `{}` fails, the RUN still succeeds as long as `{last}` does",
                        fallible.base_name()
                    ),
                )
                .with_fix(advice(fix)),
            );
            return;
        }
    }
}
