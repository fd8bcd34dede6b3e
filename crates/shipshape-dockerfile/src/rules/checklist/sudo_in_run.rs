use super::common::{advice, is_root_user, stage_severity, user_before};
use crate::rules::packages::{self, Action};
use crate::rules::{Cmd, Context, Instr, Out, Rule};
use crate::{InstructionKind, Span};
use shipshape_core::finding::Edit;
use shipshape_core::{ChecklistItem, Fix, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1002",
    slug: "sudo-in-run",
    summary: "A RUN uses or installs `sudo`, or opens a password-less path back to root",
    severity: Severity::Medium,
    checklist: ChecklistItem::NonRoot,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3004"), ("trivy", "DS010")],
    fix: Some(FixApplicability::Unsafe),
    docs: r#"## What it does
Reports, in RUN instructions:

- commands run through `sudo` (the wrapper word is reported);
- installing the `sudo` package into the final image;
- `NOPASSWD` sudoers rules written by a RUN of the final image;
- `su -c` (or `su root -c`) used to become root again after a non-root `USER`.

Findings in stages that do not end up in the final image are **low**; the others **medium**.
`su <user> -c …` run as root to *drop* privileges is not reported.

## Why it matters
RUN already runs as root unless a `USER` says otherwise, so `sudo` in a build is at best
useless. Worse, an image that ships `sudo` with a password-less rule gives any process that
gets a shell in the container a one-word path back to root, which defeats `USER`. `sudo` also
has odd TTY and signal behaviour that makes builds and entrypoints fragile.

## How to fix
Drop `sudo` and order the Dockerfile so the steps that need root run before `USER`:

```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl
USER 10001
```

If the entrypoint must drop privileges at run time, use `gosu`/`su-exec` and do not install
`sudo`. The suggested fix (removing the `sudo` word) is unsafe: it breaks a build that runs the
command after a non-root `USER`.

## Example
```dockerfile
FROM debian:12-slim
RUN sudo apt-get update          # reported: sudo
RUN apt-get install -y sudo \
 && echo 'app ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers   # reported: sudo package, NOPASSWD
```
"#,
};

shipshape_core::declare_rule!(SudoInRun);

fn severity(ctx: &Context<'_>, index: usize) -> Severity {
    stage_severity(ctx, index, Severity::Medium, Severity::Low)
}

impl Rule for SudoInRun {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if !matches!(instr.kind, InstructionKind::Run(_)) || !ctx.in_final_image(index) {
            return;
        }
        let text = instr.text(&ctx.df.source);
        let mut from = 0;
        while let Some(rel) = text.get(from..).and_then(|t| t.find("NOPASSWD")) {
            let start = instr.span.start + from + rel;
            from += rel + "NOPASSWD".len();
            out.push(
                ctx.finding(
                    &META,
                    Span::new(start, start + "NOPASSWD".len()),
                    "a RUN writes a `NOPASSWD` sudo rule: any process in the container can become root without a password",
                )
                .with_fix(advice(
                    "do not ship sudo rules; run the steps that need root before `USER`",
                )),
            );
        }
    }

    fn check_command(&self, ctx: &Context, index: usize, _instr: &Instr, cmd: &Cmd, out: &mut Out) {
        // `sudo cmd …`: the wrapper.
        for (i, w) in cmd.wrappers.iter().enumerate() {
            if w.name.value.rsplit('/').next() != Some("sudo") {
                continue;
            }
            let next_start = cmd
                .wrappers
                .get(i + 1)
                .map_or(cmd.name.span.start, |n| n.name.span.start);
            let mut finding = ctx
                .finding(
                    &META,
                    w.name.span,
                    format!(
                        "`{}` is run through `sudo`: RUN already runs as root unless USER changed it",
                        cmd.name.value
                    ),
                )
                .with_severity(severity(ctx, index));
            let gap = ctx
                .df
                .source
                .get(w.name.span.start..next_start)
                .unwrap_or("");
            if next_start > w.name.span.start && !gap.contains(['\'', '"', '$', '`']) {
                finding = finding.with_fix(Fix {
                    description: "remove `sudo` (run the step before any non-root USER)".into(),
                    applicability: FixApplicability::Unsafe,
                    edits: vec![Edit {
                        start: w.name.span.start,
                        end: next_start,
                        replacement: String::new(),
                    }],
                });
            }
            out.push(finding);
        }
        if cmd.base_name() == "sudo" {
            out.push(
                ctx.finding(
                    &META,
                    cmd.name.span,
                    "`sudo` is run in a RUN: RUN already runs as root unless USER changed it",
                )
                .with_severity(severity(ctx, index)),
            );
        }
        // `su -c` back to root after a non-root USER.
        if cmd.base_name() == "su"
            && cmd
                .args
                .iter()
                .any(|a| a.value == "-c" || a.value == "--command")
        {
            let target = cmd
                .args
                .iter()
                .take_while(|a| a.value != "-c" && a.value != "--command")
                .find(|a| !a.value.starts_with('-'))
                .map_or("root", |a| a.value.as_str());
            let current = user_before(ctx, index);
            if is_root_user(target) && current.as_deref().is_some_and(|u| !is_root_user(u)) {
                out.push(
                    ctx.finding(
                        &META,
                        cmd.name.span,
                        format!(
                            "`su -c` switches back to root after `USER {}`",
                            current.unwrap_or_default()
                        ),
                    )
                    .with_severity(severity(ctx, index))
                    .with_fix(advice(
                        "move the step before the USER instruction instead of switching back to root",
                    )),
                );
            }
        }
        // Installing the sudo package into the final image.
        if let Some(pc) = packages::parse(cmd) {
            if pc.action == Action::Install && pc.manager.is_os() && ctx.in_final_image(index) {
                for w in &pc.packages {
                    if packages::package_name(pc.manager, &w.value) == "sudo" {
                        out.push(
                            ctx.finding(
                                &META,
                                w.span,
                                "the final image installs `sudo`: a path back to root for anything that gets a shell in the container",
                            )
                            .with_fix(advice(
                                "do not install sudo; run root steps before USER, or use gosu/su-exec in the entrypoint",
                            )),
                        );
                    }
                }
            }
        }
    }
}
