use super::common::{self, advice};
use crate::rules::{Context, Instr, Out, Rule};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1123",
    slug: "shell-symlink",
    summary: "`/bin/sh` is replaced with a symlink instead of using SHELL",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL4005")],
    fix: None,
    docs: r#"## What it does
Reports `ln -s <shell> /bin/sh` (or `/usr/bin/sh`) in a RUN.

## Why it matters
Replacing `/bin/sh` changes the shell of every script in the image, including the package
manager's maintainer scripts and the application's own `system()` calls, which may rely on
the distribution's `/bin/sh`. To choose the shell for the Dockerfile's own RUN instructions,
`SHELL` does exactly that and nothing more.

## How to fix
```dockerfile
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
```

## Example
```dockerfile
RUN ln -sf /bin/bash /bin/sh       # reported
```
"#,
};

shipshape_core::declare_rule!(ShellSymlink);

impl Rule for ShellSymlink {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if !common::is_run(instr) {
            return;
        }
        for cmd in common::commands(ctx, index) {
            if cmd.base_name() != "ln" || !cmd.has_option(Some('s'), Some("symbolic")) {
                continue;
            }
            let operands: Vec<_> = cmd
                .args
                .iter()
                .filter(|a| !a.value.starts_with('-'))
                .collect();
            let (Some(target), Some(source)) = (operands.last(), operands.first()) else {
                continue;
            };
            if operands.len() < 2 || !matches!(target.value.as_str(), "/bin/sh" | "/usr/bin/sh") {
                continue;
            }
            out.push(
                ctx.finding(
                    &META,
                    cmd.span,
                    format!(
                        "`{}` is made `{}` by a symlink: use `SHELL [\"{}\", \"-c\"]` to choose the shell of RUN instructions",
                        target.value, source.value, source.value
                    ),
                )
                .with_fix(advice(format!(
                    "remove the symlink and add `SHELL [\"{}\", \"-c\"]`",
                    source.value
                ))),
            );
        }
    }
}
