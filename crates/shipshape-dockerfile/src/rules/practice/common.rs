//! Helpers shared by the build-practice rules: which stages end up in the final image, which
//! shell runs a RUN, cache mounts, and small fix builders.

use crate::rules::Context;
use crate::shell::SimpleCommand;
use crate::stages::{BaseRef, RefKind, RefTarget};
use crate::{Instruction, InstructionKind, Span, Word};
use shipshape_core::finding::Edit;
use shipshape_core::{Fix, FixApplicability};

/// The shell commands of instruction `index` (empty for anything but a RUN).
pub fn commands<'a>(ctx: &Context<'a>, index: usize) -> &'a [SimpleCommand] {
    ctx.commands.get(index).map_or(&[], Vec::as_slice)
}

/// A plain (not `ONBUILD`) RUN instruction.
pub fn is_run(instr: &Instruction) -> bool {
    matches!(instr.kind, InstructionKind::Run(_))
}

/// Stages whose filesystem ends up in the final image: the final stage, the stages it is built
/// `FROM`, and stages copied wholesale into one of those (`COPY --from=x / /`). Stages only
/// partly copied (`COPY --from=build /out/app /app`) do not count: what they leave behind (package
/// caches, build tools) never reaches the image.
pub fn image_stages(ctx: &Context<'_>) -> Vec<usize> {
    let mut set: Vec<usize> = ctx.final_chain().iter().map(|s| s.index).collect();
    loop {
        let mut added = false;
        for r in &ctx.graph.from_refs {
            let RefTarget::Stage(t) = r.target else {
                continue;
            };
            if r.kind != RefKind::Copy || !set.contains(&r.stage) || set.contains(&t) {
                continue;
            }
            let wholesale = match ctx.df.instructions.get(r.instruction).map(|i| &i.kind) {
                Some(InstructionKind::Copy(c)) => c
                    .sources
                    .iter()
                    .any(|s| matches!(s.word.value.as_str(), "/" | "/." | "/*" | ".")),
                _ => false,
            };
            if wholesale {
                // The copied stage and everything it is built on.
                let mut cur = Some(t);
                while let Some(s) = cur {
                    if set.contains(&s) {
                        break;
                    }
                    set.push(s);
                    cur = match ctx.graph.stages.get(s).map(|st| &st.base_ref) {
                        Some(BaseRef::Stage(b)) => Some(*b),
                        _ => None,
                    };
                }
                added = true;
            }
        }
        if !added {
            return set;
        }
    }
}

/// Whether instruction `index` leaves its files in the final image (see [`image_stages`]).
pub fn in_image(ctx: &Context<'_>, index: usize) -> bool {
    ctx.graph
        .stage_of(index)
        .is_some_and(|s| image_stages(ctx).contains(&s))
}

/// The `SHELL` in force for instruction `index` (its own stage first, then the stages it is
/// built from); `None` means the default `/bin/sh -c`.
pub fn shell_before<'a>(ctx: &Context<'a>, index: usize) -> Option<&'a [Word]> {
    let mut stage = ctx.graph.stages.get(ctx.graph.stage_of(index)?)?;
    let mut end = index;
    for _ in 0..ctx.graph.stages.len() + 1 {
        for i in (stage.instructions.start..end.min(stage.instructions.end)).rev() {
            if let Some(InstructionKind::Shell(s)) = ctx.df.instructions.get(i).map(|i| &i.kind) {
                return Some(&s.args);
            }
        }
        match stage.base_ref {
            BaseRef::Stage(b) if b != stage.index => {
                stage = ctx.graph.stages.get(b)?;
                end = stage.instructions.end;
            }
            _ => return None,
        }
    }
    None
}

const POSIX_SHELLS: [&str; 8] = ["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"];

/// Whether RUN instruction `index` is run by a POSIX shell (the default `/bin/sh -c`, or a
/// `SHELL` naming one). Windows images (`cmd` by default) and PowerShell are not.
pub fn posix_shell(ctx: &Context<'_>, index: usize) -> bool {
    match shell_before(ctx, index) {
        Some(args) => args.first().is_some_and(|w| {
            let base = w.value.rsplit(['/', '\\']).next().unwrap_or(&w.value);
            POSIX_SHELLS.contains(&base)
        }),
        None => !windows_base(ctx, index),
    }
}

