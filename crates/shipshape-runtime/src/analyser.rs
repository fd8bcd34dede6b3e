//! The runtime analyser as the pipeline sees it: which discovered files are Compose projects,
//! Kubernetes manifests, text with `docker run` lines or saved `docker inspect` output, and the
//! one rule set run over all of them.

use rayon::prelude::*;
use shipshape_core::facts::Facts;
use shipshape_core::report::Analysis;
use shipshape_core::{Analyser, ChecklistItem, Input, InputKind, RuleMeta, Scope};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The runtime-configuration analyser.
pub struct RuntimeAnalyser;

impl Analyser for RuntimeAnalyser {
    fn id(&self) -> &'static str {
        "runtime"
    }

    fn rules(&self) -> &'static [&'static RuleMeta] {
        crate::rules::METAS
    }

    /// Where the images built from Dockerfiles of the scan run (Compose `build:`, Kubernetes
    /// workloads running an image Skaffold or Compose builds here), and as whom.
    fn facts(&self, scope: &Scope<'_>) -> Facts {
        // Deployments and built images tie workloads to Dockerfiles of the scan; without one
        // only Skaffold's pinning of the images it deploys is left, and the Compose files are
        // not parsed twice.
        let with_dockerfiles = scope.inputs_of(&[InputKind::Dockerfile]).next().is_some();
        let compose: Vec<&Input> = if with_dockerfiles {
            scope.inputs_of(&[InputKind::Compose]).collect()
        } else {
            Vec::new()
        };
        let mut facts = compose_projects(&compose)
            .par_iter()
            .map(|files| {
                let sources: Vec<_> = files.iter().filter_map(|f| f.read().ok()).collect();
                match (sources.is_empty(), files.first()) {
                    (false, Some(first)) => crate::compose_facts(
                        &sources,
                        first.path.parent().unwrap_or(Path::new(".")),
                    ),
                    _ => Facts::default(),
                }
            })
            .reduce(Facts::default, merged);
        let read: Vec<(&Input, shipshape_core::SourceFile)> = scope
            .inputs_of(&[InputKind::Yaml])
            .collect::<Vec<_>>()
            .par_iter()
            .filter_map(|i| i.read().ok().map(|f| (*i, f)))
            .collect();
        // Compose files found by their content (`docker-stack.yml`), as `analyse` reads them.
        let by_content = read
            .par_iter()
            .filter(|_| with_dockerfiles)
            .filter(|(_, f)| crate::looks_like_compose(f.text()))
            .map(|(i, f)| {
                crate::compose_facts(
                    std::slice::from_ref(f),
                    i.path.parent().unwrap_or(Path::new(".")),
                )
            })
            .reduce(Facts::default, merged);
        facts.merge(by_content);
        let yaml: Vec<shipshape_core::SourceFile> = read.into_iter().map(|(_, f)| f).collect();
        for f in &yaml {
            let name = f.path().rsplit('/').next().unwrap_or(f.path());
            if name.starts_with("skaffold") {
                facts.built_images.extend(crate::skaffold_images(f));
            }
        }
        let names = facts.built_images.clone();
        if with_dockerfiles && !names.is_empty() {
            let k8s = yaml
                .par_iter()
                .filter(|f| crate::looks_like_kubernetes(f.text()))
                .map(|f| crate::kubernetes_facts(f, &names))
                .reduce(Facts::default, merged);
            facts.merge(Facts {
                built_images: Vec::new(),
                ..k8s
            });
        }
        facts
    }

    fn analyse(&self, scope: &Scope<'_>) -> Analysis {
        let compose: Vec<&Input> = scope.inputs_of(&[InputKind::Compose]).collect();
        let projects = compose_projects(&compose);
        let mut parts: Vec<Analysis> = projects
            .par_iter()
            .map(|p| analyse_compose_project(p, scope.facts))
            .collect();
        let candidates: Vec<&Input> = scope
            .inputs_of(&[InputKind::Yaml, InputKind::RunText, InputKind::Json])
            .collect();
        let read: Vec<Candidate> = candidates
            .par_iter()
            .map(|i| analyse_candidate(i, scope.facts))
            .collect();
        // Kubernetes manifests are analysed together per directory (`kubectl apply -f DIR`): the
        // network rules need the Services and NetworkPolicies next to the workloads.
        let mut manifests: BTreeMap<PathBuf, Vec<shipshape_core::SourceFile>> = BTreeMap::new();
        for c in read {
            match c {
                Candidate::Done(a) => parts.push(a),
                Candidate::Kubernetes(dir, file) => manifests.entry(dir).or_default().push(file),
            }
        }
        parts.par_extend(
            manifests
                .into_par_iter()
                .map(|(_, files)| crate::analyse_kubernetes_set_with(&files, scope.facts)),
        );
        let mut out = Analysis::concat(parts);
        if out.inputs.is_empty() {
            for item in [
                ChecklistItem::ReadOnly,
                ChecklistItem::ResourceLimits,
                ChecklistItem::Capabilities,
                ChecklistItem::NoNewPrivileges,
                ChecklistItem::LogRotation,
                ChecklistItem::Network,
            ] {
                out.notes.insert(
                    item,
                    "no compose file, Kubernetes manifest or `docker run` line found".into(),
                );
            }
        }
        out
    }
}

