use super::common::{advice, context_sources, is_whole_context};
use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::finding::Location;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1016",
    slug: "dockerignore-incomplete",
    summary: "The whole build context is copied and the .dockerignore lets secrets or .git through",
    severity: Severity::Medium,
    checklist: ChecklistItem::BuildContext,
    source: SourceKind::Dockerfile,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
For each `COPY`/`ADD` of the whole build context (`COPY . .`, `COPY . /app`, `ADD * /src/`)
when a `.dockerignore` exists, checks what that file lets through, with BuildKit's matching
rules (patterns are anchored at the context root, the last matching pattern wins, `!`
re-includes):

- when shipshape knows the sensitive files actually present in the context (the CLI walks the
  context directory), it reports those that are not excluded, by name: private keys, `.env`
  files and credentials at **high**, a `.git` directory at **medium**; when none is let
  through but patterns are missing for files that do not exist today, that is hygiene: **low**;
- when the context is unknown (a Dockerfile analysed on its own, a context that could not be
  walked), it reports the categories the `.dockerignore` does not exclude, checked with
  representative paths: `.git`; `.env` and `.env.local`; private keys (`id_rsa`, `id_ed25519`,
  `tls.key`, `key.pem`); cloud and SSH credentials (`.aws/credentials`, `.ssh/id_rsa`) —
  **medium**; package-manager credentials alone (`.npmrc`, `.pypirc`, `.netrc`,
  `.git-credentials`, `.docker/config.json`) — **low**.

The finding points at the copied source and names the `.dockerignore` as a related location.
Copies into build stages whose files are not shipped are one level lower.

## Why it matters
A `.dockerignore` that only excludes `node_modules` gives a false sense of safety: the next
`.env` or key someone drops into the directory is copied into the image, and `.git` carries the
full history (with every secret ever committed). Anyone who pulls the image can extract them.

## How to fix
Prefer an allow-list (`*` then `!src/`, `!package.json`…). Otherwise add the missing patterns;
use `**/` to match at any depth:

```text
.git
**/.env*
!**/.env.example
**/*.pem
**/*.key
**/id_rsa*
**/id_ed25519*
**/.npmrc
**/.pypirc
**/.netrc
.aws/
.docker/
```

## Example
```dockerfile
# .dockerignore contains only `node_modules`
FROM node:22-slim
COPY . /app       # reported: .git, .env files, private keys and credentials are not excluded
```
"#,
};

/// Categories of sensitive content, with the representative paths checked against the
/// `.dockerignore`, and whether the category is core (a likely leak when not excluded and the
/// context is unknown) or hygiene (package-manager credential files, rarer in a context).
const CATEGORIES: &[(&str, &[&str], bool)] = &[
    (".git", &[".git/HEAD"], true),
    ("`.env*` files", &[".env", ".env.local"], true),
    (
        "private keys (`id_rsa*`, `*.key`, `*.pem`)",
        &["id_rsa", "id_ed25519", "tls.key", "key.pem"],
        true,
    ),
    (
        "cloud and SSH credentials (`.aws/`, `.ssh/`)",
        &[".aws/credentials", ".ssh/id_rsa"],
        true,
    ),
    (
        "package-manager credentials (`.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.docker/config.json`)",
        &[
            ".npmrc",
            ".pypirc",
            ".netrc",
            ".git-credentials",
            ".docker/config.json",
        ],
        false,
    ),
];

fn lower(sev: Severity) -> Severity {
    match sev {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        _ => Severity::Low,
    }
}

shipshape_core::declare_rule!(DockerignoreIncomplete);

impl Rule for DockerignoreIncomplete {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        let Some(ignore) = &ctx.dockerignore else {
            return;
        };
        let Some(src) = context_sources(instr)
            .into_iter()
            .find(|w| is_whole_context(&w.value))
        else {
            return;
        };
        let excludes: Vec<String> = match &instr.kind {
            InstructionKind::Copy(c) | InstructionKind::Add(c) => {
                c.excludes.iter().map(|w| w.value.clone()).collect()
            }
            _ => Vec::new(),
        };
        let copy_excluded = |path: &str| {
            excludes.iter().any(|e| {
                let e = e.trim_start_matches("./").trim_end_matches('/');
                path == e || path.starts_with(&format!("{e}/"))
            })
        };
        let excluded = |path: &str| ignore.parsed.is_excluded(path) || copy_excluded(path);
        let in_final = ctx.in_final_image(index);
        let ignore_name = ignore.file.path();
        let related = Location::path(ignore_name);
        let missing_categories =
            || -> Vec<&'static (&'static str, &'static [&'static str], bool)> {
                CATEGORIES
                    .iter()
                    .filter(|(_, reps, _)| reps.iter().any(|p| !excluded(p)))
                    .collect()
            };
        let leaked: Vec<&String> = ctx
            .context_files
            .known()
            .unwrap_or_default()
            .iter()
            .filter(|f| !excluded(f))
            .collect();
        let (severity, message) = if !leaked.is_empty() {
            // Files that exist and are copied: reported by name.
            let secrets = leaked
                .iter()
                .any(|f| f.as_str() != ".git" && !f.ends_with("/.git"));
            let shown: Vec<String> = leaked.iter().take(5).map(|f| format!("`{f}`")).collect();
            let more = if leaked.len() > 5 {
                format!(" and {} more", leaked.len() - 5)
            } else {
                String::new()
            };
            (
                if secrets {
                    Severity::High
                } else {
                    Severity::Medium
                },
                format!(
                    "`{} {}` copies {}{more} from the build context: {ignore_name} does not exclude {}",
                    instr.keyword,
                    src.value,
                    shown.join(", "),
                    if leaked.len() == 1 { "it" } else { "them" }
                ),
            )
        } else {
            let missing = missing_categories();
            if missing.is_empty() {
                return;
            }
            let names: Vec<&str> = missing.iter().map(|(name, _, _)| *name).collect();
            match ctx.context_files.known() {
                // Nothing sensitive is in the context today: the missing patterns are hygiene.
                Some(_) => (
                    Severity::Low,
                    format!(
                        "`{} {}` copies the whole build context, and {ignore_name} does not exclude {} (none is in the context today)",
                        instr.keyword,
                        src.value,
                        names.join(", ")
                    ),
                ),
                // The context is unknown: a missing core category (VCS data, `.env`, keys,
                // cloud and SSH credentials) is a likely leak; package-manager files alone are
                // hygiene.
                None => (
                    if missing.iter().any(|(_, _, core)| *core) {
                        Severity::Medium
                    } else {
                        Severity::Low
                    },
                    format!(
                        "`{} {}` copies the whole build context, and {ignore_name} does not exclude {}",
                        instr.keyword,
                        src.value,
                        names.join(", ")
                    ),
                ),
            }
        };
        let severity = if in_final { severity } else { lower(severity) };
        out.push(
            ctx.finding(&META, src.span, message)
                .with_severity(severity)
                .with_related(related)
                .with_fix(advice(format!(
                    "add the missing patterns to {ignore_name} (`.git`, `**/.env*`, `**/*.pem`, `**/*.key`, `**/id_rsa*`, `**/.npmrc`, `.aws/`), or switch to an allow-list (`*` then `!src/`)"
                ))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::CATEGORIES;

    #[test]
    fn representative_paths_are_sensitive() {
        for (name, paths, _) in CATEGORIES {
            for p in *paths {
                assert!(
                    shipshape_secrets::sensitive_file(p).is_some(),
                    "{name}: {p} is not a sensitive file for the secrets classifier"
                );
            }
        }
    }
}