/// Whether the stage of `index` is built on a Windows image (whose default shell is `cmd`).
fn windows_base(ctx: &Context<'_>, index: usize) -> bool {
    let Some(mut stage) = ctx
        .graph
        .stage_of(index)
        .and_then(|s| ctx.graph.stages.get(s))
    else {
        return false;
    };
    for _ in 0..ctx.graph.stages.len() + 1 {
        match &stage.base_ref {
            BaseRef::Stage(b) if *b != stage.index => match ctx.graph.stages.get(*b) {
                Some(s) => stage = s,
                None => return false,
            },
            BaseRef::Image(r) => {
                let r = r.to_ascii_lowercase();
                return ["windows", "nanoserver", "servercore", "ltsc20"]
                    .iter()
                    .any(|w| r.contains(w));
            }
            _ => return false,
        }
    }
    false
}

/// Whether a RUN has a `--mount=type=cache` (or `tmpfs`) over one of `dirs`, or over a parent
/// or a child of one of them.
pub fn cache_mounted(instr: &Instruction, dirs: &[&str]) -> bool {
    let InstructionKind::Run(run) = &instr.effective().kind else {
        return false;
    };
    run.mounts.iter().any(|m| {
        if !m.kind.eq_ignore_ascii_case("cache") && !m.kind.eq_ignore_ascii_case("tmpfs") {
            return false;
        }
        let Some(target) = m.target.as_deref() else {
            return false;
        };
        let t = target.trim_end_matches('/');
        dirs.iter().any(|d| {
            let d = d.trim_end_matches('/');
            d == t
                || d.strip_prefix(t).is_some_and(|r| r.starts_with('/'))
                || t.strip_prefix(d).is_some_and(|r| r.starts_with('/'))
                || t.is_empty()
        })
    })
}

/// Whether some `rm` (or `find … -delete`) in `cmds` removes a path under one of `dirs`.
pub fn removes_any(cmds: &[SimpleCommand], dirs: &[&str]) -> bool {
    cmds.iter().any(|c| {
        let name = c.base_name();
        let removes = name == "rm" || (name == "find" && c.has_arg("-delete"));
        removes
            && c.args.iter().any(|a| {
                let v = a.value.trim_end_matches(['*', '/']);
                dirs.iter().any(|d| {
                    let d = d.trim_end_matches('/');
                    v == d
                        || v.strip_prefix(d).is_some_and(|r| r.starts_with('/'))
                        || d.strip_prefix(v).is_some_and(|r| r.starts_with('/')) && v.len() > 1
                })
            })
    })
}

/// A fix that inserts `text` right after `word` (e.g. ` --no-cache-dir` after `install`).
pub fn insert_after(
    word: &Word,
    text: &str,
    description: impl Into<String>,
    applicability: FixApplicability,
) -> Fix {
    Fix {
        description: description.into(),
        applicability,
        edits: vec![Edit {
            start: word.span.end,
            end: word.span.end,
            replacement: text.to_string(),
        }],
    }
}

/// A fix in words only.
pub fn advice(description: impl Into<String>) -> Fix {
    Fix {
        description: description.into(),
        applicability: FixApplicability::DisplayOnly,
        edits: Vec::new(),
    }
}

/// The span from the first to the last of `spans` (`fallback` when empty).
pub fn cover(spans: impl IntoIterator<Item = Span>, fallback: Span) -> Span {
    spans.into_iter().reduce(Span::cover).unwrap_or(fallback)
}

/// Whether a word's text is a literal: no expansion, no quotes, no escapes, so its span can be
/// edited as written.
pub fn is_plain(word: &Word) -> bool {
    !word.has_expansion() && word.raw == word.value && word.span.len() == word.raw.len()
}

/// A short list of names for messages: `a`, `b`, `c` and 4 more.
pub fn list(names: &[String], max: usize) -> String {
    let shown: Vec<String> = names.iter().take(max).map(|n| format!("`{n}`")).collect();
    let mut s = shown.join(", ");
    if names.len() > max {
        s.push_str(&format!(" and {} more", names.len() - max));
    }
    s
}

