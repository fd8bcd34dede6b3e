use super::common::{advice, command_label, command_mode, final_copy_chmod, sets_directory_mode};
use crate::rules::{Cmd, Context, Instr, Out, Rule};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1003",
    slug: "setuid-bit",
    summary: "The final image gets a setuid or setgid file",
    severity: Severity::Medium,
    checklist: ChecklistItem::NonRoot,
    source: SourceKind::Dockerfile,
    equivalents: &[("cis-docker", "4.8")],
    fix: None,
    docs: r#"## What it does
Reports modes that set the setuid or setgid bit on files of the final image: `chmod u+s`,
`chmod +s`, `chmod 4755`, `chmod 6755`, `install -m 4755`, and `COPY --chmod=4755` /
`ADD --chmod=…`. Setuid is **medium**; setgid alone is **low** (on a directory, `g+s` only makes
new files inherit the group, which is harmless — shipshape cannot tell a file from a directory).

Directories are not reported: `mkdir -m 2775`, `install -d -m 3777` (setgid on a directory is
group inheritance, setuid is ignored there), nor is `chmod g+s` without a literal target
(`find … -type d | xargs chmod g+s`).

Only instructions of the stages the final image is built from are checked: modes set in a build
stage do not survive a `COPY --from` unless `--chmod` sets them again.

## Why it matters
A setuid-root binary runs as root whoever starts it. It turns a non-root container user back
into root the moment an attacker finds a flaw in that binary, and it is what
`--security-opt no-new-privileges` exists to neutralise.

## How to fix
Do not add setuid bits; give the process the one capability it needs instead
(`setcap cap_net_bind_service=+ep /app/server`, or bind to a port above 1024), and remove
existing ones from the base image when the image allows it:

```dockerfile
RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true
```

## Example
```dockerfile
FROM alpine:3.22
COPY --chmod=4755 helper /usr/local/bin/helper   # reported
RUN chmod u+s /usr/bin/ping                      # reported
```
"#,
};

shipshape_core::declare_rule!(SetuidBit);

/// `what` is the command with its mode as written: `chmod u+s`, `--chmod=4755`.
fn message(what: &str, setuid: bool, targets: &str) -> (String, Severity) {
    if setuid {
        (
            format!("`{what}` sets the setuid bit{targets}: the file runs as its owner (usually root) whoever starts it"),
            Severity::Medium,
        )
    } else {
        (
            format!("`{what}` sets the setgid bit{targets}: a file runs with its group's rights (harmless on a directory)"),
            Severity::Low,
        )
    }
}

impl Rule for SetuidBit {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        let Some((c, chmod, mode)) = final_copy_chmod(ctx, index, instr) else {
            return;
        };
        if !mode.setuid && !mode.setgid {
            return;
        }
        let dest = format!(" on `{}`", c.dest.value);
        let (msg, sev) = message(&format!("--chmod={}", chmod.value), mode.setuid, &dest);
        out.push(
            ctx.finding(&META, chmod.span, msg)
                .with_severity(sev)
                .with_fix(advice(
                    "use a mode without the setuid/setgid bits (`--chmod=755`) and grant a capability if the program needs one",
                )),
        );
    }

    fn check_command(&self, ctx: &Context, index: usize, _instr: &Instr, cmd: &Cmd, out: &mut Out) {
        let Some((mode_word, value, mode, targets)) = command_mode(cmd) else {
            return;
        };
        if (!mode.setuid && !mode.setgid) || !ctx.in_final_image(index) {
            return;
        }
        // setgid on a directory only makes new files inherit its group; setuid is ignored there.
        // Without a literal target (`find … | xargs chmod g+s`) the target is unknown.
        if sets_directory_mode(cmd) || (!mode.setuid && targets.is_empty()) {
            return;
        }
        let names: Vec<String> = targets
            .iter()
            .take(3)
            .map(|t| format!("`{}`", t.value))
            .collect();
        let on = if names.is_empty() {
            String::new()
        } else {
            format!(" on {}", names.join(", "))
        };
        let (msg, sev) = message(&format!("{} {value}", command_label(cmd)), mode.setuid, &on);
        out.push(
            ctx.finding(&META, mode_word.span, msg)
                .with_severity(sev)
                .with_fix(advice(
                    "drop the setuid/setgid bit; grant the program the capability it needs (`setcap`) instead",
                )),
        );
    }
}
