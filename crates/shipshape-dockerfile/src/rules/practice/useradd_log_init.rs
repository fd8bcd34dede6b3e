use super::common::{self, insert_after};
use crate::rules::{Context, Instr, Out, Rule};
use crate::Word;
use shipshape_core::{ChecklistItem, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1118",
    slug: "useradd-without-no-log-init",
    summary: "`useradd` with a high UID without `--no-log-init` bloats the image",
    severity: Severity::Low,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3046")],
    fix: Some(FixApplicability::Safe),
    docs: r#"## What it does
Reports `useradd -u <uid>` with a UID of 100000 or more (the same threshold as hadolint) and
without `-l`/`--no-log-init`.

## Why it matters
`useradd` records the new user in `/var/log/lastlog` and `/var/log/faillog`, files indexed by
UID. They are sparse on disk, but image layers store them in full: a UID of 1,000,000 adds
about 300 MB of zeros to the layer, and builds can even run out of disk space.

## How to fix
Add `--no-log-init` (`-l`): a container has no use for the login records. The suggested edit does
that (safe: only the lastlog/faillog entries are skipped).

## Example
```dockerfile
RUN useradd -u 1000001 app                  # reported
RUN useradd --no-log-init -u 1000001 app    # fine
```
"#,
};

shipshape_core::declare_rule!(UseraddLogInit);

const THRESHOLD: u64 = 100_000;

fn uid_word(args: &[Word]) -> Option<(&Word, &str)> {
    for (i, a) in args.iter().enumerate() {
        let v = a.value.as_str();
        if v == "-u" || v == "--uid" {
            return args.get(i + 1).map(|w| (w, w.value.as_str()));
        }
        if let Some(rest) = v.strip_prefix("--uid=") {
            return Some((a, rest));
        }
        if let Some(rest) = v.strip_prefix("-u") {
            if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
                return Some((a, rest));
            }
        }
    }
    None
}

impl Rule for UseraddLogInit {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if !common::is_run(instr) {
            return;
        }
        for cmd in common::commands(ctx, index) {
            if cmd.base_name() != "useradd" || cmd.has_option(Some('l'), Some("no-log-init")) {
                continue;
            }
            let Some((word, uid)) = uid_word(&cmd.args) else {
                continue;
            };
            let Ok(n) = uid.parse::<u64>() else {
                continue;
            };
            if n < THRESHOLD {
                continue;
            }
            out.push(
                ctx.finding(
                    &META,
                    word.span,
                    format!("`useradd` with UID {n} and without `--no-log-init` writes a lastlog/faillog file of about {} MB into the layer", n * 292 / 1_000_000),
                )
                .with_fix(insert_after(
                    &cmd.name,
                    " --no-log-init",
                    "add `--no-log-init`",
                    FixApplicability::Safe,
                )),
            );
        }
    }
}
