use super::common::advice;
use crate::rules::{Context, Instr, Out, Rule};
use crate::{InstructionKind, Span};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1014",
    slug: "secret-build-arg",
    summary: "A build argument is named like a secret",
    severity: Severity::Medium,
    checklist: ChecklistItem::Secrets,
    source: SourceKind::Dockerfile,
    equivalents: &[("docker-build-check", "SecretsUsedInArgOrEnv")],
    fix: None,
    docs: r#"## What it does
Reports `ARG` declarations whose name looks like a secret (`NPM_TOKEN`, `DB_PASSWORD`,
`AWS_SECRET_ACCESS_KEY`, `GITHUB_PAT_TOKEN`, `API_KEY`… — the same names as SS1013), with no
default or a placeholder default: the secret is meant to come from `--build-arg`.

Not reported:

- names whose last word says where the secret is rather than holding it (`*_FILE`, `*_PATH`,
  `*_DIR`, `*_URL`, `*_ID`, `*_NAME`, …);
- an `ARG` whose only uses are the ids of secret mounts
  (`RUN --mount=type=secret,id=$SECRET_ID …`);
- an `ARG` with a literal secret default: SS1013 reports it (high).

Arguments of the stages the final image is built from are **medium**; those of other stages and
global arguments (before the first `FROM`) are **low** — their values do not reach the final
image's history, but they are still recorded in the build's provenance and cache.

## Why it matters
Build argument values are stored in the image history (`docker history` shows the
`|1 NPM_TOKEN=…` prefix of every RUN after the `ARG`), in BuildKit provenance attestations
(`mode=max`) and in CI logs. Anyone who can pull the image can read them.

## How to fix
Pass the secret as a build secret, which is mounted for one RUN and never stored:

```dockerfile
# docker build --secret id=npm_token,env=NPM_TOKEN .
RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
```

## Example
```dockerfile
ARG NPM_TOKEN                    # reported
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
```
"#,
};

/// Byte offsets (in `text`) where `$NAME` or `${NAME…` is referenced.
fn references(text: &str, name: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(rel) = text.get(i..).and_then(|t| t.find('$')) {
        let at = i + rel;
        i = at + 1;
        let rest = &text[at + 1..];
        let (body, braced) = match rest.strip_prefix('{') {
            Some(r) => (r, true),
            None => (rest, false),
        };
        if let Some(after) = body.strip_prefix(name) {
            let next = after.bytes().next();
            let boundary = if braced {
                matches!(
                    next,
                    Some(b'}' | b':' | b'-' | b'+' | b'?' | b'#' | b'%' | b'/')
                )
            } else {
                !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
            };
            if boundary && b.get(at).is_some() {
                out.push(at);
            }
        }
    }
    out
}

shipshape_core::declare_rule!(SecretBuildArg);

impl Rule for SecretBuildArg {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        let InstructionKind::Arg(arg) = &instr.effective().kind else {
            return;
        };
        for decl in &arg.args {
            let name = decl.name.value.as_str();
            let Some(kind) = shipshape_secrets::credential_name(name) else {
                continue;
            };
            let word = kind.word();
            if let Some(d) = &decl.default {
                // A literal default is SS1013's; a switch, a number or a path is not a secret. A
                // reference or a fill-in default means the value is to come from `--build-arg`.
                use shipshape_secrets::PlaceholderKind as P;
                let from_build_arg = d.has_expansion()
                    || matches!(
                        shipshape_secrets::placeholder_kind(&d.value),
                        Some(P::Empty | P::Reference | P::FillIn)
                    );
                if !from_build_arg {
                    continue;
                }
            }
            if only_used_as_secret_ids(ctx, index, name) {
                continue;
            }
            let stage = ctx.graph.stage_of(index);
            let severity = match stage {
                Some(_) if ctx.in_final_image(index) => Severity::Medium,
                _ => Severity::Low,
            };
            let id = name.to_ascii_lowercase();
            out.push(
                ctx.finding(
                    &META,
                    decl.name.span,
                    format!(
                        "build argument `{name}` looks like a {word}: its value is recorded in the image history and build provenance"
                    ),
                )
                .with_severity(severity)
                .with_fix(advice(format!(
                    "use a build secret: `RUN --mount=type=secret,id={id},env={name} …` with `docker build --secret id={id},env={name}`"
                ))),
            );
        }
    }
}

/// Whether every later reference to `$name` in the ARG's stage sits inside a `--mount` flag.
fn only_used_as_secret_ids(ctx: &Context<'_>, index: usize, name: &str) -> bool {
    let range = match ctx.graph.stage_of(index) {
        Some(s) => ctx
            .graph
            .stages
            .get(s)
            .map_or(index + 1..index + 1, |st| index + 1..st.instructions.end),
        None => index + 1..ctx.df.instructions.len(),
    };
    let mut uses = 0;
    for i in range {
        let Some(instr) = ctx.df.instructions.get(i) else {
            continue;
        };
        let text = instr.text(&ctx.df.source);
        let mounts: Vec<Span> = instr
            .effective()
            .flags_named("mount")
            .filter(|f| {
                f.value
                    .as_ref()
                    .is_some_and(|v| v.value.contains("type=secret"))
            })
            .map(|f| f.span)
            .collect();
        for at in references(text, name) {
            let offset = instr.span.start + at;
            if !mounts.iter().any(|m| m.contains(offset)) {
                return false;
            }
            uses += 1;
        }
    }
    uses > 0
}

#[cfg(test)]
mod tests {
    use super::references;

    #[test]
    fn finds_references() {
        assert_eq!(
            references("echo $TOKEN ${TOKEN} $TOKEN_FILE ${TOKEN:-x}", "TOKEN").len(),
            3
        );
        assert!(references("echo $TOKENS", "TOKEN").is_empty());
    }
}
