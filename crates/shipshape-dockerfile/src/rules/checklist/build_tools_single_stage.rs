use super::common::{
    advice, final_chain_base_first, installed_packages, is_interactive_image, tool_kind, ToolKind,
};
use super::tools_in_final_image::is_single_stage;
use crate::rules::{Context, Out, Rule};
use crate::shell::SimpleCommand;
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1011",
    slug: "build-tools-single-stage",
    summary: "A single-stage build installs build tools or compiles in the image it ships",
    severity: Severity::Medium,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Dockerfile,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Reports a Dockerfile whose final image is built without a separate build stage (every stage the
build runs is one the final image is built `FROM`) and that:

- installs build tools with the OS package manager and does not remove them: compilers
  (`gcc`, `g++`, `clang`), `make`, `cmake`, `build-essential`, `build-base`, `*-dev`/`*-devel`
  headers, `golang`, `cargo` (and `git` alongside them: `git` alone is usually a run-time need
  of CI agents and GitOps tools); or
- compiles in place: `go build`, `cargo build`, `mvn package`/`install`/`verify`,
  `gradle build`/`assemble` (and `./gradlew`), `dotnet build`/`publish`.

One finding per Dockerfile, at the first piece of evidence, listing the tools. Toolbox and
development images (an interactive-shell command, or no command on an OS, language or toolchain
base) are not reported, as in SS1010. Removal is
recognised as in SS1010 (`apk del` of a `--virtual` group, `apt-get purge`, Debian's
`apt-mark auto` idiom).

## Why it matters
The compilers, headers, source tree and build caches end up in the shipped image: it is several
times larger, exposes a toolchain to an intruder, and its vulnerability report is dominated by
packages the application never uses.

## How to fix
Split the Dockerfile: build in a full image, copy only the artifacts into a minimal one.

```dockerfile
FROM python:3.12 AS build
RUN pip wheel --wheel-dir /wheels -r requirements.txt
FROM python:3.12-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*
```

## Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y gcc libpq-dev   # reported at `gcc`
RUN pip install psycopg2
```
"#,
};

/// A command that compiles the project in place.
fn build_command(cmd: &SimpleCommand) -> Option<(String, crate::Span)> {
    let first = cmd.args.iter().find(|a| !a.value.starts_with('-'))?;
    let sub = first.value.as_str();
    let name = cmd.base_name();
    let hit = match name {
        "go" => matches!(sub, "build" | "install"),
        "cargo" => matches!(sub, "build" | "install"),
        "mvn" | "mvnw" | "gradle" | "gradlew" => {
            let goal = cmd.args.iter().find(|a| {
                matches!(
                    a.value.as_str(),
                    "package"
                        | "install"
                        | "verify"
                        | "build"
                        | "assemble"
                        | "installDist"
                        | "bootJar"
                        | "shadowJar"
                )
            })?;
            return Some((
                format!("{name} {}", goal.value),
                cmd.name.span.cover(goal.span),
            ));
        }
        "dotnet" => matches!(sub, "build" | "publish"),
        _ => false,
    };
    hit.then(|| (format!("{name} {sub}"), cmd.name.span.cover(first.span)))
}

shipshape_core::declare_rule!(BuildToolsSingleStage);

impl Rule for BuildToolsSingleStage {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        if !is_single_stage(ctx) || is_interactive_image(ctx) {
            return;
        }
        let chain = final_chain_base_first(ctx);
        let tools: Vec<_> = installed_packages(ctx, &chain)
            .into_iter()
            .filter(|p| tool_kind(&p.name) == Some(ToolKind::Build))
            .collect();
        // `git` alone is usually a run-time need (CI agents, GitOps tools), not a build.
        let only_git = tools.iter().all(|t| t.name == "git");
        if let Some(first) = tools.first().filter(|_| !only_git) {
            let mut names: Vec<String> = Vec::new();
            for t in &tools {
                if !names.contains(&t.name) {
                    names.push(t.name.clone());
                }
            }
            let shown: Vec<String> = names.iter().take(6).map(|n| format!("`{n}`")).collect();
            let more = if names.len() > 6 {
                format!(" and {} more", names.len() - 6)
            } else {
                String::new()
            };
            out.push(
                ctx.finding(
                    &META,
                    first.word.span,
                    format!(
                        "single-stage build: the shipped image keeps the build tools {}{more}",
                        shown.join(", ")
                    ),
                )
                .with_fix(advice(
                    "use a multi-stage build: install the tools and compile in a build stage, copy only the artifacts into a slim final stage",
                )),
            );
            return;
        }
        for stage in &chain {
            for (index, instr) in ctx.stage_instructions(stage) {
                if !matches!(instr.kind, InstructionKind::Run(_)) {
                    continue;
                }
                for cmd in ctx.commands.get(index).into_iter().flatten() {
                    if let Some((what, span)) = build_command(cmd) {
                        out.push(
                            ctx.finding(
                                &META,
                                span,
                                format!(
                                    "single-stage build: `{what}` compiles in the image that ships, with its toolchain and sources"
                                ),
                            )
                            .with_fix(advice(
                                "use a multi-stage build: compile in a build stage and copy only the binary into a minimal final stage",
                            )),
                        );
                        return;
                    }
                }
            }
        }
    }
}
