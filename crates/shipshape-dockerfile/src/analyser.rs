//! The Dockerfile analyser as the pipeline sees it: it takes the discovered Dockerfiles of a
//! scope, reads each with the `.dockerignore` BuildKit would use and the sensitive files of its
//! build context, and runs [`crate::analyse`]. This module is the crate's only I/O: the parser,
//! the stage resolver and the rules stay pure.

use crate::analyse::{DockerfileInput, DECIDES};
use rayon::prelude::*;
use shipshape_core::analyser::{is_plain_dockerfile_name, read_text};
use shipshape_core::facts::{DockerfileFacts, Facts};
use shipshape_core::report::{Analysis, Skipped};
use shipshape_core::{Analyser, Input, InputKind, RuleMeta, ScanError, Scope};
use std::path::{Path, PathBuf};

/// The Dockerfile and build-context analyser.
pub struct DockerfileAnalyser;

/// The metadata of every Dockerfile rule.
pub static METAS: std::sync::LazyLock<Vec<&'static RuleMeta>> =
    std::sync::LazyLock::new(|| crate::rules::all().map(|r| r.meta()).collect());

/// A build context with more entries than this is not walked to the end: the run says so with a
/// scan error instead of passing on what it did not see.
pub const MAX_CONTEXT_ENTRIES: usize = 200_000;

impl Analyser for DockerfileAnalyser {
    fn id(&self) -> &'static str {
        "dockerfile"
    }

    fn rules(&self) -> &'static [&'static RuleMeta] {
        METAS.as_slice()
    }

    /// What each image built here does at run time, by Dockerfile path.
    fn facts(&self, scope: &Scope<'_>) -> Facts {
        let files: Vec<&Input> = scope.inputs_of(&[InputKind::Dockerfile]).collect();
        Facts {
            dockerfiles: files
                .par_iter()
                .filter_map(|input| facts_one(scope, input))
                .collect(),
            ..Facts::default()
        }
    }

    fn analyse(&self, scope: &Scope<'_>) -> Analysis {
        let files: Vec<&Input> = scope.inputs_of(&[InputKind::Dockerfile]).collect();
        let lone_ignores = scope.inputs_of(&[InputKind::Dockerignore]);
        let mut parts: Vec<Analysis> = files
            .par_iter()
            .map(|input| analyse_one(scope, input))
            .collect();
        // A `.dockerignore` is analysed with the Dockerfile of its context; one without a
        // Dockerfile is still an input the run looked at.
        let mut lone = Analysis::default();
        for t in scope.inputs_of(&[InputKind::DockerfileTemplate]) {
            lone.skipped.push(Skipped {
                path: t.rel.clone(),
                reason: "a Dockerfile template: not analysed (render it, then scan the result)"
                    .into(),
                verbose_only: true,
            });
        }
        for i in lone_ignores {
            lone.inputs.push(shipshape_core::report::ScannedInput {
                path: i.rel.clone(),
                kind: shipshape_core::SourceKind::Dockerignore,
            });
        }
        parts.push(lone);
        let mut out = Analysis::concat(parts);
        if files.is_empty() {
            for item in DECIDES {
                out.notes.insert(item, "no Dockerfile found".into());
            }
        }
        out
    }
}

