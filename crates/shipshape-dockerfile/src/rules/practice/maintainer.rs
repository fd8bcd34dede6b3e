use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::finding::Edit;
use shipshape_core::{ChecklistItem, Fix, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1115",
    slug: "maintainer-deprecated",
    summary: "MAINTAINER is deprecated",
    severity: Severity::Info,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL4000"), ("trivy", "DS022")],
    fix: Some(FixApplicability::Unsafe),
    docs: r#"## What it does
Reports the `MAINTAINER` instruction.

## Why it matters
`MAINTAINER` has been deprecated since Docker 1.13: it fills the image's legacy `Author` field,
which registries and scanners no longer read. The standard place for this information is the
OCI annotation `org.opencontainers.image.authors`, set as a label.

## How to fix
```dockerfile
LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
```
The suggested edit replaces the instruction with that label (unsafe: the `Author` field of the
image configuration is no longer set).

## Example
```dockerfile
MAINTAINER Jane Doe <jane@example.com>     # reported
```
"#,
};

shipshape_core::declare_rule!(Maintainer);

impl Rule for Maintainer {
    fn check_instruction(&self, ctx: &Context, _index: usize, instr: &Instr, out: &mut Out) {
        let InstructionKind::Maintainer { name } = &instr.kind else {
            return;
        };
        // BuildKit keeps MAINTAINER text as written (quotes included).
        let value = name.raw.trim();
        let escaped = value
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('$', "\\$");
        let label = format!("LABEL org.opencontainers.image.authors=\"{escaped}\"");
        let fix = if value.contains('\n') || name.span.is_empty() {
            super::common::advice(format!("replace it with `{label}`"))
        } else {
            Fix {
                description: format!("replace it with `{label}`"),
                applicability: FixApplicability::Unsafe,
                edits: vec![Edit {
                    start: instr.keyword_span.start,
                    end: name.span.end,
                    replacement: label,
                }],
            }
        };
        out.push(
            ctx.finding(
                &META,
                instr.keyword_span,
                "MAINTAINER is deprecated: use the label `org.opencontainers.image.authors`",
            )
            .with_fix(fix),
        );
    }
}
