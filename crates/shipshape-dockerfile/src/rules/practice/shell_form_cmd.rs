use super::common;
use crate::rules::{Context, Out, Rule};
use crate::{CommandForm, InstructionKind, Keyword};
use shipshape_core::finding::Edit;
use shipshape_core::{ChecklistItem, Fix, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1108",
    slug: "shell-form-entrypoint",
    summary: "The image's CMD or ENTRYPOINT uses the shell form",
    severity: Severity::Low,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3025")],
    fix: Some(FixApplicability::Unsafe),
    docs: r#"## What it does
Reports the `CMD` and `ENTRYPOINT` the final image starts with (the last ones along the final
stage and the stages it is built on) when they use the shell form (`CMD python app.py`) instead
of the exec form (`CMD ["python", "app.py"]`).

Not reported: a shell form that starts with `exec` (the shell replaces itself with the program),
`CMD`/`ENTRYPOINT` of builder stages (they never run), and Windows images.

## Why it matters
The shell form runs `/bin/sh -c "<command>"`: the shell is PID 1, and the application never
receives the `SIGTERM` of `docker stop` or a Kubernetes rollout, so it is killed after the
grace period instead of shutting down cleanly. The image also needs `/bin/sh`, which minimal
and distroless images lack. A shell-form `ENTRYPOINT` ignores `CMD` and `docker run` arguments
entirely.

## How to fix
Use the JSON array form. When shell features are needed (variables, `&&`), end with `exec`:
`CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:$PORT app:app"]`. The suggested edit converts
simple commands (plain words only) to the exec form; it is unsafe because the program then runs
without a shell.

## Example
```dockerfile
CMD node server.js            # reported
CMD ["node", "server.js"]     # fine
```
"#,
};

shipshape_core::declare_rule!(ShellFormCmd);

fn simple_words(text: &str) -> Option<Vec<&str>> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let ok = !words.is_empty()
        && words.iter().all(|w| {
            w.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '_' | '.' | '/' | ':' | '=' | ',' | '@' | '+' | '%' | '-')
            })
        });
    ok.then_some(words)
}

impl Rule for ShellFormCmd {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        let chain = ctx.final_chain();
        let mut seen_cmd = false;
        let mut seen_entry = false;
        for stage in &chain {
            let mut last = [None, None];
            for (i, ins) in ctx.stage_instructions(stage) {
                match ins.keyword {
                    Keyword::Cmd if !seen_cmd => last[0] = Some((i, ins)),
                    Keyword::Entrypoint if !seen_entry => last[1] = Some((i, ins)),
                    _ => {}
                }
            }
            for (i, ins) in last.into_iter().flatten() {
                let is_cmd = ins.keyword == Keyword::Cmd;
                if is_cmd {
                    seen_cmd = true;
                } else {
                    seen_entry = true;
                }
                let (InstructionKind::Cmd(c) | InstructionKind::Entrypoint(c)) = &ins.kind else {
                    continue;
                };
                let Some(CommandForm::Shell(text)) = &c.command else {
                    continue;
                };
                let script = text.text.trim();
                if script.is_empty() || script.starts_with("exec ") || !common::posix_shell(ctx, i)
                {
                    continue;
                }
                let kw = ins.keyword.as_str();
                let message = if is_cmd {
                    format!("{kw} in shell form runs under `/bin/sh -c`: the shell is PID 1 and the program never receives SIGTERM; use the exec form `{kw} [\"…\"]`")
                } else {
                    format!("{kw} in shell form runs under `/bin/sh -c`: the program never receives SIGTERM and CMD or `docker run` arguments are ignored; use the exec form `{kw} [\"…\"]`")
                };
                let fix = match simple_words(script) {
                    Some(words) => {
                        let json = words
                            .iter()
                            .map(|w| format!("\"{w}\""))
                            .collect::<Vec<_>>()
                            .join(", ");
                        Fix {
                            description: format!("use the exec form: `{kw} [{json}]`"),
                            applicability: FixApplicability::Unsafe,
                            edits: vec![Edit {
                                start: text.span.start,
                                end: text.span.end,
                                replacement: format!("[{json}]"),
                            }],
                        }
                    }
                    None => common::advice(format!(
                        "use the exec form, or `{kw} [\"sh\", \"-c\", \"exec …\"]` when shell features are needed"
                    )),
                };
                out.push(ctx.finding(&META, text.span, message).with_fix(fix));
            }
            if seen_cmd && seen_entry {
                break;
            }
        }
    }
}
