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
use crate::report::{Analysis, ScanError, Skipped};
use crate::rule::RuleMeta;
use crate::source::SourceFile;
use std::path::{Path, PathBuf};

/// What a discovered file looks like by its name and folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputKind {
    Dockerfile,
    /// `Dockerfile.j2`, `Dockerfile.tmpl`, `Containerfile.in`: rendered into a Dockerfile by
    /// another tool; listed as not analysed.
    DockerfileTemplate,
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
    /// The user named this file (the scan root is the file): what its name says is not a guess.
    pub explicit: bool,
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
    /// What the analysers published in the first phase ([`Analyser::facts`]); empty in that
    /// phase itself.
    pub facts: &'a crate::facts::Facts,
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

    /// The first phase: what this analyser knows about `scope` that other analysers need (see
    /// [`crate::facts`]). Runs before any `analyse`, whose scope then carries every analyser's
    /// facts. Problems are not reported here: `analyse` reports them.
    fn facts(&self, _scope: &Scope<'_>) -> crate::facts::Facts {
        crate::facts::Facts::default()
    }
}

/// Extensions of templates that render into a Dockerfile (`Dockerfile.j2`).
const TEMPLATE_EXTENSIONS: &[&str] = &[
    "j2", "jinja", "jinja2", "tmpl", "tpl", "template", "in", "erb", "mustache", "hbs", "gotmpl",
    "tera", "liquid", "njk", "ejs",
];

/// Extensions of other formats that share a Dockerfile's name: editor syntax files
/// (`dockerfile.vim`), compressed man pages (`Dockerfile.5.gz`), documentation, scripts,
/// archives, backups. Numbers alone are versions (`Dockerfile.1.6`), not man sections: a troff
/// page named `Dockerfile.5` does not start with FROM and is skipped by content.
const OTHER_FORMAT_EXTENSIONS: &[&str] = &[
    "vim",
    "el",
    "nanorc",
    "sublime-syntax",
    "tmlanguage",
    "json",
    "yaml",
    "yml",
    "toml",
    "xml",
    "md",
    "markdown",
    "rst",
    "txt",
    "adoc",
    "html",
    "htm",
    "pdf",
    "py",
    "go",
    "rs",
    "js",
    "ts",
    "rb",
    "java",
    "sh",
    "bash",
    "ps1",
    "bat",
    "gz",
    "bz2",
    "xz",
    "zst",
    "zip",
    "tar",
    "tgz",
    "bak",
    "orig",
    "rej",
    "swp",
    "swo",
    "old",
    "patch",
    "diff",
    "lock",
    "sig",
    "asc",
    "sha256",
    "png",
    "svg",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
];

/// The extensions of a `Dockerfile.x.y` / `Containerfile.x` name, lower case.
fn dockerfile_suffixes(lower: &str) -> Option<Vec<&str>> {
    let rest = lower
        .strip_prefix("dockerfile.")
        .or_else(|| lower.strip_prefix("containerfile."))?;
    Some(rest.split('.').collect())
}

/// Whether a file name is a Dockerfile: `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`,
/// `Containerfile`… A name is a guess: `Dockerfile.<ext>` whose extension is another format's
/// (`dockerfile.vim`, `Dockerfile.5.gz`) or a template's (`Dockerfile.j2`) is not one.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dockerignore") {
        return false;
    }
    if let Some(exts) = dockerfile_suffixes(&lower) {
        return !exts
            .iter()
            .any(|e| OTHER_FORMAT_EXTENSIONS.contains(e) || TEMPLATE_EXTENSIONS.contains(e));
    }
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

/// Whether a file name is a Dockerfile template (`Dockerfile.j2`, `Containerfile.tmpl`).
pub fn is_dockerfile_template_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    dockerfile_suffixes(&lower).is_some_and(|exts| {
        exts.last().is_some_and(|e| TEMPLATE_EXTENSIONS.contains(e))
            && !exts.iter().any(|e| OTHER_FORMAT_EXTENSIONS.contains(e))
    })
}

