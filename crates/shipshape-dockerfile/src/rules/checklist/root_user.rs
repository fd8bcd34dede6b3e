use crate::rules::{Context, Out, Rule};
use crate::stages::BaseRef;
use crate::InstructionKind;
use shipshape_core::finding::Edit;
use shipshape_core::imageref::ImageRef;
use shipshape_core::{ChecklistItem, Fix, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1001",
    slug: "user-root",
    summary: "The final image runs as root",
    severity: Severity::High,
    checklist: ChecklistItem::NonRoot,
    source: SourceKind::Dockerfile,
    equivalents: &[
        ("hadolint", "DL3002"),
        ("trivy", "DS002"),
        ("cis-docker", "4.1"),
    ],
    fix: Some(FixApplicability::Unsafe),
    docs: r#"## What it does
Reports a Dockerfile whose final stage runs as root: its last `USER` is `root`, `0`, `0:0` or
`root:<group>`, or no stage the final image is built from sets a `USER` at all and the base
image is not known to run as a non-root user.

When no `USER` is set, the base image's default user is taken from the table of hardened
families (`shipshape_core::hardened`): the runtime variants of Docker Hardened Images
(`dhi.io/<name>`, `nonroot`, uid 65532), Chainguard images, distroless `:nonroot` tags, .NET
chiseled images (`app`) and Bitnami images (uid 1001) run unprivileged; Docker Hardened Images'
`-dev`/`-sdk` variants and distroless images without `nonroot` run as root and are reported.
Other bases whose name or tag says they run unprivileged (`nonroot`, `non-root`, `rootless`,
`unprivileged`) are trusted too.
`USER` values that depend on a build argument without a default are not judged.

## Why it matters
A process running as root inside a container is root on the host's kernel: a container escape,
a writable host mount or a mis-set capability turns directly into host compromise. Running as
an unprivileged user is the single most effective hardening step.

## How to fix
Create a user with a fixed numeric id and switch to it after the steps that need root:

```dockerfile
RUN useradd --system --uid 10001 --no-log-init app
USER 10001:10001
```

Use the numeric id: Kubernetes `runAsNonRoot` can only verify numeric users.

## Example
```dockerfile
FROM python:3.12-slim
COPY app.py /app/
CMD ["python", "/app/app.py"]      # runs as root: reported
```
"#,
};

/// Base images documented to run as a non-root user by default.
/// The user a base image known to run unprivileged runs as, for evidence: from the hardened
/// families' table (`dhi.io/python` runs as `nonroot (uid 65532)`), else from a tag or name
/// that says so (`nginx-unprivileged`, `:nonroot`).
pub(crate) fn base_user(reference: &str) -> Option<String> {
    let lower = reference.to_ascii_lowercase();
    if let Some(h) = ImageRef::parse(&lower)
        .ok()
        .and_then(|r| shipshape_core::hardened::classify(&r))
    {
        return h.variant.user.map(str::to_string);
    }
    ["nonroot", "non-root", "rootless", "unprivileged"]
        .iter()
        .any(|w| lower.contains(w))
        .then(|| "a non-root user".to_string())
}

fn base_runs_unprivileged(reference: &str) -> bool {
    base_user(reference).is_some()
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

shipshape_core::declare_rule!(RootUser);

impl Rule for RootUser {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        let chain = ctx.final_chain();
        let Some(final_stage) = chain.first() else {
            return;
        };
        // The last USER along the final stage's ancestry decides.
        for stage in &chain {
            let last_user = ctx
                .stage_instructions(stage)
                .filter(|(_, i)| matches!(i.kind, InstructionKind::User(_)))
                .last();
            if let Some((index, instr)) = last_user {
                let InstructionKind::User(user) = &instr.kind else {
                    return;
                };
                let env = ctx.graph.env_before(ctx.df, index);
                let Ok(expanded) = env.expand(&user.user.raw, ctx.df.escape) else {
                    return;
                };
                if !expanded.unresolved.is_empty() {
                    return;
                }
                if is_root(&expanded.value) {
                    // The last USER is replaced by the unprivileged one.
                    let edit = Edit {
                        start: instr.span.start,
                        end: instr.span.end,
                        replacement: USER_LINE.to_string(),
                    };
                    out.push(
                        ctx.finding(
                            &META,
                            instr.span,
                            format!(
                                "the final image runs as root: its last USER is `{}`",
                                expanded.value
                            ),
                        )
                        .with_fix(fix(edit)),
                    );
                }
                return;
            }
        }
        // No USER anywhere: the base image decides.
        let base_stage = chain.last().unwrap_or(final_stage);
        let from = ctx.df.instructions.get(base_stage.from_instruction);
        let span = from.map_or(Default::default(), |f| f.span);
        let message = match &base_stage.base_ref {
            BaseRef::Image(reference) if base_stage.base.unresolved.is_empty() => {
                if base_runs_unprivileged(reference) {
                    return;
                }
                format!("the final image runs as root: no USER instruction, and `{reference}` runs as root unless told otherwise")
            }
            BaseRef::Image(_) => return,
            BaseRef::Scratch => {
                "the final image runs as root: no USER instruction in a `FROM scratch` image".into()
            }
            BaseRef::Stage(_) => return,
        };
        let span = match ctx.df.instructions.get(final_stage.from_instruction) {
            Some(f) if chain.len() > 1 => f.span,
            _ => span,
        };
        out.push(
            ctx.finding(&META, span, message)
                .with_fix(fix(insert_user(ctx, final_stage))),
        );
    }
}

