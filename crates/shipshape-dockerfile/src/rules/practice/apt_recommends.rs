use super::common::{self, insert_after};
use crate::rules::packages::{self, Action, Manager};
use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1104",
    slug: "apt-install-recommends",
    summary: "`apt-get install` without `--no-install-recommends`",
    severity: Severity::Low,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3015"), ("trivy", "DS029")],
    fix: Some(FixApplicability::Unsafe),
    docs: r#"## What it does
Reports `apt-get install` (and `apt install`, `aptitude install`) without
`--no-install-recommends` (aptitude: `--without-recommends`), in a stage whose files end up in
the final image.

Not reported when the command sets `-o APT::Install-Recommends=false`, or when an earlier RUN or
`COPY` writes `APT::Install-Recommends "false";` into the APT configuration. Builder stages whose
files are copied piecemeal into the final image are not checked (hadolint checks every stage).

## Why it matters
By default apt also installs every *recommended* package: documentation tools, extra libraries,
sometimes whole language runtimes. They enlarge the image and its attack surface and are rarely
needed in a container.

## How to fix
```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
```
The suggested edit inserts `--no-install-recommends` after `install`. It is unsafe: if the
application needed a recommended package, name it explicitly.

## Example
```dockerfile
RUN apt-get install -y python3      # also installs python3's recommends: reported
```
"#,
};

shipshape_core::declare_rule!(AptRecommends);

fn disables_recommends(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.match_indices("install-recommends").any(|(i, _)| {
        let after = &lower[i + "install-recommends".len()..];
        let after = &after[..after.len().min(16)];
        after.contains("false") || after.contains("\"0\"") || after.contains("\"no\"")
    })
}

/// Whether an instruction before `index` writes APT configuration that disables recommends.
fn configured_before(ctx: &Context<'_>, index: usize) -> bool {
    ctx.df
        .instructions
        .iter()
        .take(index)
        .enumerate()
        .any(|(i, ins)| match &ins.kind {
            InstructionKind::Run(_) => common::commands(ctx, i).iter().any(|c| {
                matches!(c.base_name(), "echo" | "printf" | "tee" | "cat")
                    && c.args.iter().any(|a| disables_recommends(&a.value))
                    || c.redirects.iter().any(|r| r.op.starts_with("<<"))
                        && disables_recommends(ins.text(&ctx.df.source))
            }),
            InstructionKind::Copy(_) | InstructionKind::Add(_) => ins
                .heredocs
                .iter()
                .any(|h| disables_recommends(&h.content.text)),
            _ => false,
        })
}

impl Rule for AptRecommends {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if !common::is_run(instr) || !common::in_image(ctx, index) {
            return;
        }
        let mut configured = None;
        for cmd in common::commands(ctx, index) {
            let Some(pc) = packages::parse(cmd) else {
                continue;
            };
            if !matches!(
                pc.manager,
                Manager::AptGet | Manager::Apt | Manager::Aptitude
            ) || pc.action != Action::Install
            {
                continue;
            }
            let Some(sub) = pc.subcommand else {
                continue;
            };
            if sub.value == "reinstall"
                || pc.has_option(None, &["no-install-recommends", "without-recommends"])
                || (pc.manager == Manager::Aptitude && pc.has_option(Some('R'), &[]))
                || cmd.args.iter().any(|a| disables_recommends(&a.value))
            {
                continue;
            }
            if *configured.get_or_insert_with(|| configured_before(ctx, index)) {
                return;
            }
            let flag = if pc.manager == Manager::Aptitude {
                "--without-recommends"
            } else {
                "--no-install-recommends"
            };
            out.push(
                ctx.finding(
                    &META,
                    sub.span,
                    format!(
                        "`{} install` without `{flag}` also installs every recommended package",
                        cmd.base_name()
                    ),
                )
                .with_fix(insert_after(
                    sub,
                    &format!(" {flag}"),
                    format!("add `{flag}`"),
                    FixApplicability::Unsafe,
                )),
            );
        }
    }
}