/// `C:\x`, `c:/x`, `\x`: absolute on Windows.
pub fn windows_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with('\\') || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Whether a `yarn` command installs dependencies: `yarn install`, `yarn add`, or a bare `yarn`
/// that is not `yarn --version` / `yarn --help`.
pub fn yarn_installs(pc: &crate::rules::packages::PackageCommand<'_>) -> bool {
    match pc.subcommand {
        Some(s) => matches!(s.value.as_str(), "install" | "add"),
        None => !pc.command.args.iter().any(|a| {
            matches!(
                a.value.as_str(),
                "--version" | "-v" | "-V" | "--help" | "-h"
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::analyse::{analyse, DockerfileInput};
    use shipshape_core::config::DockerfileOptions;
    use shipshape_core::SourceFile;

    /// Applies every edit of the findings of `code` to `src` (edits do not overlap here).
    fn fixed(src: &str, code: &str) -> String {
        let file = SourceFile::new("Dockerfile", src.to_string());
        let options = DockerfileOptions::default();
        let today: jiff::civil::Date = "2026-01-01".parse().expect("date");
        let analysis = analyse(&DockerfileInput {
            file: &file,
            dockerignore: None,
            context_files: crate::ContextFiles::Unknown,
            options: &options,
            today,
            read_context: None,
            deployments: &[],
        });
        let mut edits: Vec<_> = analysis
            .findings
            .iter()
            .filter(|f| f.rule == code)
            .filter_map(|f| f.fix.as_ref())
            .flat_map(|f| f.edits.iter().cloned())
            .collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.start));
        let mut out = src.to_string();
        for e in edits {
            out.replace_range(e.start..e.end, &e.replacement);
        }
        out
    }

    #[test]
    fn edits_produce_the_suggested_text() {
        let src = "FROM python:3.12-alpine\nRUN apk add curl && pip install flask==3.0.3\n";
        assert_eq!(
            fixed(src, "SS1101"),
            "FROM python:3.12-alpine\nRUN apk add --no-cache curl && pip install --no-cache-dir flask==3.0.3\n"
        );
        let src = "FROM debian:12\nRUN apt install -y curl\n";
        assert_eq!(
            fixed(src, "SS1105"),
            "FROM debian:12\nRUN apt-get install -y curl\n"
        );
        let src = "FROM debian:12\nRUN apt-get install \\\n  curl\n";
        assert_eq!(
            fixed(src, "SS1104"),
            "FROM debian:12\nRUN apt-get install --no-install-recommends \\\n  curl\n"
        );
        assert_eq!(
            fixed(src, "SS1103"),
            "FROM debian:12\nRUN apt-get install -y \\\n  curl\n"
        );
        let src = "FROM node:22\nCMD node server.js --port=80\n";
        assert_eq!(
            fixed(src, "SS1108"),
            "FROM node:22\nCMD [\"node\", \"server.js\", \"--port=80\"]\n"
        );
        let src = "FROM debian:12\nMAINTAINER Jane \"JD\" Doe\n";
        assert_eq!(
            fixed(src, "SS1115"),
            "FROM debian:12\nLABEL org.opencontainers.image.authors=\"Jane \\\"JD\\\" Doe\"\n"
        );
        let src = "FROM debian:12\nADD a.py b.py /app\nRUN useradd -u 200000 app\n";
        assert_eq!(
            fixed(src, "SS1112"),
            "FROM debian:12\nADD a.py b.py /app/\nRUN useradd -u 200000 app\n"
        );
        assert_eq!(
            fixed(src, "SS1116"),
            "FROM debian:12\nCOPY a.py b.py /app\nRUN useradd -u 200000 app\n"
        );
        assert_eq!(
            fixed(src, "SS1118"),
            "FROM debian:12\nADD a.py b.py /app\nRUN useradd --no-log-init -u 200000 app\n"
        );
        let src = "FROM node:22\nCOPY package.json package-lock.json /app/\nRUN npm install\n";
        assert!(fixed(src, "SS1106").ends_with("RUN npm ci\n"));
    }
}