fn analyse_one(scope: &Scope<'_>, input: &Input) -> Analysis {
    let mut out = Analysis::default();
    let file = match input.read() {
        Ok(f) => f,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    // `Dockerfile.prod` or `api.dockerfile` found by its name is a guess; one that does not
    // start like a Dockerfile is some other file. A plain `Dockerfile`, or a file the user
    // named, is analysed whatever it holds (and fails closed).
    let name = input.rel.rsplit('/').next().unwrap_or(&input.rel);
    if !input.explicit && !is_plain_dockerfile_name(name) {
        if let Some(first) = first_word(file.text()) {
            if !first.eq_ignore_ascii_case("FROM") && !first.eq_ignore_ascii_case("ARG") {
                out.skipped.push(Skipped {
                    path: input.rel.clone(),
                    reason: format!(
                        "named like a Dockerfile, but starts with `{first}`, not FROM or ARG: not analysed (name it on the command line to analyse it anyway)"
                    ),
                    verbose_only: false,
                });
                return out;
            }
        }
    }
    let dockerignore = match dockerignore_for(&input.path) {
        Some(path) => {
            let name = sibling_name(&input.rel, &path);
            match read_text(&path, &name) {
                Ok(f) => Some(f),
                Err(e) => {
                    out.errors.push(e);
                    None
                }
            }
        }
        None => None,
    };
    let context_dir = input.path.parent().unwrap_or(Path::new("."));
    let context_files = match sensitive_context_files(context_dir) {
        Ok(files) => Some(files),
        Err(e) => {
            let dir = input.rel.rsplit_once('/').map_or(".", |(d, _)| d);
            out.errors.push(ScanError::new(dir, e));
            None
        }
    };
    let reader = |rel: &str| read_context_file(context_dir, rel);
    let deployments = scope
        .facts
        .deployments
        .get(&input.rel)
        .map_or(&[][..], Vec::as_slice);
    out.merge(crate::analyse(&DockerfileInput {
        file: &file,
        dockerignore: dockerignore.as_ref(),
        context_files: match &context_files {
            Some(files) => crate::ContextFiles::Known(files),
            None => crate::ContextFiles::Unknown,
        },
        options: &scope.config.dockerfile,
        today: scope.today,
        read_context: Some(&reader),
        deployments,
    }));
    out
}

/// Files of a build context larger than this are not read for the facts (an entrypoint script
/// is small).
const MAX_CONTEXT_FILE: u64 = 1 << 20;

/// A file of the build context `dir`, by its path relative to it: `None` when it is absent, not
/// a regular file, larger than [`MAX_CONTEXT_FILE`], not text, or outside the context.
fn read_context_file(dir: &Path, rel: &str) -> Option<String> {
    if rel.is_empty() || rel.starts_with('/') || rel.split(['/', '\\']).any(|p| p == "..") {
        return None;
    }
    let path = dir.join(rel);
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > MAX_CONTEXT_FILE {
        return None;
    }
    String::from_utf8(std::fs::read(&path).ok()?).ok()
}

/// The facts of one Dockerfile (nothing when it cannot be read or parsed: `analyse` reports it).
fn facts_one(scope: &Scope<'_>, input: &Input) -> Option<(String, DockerfileFacts)> {
    let file = input.read().ok()?;
    let context_dir = input.path.parent().unwrap_or(Path::new("."));
    let reader = |rel: &str| read_context_file(context_dir, rel);
    let facts = crate::facts_of(&DockerfileInput {
        file: &file,
        dockerignore: None,
        context_files: crate::ContextFiles::Unknown,
        options: &scope.config.dockerfile,
        today: scope.today,
        read_context: Some(&reader),
        deployments: &[],
    })?;
    Some((input.rel.clone(), facts))
}

/// The first word of the first line that is not blank and not a comment (parser directives
/// are comments), if any.
fn first_word(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .and_then(|l| l.split_whitespace().next())
}

/// The root-relative name of `path`, a file beside the input named `rel`.
fn sibling_name(rel: &str, path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    match rel.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{name}"),
        None => name,
    }
}

/// The `.dockerignore` BuildKit uses for a Dockerfile whose context is its own directory:
/// `<name>.dockerignore` beside it, else the context's `.dockerignore`.
fn dockerignore_for(dockerfile: &Path) -> Option<PathBuf> {
    let name = dockerfile.file_name()?.to_str()?;
    let specific = dockerfile.with_file_name(format!("{name}.dockerignore"));
    if specific.is_file() {
        return Some(specific);
    }
    let generic = dockerfile.with_file_name(".dockerignore");
    generic.is_file().then_some(generic)
}

/// Whether a path in a build context (relative to it) names a secret or VCS data, by the
/// secrets crate's one list of sensitive files. Credential directories (`.aws`, `.ssh`) are
/// walked into, so the files inside them are listed instead; a `.git` directory is listed whole.
pub fn is_sensitive_name(path: &str) -> bool {
    shipshape_secrets::sensitive_file(path)
        .is_some_and(|f| !f.directory || f.category == shipshape_secrets::FileCategory::VcsData)
}

/// Sensitive files in a build context directory. The build context ignores .gitignore (an
/// untracked `.env` is sent to the builder), so this walk does too. Dependency and build-output
/// directories are not entered (bounded by depth 4, as before); a context larger than
/// [`MAX_CONTEXT_ENTRIES`] is an error, not a silent stop.
fn sensitive_context_files(dir: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .max_depth(Some(4))
        .filter_entry(|e| {
            let n = e.file_name();
            n != "node_modules" && n != "target" && n != ".venv" && n != "vendor"
        })
        .build();
    for (seen, entry) in walker.flatten().enumerate() {
        if seen >= MAX_CONTEXT_ENTRIES {
            return Err(format!(
                "build context has more than {MAX_CONTEXT_ENTRIES} entries: not checked for sensitive files (exclude it, or narrow the scan)"
            ));
        }
        if entry.depth() == 0 {
            continue;
        }
        // `.git` directories are reported as a whole; nothing below them is looked at.
        if let Ok(rel) = entry.path().strip_prefix(dir) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !is_sensitive_name(&rel) {
                continue;
            }
            if !out
                .iter()
                .any(|p: &String| rel.starts_with(&format!("{p}/")))
            {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_names() {
        for yes in [
            ".env",
            ".env.prod",
            "id_rsa",
            "server.key",
            ".git",
            "x.tfstate",
        ] {
            assert!(is_sensitive_name(yes), "{yes}");
        }
        for no in [".env.example", "README.md", "key.txt", "main.go"] {
            assert!(!is_sensitive_name(no), "{no}");
        }
    }

    #[test]
    fn dockerignore_is_named_beside_its_dockerfile() {
        assert_eq!(
            sibling_name("svc/Dockerfile", Path::new("/x/svc/.dockerignore")),
            "svc/.dockerignore"
        );
        assert_eq!(
            sibling_name("Dockerfile", Path::new(".dockerignore")),
            ".dockerignore"
        );
    }
}
