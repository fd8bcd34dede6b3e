use super::common::{advice, context_sources, is_whole_context, stage_severity};
use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1015",
    slug: "copy-context-without-dockerignore",
    summary: "The whole build context is copied and there is no .dockerignore",
    severity: Severity::Medium,
    checklist: ChecklistItem::BuildContext,
    source: SourceKind::Dockerfile,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Reports `COPY` and `ADD` instructions that copy the whole build context (`COPY . .`,
`COPY . /app`, `COPY ./ ./`, `ADD * /src/`, `COPY / /app`) when the context has no
`.dockerignore` (neither `<Dockerfile>.dockerignore` beside the Dockerfile nor `.dockerignore`
in the context). The source word is reported.

Copies into stages the final image is built from are **medium**; copies into build stages whose
files are not shipped are **low** (secrets still land in the builder's cache and history).
`COPY --from=…` and heredoc sources are not from the context and are not checked.

## Why it matters
Without a `.dockerignore`, everything in the directory goes into the image: `.git` (the full
history, including secrets once committed and removed), `.env` files, private keys, cloud
credentials, local `node_modules` and build output. It also makes builds slow and breaks layer
caching on every unrelated file change.

## How to fix
Add a `.dockerignore` next to the Dockerfile. An allow-list is the safest:

```text
# .dockerignore
*
!src/
!package.json
!package-lock.json
```

or at least exclude the usual suspects:

```text
.git
**/.env*
!**/.env.example
**/*.pem
**/*.key
**/id_rsa*
.npmrc
.aws/
node_modules/
```

## Example
```dockerfile
FROM node:22-slim
WORKDIR /app
COPY . .          # reported when there is no .dockerignore
```
"#,
};

shipshape_core::declare_rule!(CopyContextWithoutDockerignore);

impl Rule for CopyContextWithoutDockerignore {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        if ctx.dockerignore.is_some() {
            return;
        }
        if let InstructionKind::Copy(c) | InstructionKind::Add(c) = &instr.kind {
            if !c.excludes.is_empty() {
                return; // `COPY --exclude=…` chooses what to leave out
            }
        }
        let Some(src) = context_sources(instr)
            .into_iter()
            .find(|w| is_whole_context(&w.value))
        else {
            return;
        };
        out.push(
            ctx.finding(
                &META,
                src.span,
                format!(
                    "`{} {}` copies the whole build context and there is no .dockerignore: .git, .env files and keys in the directory end up in the image",
                    instr.keyword,
                    src.value
                ),
            )
            .with_severity(stage_severity(ctx, index, Severity::Medium, Severity::Low))
            .with_fix(advice(
                "add a .dockerignore beside the Dockerfile (an allow-list such as `*` then `!src/`, or at least `.git`, `**/.env*`, `**/*.pem`, `**/*.key`, `**/id_rsa*`, `.npmrc`, `.aws/`)",
            )),
        );
    }
}
