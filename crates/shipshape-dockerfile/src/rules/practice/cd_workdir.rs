use super::common::{self, advice};
use crate::rules::{Context, Instr, Out, Rule};
use crate::shell::Connector;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1107",
    slug: "cd-instead-of-workdir",
    summary: "A RUN starts with `cd /dir` instead of using `WORKDIR`",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3003"), ("trivy", "DS013")],
    fix: None,
    docs: r#"## What it does
Reports a RUN whose script starts with `cd <absolute path>` followed by the rest of the work
(`cd /src && make`), and a RUN that is nothing but a `cd` (which has no effect at all: the
directory does not carry over to the next instruction).

A `cd` later in the script, inside a subshell (`(cd sub && make)`), or to a relative or
computed directory is not reported: those are ordinary shell, and hadolint's habit of reporting
every `cd` is its best-known source of noise.

## Why it matters
The working directory of a RUN does not persist, so scripts that start with `cd` hide where
later instructions run, and a standalone `RUN cd /app` silently does nothing. `WORKDIR` makes the
directory explicit, creates it if needed, and applies to the `RUN`, `CMD`, `ENTRYPOINT`, `COPY`
and `ADD` that follow.

## How to fix
```dockerfile
WORKDIR /src
RUN make
```
Mind that `WORKDIR` also changes the directory of every later instruction, including the
container's start command.

## Example
```dockerfile
RUN cd /src && ./configure && make    # reported
RUN cd /app                           # reported: does nothing
```
"#,
};

shipshape_core::declare_rule!(CdWorkdir);

impl Rule for CdWorkdir {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if !common::is_run(instr) || !common::posix_shell(ctx, index) {
            return;
        }
        let cmds = common::commands(ctx, index);
        let Some(first) = cmds.first() else {
            return;
        };
        if first.base_name() != "cd"
            || first.context.depth > 0
            || first.context.in_subshell
            || first.is_piped()
            || !first.wrappers.is_empty()
        {
            return;
        }
        let [dir] = first.args.as_slice() else {
            return;
        };
        if !dir.value.starts_with('/') || dir.has_expansion() {
            return;
        }
        let alone = cmds.len() == 1;
        if !alone
            && !matches!(
                first.after,
                Connector::And | Connector::Semicolon | Connector::Newline
            )
        {
            return;
        }
        let message = if alone {
            format!(
                "`RUN cd {}` has no effect: the directory does not carry over to later instructions; use `WORKDIR {}`",
                dir.value, dir.value
            )
        } else {
            format!(
                "RUN starts with `cd {}`: use `WORKDIR {}` to set the directory",
                dir.value, dir.value
            )
        };
        out.push(
            ctx.finding(&META, first.span, message).with_fix(advice(format!(
                "put `WORKDIR {}` before this RUN and drop the `cd` (WORKDIR also applies to the instructions after it)",
                dir.value
            ))),
        );
    }
}
