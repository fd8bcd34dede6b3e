use super::common::insert_after;
use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1112",
    slug: "copy-dest-not-dir",
    summary: "COPY or ADD with several sources to a destination without a trailing `/`",
    severity: Severity::Medium,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3021"), ("trivy", "DS011")],
    fix: Some(FixApplicability::Safe),
    docs: r#"## What it does
Reports a `COPY` or `ADD` with more than one source whose destination does not end with `/`.
The destinations `.` and `..` are not reported: BuildKit (Docker's builder since 23.0) treats
them as directories.

## Why it matters
With several sources the destination must be a directory. The legacy builder refuses to build
("the destination must be a directory and end with a /"); depending on the builder and on
whether the directory exists, files can also end up copied onto one another under a single
file name. A trailing `/` says what is meant and works everywhere.

## How to fix
Add the trailing slash: `COPY package.json package-lock.json /app/`. The suggested edit does
exactly that (safe: several sources can only go into a directory).

## Example
```dockerfile
COPY requirements.txt setup.py /app     # reported
COPY requirements.txt setup.py /app/    # fine
```
"#,
};

shipshape_core::declare_rule!(CopyDestDir);

impl Rule for CopyDestDir {
    fn check_instruction(&self, ctx: &Context, _index: usize, instr: &Instr, out: &mut Out) {
        let (InstructionKind::Copy(c) | InstructionKind::Add(c)) = &instr.kind else {
            return;
        };
        if c.sources.len() < 2 {
            return;
        }
        let dest = c.dest.value.as_str();
        if dest.ends_with('/') || dest.ends_with('\\') || matches!(dest, "." | ".." | "") {
            return;
        }
        if c.dest.has_expansion() && c.dest.value.trim_end_matches('}').ends_with('/') {
            return;
        }
        let kw = instr.keyword.as_str();
        let mut finding = ctx.finding(
            &META,
            c.dest.span,
            format!(
                "{kw} has {} sources but its destination `{dest}` does not end with `/`",
                c.sources.len()
            ),
        );
        if c.dest.raw == c.dest.value && !c.json {
            finding = finding.with_fix(insert_after(
                &c.dest,
                "/",
                format!("write the destination as `{dest}/`"),
                FixApplicability::Safe,
            ));
        } else {
            finding = finding.with_fix(super::common::advice(format!(
                "write the destination as `{dest}/`"
            )));
        }
        out.push(finding);
    }
}