const USER_LINE: &str = "USER 10001:10001";

/// Inserts `USER 10001:10001` in the final stage: before its first `CMD` or `ENTRYPOINT` (the
/// steps before it may need root), else after its last instruction.
fn insert_user(ctx: &Context<'_>, stage: &crate::stages::Stage) -> Edit {
    let text = ctx.file.text();
    let instructions: Vec<_> = ctx.stage_instructions(stage).collect();
    let start = instructions.iter().find(|(_, i)| {
        matches!(
            i.kind,
            InstructionKind::Cmd(_) | InstructionKind::Entrypoint(_)
        )
    });
    if let Some((_, i)) = start {
        return Edit {
            start: i.span.start,
            end: i.span.start,
            replacement: format!("{USER_LINE}\n"),
        };
    }
    let end = instructions
        .last()
        .map_or(text.len(), |(_, i)| i.span.end.min(text.len()));
    // After the instruction's line break, if it has one.
    let (at, replacement) = match text[end..].find('\n') {
        Some(n) if text[end..end + n].trim().is_empty() => (end + n + 1, format!("{USER_LINE}\n")),
        _ => (end, format!("\n{USER_LINE}\n")),
    };
    Edit {
        start: at,
        end: at,
        replacement,
    }
}

fn fix(edit: Edit) -> Fix {
    Fix {
        description:
            "run as a numeric, unprivileged user: `USER 10001:10001` after the steps that need root"
                .into(),
        applicability: FixApplicability::Unsafe,
        edits: vec![edit],
    }
}

#[cfg(test)]
mod tests {
    use shipshape_core::config::DockerfileOptions;
    use shipshape_core::SourceFile;

    /// The Dockerfile after applying SS1001's edits.
    fn fixed(src: &str) -> String {
        let file = SourceFile::new("Dockerfile", src.to_string());
        let a = crate::analyse(&crate::DockerfileInput {
            file: &file,
            dockerignore: None,
            context_files: crate::ContextFiles::Unknown,
            options: &DockerfileOptions::default(),
            today: "2026-01-01".parse().unwrap(),
        });
        let f = a
            .findings
            .iter()
            .find(|f| f.rule == "SS1001")
            .expect("SS1001 fires");
        let mut edits = f.fix.as_ref().unwrap().edits.clone();
        assert!(!edits.is_empty());
        edits.sort_by_key(|e| std::cmp::Reverse(e.start));
        let mut out = src.to_string();
        for e in edits {
            out.replace_range(e.start..e.end, &e.replacement);
        }
        out
    }

    #[test]
    fn edits_set_an_unprivileged_user() {
        assert_eq!(
            fixed("FROM python:3.12\nRUN pip install x\nCMD [\"python\"]\n"),
            "FROM python:3.12\nRUN pip install x\nUSER 10001:10001\nCMD [\"python\"]\n"
        );
        assert_eq!(
            fixed("FROM python:3.12\nRUN pip install x"),
            "FROM python:3.12\nRUN pip install x\nUSER 10001:10001\n"
        );
        assert_eq!(
            fixed("FROM python:3.12\nUSER root\nCMD x\n"),
            "FROM python:3.12\nUSER 10001:10001\nCMD x\n"
        );
        assert_eq!(
            fixed("FROM golang AS b\nRUN go build\nFROM scratch\nCOPY --from=b /x /x\n"),
            "FROM golang AS b\nRUN go build\nFROM scratch\nCOPY --from=b /x /x\nUSER 10001:10001\n"
        );
        // The fixed file no longer draws the finding.
        let file = SourceFile::new("Dockerfile", fixed("FROM python:3.12\nCMD x\n"));
        let a = crate::analyse(&crate::DockerfileInput {
            file: &file,
            dockerignore: None,
            context_files: crate::ContextFiles::Unknown,
            options: &DockerfileOptions::default(),
            today: "2026-01-01".parse().unwrap(),
        });
        assert!(!a.findings.iter().any(|f| f.rule == "SS1001"));
    }
}
