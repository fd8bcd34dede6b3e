//! Runs every analyser on the discovered inputs, in parallel, and merges what they report.

use crate::discover::{Input, InputKind};
use rayon::prelude::*;
use shipshape_core::config::Config;
use shipshape_core::report::{Analysis, ScannedInput};
use shipshape_core::{ChecklistItem, ScanError, SourceFile, SourceKind};
use shipshape_dockerfile::DockerfileInput;
use std::path::{Path, PathBuf};

/// Reads a text input. Unreadable or non-UTF-8 files are scan errors (fail closed).
pub fn read_source(input: &Input) -> Result<SourceFile, ScanError> {
    let bytes = std::fs::read(&input.path)
        .map_err(|e| ScanError::new(&input.display, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        ScanError {
            path: input.display.clone(),
            line: Some(line as u32),
            column: None,
            message: "not valid UTF-8 text".into(),
        }
    })?;
    // A UTF-8 byte order mark is not part of the text.
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    Ok(SourceFile::new(&input.display, text))
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

/// Whether a file name in a build context looks like a secret or VCS data.
pub fn is_sensitive_name(name: &str) -> bool {
    // (credential directories are walked into: the files inside them are listed instead)
    shipshape_secrets::sensitive_file(name)
        .is_some_and(|f| !f.directory || f.category == shipshape_secrets::FileCategory::VcsData)
}

/// Sensitive files in a build context directory. The build context ignores .gitignore (an
/// untracked `.env` is sent to the builder), so this walk does too; it is bounded in depth and
/// entries so a huge tree cannot stall the scan.
fn sensitive_context_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .max_depth(Some(4))
        .filter_entry(|e| {
            let n = e.file_name();
            n != "node_modules" && n != "target" && n != ".venv" && n != "vendor"
        })
        .build();
    for entry in walker.take(20_000).flatten() {
        let name = entry.file_name().to_string_lossy();
        if entry.depth() == 0 || !is_sensitive_name(&name) {
            continue;
        }
        // `.git` directories are reported as a whole; nothing below them is looked at.
        if let Ok(rel) = entry.path().strip_prefix(dir) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !out
                .iter()
                .any(|p: &String| rel.starts_with(&format!("{p}/")))
            {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

fn analyse_dockerfile(input: &Input, config: &Config, today: jiff::civil::Date) -> Analysis {
    let mut out = Analysis::default();
    let file = match read_source(input) {
        Ok(f) => f,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    let ignore_file = dockerignore_for(&input.path).map(|p| {
        let shown = crate::discover::display(&p);
        read_source(&Input {
            path: p,
            display: shown,
            kind: InputKind::Dockerignore,
        })
    });
    let dockerignore = match ignore_file {
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => {
            out.errors.push(e);
            None
        }
        None => None,
    };
    let context_dir = input.path.parent().unwrap_or(Path::new("."));
    let context_files = sensitive_context_files(context_dir);
    out.merge(shipshape_dockerfile::analyse(&DockerfileInput {
        file: &file,
        dockerignore: dockerignore.as_ref(),
        context_files: &context_files,
        options: &config.dockerfile,
        today,
    }));
    out
}

/// Compose files docker compose loads together by default: the project file of a directory
/// (`compose.yaml`, `compose.yml`, `docker-compose.yaml`, `docker-compose.yml`, first found) and
/// its override (`compose.override.y*ml` / `docker-compose.override.y*ml`). Every other compose
/// file (`docker-compose.prod.yml`) is a project of its own.
fn compose_projects(inputs: &[Input]) -> Vec<Vec<&Input>> {
    use std::collections::BTreeMap;
    let base_names = [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yaml",
        "docker-compose.yml",
    ];
    let override_names = [
        "compose.override.yaml",
        "compose.override.yml",
        "docker-compose.override.yaml",
        "docker-compose.override.yml",
    ];
    let mut by_dir: BTreeMap<PathBuf, Vec<&Input>> = BTreeMap::new();
    for i in inputs.iter().filter(|i| i.kind == InputKind::Compose) {
        let dir = i.path.parent().map(Path::to_path_buf).unwrap_or_default();
        by_dir.entry(dir).or_default().push(i);
    }
    let name_of = |i: &Input| {
        i.path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let mut projects = Vec::new();
    for files in by_dir.into_values() {
        let base = base_names
            .iter()
            .find_map(|b| files.iter().copied().find(|i| name_of(i) == *b));
        let overrides: Vec<&Input> = files
            .iter()
            .copied()
            .filter(|i| override_names.contains(&name_of(i).as_str()))
            .collect();
        match base {
            Some(base) => {
                let mut project = vec![base];
                project.extend(overrides.iter().copied());
                projects.push(project);
            }
            // An override without its base is still analysed on its own.
            None => projects.extend(overrides.iter().map(|o| vec![*o])),
        }
        for f in files {
            let grouped = base.is_some_and(|b| b.path == f.path)
                || overrides.iter().any(|o| o.path == f.path);
            if !grouped {
                projects.push(vec![f]);
            }
        }
    }
    projects
}

fn analyse_compose_project(files: &[&Input]) -> Analysis {
    let mut out = Analysis::default();
    let mut sources = Vec::new();
    for f in files {
        match read_source(f) {
            Ok(s) => sources.push(s),
            Err(e) => out.errors.push(e),
        }
    }
    if let (false, Some(first)) = (sources.is_empty(), files.first()) {
        let dir = first.path.parent().unwrap_or(Path::new("."));
        out.merge(shipshape_runtime::analyse_compose(&sources, dir));
    }
    out
}

fn analyse_one(input: &Input, config: &Config, today: jiff::civil::Date) -> Analysis {
    let mut out = Analysis::default();
    match input.kind {
        InputKind::Dockerfile => return analyse_dockerfile(input, config, today),
        // Analysed with the Dockerfile whose context it belongs to; a lone one is still an input.
        InputKind::Dockerignore => {
            out.inputs.push(ScannedInput {
                path: input.display.clone(),
                kind: SourceKind::Dockerignore,
            });
            return out;
        }
        InputKind::Compose | InputKind::Other => return out,
        InputKind::Yaml | InputKind::RunText | InputKind::Json => {}
    }
    // Any YAML, script or JSON is only a candidate until its content says it is an input: an
    // unreadable or non-text candidate is skipped, not an error.
    let Ok(file) = read_source(input) else {
        return out;
    };
    match input.kind {
        InputKind::Yaml if shipshape_runtime::looks_like_kubernetes(file.text()) => {
            out.merge(shipshape_runtime::analyse_kubernetes(&file));
        }
        // A compose file by content (`stack.yml`, `app.yaml` with a top-level `services:`).
        InputKind::Yaml if shipshape_runtime::looks_like_compose(file.text()) => {
            let dir = input.path.parent().unwrap_or(Path::new("."));
            out.merge(shipshape_runtime::analyse_compose(
                std::slice::from_ref(&file),
                dir,
            ));
        }
        InputKind::RunText if shipshape_runtime::mentions_container_run(file.text()) => {
            out.merge(shipshape_runtime::analyse_docker_run_text(&file));
        }
        InputKind::Json if file.text().contains("\"HostConfig\"") => {
            out.merge(shipshape_runtime::analyse_inspect_json(&file));
        }
        _ => {}
    }
    out
}

/// Analyses every input and explains the checklist items nothing could evaluate.
pub fn analyse(inputs: &[Input], config: &Config, today: jiff::civil::Date) -> Analysis {
    let projects = compose_projects(inputs);
    let mut parts: Vec<Analysis> = projects
        .par_iter()
        .map(|p| analyse_compose_project(p))
        .collect();
    parts.par_extend(inputs.par_iter().map(|i| analyse_one(i, config, today)));
    let mut analysis = Analysis::concat(parts);
    analysis.inputs.sort_by(|a, b| a.path.cmp(&b.path));
    analysis.inputs.dedup();
    explain_gaps(&mut analysis);
    analysis
}

fn explain_gaps(a: &mut Analysis) {
    let has = |k: SourceKind| a.inputs.iter().any(|i| i.kind == k);
    let has_dockerfile = has(SourceKind::Dockerfile);
    let has_runtime = has(SourceKind::Compose)
        || has(SourceKind::Kubernetes)
        || has(SourceKind::DockerRun)
        || has(SourceKind::Engine);
    let mut notes = Vec::new();
    notes.push((
        ChecklistItem::Vulnerabilities,
        "vulnerability matching is not available yet (planned: `shipshape image` with an offline OSV database)",
    ));
    for item in [
        ChecklistItem::ReadOnly,
        ChecklistItem::ResourceLimits,
        ChecklistItem::Capabilities,
        ChecklistItem::NoNewPrivileges,
        ChecklistItem::LogRotation,
        ChecklistItem::Network,
    ] {
        notes.push((
            item,
            if has_runtime {
                "no rule of the runtime analyser evaluated this item for the configurations found"
            } else {
                "no compose file, Kubernetes manifest or `docker run` line found"
            },
        ));
    }
    for item in [
        ChecklistItem::NonRoot,
        ChecklistItem::BaseImage,
        ChecklistItem::Healthcheck,
        ChecklistItem::ImageTag,
        ChecklistItem::MinimalImage,
        ChecklistItem::BuildContext,
        ChecklistItem::Provenance,
        ChecklistItem::Secrets,
    ] {
        notes.push((
            item,
            if has_dockerfile {
                "no analyser evaluated this item yet"
            } else {
                "no Dockerfile found"
            },
        ));
    }
    for (item, note) in notes {
        if !a.covered.contains(&item) {
            a.notes.entry(item).or_insert_with(|| note.to_string());
        }
    }
}
