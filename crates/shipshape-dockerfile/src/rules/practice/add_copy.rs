use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::finding::Edit;
use shipshape_core::{ChecklistItem, Fix, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1116",
    slug: "add-instead-of-copy",
    summary: "ADD is used for local files that COPY would copy",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3020"), ("trivy", "DS005")],
    fix: Some(FixApplicability::Unsafe),
    docs: r#"## What it does
Reports an `ADD` whose sources are all local files or directories that are not tar archives
(by extension: `.tar`, `.tar.gz`, `.tgz`, `.tar.bz2`, `.tbz2`, `.tar.xz`, `.txz`, `.tar.zst`,
…). `ADD` of URLs and git repositories is a separate rule; sources only known at build time
(`ADD $FILE /x`) and `ADD` with its own flags (`--checksum`, `--keep-git-dir`, `--unpack`) are
not reported.

## Why it matters
`ADD` does more than copy: it unpacks local tar archives (detected by content, not by name)
and fetches URLs. Using it for plain files hides that behaviour from readers and lets a file
that happens to be a tarball be unpacked unexpectedly. `COPY` says exactly what happens.

## How to fix
Use `COPY`. Keep `ADD` only to unpack a local archive on purpose. The suggested edit replaces
the keyword (unsafe: a source that is a tar archive without a tar extension would no longer be
unpacked).

## Example
```dockerfile
ADD app.py /app/             # reported
ADD rootfs.tar.xz /          # fine: unpacks on purpose
```
"#,
};

shipshape_core::declare_rule!(AddCopy);

const ARCHIVES: [&str; 14] = [
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tbz2",
    ".tar.xz",
    ".txz",
    ".tar.zst",
    ".tzst",
    ".tar.lz",
    ".tar.lzma",
    ".gz",
    ".xz",
];

fn is_remote(src: &str) -> bool {
    let lower = src.to_ascii_lowercase();
    lower.contains("://") || lower.starts_with("git@") || lower.ends_with(".git")
}

impl Rule for AddCopy {
    fn check_instruction(&self, ctx: &Context, _index: usize, instr: &Instr, out: &mut Out) {
        let InstructionKind::Add(c) = &instr.kind else {
            return;
        };
        if c.checksum.is_some() || c.keep_git_dir || c.unpack.is_some() || c.sources.is_empty() {
            return;
        }
        let plain = c.sources.iter().all(|s| {
            if s.heredoc.is_some() {
                return true;
            }
            let v = s.word.value.to_ascii_lowercase();
            !s.word.has_expansion()
                && !is_remote(&v)
                && !ARCHIVES.iter().any(|e| v.ends_with(e))
                // a glob without an extension may match archives
                && (!v.contains(['*', '?', '[']) || v.contains('.'))
        });
        if !plain {
            return;
        }
        let names: Vec<String> = c.sources.iter().map(|s| s.word.value.clone()).collect();
        out.push(
            ctx.finding(
                &META,
                instr.keyword_span,
                format!(
                    "ADD of local files ({}): use COPY, which only copies",
                    super::common::list(&names, 3)
                ),
            )
            .with_fix(Fix {
                description: "use `COPY`".into(),
                applicability: FixApplicability::Unsafe,
                edits: vec![Edit {
                    start: instr.keyword_span.start,
                    end: instr.keyword_span.end,
                    replacement: "COPY".into(),
                }],
            }),
        );
    }
}
