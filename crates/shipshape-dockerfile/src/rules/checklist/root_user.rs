use crate::rules::{Context, Out, Rule};
use crate::stages::BaseRef;
use crate::InstructionKind;
use shipshape_core::finding::Edit;
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

Some images start as root on purpose: their entrypoint drops privileges before it starts the
service (`gosu`, `su-exec`, `setpriv --reuid`, `runuser`, `chroot --userspec`, `s6-setuidgid`,
`chpst -u`, in the command itself or in the entrypoint script a `COPY` puts into the image from
the build context), or they run a server whose master process starts as root and runs its
workers unprivileged (nginx, httpd, postgres, php-fpm, and the official images of those when the
Dockerfile keeps their command). Those are reported at **low** severity with the reason, and the
fix is advice only.

When every place that runs this image sets a non-root user (a Compose service that builds it
with `build:`; a Kubernetes workload running an image that Skaffold or Compose builds from it,
with `runAsNonRoot: true` or a non-zero `runAsUser`), the
finding is reported as **mitigated**: at **info** severity, naming the services, with the places
that set the user as related locations. A `FROM scratch` image with no `CMD` or `ENTRYPOINT`
(files only: an operator bundle, a data image) is never run, and is not reported.

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

use crate::facts::base_runs_unprivileged;
pub(crate) use crate::facts::base_user;

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
        // Files only (an operator bundle, a data image): never run, so no user runs it.
        if ctx.final_facts().is_some_and(|f| f.runs_nothing) {
            return;
        }
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
                    report(
                        ctx,
                        out,
                        instr.span,
                        format!("its last USER is `{}`", expanded.value),
                        edit,
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
                format!("no USER instruction, and `{reference}` runs as root unless told otherwise")
            }
            BaseRef::Image(_) => return,
            BaseRef::Scratch => "no USER instruction in a `FROM scratch` image".into(),
            BaseRef::Stage(_) => return,
        };
        let span = match ctx.df.instructions.get(final_stage.from_instruction) {
            Some(f) if chain.len() > 1 => f.span,
            _ => span,
        };
        report(ctx, out, span, message, insert_user(ctx, final_stage));
    }
}

/// Reports the root finding (`why`: which USER or base image), at the rule's severity unless
/// the image starts as root on purpose (its entrypoint drops privileges: low, advice only) or
/// every place it is run sets a non-root user (mitigated: info, with where).
fn report(ctx: &Context, out: &mut Out, span: crate::Span, why: String, edit: Edit) {
    let facts = ctx.final_facts();
    if let Some(reason) = facts.and_then(|f| f.drops_privileges.as_ref()) {
        out.push(
            ctx.finding(
                &META,
                span,
                format!("the final image starts as root on purpose ({why}): {reason}"),
            )
            .with_severity(Severity::Low)
            .with_fix(Fix {
                description: "keep it if the entrypoint must set up files as root; to run without root at all, set a non-root USER and give the process what it needs (ports above 1024, writable directories it owns)".into(),
                applicability: FixApplicability::Unsafe,
                edits: Vec::new(),
            }),
        );
        return;
    }
    let stage_name = ctx.final_stage().and_then(|s| s.name.as_deref());
    let runs: Vec<_> = ctx
        .deployments
        .iter()
        .filter(|d| match d.target.as_deref() {
            Some(t) => stage_name.is_some_and(|n| n.eq_ignore_ascii_case(t)),
            None => true,
        })
        .collect();
    let mitigated: Vec<_> = runs.iter().filter_map(|d| d.non_root_at()).collect();
    if !runs.is_empty() && mitigated.len() == runs.len() {
        let mut names: Vec<String> = runs.iter().map(|d| format!("`{}`", d.name)).collect();
        names.sort();
        names.dedup();
        let mut f = ctx
            .finding(
                &META,
                span,
                format!(
                    "the final image runs as root ({why}), mitigated: every place it is run sets a non-root user ({})",
                    names.join(", ")
                ),
            )
            .with_severity(Severity::Info)
            .with_fix(fix(edit));
        for at in mitigated {
            f = f.with_related(at.clone());
        }
        out.push(f);
        return;
    }
    out.push(
        ctx.finding(&META, span, format!("the final image runs as root: {why}"))
            .with_fix(fix(edit)),
    );
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
            read_context: None,
            deployments: &[],
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
            fixed("FROM golang AS b\nRUN go build\nFROM scratch\nCOPY --from=b /x /x\nENTRYPOINT [\"/x\"]\n"),
            "FROM golang AS b\nRUN go build\nFROM scratch\nCOPY --from=b /x /x\nUSER 10001:10001\nENTRYPOINT [\"/x\"]\n"
        );
        // The fixed file no longer draws the finding.
        let file = SourceFile::new("Dockerfile", fixed("FROM python:3.12\nCMD x\n"));
        let a = crate::analyse(&crate::DockerfileInput {
            file: &file,
            dockerignore: None,
            context_files: crate::ContextFiles::Unknown,
            options: &DockerfileOptions::default(),
            today: "2026-01-01".parse().unwrap(),
            read_context: None,
            deployments: &[],
        });
        assert!(!a.findings.iter().any(|f| f.rule == "SS1001"));
    }
}
