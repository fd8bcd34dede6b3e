use super::common::{self, insert_after};
use crate::rules::packages::{self, Action, Manager, PackageCommand};
use crate::rules::{Context, Instr, Out, Rule};
use shipshape_core::{ChecklistItem, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1103",
    slug: "package-install-not-noninteractive",
    summary: "A package manager that asks for confirmation is run without `-y`",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[
        ("hadolint", "DL3014"),
        ("hadolint", "DL3030"),
        ("hadolint", "DL3034"),
        ("hadolint", "DL3038"),
        ("trivy", "DS021"),
    ],
    fix: Some(FixApplicability::Unsafe),
    docs: r#"## What it does
Reports `install`, `upgrade` and `remove` commands of package managers that ask for confirmation
when run without their assume-yes switch:

- `apt-get`, `apt`, `aptitude`: `-y`, `--yes`, `--assume-yes`, `-qq` (which implies `-y`) or
  `-o APT::Get::Assume-Yes=true`;
- `yum`, `dnf`: `-y` or `--assumeyes`;
- `zypper`: `-n`/`--non-interactive` before the command, or `-y`/`--no-confirm` after it.

Not reported: commands fed by a pipe (`yes | apt-get install …`), and Dockerfiles that write the
assume-yes setting into the APT or yum/dnf configuration. `DEBIAN_FRONTEND=noninteractive` is
not a substitute: it silences debconf questions, not apt's own confirmation. `apk` and
`microdnf` never ask.

## Why it matters
A build has no terminal: a confirmation prompt reads end-of-file and aborts. Without `-y` the
command works only as long as it needs no confirmation (no extra dependency to install, nothing
to remove), so the build breaks the day a package gains a dependency.

## How to fix
Add the switch: `apt-get install -y …`, `dnf install -y …`, `zypper --non-interactive install …`.
The suggested edit inserts ` -y` after the subcommand (unsafe: the command then proceeds where
it used to stop).

## Example
```dockerfile
RUN apt-get update && apt-get install curl      # reported
RUN apt-get update && apt-get install -y curl   # fine
```
"#,
};

shipshape_core::declare_rule!(Noninteractive);

fn assume_yes(pc: &PackageCommand<'_>) -> bool {
    let cmd = pc.command;
    match pc.manager {
        Manager::AptGet | Manager::Apt | Manager::Aptitude => {
            pc.has_option(Some('y'), &["yes", "assume-yes"])
                || cmd.args.iter().any(|a| {
                    let v = a.value.as_str();
                    let short_qq = v.starts_with('-')
                        && !v.starts_with("--")
                        && v.chars().filter(|&c| c == 'q').count() >= 2;
                    short_qq
                        || v == "-q=2"
                        || v == "--quiet=2"
                        || v.to_ascii_lowercase().contains("assume-yes=true")
                        || v.to_ascii_lowercase().contains("assume-yes=1")
                })
        }
        Manager::Yum | Manager::Dnf => pc.has_option(Some('y'), &["assumeyes"]),
        Manager::Zypper => {
            pc.has_option(Some('n'), &["non-interactive", "no-confirm"])
                || pc.has_option(Some('y'), &[])
        }
        _ => true,
    }
}

impl Rule for Noninteractive {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if !common::is_run(instr) || !common::posix_shell(ctx, index) {
            return;
        }
        let source = ctx.df.source.to_ascii_lowercase();
        let apt_configured = source.contains("assume-yes \"true\"")
            || source.contains("assume-yes \"1\"")
            || source.contains("assume-yes=true");
        let rpm_configured = source.contains("assumeyes=1")
            || source.contains("assumeyes=true")
            || source.contains("assumeyes = 1")
            || source.contains("assumeyes = true");
        for cmd in common::commands(ctx, index) {
            let Some(pc) = packages::parse(cmd) else {
                continue;
            };
            if !matches!(
                pc.action,
                Action::Install | Action::Upgrade | Action::Remove
            ) || cmd.pipeline.index > 0
                || assume_yes(&pc)
            {
                continue;
            }
            let configured = match pc.manager {
                Manager::AptGet | Manager::Apt | Manager::Aptitude => apt_configured,
                Manager::Yum | Manager::Dnf => rpm_configured,
                Manager::Zypper => false,
                _ => continue,
            };
            if configured {
                continue;
            }
            let Some(sub) = pc.subcommand else {
                continue;
            };
            let (switch, fix) = match pc.manager {
                Manager::Zypper => (
                    "`--non-interactive` (or `-y` after the command)",
                    insert_after(sub, " -y", "add `-y`", FixApplicability::Unsafe),
                ),
                _ => (
                    "`-y`",
                    insert_after(sub, " -y", "add `-y`", FixApplicability::Unsafe),
                ),
            };
            out.push(
                ctx.finding(
                    &META,
                    sub.span,
                    format!(
                        "`{} {}` without {switch}: the build aborts as soon as it asks for confirmation",
                        cmd.base_name(),
                        sub.value
                    ),
                )
                .with_fix(fix),
            );
        }
    }
}
