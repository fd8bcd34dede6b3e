use super::common::{self, advice};
use crate::rules::packages::{self, Action};
use crate::rules::{Context, Out, Rule};
use crate::{Span, Word};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1117",
    slug: "curl-and-wget",
    summary: "Both curl and wget are installed in the final image",
    severity: Severity::Low,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL4001"), ("trivy", "DS014")],
    fix: None,
    docs: r#"## What it does
Reports a final image (the final stage and the stages whose files end up in it) whose RUN
instructions install both the `curl` and the `wget` packages with a package manager, unless one
of them is removed again (`apt-get purge`, `apk del`, …).

Unlike hadolint, which reports any *use* of both commands, only installations are counted: a
`wget` that comes with the base image (busybox's, on Alpine) costs nothing, and tools used in
builder stages never reach the image.

## Why it matters
Two HTTP clients do the same job; each brings its own libraries and its own vulnerabilities to
patch. One is enough, and often neither is needed at run time.

## How to fix
Pick one (and remove it at the end of the RUN that needed it, if the application does not use
it), or download in a builder stage and copy only the result.

## Example
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl wget   # reported
```
"#,
};

shipshape_core::declare_rule!(CurlWget);

impl Rule for CurlWget {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        let stages = common::image_stages(ctx);
        let mut installed: [Option<Span>; 2] = [None, None];
        let mut removed = [false, false];
        let tools = ["curl", "wget"];
        for (index, instr) in ctx.df.instructions.iter().enumerate() {
            if !common::is_run(instr)
                || !ctx
                    .graph
                    .stage_of(index)
                    .is_some_and(|s| stages.contains(&s))
            {
                continue;
            }
            let cmds = common::commands(ctx, index);
            let parsed: Vec<_> = cmds.iter().filter_map(packages::parse).collect();
            // `apt-mark auto … && apt-get purge --auto-remove` drops everything this RUN
            // installed that nothing depends on; `apk del <virtual>` drops a virtual group.
            let auto_removed = cmds
                .iter()
                .any(|c| c.base_name() == "apt-mark" && c.has_arg("auto"))
                && parsed.iter().any(|p| {
                    p.action == Action::Remove
                        && (p.command.has_option(None, Some("auto-remove"))
                            || p.subcommand.is_some_and(|s| s.value == "autoremove"))
                });
            let deleted: Vec<&str> = parsed
                .iter()
                .filter(|p| p.action == Action::Remove)
                .flat_map(|p| p.packages.iter().map(|w| w.value.as_str()))
                .collect();
            for pc in &parsed {
                let virtual_group = pc
                    .command
                    .args
                    .iter()
                    .position(|a| a.value == "--virtual" || a.value == "-t")
                    .and_then(|i| pc.command.args.get(i + 1))
                    .is_some_and(|v| deleted.contains(&v.value.as_str()));
                for w in &pc.packages {
                    let name = packages::package_name(pc.manager, &w.value);
                    let Some(t) = tools.iter().position(|t| *t == name) else {
                        continue;
                    };
                    match pc.action {
                        Action::Install if auto_removed || virtual_group => removed[t] = true,
                        Action::Install => {
                            let w: &Word = w;
                            installed[t].get_or_insert(w.span);
                        }
                        Action::Remove => removed[t] = true,
                        _ => {}
                    }
                }
            }
        }
        let (Some(curl), Some(wget)) = (installed[0], installed[1]) else {
            return;
        };
        if removed[0] || removed[1] {
            return;
        }
        let (second, first, name, other) = if wget.start > curl.start {
            (wget, curl, "wget", "curl")
        } else {
            (curl, wget, "curl", "wget")
        };
        let line = ctx.file.line_col(first.start).0;
        out.push(
            ctx.finding(
                &META,
                second,
                format!("`{name}` is installed in the final image next to `{other}` (line {line}): one HTTP client is enough"),
            )
            .with_fix(advice(format!("install only one of them, e.g. drop `{name}`"))),
        );
    }
}