/// Whether a name is exactly `Dockerfile` or `Containerfile` (any case): no guess at all.
pub fn is_plain_dockerfile_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("dockerfile") || name.eq_ignore_ascii_case("containerfile")
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
    if is_dockerfile_template_name(name) {
        return InputKind::DockerfileTemplate;
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
    // kustomize's extensionless spelling of `kustomization.yaml`
    if yaml || name == "Kustomization" {
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

/// What a walked entry is: an input, a file that looks like one but cannot be read as one (a
/// FIFO named `Dockerfile`), or nothing (a directory, an excluded path, a link to a directory).
enum Found {
    Input(Input),
    Skipped(Skipped),
}

/// Why a path that is not a regular file is not read, if it is anything but a directory.
fn not_a_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() || t.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// The input a walked entry is, unless it is not a file or the configuration excludes it.
/// Links are followed to regular files; a link to a FIFO or device, or a dangling link, named
/// like an input is reported as skipped, never read (a FIFO would block the scan).
fn input_of(root: &Path, entry: &ignore::DirEntry, config: &Config) -> Option<Found> {
    let path = entry.path();
    let rel = display(path.strip_prefix(root).unwrap_or(path));
    let shown = display(path);
    if config.is_excluded(&rel) || config.is_excluded(&shown) {
        return None;
    }
    let kind = classify(Path::new(&rel));
    let file_type = entry.file_type()?;
    if !file_type.is_file() {
        if file_type.is_dir() {
            return None;
        }
        let why = if file_type.is_symlink() {
            match std::fs::metadata(path) {
                Ok(m) if m.is_file() => None,
                Ok(m) if m.is_dir() => return None,
                Ok(m) => Some(format!(
                    "a symbolic link to {}: not read",
                    not_a_file(&m).unwrap_or("something else")
                )),
                Err(e) => Some(format!("a symbolic link that cannot be followed: {e}")),
            }
        } else {
            std::fs::symlink_metadata(path)
                .ok()
                .and_then(|m| not_a_file(&m))
                .map(|what| format!("{what}, not a regular file: not read"))
        };
        if let Some(reason) = why {
            // Only what would have been analysed is worth saying; other odd files are not inputs.
            return (kind != InputKind::Other).then_some(Found::Skipped(Skipped {
                path: rel,
                reason,
                verbose_only: false,
            }));
        }
    }
    Some(Found::Input(Input {
        path: path.to_path_buf(),
        display: shown,
        kind,
        rel,
        explicit: false,
    }))
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    /// Files named like inputs that cannot be read as files (FIFOs, devices, dangling links).
    pub skipped: Vec<Skipped>,
}

/// Walks `root` (a directory or a single file), honouring `.gitignore` and the configuration's
/// `exclude`; `.git`, `node_modules` and `target` directories are not entered.
pub fn discover(root: &Path, config: &Config) -> Result<Discovered, String> {
    let meta = std::fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if !meta.is_dir() {
        if let Some(what) = not_a_file(&meta) {
            return Err(format!("{}: {what}, not a regular file", root.display()));
        }
        let rel = root
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        // A file the user names is analysed for what its name says, template or not.
        let kind = match classify(root) {
            InputKind::DockerfileTemplate => InputKind::Dockerfile,
            k => k,
        };
        return Ok(Discovered {
            inputs: vec![Input {
                path: root.to_path_buf(),
                display: display(root),
                rel,
                kind,
                explicit: true,
            }],
            skipped: Vec::new(),
        });
    }
    // Walked on every core (ripgrep's parallel walker): a large tree is mostly directory reads
    // and ignore-file lookups, which a single thread waits on one at a time.
    let found = std::sync::Mutex::new((Vec::new(), Vec::new(), Vec::new()));
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
                        Ok(Found::Input(i)) => found.0.push(i),
                        Ok(Found::Skipped(s)) => found.2.push(s),
                        Err(e) => found.1.push(e),
                    }
                }
                ignore::WalkState::Continue
            })
        });
    let (mut inputs, mut errors, mut skipped) = found
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    errors.sort();
    if let Some(first) = errors.into_iter().next() {
        return Err(first);
    }
    inputs.sort_by(|a, b| a.display.cmp(&b.display));
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Discovered { inputs, skipped })
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
        // A name is a guess: other formats and templates are not Dockerfiles.
        for other in ["dockerfile.vim", "Dockerfile.5.gz", "Dockerfile.bak"] {
            assert_eq!(classify(Path::new(other)), InputKind::Other, "{other}");
        }
        // Markdown named after the Dockerfile is Markdown (it may hold `docker run` lines).
        assert_eq!(classify(Path::new("Dockerfile.md")), InputKind::RunText);
        for template in [
            "Dockerfile.j2",
            "Dockerfile.tmpl",
            "Dockerfile.template",
            "Containerfile.in",
            "Dockerfile.alpine.j2",
        ] {
            assert_eq!(
                classify(Path::new(template)),
                InputKind::DockerfileTemplate,
                "{template}"
            );
        }
        for yes in [
            "Dockerfile.alpine",
            "Dockerfile.prod",
            "Dockerfile.dev",
            "Dockerfile.base",
        ] {
            assert_eq!(classify(Path::new(yes)), InputKind::Dockerfile, "{yes}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_dangling_links_named_like_inputs_are_skipped_with_a_reason() {
        let dir = std::env::temp_dir().join(format!("shipshape-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("Dockerfile");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !status.is_ok_and(|s| s.success()) {
            std::fs::remove_dir_all(&dir).unwrap();
            eprintln!("SKIP: mkfifo is not available");
            return;
        }
        std::os::unix::fs::symlink(dir.join("missing.yaml"), dir.join("compose.yaml")).unwrap();
        std::os::unix::fs::symlink(dir.join("real"), dir.join("api.Dockerfile")).unwrap();
        std::fs::write(dir.join("real"), "FROM scratch\n").unwrap();
        let found = discover(&dir, &Config::default()).unwrap();
        let skipped: Vec<(&str, &str)> = found
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(
            skipped[0].0 == "Dockerfile" && skipped[0].1.contains("FIFO"),
            "{skipped:?}"
        );
        assert!(
            skipped[1].0 == "compose.yaml" && skipped[1].1.contains("link"),
            "{skipped:?}"
        );
        // A link to a regular file is read like the file.
        assert!(found.inputs.iter().any(|i| i.rel == "api.Dockerfile"));
        // Naming the FIFO itself is an error, not a hang.
        assert!(discover(&fifo, &Config::default()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn relative_paths_do_not_depend_on_how_the_root_is_named() {
        let dir = std::env::temp_dir().join(format!("shipshape-discover-{}", std::process::id()));
        let sub = dir.join("svc");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("Dockerfile"), "FROM scratch\n").unwrap();
        let config = Config::default();
        let a = discover(&dir, &config).unwrap().inputs;
        let b = discover(&dir.join("."), &config).unwrap().inputs;
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].rel, "svc/Dockerfile");
        assert_eq!(b[0].rel, "svc/Dockerfile");
        assert_ne!(a[0].display, "svc/Dockerfile");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
