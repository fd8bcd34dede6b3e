use super::common::advice;
use crate::rules::{Cmd, Context, Instr, Out, Rule};
use crate::shell::SimpleCommand;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1018",
    slug: "curl-pipe-shell",
    summary: "A RUN pipes a download straight into a shell or interpreter",
    severity: Severity::Medium,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Reports RUN commands that execute code downloaded in the same step without checking it:

- `curl … | sh`, `wget -qO- … | bash`, `curl … | sudo -E bash -`, and pipes into an
  interpreter reading the script from standard input (`| python3`, `| python -`, `| perl`,
  `| ruby`, `| node`, `| php`);
- `bash <(curl …)`, `source <(curl …)`;
- `sh -c "$(curl …)"`, `bash -c "$(wget -O- …)"`.

Interpreters given a script or a `-c`/`-m`/`-e` program (`curl … | python3 -m json.tool`,
`curl … | bash -c 'cat > f'`) read the download as data and are not reported. Every stage is
checked: code run in a build stage shapes what the final image contains.

## Why it matters
Whatever the server (or anyone between it and the build, or whoever compromised it) returns
this time runs as root in the build, with no record of what it was. A checksum or signature
check makes the build fail instead when the script changes.

## How to fix
Download to a file, verify it against a pinned checksum or signature, then run it:

```dockerfile
ARG INSTALLER_SHA256=<sha256 of the reviewed script>
RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \
 && echo "${INSTALLER_SHA256}  /tmp/install.sh" | sha256sum -c - \
 && sh /tmp/install.sh && rm /tmp/install.sh
```

Better still, install a versioned package or copy a pinned binary from an image.

## Example
```dockerfile
RUN curl -fsSL https://deb.nodesource.com/setup_22.x | bash -     # reported
```
"#,
};

const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "fish"];
const INTERPRETERS: &[&str] = &[
    "python", "python2", "python3", "perl", "ruby", "node", "php",
];

fn is_downloader(name: &str) -> bool {
    matches!(name, "curl" | "wget" | "fetch" | "http" | "https")
}

/// Whether a command run at the end of a pipe executes its standard input.
fn executes_stdin(cmd: &SimpleCommand) -> bool {
    let name = cmd.base_name();
    let is_shell = SHELLS.contains(&name);
    let is_interp = INTERPRETERS.contains(&name)
        || (name.starts_with("python")
            && name[6..].bytes().all(|c| c.is_ascii_digit() || c == b'.'));
    if !is_shell && !is_interp {
        return false;
    }
    // The first operand: none, or `-`, means the program comes from stdin.
    for a in cmd.args.iter().map(|a| a.value.as_str()) {
        if a == "-" || a == "--" {
            return true;
        }
        if let Some(flags) = a.strip_prefix('-') {
            let program_flag = if is_shell {
                !flags.is_empty() && !flags.starts_with('-') && flags.contains('c')
            } else {
                matches!(a, "-c" | "-m" | "-e" | "-r" | "-E")
                    || (a.starts_with("-c") && name == "perl")
            };
            if program_flag {
                return false;
            }
            if a == "-s" && is_shell {
                return true; // `sh -s -- args`: script from stdin
            }
            continue;
        }
        return false; // a script file
    }
    true
}

fn mentions_download(text: &str) -> bool {
    ["curl ", "wget ", "curl\t", "wget\t"]
        .iter()
        .any(|d| text.contains(d))
}

shipshape_core::declare_rule!(CurlPipeShell);

impl Rule for CurlPipeShell {
    fn check_command(&self, ctx: &Context, index: usize, _instr: &Instr, cmd: &Cmd, out: &mut Out) {
        let name = cmd.base_name();
        // `download | sh`
        if cmd.is_piped() && cmd.pipeline.index > 0 && executes_stdin(cmd) {
            let all = ctx.commands.get(index).map_or(&[][..], |v| v.as_slice());
            let source = all.iter().find(|c| {
                c.pipeline.id == cmd.pipeline.id
                    && c.pipeline.index < cmd.pipeline.index
                    && is_downloader(c.base_name())
            });
            if let Some(dl) = source {
                out.push(
                    ctx.finding(
                        &META,
                        dl.span.cover(cmd.span),
                        format!(
                            "`{}` output is piped into `{name}`: downloaded code runs unverified",
                            dl.base_name()
                        ),
                    )
                    .with_fix(advice(
                        "download to a file, verify a pinned checksum or signature (`sha256sum -c`), then run it",
                    )),
                );
                return;
            }
        }
        if !SHELLS.contains(&name) && name != "source" && name != "." {
            return;
        }
        // `bash <(curl …)`, `source <(curl …)`, `sh -c "$(curl …)"`
        for a in &cmd.args {
            let raw = a.raw.as_str();
            let proc_sub = raw.starts_with("<(") && mentions_download(raw);
            let cmd_sub = (raw.contains("$(curl")
                || raw.contains("$(wget")
                || raw.contains("`curl")
                || raw.contains("`wget"))
                && cmd
                    .args
                    .iter()
                    .any(|x| x.value.starts_with('-') && x.value.contains('c'));
            if proc_sub || cmd_sub {
                out.push(
                    ctx.finding(
                        &META,
                        cmd.span,
                        format!(
                            "`{name}` runs a script fetched by {}: downloaded code runs unverified",
                            if raw.contains("wget") { "`wget`" } else { "`curl`" }
                        ),
                    )
                    .with_fix(advice(
                        "download to a file, verify a pinned checksum or signature (`sha256sum -c`), then run it",
                    )),
                );
                return;
            }
        }
        // Process substitution may also be parsed as a redirect target.
        for r in &cmd.redirects {
            if let Some(t) = &r.target {
                if t.raw.starts_with('(') && mentions_download(&t.raw) {
                    out.push(
                        ctx.finding(
                            &META,
                            cmd.span,
                            format!("`{name}` runs a script fetched by process substitution: downloaded code runs unverified"),
                        )
                        .with_fix(advice(
                            "download to a file, verify a pinned checksum or signature (`sha256sum -c`), then run it",
                        )),
                    );
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::executes_stdin;
    use crate::shell::split;

    fn last(s: &str) -> bool {
        let cmds = split(s);
        executes_stdin(cmds.last().expect("test input"))
    }

    #[test]
    fn stdin_consumers() {
        assert!(last("curl x | sh"));
        assert!(last("curl x | bash -"));
        assert!(last("curl x | sh -s -- --yes"));
        assert!(last("curl x | python3"));
        assert!(last("curl x | sudo -E bash -"));
        assert!(!last("curl x | python3 -m json.tool"));
        assert!(!last("curl x | python -c 'import sys'"));
        assert!(!last("curl x | bash -c 'cat > f'"));
        assert!(!last("curl x | tar xz"));
        assert!(!last("curl x | sh script.sh"));
    }
}
