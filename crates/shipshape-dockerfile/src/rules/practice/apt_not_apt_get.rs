use super::common::{self, advice};
use crate::rules::packages::{self, Manager};
use crate::rules::{Context, Instr, Out, Rule};
use shipshape_core::finding::Edit;
use shipshape_core::{ChecklistItem, Fix, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1105",
    slug: "apt-instead-of-apt-get",
    summary: "`apt` is used in a script instead of `apt-get`",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3027")],
    fix: Some(FixApplicability::Unsafe),
    docs: r#"## What it does
Reports `apt` commands in RUN instructions.

## Why it matters
`apt` is the interactive front end: its output and behaviour may change between releases, and it
warns "apt does not have a stable CLI interface. Use with caution in scripts." `apt-get` (and
`apt-cache` for queries) keep a stable interface for scripts, so builds do not break or change
silently when the base image moves to a newer apt.

## How to fix
Use `apt-get` for `install`, `update`, `upgrade`, `remove`, `purge`, `autoremove`,
`dist-upgrade` and `clean`, and `apt-cache` for `search`, `show` and `policy`. The suggested edit
replaces `apt` with `apt-get` for the former (unsafe: `apt full-upgrade` and a few options have
no `apt-get` twin, and `apt` enables some defaults, such as removing downloaded packages after
install on some releases, that `apt-get` does not).

## Example
```dockerfile
RUN apt update && apt install -y curl           # reported twice
RUN apt-get update && apt-get install -y curl   # fine
```
"#,
};

shipshape_core::declare_rule!(AptNotAptGet);

const APT_GET_COMMANDS: [&str; 11] = [
    "install",
    "update",
    "upgrade",
    "remove",
    "purge",
    "autoremove",
    "dist-upgrade",
    "clean",
    "autoclean",
    "reinstall",
    "build-dep",
];

impl Rule for AptNotAptGet {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if !common::is_run(instr) || !common::posix_shell(ctx, index) {
            return;
        }
        for cmd in common::commands(ctx, index) {
            let Some(pc) = packages::parse(cmd) else {
                continue;
            };
            if pc.manager != Manager::Apt {
                continue;
            }
            let Some(sub) = pc.subcommand else {
                continue;
            };
            let name = &cmd.name;
            let fix = if APT_GET_COMMANDS.contains(&sub.value.as_str()) {
                if common::is_plain(name) {
                    Fix {
                        description: "use `apt-get`".into(),
                        applicability: FixApplicability::Unsafe,
                        edits: vec![Edit {
                            start: name.span.start,
                            end: name.span.end,
                            replacement: format!("{}-get", name.raw),
                        }],
                    }
                } else {
                    advice("use `apt-get`")
                }
            } else {
                advice("use `apt-get`, or `apt-cache` for queries")
            };
            out.push(
                ctx.finding(
                    &META,
                    name.span,
                    format!(
                        "`apt {}` in a script: `apt` has no stable command-line interface, use `apt-get`",
                        sub.value
                    ),
                )
                .with_fix(fix),
            );
        }
    }
}
