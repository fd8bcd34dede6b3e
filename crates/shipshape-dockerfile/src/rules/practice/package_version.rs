use super::common::{self, advice};
use crate::rules::packages::{self, Action, Manager};
use crate::rules::{Context, Instr, Out, Rule};
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1102",
    slug: "package-version-unpinned",
    summary: "Packages are installed without a pinned version",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[
        ("hadolint", "DL3008"),
        ("hadolint", "DL3013"),
        ("hadolint", "DL3016"),
        ("hadolint", "DL3018"),
        ("hadolint", "DL3028"),
        ("hadolint", "DL3033"),
        ("hadolint", "DL3037"),
        ("hadolint", "DL3041"),
        ("hadolint", "DL3062"),
    ],
    fix: None,
    docs: r#"## What it does
Reports install commands that name registry packages without a version:

| manager | pinned looks like |
|---|---|
| `apt-get`/`apt` `install` | `curl=7.88.1-10+deb12u8` |
| `apk add` | `curl=8.9.1-r0`, `curl~8.9` |
| `yum`/`dnf`/`microdnf`/`zypper` `install` | `httpd-2.4.62`, `httpd = 2.4.62` |
| `pip install` | `flask==3.0.3` (any version specifier or `name @ url`) |
| `npm install`, `yarn add`, `pnpm add` | `lodash@4.17.21` (a dist-tag such as `@latest` is not a pin) |
| `gem install` | `rails:7.1.3` or `-v 7.1.3` |
| `go install`, `go get` | `golang.org/x/tools/gopls@v0.16.2` (`@latest` is not a pin) |

Not reported: local files and paths (`./app.whl`, `.`, `/tmp/x.deb`), URLs and git references,
requirements and lock files (`pip install -r requirements.txt`, bare `npm install`, `npm ci`),
package groups (`dnf install @development-tools`), values only known at build time (`$PKGS`),
`pip install` under a constraints file (`-c`, `PIP_CONSTRAINT`), and upgrading the packaging
tools themselves (`pip install --upgrade pip setuptools wheel`). Every stage is checked: what a
builder stage installs shapes the artefacts it produces.

## Why it matters
Without versions, the same Dockerfile builds different images on different days: an upstream
release can break the build or the application, and a compromised release flows in unnoticed.
Pinned versions make builds repeatable and changes reviewable.

## How to fix
Pin versions, and let a bot (Renovate, Dependabot) propose updates. For OS packages, pinning the
base image by digest and installing from a dated snapshot mirror (snapshot.debian.org) is an
alternative to pinning each package, whose old versions distributions remove from their
archives.

## Example
```dockerfile
RUN apt-get install -y --no-install-recommends curl     # reported
RUN pip install --no-cache-dir flask==3.0.3             # pinned
RUN npm install -g pm2@latest                           # reported: a tag, not a version
```
"#,
};

shipshape_core::declare_rule!(PackageVersion);

const PACKAGING_TOOLS: [&str; 4] = ["pip", "setuptools", "wheel", "pip-tools"];

impl Rule for PackageVersion {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if !common::is_run(instr) || !common::posix_shell(ctx, index) {
            return;
        }
        for cmd in common::commands(ctx, index) {
            if let Some(f) = go_install(ctx, cmd) {
                out.push(f);
                continue;
            }
            let Some(pc) = packages::parse(cmd) else {
                continue;
            };
            if pc.action != Action::Install {
                continue;
            }
            let skip = match pc.manager {
                Manager::Npm => pc.subcommand.is_some_and(|s| s.value == "ci"),
                Manager::Yarn | Manager::Pnpm => pc.subcommand.is_none_or(|s| s.value != "add"),
                Manager::Gem => pc.has_option(Some('v'), &["version"]),
                Manager::Pip => {
                    pc.has_option(Some('c'), &["constraint"])
                        || ctx
                            .graph
                            .env_before(ctx.df, index)
                            .get("PIP_CONSTRAINT")
                            .is_some()
                }
                _ => false,
            };
            if skip {
                continue;
            }
            let upgrading = pc.manager == Manager::Pip && pc.has_option(Some('U'), &["upgrade"]);
            let unpinned: Vec<_> = pc
                .packages
                .iter()
                .filter(|w| packages::is_pinned(pc.manager, &w.value) == Some(false))
                .filter(|w| {
                    !(upgrading
                        && PACKAGING_TOOLS
                            .contains(&packages::package_name(pc.manager, &w.value).as_str()))
                })
                .collect();
            if unpinned.is_empty() {
                continue;
            }
            let names: Vec<String> = unpinned.iter().map(|w| w.value.clone()).collect();
            let span = common::cover(unpinned.iter().map(|w| w.span), cmd.span);
            let what = match pc.manager {
                Manager::Pip => "pip install",
                _ => pc.manager.name(),
            };
            let label = match (pc.manager, pc.subcommand) {
                (Manager::Pip, _) => what.to_string(),
                (_, Some(s)) => format!("{what} {}", s.value),
                (_, None) => what.to_string(),
            };
            let example = match pc.manager {
                Manager::AptGet | Manager::Apt | Manager::Aptitude => "`name=version`",
                Manager::Apk => "`name=version` or `name~major.minor`",
                Manager::Pip => "`name==version`",
                Manager::Npm | Manager::Yarn | Manager::Pnpm => "`name@version`",
                Manager::Gem => "`name:version` or `-v version`",
                _ => "`name-version`",
            };
            let noun = if names.len() == 1 {
                "a package"
            } else {
                "packages"
            };
            out.push(
                ctx.finding(
                    &META,
                    span,
                    format!(
                        "`{label}` installs {noun} without a pinned version: {}",
                        common::list(&names, 4)
                    ),
                )
                .with_fix(advice(format!(
                    "pin each version as {example}, and let a bot propose updates"
                ))),
            );
        }
    }
}

/// `go install` / `go get` of a module without `@version`, or with a branch-like `@latest`/`@master`/`@main`.
fn go_install(ctx: &Context<'_>, cmd: &crate::shell::SimpleCommand) -> Option<Finding> {
    let sub = cmd.args.first().map(|a| a.value.as_str());
    if cmd.base_name() != "go" || !matches!(sub, Some("install" | "get")) {
        return None;
    }
    let sub = sub.unwrap_or("install");
    let unpinned: Vec<_> = cmd.args[1..]
        .iter()
        .filter(|a| {
            let v = a.value.as_str();
            !v.starts_with(['-', '.', '/']) && !a.has_expansion() && v.contains('/')
        })
        .filter(|a| match a.value.split_once('@') {
            None => true,
            Some((_, ver)) => matches!(ver, "latest" | "master" | "main" | "HEAD"),
        })
        .collect();
    if unpinned.is_empty() {
        return None;
    }
    let names: Vec<String> = unpinned.iter().map(|w| w.value.clone()).collect();
    Some(
        ctx.finding(
            &META,
            common::cover(unpinned.iter().map(|w| w.span), cmd.span),
            format!(
                "`go {sub}` installs a module without a pinned version: {}",
                common::list(&names, 4)
            ),
        )
        .with_fix(advice("pin each module as `path@vX.Y.Z`")),
    )
}
