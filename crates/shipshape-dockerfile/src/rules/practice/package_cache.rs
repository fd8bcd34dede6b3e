use super::common::{self, advice, insert_after};
use crate::rules::packages::{self, Action, Manager, PackageCommand};
use crate::rules::{Context, Instr, Out, Rule};
use crate::shell::SimpleCommand;
use shipshape_core::{ChecklistItem, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1101",
    slug: "package-cache-kept",
    summary: "A RUN installs packages and leaves the package manager's cache in the image",
    severity: Severity::Low,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Dockerfile,
    equivalents: &[
        ("hadolint", "DL3009"),
        ("hadolint", "DL3019"),
        ("hadolint", "DL3032"),
        ("hadolint", "DL3036"),
        ("hadolint", "DL3040"),
        ("hadolint", "DL3042"),
        ("hadolint", "DL3060"),
        ("trivy", "DS015"),
        ("trivy", "DS019"),
        ("trivy", "DS020"),
        ("trivy", "DS025"),
        ("trivy", "DS027"),
    ],
    fix: Some(FixApplicability::Unsafe),
    docs: r#"## What it does
Reports a RUN, in a stage whose files end up in the final image, that leaves a package
manager's cache behind in its layer:

- `apt-get update` (or `apt`/`aptitude`) without removing `/var/lib/apt/lists` in the same RUN;
- `apk add` without `--no-cache` (and without removing `/var/cache/apk`);
- `yum`, `dnf` or `microdnf` `install`/`update` without `<manager> clean all`, and `zypper install`
  without `zypper clean`, in the same RUN;
- `pip install` without `--no-cache-dir`, unless `PIP_NO_CACHE_DIR` is set (by `ENV`, `ARG` or
  on the command) or the RUN purges the pip cache;
- `yarn install`/`yarn add` without `yarn cache clean` in the same RUN.

A cache mount over the cache directory (`RUN --mount=type=cache,target=/var/cache/apt …`) or a
`tmpfs` mount keeps the cache out of the layer, so such RUNs are not reported.

Only stages that end up in the final image are checked: the final stage, the stages it is built
`FROM`, and stages copied wholesale into it (`COPY --from=build / /`). A builder stage whose
artefacts are copied file by file never ships its caches, so it is not reported (hadolint
reports every stage).

## Why it matters
Caches are useless at run time but cost tens to hundreds of megabytes per layer. A file deleted
in a later RUN still ships in the earlier layer, so the cleanup must happen in the same RUN.

## How to fix
Clean up in the same RUN, or use a cache mount (faster rebuilds, nothing in the layer):

```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
RUN apk add --no-cache curl
RUN pip install --no-cache-dir -r requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
```

The suggested edits insert `--no-cache-dir` (pip; safe) and `--no-cache` (apk; unsafe: the
index is fetched afresh, which can pick newer packages).

## Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5   # lists kept
RUN pip install -r requirements.txt                                        # pip cache kept
```
"#,
};

shipshape_core::declare_rule!(PackageCache);

#[derive(PartialEq, Clone, Copy)]
enum Family {
    Apt,
    Apk,
    Rpm,
    Zypper,
    Pip,
    Yarn,
}

fn family(m: Manager) -> Option<Family> {
    Some(match m {
        Manager::AptGet | Manager::Apt | Manager::Aptitude => Family::Apt,
        Manager::Apk => Family::Apk,
        Manager::Yum | Manager::Dnf | Manager::Microdnf => Family::Rpm,
        Manager::Zypper => Family::Zypper,
        Manager::Pip => Family::Pip,
        Manager::Yarn => Family::Yarn,
        _ => return None,
    })
}

/// `pip`, `apt-get`, … as the user wrote it (without directories).
fn label(pc: &PackageCommand<'_>) -> String {
    let name = match pc.manager {
        Manager::Pip => "pip",
        _ => pc.command.base_name(),
    };
    match pc.subcommand {
        Some(s) => format!("{name} {}", s.value),
        None => name.to_string(),
    }
}

impl Rule for PackageCache {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if !common::is_run(instr) || !common::in_image(ctx, index) {
            return;
        }
        let cmds = common::commands(ctx, index);
        let parsed: Vec<PackageCommand<'_>> = cmds.iter().filter_map(packages::parse).collect();
        let mut reported: Vec<Family> = Vec::new();
        for pc in &parsed {
            let Some(fam) = family(pc.manager) else {
                continue;
            };
            if reported.contains(&fam) {
                continue;
            }
            let sub = pc.subcommand.unwrap_or(&pc.command.name);
            let dirs = packages::cache_dirs(pc.manager);
            if common::cache_mounted(instr, dirs) || common::removes_any(cmds, dirs) {
                continue;
            }
            if fam == Family::Yarn && !common::yarn_installs(pc) {
                continue;
            }
            let finding = match fam {
                Family::Apt => {
                    // `apt-get dist-clean` (apt 2.7+) removes the lists too.
                    if pc.action != Action::Update
                        || cleans(&parsed, |p| {
                            family(p.manager) == Some(Family::Apt)
                                && p.subcommand.is_some_and(|s| s.value == "dist-clean")
                        })
                    {
                        continue;
                    }
                    ctx.finding(
                        &META,
                        sub.span,
                        format!(
                            "`{}` downloads package lists to /var/lib/apt/lists and this RUN does not remove them, so they stay in the image layer",
                            label(pc)
                        ),
                    )
                    .with_fix(advice(
                        "end the same RUN with `&& rm -rf /var/lib/apt/lists/*`, or use `--mount=type=cache,target=/var/lib/apt/lists`",
                    ))
                }
                Family::Apk => {
                    if pc.action != Action::Install || pc.has_option(None, &["no-cache"]) {
                        continue;
                    }
                    ctx.finding(
                        &META,
                        sub.span,
                        format!(
                            "`{}` without `--no-cache` leaves the package index in /var/cache/apk",
                            label(pc)
                        ),
                    )
                    .with_fix(insert_after(
                        sub,
                        " --no-cache",
                        "add `--no-cache`",
                        FixApplicability::Unsafe,
                    ))
                }
                Family::Rpm => {
                    if !matches!(pc.action, Action::Install | Action::Upgrade)
                        || cleans(&parsed, |p| {
                            family(p.manager) == Some(Family::Rpm)
                                && p.action == Action::Clean
                                && p.command.has_arg("all")
                        })
                    {
                        continue;
                    }
                    let mgr = pc.command.base_name();
                    ctx.finding(
                        &META,
                        sub.span,
                        format!(
                            "`{}` without `{mgr} clean all` in the same RUN leaves package metadata and downloads in {}",
                            label(pc),
                            dirs.first().copied().unwrap_or("/var/cache")
                        ),
                    )
                    .with_fix(advice(format!("end the same RUN with `&& {mgr} clean all`")))
                }
                Family::Zypper => {
                    if pc.action != Action::Install
                        || cleans(&parsed, |p| {
                            p.manager == Manager::Zypper
                                && p.subcommand
                                    .is_some_and(|s| matches!(s.value.as_str(), "clean" | "cc"))
                        })
                    {
                        continue;
                    }
                    ctx.finding(
                        &META,
                        sub.span,
                        format!(
                            "`{}` without `zypper clean` in the same RUN leaves packages and metadata in /var/cache/zypp",
                            label(pc)
                        ),
                    )
                    .with_fix(advice("end the same RUN with `&& zypper clean --all`"))
                }
                Family::Pip => {
                    if pc.action != Action::Install
                        || pc.has_option(None, &["no-cache-dir", "no-cache"])
                        || pip_cache_disabled(ctx, index, pc.command)
                        || cleans(&parsed, |p| {
                            p.manager == Manager::Pip
                                && p.subcommand.is_some_and(|s| s.value == "cache")
                                && p.command.has_arg("purge")
                        })
                    {
                        continue;
                    }
                    ctx.finding(
                        &META,
                        sub.span,
                        format!(
                            "`{}` without `--no-cache-dir` leaves downloaded packages in the pip cache (~/.cache/pip)",
                            label(pc)
                        ),
                    )
                    .with_fix(insert_after(
                        sub,
                        " --no-cache-dir",
                        "add `--no-cache-dir`",
                        FixApplicability::Safe,
                    ))
                }
                Family::Yarn => {
                    if pc.action != Action::Install
                        || cleans(&parsed, |p| {
                            p.manager == Manager::Yarn
                                && p.subcommand.is_some_and(|s| s.value == "cache")
                                && p.command.has_arg("clean")
                        })
                    {
                        continue;
                    }
                    ctx.finding(
                        &META,
                        sub.span,
                        format!(
                            "`{}` without `yarn cache clean` in the same RUN leaves the yarn cache in the image",
                            label(pc)
                        ),
                    )
                    .with_fix(advice(
                        "end the same RUN with `&& yarn cache clean`, or use `--mount=type=cache,target=/usr/local/share/.cache/yarn`",
                    ))
                }
            };
            reported.push(fam);
            out.push(finding);
        }
    }
}

fn cleans(parsed: &[PackageCommand<'_>], pred: impl Fn(&PackageCommand<'_>) -> bool) -> bool {
    parsed.iter().any(pred)
}

/// `PIP_NO_CACHE_DIR` set by ENV/ARG before the RUN, or on the command itself.
fn pip_cache_disabled(ctx: &Context<'_>, index: usize, cmd: &SimpleCommand) -> bool {
    let env = ctx.graph.env_before(ctx.df, index);
    env.get("PIP_NO_CACHE_DIR").is_some()
        || cmd.assignments.iter().any(|a| a.name == "PIP_NO_CACHE_DIR")
        || cmd
            .wrappers
            .iter()
            .flat_map(|w| w.args.iter())
            .any(|a| a.value.starts_with("PIP_NO_CACHE_DIR="))
}
