//! Finds what can be analysed under a path, honouring .gitignore and the config's `exclude`.

use shipshape_core::config::Config;
use std::path::{Path, PathBuf};

/// The kind of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum InputKind {
    Dockerfile,
    Dockerignore,
    Compose,
    /// A YAML file that may hold Kubernetes manifests (confirmed by the runtime analyser).
    Yaml,
    /// Shell scripts, Makefiles, Markdown, CI YAML, systemd units: may hold `docker run` lines.
    RunText,
    /// JSON that may be `docker inspect` output.
    Json,
    /// Any other file (candidates for the secrets scan).
    Other,
}

/// One discovered file.
#[derive(Debug, Clone)]
pub struct Input {
    /// Path to open.
    pub path: PathBuf,
    /// Path shown in findings: as the user would type it from the current directory.
    pub display: String,
    pub kind: InputKind,
}

/// Whether a file name is a Dockerfile: `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `Containerfile`…
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dockerignore") {
        return false;
    }
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

/// Whether a file name is a compose file (`compose.yaml`, `docker-compose.prod.yml`, …).
pub fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    yaml && (lower.starts_with("compose.")
        || lower.starts_with("compose-")
        || lower.starts_with("docker-compose"))
}

/// Classifies one path (relative or absolute) by its name and folder.
pub fn classify(path: &Path) -> InputKind {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let lower = name.to_ascii_lowercase();
    if is_dockerfile_name(name) {
        return InputKind::Dockerfile;
    }
    if lower == ".dockerignore" || lower.ends_with(".dockerignore") {
        return InputKind::Dockerignore;
    }
    if is_compose_name(name) {
        return InputKind::Compose;
    }
    let in_ci_dir = path
        .components()
        .any(|c| c.as_os_str() == ".github" || c.as_os_str() == ".circleci");
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    if (yaml && in_ci_dir) || lower == ".gitlab-ci.yml" {
        return InputKind::RunText;
    }
    if yaml {
        return InputKind::Yaml;
    }
    let run_text = lower.ends_with(".sh")
        || lower.ends_with(".bash")
        || lower == "makefile"
        || lower == "gnumakefile"
        || lower.ends_with(".mk")
        || lower.ends_with(".md")
        || lower.ends_with(".markdown")
        || lower.ends_with(".service")
        || lower == "justfile";
    if run_text {
        return InputKind::RunText;
    }
    if lower.ends_with(".json") {
        return InputKind::Json;
    }
    InputKind::Other
}

/// A path as shown in findings: `/`-separated, without a leading `./`.
pub fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// The input a walked entry is, unless it is not a file or the configuration excludes it.
fn input_of(root: &Path, entry: &ignore::DirEntry, config: &Config) -> Option<Input> {
    if !entry.file_type().is_some_and(|t| t.is_file()) {
        return None;
    }
    let path = entry.path();
    let rel = path.strip_prefix(root).unwrap_or(path);
    let shown = display(path);
    if config.is_excluded(&display(rel)) || config.is_excluded(&shown) {
        return None;
    }
    Some(Input {
        path: path.to_path_buf(),
        display: shown,
        kind: classify(rel),
    })
}

/// Walks `root` (a directory or a single file).
pub fn discover(root: &Path, config: &Config) -> Result<Vec<Input>, String> {
    let meta = std::fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if meta.is_file() {
        return Ok(vec![Input {
            path: root.to_path_buf(),
            display: display(root),
            kind: classify(root),
        }]);
    }
    // Walked on every core (ripgrep's parallel walker): a large tree is mostly directory reads
    // and ignore-file lookups, which a single thread waits on one at a time.
    let found = std::sync::Mutex::new((Vec::new(), Vec::new()));
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .filter_entry(|e| {
            let name = e.file_name();
            !(e.file_type().is_some_and(|t| t.is_dir())
                && (name == ".git" || name == "node_modules" || name == "target"))
        })
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                let input = match entry {
                    Ok(entry) => input_of(root, &entry, config).map(Ok),
                    Err(e) => Some(Err(e.to_string())),
                };
                if let (Some(input), Ok(mut found)) = (input, found.lock()) {
                    match input {
                        Ok(i) => found.0.push(i),
                        Err(e) => found.1.push(e),
                    }
                }
                ignore::WalkState::Continue
            })
        });
    let (mut inputs, mut errors) = found
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    errors.sort();
    if let Some(first) = errors.into_iter().next() {
        return Err(first);
    }
    inputs.sort_by(|a, b| a.display.cmp(&b.display));
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "Containerfile",
        ] {
            assert_eq!(classify(Path::new(yes)), InputKind::Dockerfile, "{yes}");
        }
        assert_eq!(
            classify(Path::new("Dockerfile.dockerignore")),
            InputKind::Dockerignore
        );
        assert_eq!(
            classify(Path::new(".dockerignore")),
            InputKind::Dockerignore
        );
        for yes in [
            "compose.yaml",
            "docker-compose.yml",
            "docker-compose.prod.yaml",
            "compose.override.yml",
        ] {
            assert_eq!(classify(Path::new(yes)), InputKind::Compose, "{yes}");
        }
        assert_eq!(
            classify(Path::new(".github/workflows/ci.yml")),
            InputKind::RunText
        );
        assert_eq!(classify(Path::new("k8s/deploy.yaml")), InputKind::Yaml);
        assert_eq!(classify(Path::new("run.sh")), InputKind::RunText);
        assert_eq!(classify(Path::new("README.md")), InputKind::RunText);
        assert_eq!(classify(Path::new("app.service")), InputKind::RunText);
        assert_eq!(classify(Path::new("main.rs")), InputKind::Other);
    }
}
