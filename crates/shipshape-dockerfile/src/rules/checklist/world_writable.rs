use super::common::{advice, command_label, command_mode, final_copy_chmod};
use crate::rules::{Cmd, Context, Instr, Out, Rule};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1021",
    slug: "world-writable",
    summary: "The final image makes files or directories writable by every user",
    severity: Severity::Medium,
    checklist: ChecklistItem::NonRoot,
    source: SourceKind::Dockerfile,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Reports modes that give *others* write permission on files of the final image: `chmod 777`,
`chmod 666`, `chmod -R 777 /app`, `chmod o+w`, `chmod a+rwx`, `mkdir -m 777`,
`install -m 666`, and `COPY --chmod=777` / `ADD --chmod=666`.

Not reported: modes with the sticky bit (`chmod 1777 /tmp`, `chmod a+rwxt`), which is how
shared scratch directories are meant to be; `chmod +w` without a *who* (the umask keeps others
out); group-writable modes (`g+w`, `775`, `g=u`), the usual arrangement for arbitrary-UID
platforms like OpenShift; targets that are all temporary paths (`/tmp/…`, `"$tempDir"`), which
builds create and delete in one step. Only the stages the final image is built from are checked.

## Why it matters
A world-writable file or directory lets any process in the container — whatever user it runs as
— replace code, configuration or scripts that another (more privileged) process later runs.
`chmod 777` is usually a shortcut around a permission error that the right owner would fix.

## How to fix
Give ownership to the user that needs to write, and keep the mode tight:

```dockerfile
COPY --chown=10001:0 --chmod=0755 app/ /app/
RUN install -d -o 10001 -g 0 -m 0770 /app/data
```

## Example
```dockerfile
RUN chmod -R 777 /app        # reported
RUN chmod 1777 /scratch      # fine: sticky bit
```
"#,
};

shipshape_core::declare_rule!(WorldWritable);

impl Rule for WorldWritable {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        let Some((c, chmod, mode)) = final_copy_chmod(ctx, index, instr) else {
            return;
        };
        if !mode.world_writable || mode.sticky {
            return;
        }
        out.push(
            ctx.finding(
                &META,
                chmod.span,
                format!(
                    "`--chmod={}` makes `{}` writable by every user",
                    chmod.value, c.dest.value
                ),
            )
            .with_fix(advice(
                "use `--chown=<user>` with a mode like `--chmod=755` (files) or `770` (writable directories)",
            )),
        );
    }

    fn check_command(&self, ctx: &Context, index: usize, _instr: &Instr, cmd: &Cmd, out: &mut Out) {
        let Some((mode_word, value, mode, targets)) = command_mode(cmd) else {
            return;
        };
        if !mode.world_writable || mode.sticky || !ctx.in_final_image(index) {
            return;
        }
        // Scratch paths of the build (`chmod 777 "$tempDir"`, `/tmp/build`) are usually removed
        // in the same step.
        if !targets.is_empty()
            && targets.iter().all(|t| {
                let l = t.value.to_ascii_lowercase();
                l.contains("tmp") || l.contains("temp")
            })
        {
            return;
        }
        let names: Vec<String> = targets
            .iter()
            .take(3)
            .map(|t| format!("`{}`", t.value))
            .collect();
        let what = if names.is_empty() {
            "its targets".to_string()
        } else {
            names.join(", ")
        };
        out.push(
            ctx.finding(
                &META,
                mode_word.span,
                format!("`{} {value}` makes {what} writable by every user", command_label(cmd)),
            )
            .with_fix(advice(
                "chown the path to the user that writes it and use 755/770 (or 1777 for a shared scratch directory)",
            )),
        );
    }
}
