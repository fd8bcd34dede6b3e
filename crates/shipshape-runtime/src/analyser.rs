//! The runtime analyser as the pipeline sees it: which discovered files are Compose projects,
//! Kubernetes manifests, text with `docker run` lines or saved `docker inspect` output, and the
//! one rule set run over all of them.

use rayon::prelude::*;
use shipshape_core::facts::Facts;
use shipshape_core::report::Analysis;
use shipshape_core::{
    Analyser, ChecklistItem, Input, InputKind, PathContext, RuleMeta, Scope, Span,
};
use std::collections::{BTreeMap, BTreeSet, HashSet};
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
        let yaml: Vec<&Input> = scope.inputs_of(&[InputKind::Yaml]).collect();
        // Kustomizations and Helm charts are analysed as deployed: rendered. The files they
        // read (resources, patches, templates) are not manifests of their own.
        let classifier = shipshape_core::context::ContextClassifier::new(scope.config, scope.root);
        let (deployed, consumed) = deployed_as_rendered(&yaml, &classifier, scope.facts);
        parts.extend(deployed);
        let candidates: Vec<&Input> = scope
            .inputs_of(&[InputKind::Yaml, InputKind::RunText, InputKind::Json])
            .filter(|i| !consumed.iter().any(|c| covers(c, &i.rel)))
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

fn file_name(i: &Input) -> &str {
    i.path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// The directory part of a root-relative path (`""` at the root).
fn rel_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Whether consumed entry `c` (a file, or a directory ending in `/`) covers path `rel`.
fn covers(c: &str, rel: &str) -> bool {
    match c.strip_suffix('/') {
        Some(dir) => dir.is_empty() || rel.starts_with(&format!("{dir}/")),
        None => c == rel,
    }
}

/// Renders every kustomization and Helm chart among `yaml` and analyses what they deploy.
/// Returns the analyses and what they consumed (root-relative files, and directories ending in
/// `/` for rendered charts' templates).
fn deployed_as_rendered(
    yaml: &[&Input],
    classifier: &shipshape_core::context::ContextClassifier,
    facts: &Facts,
) -> (Vec<Analysis>, BTreeSet<String>) {
    let mut consumed = BTreeSet::new();
    let kusts: Vec<&Input> = yaml
        .iter()
        .copied()
        .filter(|i| crate::kustomize::is_kustomization_name(file_name(i)))
        .collect();
    let rendered: Vec<(&Input, Analysis, crate::kustomize::Rendered)> = kusts
        .par_iter()
        .map(|i| {
            let dir = i.path.parent().unwrap_or(Path::new("."));
            let (a, r) = crate::analyse_kustomization_with(dir, rel_dir(&i.rel), facts);
            (*i, a, r)
        })
        .collect();
    for (_, _, r) in &rendered {
        consumed.extend(r.consumed.iter().cloned());
    }
    // A base or a component is rendered by the kustomization that includes it; the same base
    // line seen through two overlays is one finding.
    let by_other: Vec<bool> = rendered
        .iter()
        .map(|(i, _, _)| {
            rendered
                .iter()
                .any(|(j, _, other)| j.rel != i.rel && other.consumed.contains(&i.rel))
        })
        .collect();
    let mut parts = Vec::new();
    let mut seen: HashSet<(&'static str, String, Option<Span>, String)> = HashSet::new();
    let mut seen_errors: HashSet<String> = HashSet::new();
    // Overlays deployed from test, fixture or docs paths first: the deduplication below walks
    // the list backwards, so a base line seen through a production overlay too stays production.
    let mut order: Vec<(&Input, Analysis, bool, bool)> = rendered
        .into_iter()
        .zip(by_other)
        .map(|((i, a, r), other)| (i, a, other, r.component))
        .collect();
    order.sort_by_key(|(i, ..)| {
        std::cmp::Reverse(classifier.classify(&i.rel) != PathContext::Production)
    });
    let mut kept: Vec<(Analysis, PathContext)> = Vec::new();
    for (input, mut a, by_other, component) in order {
        if by_other || component {
            // A component nothing here includes is never deployed: said, not silent.
            if component && !by_other {
                let mut note = Analysis::default();
                note.skipped.push(shipshape_core::report::Skipped {
                    path: input.rel.clone(),
                    reason: "kustomize component that no kustomization here includes: not analysed"
                        .into(),
                    verbose_only: false,
                });
                note.errors = a.errors;
                parts.push(note);
            }
            continue;
        }
        let context = classifier.classify(&input.rel);
        a.errors.retain(|e| seen_errors.insert(e.to_string()));
        for f in &mut a.findings {
            f.context = context;
        }
        kept.push((a, context));
    }
    // the same finding through several overlays is one: the production one if there is one
    for (a, _) in kept.iter_mut().rev() {
        a.findings.retain(|f| {
            seen.insert((
                f.rule.code,
                f.location.path.clone(),
                f.location.span,
                f.message.clone(),
            ))
        });
    }
    parts.extend(kept.into_iter().map(|(a, _)| a));
    // Helm charts: the outermost Chart.yaml of a tree (subcharts render with their parent).
    let charts: Vec<&Input> = yaml
        .iter()
        .copied()
        .filter(|i| file_name(i) == "Chart.yaml")
        .collect();
    let helm = if charts.is_empty() {
        None
    } else {
        crate::helm::find_helm()
    };
    for c in &charts {
        let dir = rel_dir(&c.rel);
        let nested = charts.iter().any(|o| {
            let od = rel_dir(&o.rel);
            o.rel != c.rel && (od.is_empty() || dir.starts_with(&format!("{od}/")))
        });
        if nested {
            continue;
        }
        let why = match &helm {
            None => {
                "chart found, not rendered: no `helm` on PATH to run `helm template`".to_string()
            }
            Some(h) => {
                match crate::helm::render(h, c.path.parent().unwrap_or(Path::new(".")), dir) {
                    Ok(file) => {
                        parts.push(crate::analyse_kubernetes_set_with(
                            std::slice::from_ref(&file),
                            facts,
                        ));
                        consumed.insert(format!(
                            "{dir}{}templates/",
                            if dir.is_empty() { "" } else { "/" }
                        ));
                        continue;
                    }
                    Err(e) => format!("chart found, not rendered: {e}"),
                }
            }
        };
        let mut a = Analysis::default();
        a.skipped.push(shipshape_core::report::Skipped {
            path: c.rel.clone(),
            reason: why,
            verbose_only: false,
        });
        parts.push(a);
    }
    (parts, consumed)
}
