use super::common::{self, advice};
use crate::rules::packages::{self, Manager};
use crate::rules::{Context, Instr, Out, Rule};
use crate::stages::BaseRef;
use crate::InstructionKind;
use shipshape_core::finding::Edit;
use shipshape_core::{ChecklistItem, Fix, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1106",
    slug: "npm-install-instead-of-ci",
    summary: "Dependencies are installed ignoring the lockfile that was copied in",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[],
    fix: Some(FixApplicability::Unsafe),
    docs: r#"## What it does
Reports, when the stage has copied a lockfile in (by `COPY`/`ADD`, including a glob such as
`package*.json`, or a bind mount):

- a bare `npm install` (no package arguments) with `package-lock.json` or `npm-shrinkwrap.json`;
- `yarn install` (or bare `yarn`) without `--frozen-lockfile` (Yarn 1) or `--immutable`
  (Yarn 2+), with `yarn.lock`;
- `pnpm install` without `--frozen-lockfile`, with `pnpm-lock.yaml`.

Yarn 2+ and pnpm default to a frozen lockfile when the `CI` environment variable is set, so
those are not reported when `CI` is set by `ENV` or `ARG`. When the lockfile only arrives with
a broad `COPY . .`, nothing is reported: the rule cannot tell whether there is one.

## Why it matters
`npm install` treats the lockfile as a hint: it may resolve newer versions than the ones
reviewed and locked, and rewrites the lockfile inside the image. `npm ci` installs exactly what
the lockfile says and fails when it is out of date with `package.json`, so the image contains
the dependencies that were tested.

## How to fix
```dockerfile
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
```
For Yarn 1 use `yarn install --frozen-lockfile`, for Yarn 2+ `yarn install --immutable`, for
pnpm `pnpm install --frozen-lockfile`. The suggested edit replaces `npm install` with `npm ci`
(unsafe: `npm ci` removes an existing `node_modules` and fails on an outdated lockfile).

## Example
```dockerfile
COPY package*.json ./
RUN npm install          # reported: use npm ci
```
"#,
};

shipshape_core::declare_rule!(NpmCi);

fn glob_matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains(['*', '?', '[']) {
        return pattern == name;
    }
    globset::Glob::new(pattern).is_ok_and(|g| g.compile_matcher().is_match(name))
}

/// Whether the stage of `index` (or a stage it is built on) copied in a file named one of `names`
/// before `index`.
fn lockfile_copied(ctx: &Context<'_>, index: usize, names: &[&str]) -> bool {
    let Some(mut stage) = ctx
        .graph
        .stage_of(index)
        .and_then(|s| ctx.graph.stages.get(s))
    else {
        return false;
    };
    let mut end = index;
    for _ in 0..=ctx.graph.stages.len() {
        for i in stage.instructions.start..end.min(stage.instructions.end) {
            let Some(ins) = ctx.df.instructions.get(i) else {
                continue;
            };
            let sources: Vec<&str> = match &ins.kind {
                InstructionKind::Copy(c) | InstructionKind::Add(c) => {
                    c.sources.iter().map(|s| s.word.value.as_str()).collect()
                }
                InstructionKind::Run(r) => r
                    .mounts
                    .iter()
                    .filter_map(|m| m.source.as_deref())
                    .collect(),
                _ => Vec::new(),
            };
            let hit = sources.iter().any(|src| {
                let base = src.trim_end_matches('/').rsplit('/').next().unwrap_or(src);
                names.iter().any(|n| glob_matches(base, n))
            });
            if hit {
                return true;
            }
        }
        match stage.base_ref {
            BaseRef::Stage(b) if b != stage.index => match ctx.graph.stages.get(b) {
                Some(s) => {
                    stage = s;
                    end = s.instructions.end;
                }
                None => return false,
            },
            _ => return false,
        }
    }
    false
}

impl Rule for NpmCi {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if !common::is_run(instr) || !common::posix_shell(ctx, index) {
            return;
        }
        let mut ci_env = None;
        for cmd in common::commands(ctx, index) {
            let Some(pc) = packages::parse(cmd) else {
                continue;
            };
            let sub = pc.subcommand.map(|s| s.value.as_str());
            let finding = match pc.manager {
                Manager::Npm => {
                    let Some(word) = pc.subcommand else { continue };
                    if !matches!(sub, Some("install" | "i"))
                        || !pc.packages.is_empty()
                        || pc.has_option(Some('g'), &["global"])
                        || !lockfile_copied(
                            ctx,
                            index,
                            &["package-lock.json", "npm-shrinkwrap.json"],
                        )
                    {
                        continue;
                    }
                    let fix = if common::is_plain(word) {
                        Fix {
                            description: "use `npm ci` (with `--omit=dev` for production)".into(),
                            applicability: FixApplicability::Unsafe,
                            edits: vec![Edit {
                                start: word.span.start,
                                end: word.span.end,
                                replacement: "ci".into(),
                            }],
                        }
                    } else {
                        advice("use `npm ci`")
                    };
                    ctx.finding(
                        &META,
                        word.span,
                        format!(
                            "`npm {}` with a lockfile copied in may resolve versions other than the locked ones: use `npm ci`",
                            word.value
                        ),
                    )
                    .with_fix(fix)
                }
                Manager::Yarn | Manager::Pnpm => {
                    let yarn = pc.manager == Manager::Yarn;
                    let installs = if yarn {
                        matches!(sub, None | Some("install")) && common::yarn_installs(&pc)
                    } else {
                        matches!(sub, Some("install" | "i"))
                    };
                    if !installs
                        || pc.has_option(None, &["frozen-lockfile", "immutable"])
                        || *ci_env.get_or_insert_with(|| {
                            ctx.graph.env_before(ctx.df, index).get("CI").is_some()
                        })
                    {
                        continue;
                    }
                    let lock = if yarn { "yarn.lock" } else { "pnpm-lock.yaml" };
                    if !lockfile_copied(ctx, index, &[lock]) {
                        continue;
                    }
                    let span = pc.subcommand.map_or(cmd.name.span, |s| s.span);
                    let label = match pc.subcommand {
                        Some(s) => format!("{} {}", cmd.base_name(), s.value),
                        None => cmd.base_name().to_string(),
                    };
                    let (flag, fix) = if yarn {
                        (
                            "`--frozen-lockfile` (Yarn 1) or `--immutable` (Yarn 2+)",
                            "add `--frozen-lockfile` (Yarn 1) or `--immutable` (Yarn 2+)",
                        )
                    } else {
                        ("`--frozen-lockfile`", "add `--frozen-lockfile`")
                    };
                    ctx.finding(
                        &META,
                        span,
                        format!(
                            "`{label}` without {flag} may update `{lock}` instead of installing the locked versions"
                        ),
                    )
                    .with_fix(advice(fix))
                }
                _ => continue,
            };
            out.push(finding);
        }
    }
}
