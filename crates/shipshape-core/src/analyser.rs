//! The one shape every analyser has, and the inputs it is given.
//!
//! An analyser (the Dockerfile, runtime, secrets and image analysers, and those to come: SBOM,
//! vulnerabilities, live containers) is a value implementing [`Analyser`]: it names the rules it
//! owns and analyses the inputs of a [`Scope`]. The binary keeps a list of analysers and runs
//! each one; it knows nothing of what any of them reads. Checklist coverage is never declared
//! by hand: an analyser records the rules that evaluated an input
//! ([`Analysis::evaluated_by`]), and the policy counts an item as analysed when an enabled rule
//! among them maps to it.
//!
//! Discovery ([`discover`]) walks a tree once and classifies each file by its name
//! ([`InputKind`]): a guess that each analyser confirms by content.

use crate::config::{Config, ConfigError};
use crate::progress::Progress;
use crate::report::{Analysis, ScanError};
use crate::rule::RuleMeta;
use crate::source::SourceFile;
use std::path::{Path, PathBuf};

/// What a discovered file looks like by its name and folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputKind {
    Dockerfile,
    Dockerignore,
    Compose,
    /// A YAML file that may hold Kubernetes manifests or a Compose file (confirmed by content).
    Yaml,
    /// Shell scripts, Makefiles, Markdown, CI YAML, systemd units: may hold `docker run` lines.
    RunText,
    /// JSON that may be `docker inspect` output.
    Json,
    /// Any other file.
    Other,
}

/// One discovered file.
#[derive(Debug, Clone)]
pub struct Input {
    /// Path to open.
    pub path: PathBuf,
    /// Path shown in findings: as the user would type it from the current directory.
    pub display: String,
    /// Path relative to the scan root (`/`-separated; the file name when the root is a file):
    /// what identifies the input whatever directory the scan was started from.
    pub rel: String,
    pub kind: InputKind,
}

impl Input {
    /// Reads the input as text, named by its path relative to the scan root (the name findings
    /// and fingerprints use; the binary shows it under the root as the user named it).
    /// Unreadable or non-UTF-8 files are scan errors (fail closed); a UTF-8 byte order mark is
    /// not part of the text.
    pub fn read(&self) -> Result<SourceFile, ScanError> {
        read_text(&self.path, &self.rel)
    }
}

/// Reads a text file for analysis, naming it `name` in findings and errors.
pub fn read_text(path: &Path, name: &str) -> Result<SourceFile, ScanError> {
    let bytes =
        std::fs::read(path).map_err(|e| ScanError::new(name, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        ScanError {
            path: name.to_string(),
            line: u32::try_from(line).ok(),
            column: None,
            message: "not valid UTF-8 text".into(),
        }
    })?;
    let text = match text.strip_prefix('\u{feff}') {
        Some(t) => t.to_string(),
        None => text,
    };
    Ok(SourceFile::new(name, text))
}

/// What an analyser may consult besides its inputs.
pub struct Scope<'a> {
    /// The directory or file the user named.
    pub root: &'a Path,
    /// Every discovered input, sorted by display path.
    pub inputs: &'a [Input],
    pub config: &'a Config,
    /// The date ignores expire against and end-of-life dates are compared with.
    pub today: jiff::civil::Date,
    /// Show secrets in excerpts and messages (`--show-secrets`).
    pub show_secrets: bool,
    /// Progress of long work (terminal only); a no-op elsewhere.
    pub progress: Progress,
}

impl<'a> Scope<'a> {
    /// The inputs of some kinds.
    pub fn inputs_of(&self, kinds: &'a [InputKind]) -> impl Iterator<Item = &'a Input> + 'a {
        self.inputs.iter().filter(move |i| kinds.contains(&i.kind))
    }
}

/// An analyser: the rules it owns and how it analyses a scope.
pub trait Analyser: Sync {
    /// A short stable id (`dockerfile`, `runtime`, `secrets`, `image`).
    fn id(&self) -> &'static str;

    /// The metadata of every rule it can report, for the registry (`shipshape rules`, config
    /// names, SARIF rule lists). A finding of a rule not listed here is refused by the writers.
    fn rules(&self) -> &'static [&'static RuleMeta];

    /// Checks the analyser's own section of the configuration (read with
    /// [`Config::section`], so problems name their line), when the configuration is loaded:
    /// a bad option stops the run before anything is scanned.
    fn check_config(&self, _config: &Config) -> Vec<ConfigError> {
        Vec::new()
    }

    /// Analyses what it reads of `scope` (the inputs it recognises; an image analyser reads
    /// images instead, through its own entry point, and returns nothing here). Every rule run
    /// is recorded with [`Analysis::evaluated_by`]; anything that could not be read is a scan
    /// error, never a silent skip.
    fn analyse(&self, scope: &Scope<'_>) -> Analysis;
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

/// The prefix that turns root-relative paths into paths as the user named them
/// (`Analysis::reroot`): the root itself for a directory, its parent for a file.
pub fn display_prefix(root: &Path) -> String {
    if root.is_dir() {
        display(root)
    } else {
        root.parent().map(display).unwrap_or_default()
    }
}

/// The input a walked entry is, unless it is not a file or the configuration excludes it.
fn input_of(root: &Path, entry: &ignore::DirEntry, config: &Config) -> Option<Input> {
    if !entry.file_type().is_some_and(|t| t.is_file()) {
        return None;
    }
    let path = entry.path();
    let rel = display(path.strip_prefix(root).unwrap_or(path));
    let shown = display(path);
    if config.is_excluded(&rel) || config.is_excluded(&shown) {
        return None;
    }
    Some(Input {
        path: path.to_path_buf(),
        display: shown,
        kind: classify(Path::new(&rel)),
        rel,
    })
}

/// Walks `root` (a directory or a single file), honouring `.gitignore` and the configuration's
/// `exclude`; `.git`, `node_modules` and `target` directories are not entered.
pub fn discover(root: &Path, config: &Config) -> Result<Vec<Input>, String> {
    let meta = std::fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if meta.is_file() {
        let rel = root
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        return Ok(vec![Input {
            path: root.to_path_buf(),
            display: display(root),
            rel,
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

    #[test]
    fn relative_paths_do_not_depend_on_how_the_root_is_named() {
        let dir = std::env::temp_dir().join(format!("shipshape-discover-{}", std::process::id()));
        let sub = dir.join("svc");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("Dockerfile"), "FROM scratch\n").unwrap();
        let config = Config::default();
        let a = discover(&dir, &config).unwrap();
        let b = discover(&dir.join("."), &config).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].rel, "svc/Dockerfile");
        assert_eq!(b[0].rel, "svc/Dockerfile");
        assert_ne!(a[0].display, "svc/Dockerfile");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
