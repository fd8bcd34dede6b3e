use crate::rules::{Context, Out, Rule};
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, Fix, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1012",
    slug: "oci-labels-missing",
    summary: "The final image lacks the OCI source, revision or version labels",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3049")],
    fix: None,
    docs: r#"## What it does
Reports, at the final stage's `FROM`, which of these annotations the final image's `LABEL`s
(its own stage and the stages it is built from) do not set:

- `org.opencontainers.image.source` — where the source code lives;
- `org.opencontainers.image.revision` — the commit it was built from;
- `org.opencontainers.image.version` — the version of the packaged software.

The older Label Schema keys (`org.label-schema.vcs-url`, `.vcs-ref`, `.version`) are accepted
for the same facts. Values may be build arguments (`$GIT_SHA`). Labels added at build time
(`docker buildx build --label`, `docker/metadata-action`) are not visible in the Dockerfile:
if your pipeline adds them, ignore this rule for the file.

## Why it matters
When a vulnerability or an incident points at a running image, these labels lead straight to
the code and commit it was built from. Registries (GitHub links the package to the repository
from `image.source`), scanners and SBOM tools read them.

## How to fix
Set them from build arguments that CI fills in:

```dockerfile
ARG VERSION=dev
ARG GIT_SHA=unknown
LABEL org.opencontainers.image.source="https://github.com/acme/app" \
      org.opencontainers.image.revision="$GIT_SHA" \
      org.opencontainers.image.version="$VERSION"
```

## Example
```dockerfile
FROM alpine:3.22      # reported: source, revision and version labels are missing
COPY app /app
```
"#,
};

use shipshape_core::oci::PROVENANCE_LABELS as WANTED;

shipshape_core::declare_rule!(MissingOciLabels);

impl Rule for MissingOciLabels {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        let chain = ctx.final_chain();
        let Some(final_stage) = chain.first() else {
            return;
        };
        let mut keys: Vec<String> = Vec::new();
        for stage in &chain {
            for (_, instr) in ctx.stage_instructions(stage) {
                if let InstructionKind::Label(l) = &instr.kind {
                    keys.extend(l.pairs.iter().map(|p| p.key.value.to_ascii_lowercase()));
                }
            }
        }
        let missing: Vec<&str> = WANTED
            .iter()
            .filter(|(_, oci, legacy)| !keys.iter().any(|k| k == oci || k == legacy))
            .map(|(short, _, _)| *short)
            .collect();
        if missing.is_empty() {
            return;
        }
        let Some(from) = ctx.df.instructions.get(final_stage.from_instruction) else {
            return;
        };
        let list: Vec<String> = missing
            .iter()
            .map(|m| format!("`org.opencontainers.image.{m}`"))
            .collect();
        let example: Vec<String> = missing
            .iter()
            .map(|m| {
                let value = match *m {
                    "source" => "https://github.com/<org>/<repo>",
                    "revision" => "$GIT_SHA",
                    _ => "$VERSION",
                };
                format!("org.opencontainers.image.{m}=\"{value}\"")
            })
            .collect();
        out.push(
            ctx.finding(
                &META,
                from.span,
                format!(
                    "the final image does not set the provenance label{} {}",
                    if missing.len() > 1 { "s" } else { "" },
                    list.join(", ")
                ),
            )
            .with_fix(Fix {
                description: format!(
                    "add `LABEL {}` (values from build arguments set by CI)",
                    example.join(" ")
                ),
                applicability: FixApplicability::DisplayOnly,
                edits: Vec::new(),
            }),
        );
    }
}
