use super::common::{
    advice, final_chain_base_first, installed_packages, is_interactive_image, tool_kind, ToolKind,
};
use crate::rules::{Context, Out, Rule};
use crate::shell;
use crate::stages::Stage;
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1010",
    slug: "tools-in-final-image",
    summary: "The final image keeps network tools, debuggers or compilers it installed",
    severity: Severity::Medium,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Dockerfile,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Reports operating-system packages installed by the stages the final image is built from, and
not removed later in them, that give an intruder tools:

- network tools: `curl`, `wget`, `netcat`/`nc`/`ncat`, `socat`, `nmap`, `telnet`, `ssh`
  clients and servers, `ftp`, `tcpdump`;
- debuggers and tracers: `gdb`, `strace`, `ltrace`, `valgrind`;
- build tools: compilers (`gcc`, `g++`, `clang`), `make`, `cmake`, `build-essential`,
  `build-base`, `*-dev`/`*-devel` headers, `git`, `golang`, `cargo` — only when the Dockerfile
  already has a separate build stage (for single-stage builds, SS1011 reports them once, with
  the multi-stage fix).

A package counts as removed when a later command uninstalls it by name, when it was installed
with `apk add --virtual NAME` and `apk del NAME` runs later, or when the same RUN uses Debian's
`apt-mark auto` … `apt-get purge --auto-remove` idiom. A tool that the image's own
`HEALTHCHECK`, `CMD` or `ENTRYPOINT` runs (`HEALTHCHECK CMD curl -f …`) is not reported.
Shells and the base image's package manager are not reported: every non-distroless base ships
them; SS1009 covers the choice of base.

Toolbox and development images are not reported: images whose command is an interactive shell
or a language REPL (`CMD ["bash"]`, `CMD ["php", "-a"]`, `CMD ["jshell"]`), dev-container images,
and images that set no command and are built on an OS, language or toolchain image (whose
default command is a shell or a REPL) — their tools are the point.

The package word in the install command is reported.

## Why it matters
After a compromise, `curl`/`wget` fetch the second stage, `nc`/`socat` open reverse shells, and a
compiler builds exploits in place. Debuggers attach to other processes. None of these are needed
to run a typical service, and each adds CVEs to triage.

## How to fix
Install tools in a build stage and copy only the result, or remove them in the same RUN:

```dockerfile
RUN apk add --no-cache --virtual .fetch curl \
 && curl -fsSLo /usr/local/bin/tini https://example.com/tini \
 && apk del .fetch
```

Health checks can often use the application itself or busybox `wget` instead of `curl`.

## Example
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .
FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl netcat-openbsd  # both reported
COPY --from=build /out/app /app
```
"#,
};

/// Names of the commands the image runs by itself (health check, entrypoint, command).
pub fn runtime_commands(ctx: &Context<'_>, chain: &[&Stage]) -> Vec<String> {
    let mut out = Vec::new();
    for stage in chain {
        for (_, instr) in ctx.stage_instructions(stage) {
            if matches!(
                instr.kind,
                InstructionKind::Healthcheck(_)
                    | InstructionKind::Cmd(_)
                    | InstructionKind::Entrypoint(_)
            ) {
                out.extend(
                    shell::commands(instr)
                        .iter()
                        .map(|c| c.base_name().to_string()),
                );
            }
        }
    }
    out
}

/// Whether the final image is built without a separate build stage: every stage the build runs
/// is one the final image is built `FROM`.
pub fn is_single_stage(ctx: &Context<'_>) -> bool {
    let chain: Vec<usize> = ctx.final_chain().iter().map(|s| s.index).collect();
    ctx.graph
        .required_stages()
        .iter()
        .all(|s| chain.contains(s))
}

/// Package names whose command has another name.
fn provides(package: &str) -> &str {
    match package {
        "netcat" | "netcat-openbsd" | "netcat-traditional" => "nc",
        "nmap-ncat" => "ncat",
        "openssh-client" | "openssh-clients" => "ssh",
        "inetutils-telnet" => "telnet",
        p => p,
    }
}

shipshape_core::declare_rule!(ToolsInFinalImage);

impl Rule for ToolsInFinalImage {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        if is_interactive_image(ctx) {
            return;
        }
        let chain = final_chain_base_first(ctx);
        let single = is_single_stage(ctx);
        let used = runtime_commands(ctx, &chain);
        for p in installed_packages(ctx, &chain) {
            let Some(kind) = tool_kind(&p.name) else {
                continue;
            };
            if kind == ToolKind::Build && single {
                continue;
            }
            if used.iter().any(|u| u == provides(&p.name)) {
                continue;
            }
            let why = match kind {
                ToolKind::Network => "an intruder can use it to download payloads or open connections",
                ToolKind::Debugger => "it can attach to and inspect other processes",
                ToolKind::Build => "build tools and headers in the runtime image add CVEs and let an intruder compile code in place",
            };
            out.push(
                ctx.finding(
                    &META,
                    p.word.span,
                    format!(
                        "the final image keeps the {} `{}` (installed here, never removed): {why}",
                        kind.describe(),
                        p.name,
                    ),
                )
                .with_fix(advice(match kind {
                    ToolKind::Build => {
                        "install build tools in the build stage only and copy the artifacts"
                    }
                    _ => "remove it in the same RUN after use, or use it in a build stage only",
                })),
            );
        }
    }
}