fn merged(mut a: Facts, b: Facts) -> Facts {
    a.merge(b);
    a
}

/// Compose files docker compose loads together by default: the project file of a directory
/// (`compose.yaml`, `compose.yml`, `docker-compose.yaml`, `docker-compose.yml`, first found) and
/// its override (`compose.override.y*ml` / `docker-compose.override.y*ml`). Every other compose
/// file (`docker-compose.prod.yml`) is a project of its own.
pub fn compose_projects<'a>(inputs: &[&'a Input]) -> Vec<Vec<&'a Input>> {
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
    for i in inputs {
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

fn analyse_compose_project(files: &[&Input], facts: &Facts) -> Analysis {
    let mut out = Analysis::default();
    let mut sources = Vec::new();
    for f in files {
        match f.read() {
            Ok(s) => sources.push(s),
            Err(e) => out.errors.push(e),
        }
    }
    if let (false, Some(first)) = (sources.is_empty(), files.first()) {
        let dir = first.path.parent().unwrap_or(Path::new("."));
        out.merge(crate::analyse_compose_with(&sources, dir, facts));
    }
    out
}

/// A candidate input, analysed, or a Kubernetes manifest left for its directory's set.
enum Candidate {
    Done(Analysis),
    Kubernetes(PathBuf, shipshape_core::SourceFile),
}

/// A YAML, script or JSON file is only a candidate until its content says it is an input: an
/// unreadable or non-text candidate is skipped, not an error.
fn analyse_candidate(input: &Input, facts: &Facts) -> Candidate {
    let Ok(file) = input.read() else {
        return Candidate::Done(Analysis::default());
    };
    if input.kind == InputKind::Yaml && crate::looks_like_kubernetes(file.text()) {
        let dir = input
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        return Candidate::Kubernetes(dir, file);
    }
    Candidate::Done(match input.kind {
        // A compose file by content (`stack.yml`, `app.yaml` with a top-level `services:`).
        InputKind::Yaml if crate::looks_like_compose(file.text()) => {
            let dir = input.path.parent().unwrap_or(Path::new("."));
            crate::analyse_compose_with(std::slice::from_ref(&file), dir, facts)
        }
        InputKind::RunText if crate::mentions_container_run(file.text()) => {
            crate::analyse_docker_run_text(&file)
        }
        InputKind::Json if crate::inspect::looks_like_inspect(file.text()) => {
            crate::analyse_inspect_json(&file)
        }
        _ => Analysis::default(),
    })
}
