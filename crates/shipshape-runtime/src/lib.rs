//! Runtime configuration analysis for shipshape.
//!
//! One model ([`model::RuntimeSpec`]) filled by four front ends — `docker run` command lines in
//! text files, Compose projects, Kubernetes manifests and `docker inspect` JSON — and one set of
//! rules ([`rules`]) written against it, plus the network graphs of Compose projects ([`graph`])
//! and of sets of Kubernetes manifests ([`kgraph`]).

pub mod analyser;
pub mod classify;
pub mod compose;
pub mod dockerrun;
pub mod evidence;
pub mod graph;
pub mod hardening;
pub mod helm;
pub mod inspect;
pub mod interp;
pub mod k8s;
pub mod kgraph;
pub mod kustomize;
pub mod model;
pub mod pod_security;
pub mod rules;
pub mod shell;
pub mod upstream;
pub mod vars;
pub mod yaml;

use model::RuntimeSpec;
use rules::Cx;
use shipshape_core::facts::Facts;
use shipshape_core::report::{Analysis, ScannedInput};
use shipshape_core::{suppress, SourceFile, SourceKind};
use std::path::Path;

pub use analyser::RuntimeAnalyser;
pub use k8s::looks_like_kubernetes;

/// Whether a YAML file with another name (`base.yaml`, `stack.yml`) is a Compose file by its
/// content: a top-level `services:` mapping whose entries are Compose-shaped services (mappings
/// with Compose service keys), and no Kubernetes `apiVersion`/`kind`. A `.travis.yml` with
/// `services: [xvfb]`, or a YAML that does not parse, is not a target (not an error either).
/// For callers that pick inputs by name first; Compose v1 files (services at the top level) are
/// not recognised this way, only by name.
pub fn looks_like_compose(text: &str) -> bool {
    let top_level = |k: &str| {
        text.lines()
            .any(|l| l.trim_start_matches('\u{feff}').starts_with(k))
    };
    if !top_level("services:") || looks_like_kubernetes(text) {
        return false;
    }
    let Ok(docs) = yaml::load(text, 0) else {
        return false;
    };
    let Some(services) = docs.first().and_then(|d| d.get("services")) else {
        return false;
    };
    let Some(entries) = services.map() else {
        return false;
    };
    !entries.is_empty()
        && entries.iter().all(|(_, svc)| {
            svc.is_null()
                || svc.map().is_some_and(|m| {
                    m.iter()
                        .any(|(k, _)| k.str().is_some_and(|k| COMPOSE_SERVICE_KEYS.contains(&k)))
                })
        })
}

/// Keys only a Compose service has in this combination (any one of them makes a mapping a
/// service).
const COMPOSE_SERVICE_KEYS: &[&str] = &[
    "image",
    "build",
    "command",
    "entrypoint",
    "ports",
    "expose",
    "environment",
    "env_file",
    "volumes",
    "depends_on",
    "networks",
    "network_mode",
    "restart",
    "deploy",
    "healthcheck",
    "container_name",
    "extends",
    "profiles",
    "privileged",
    "cap_add",
    "cap_drop",
    "security_opt",
    "read_only",
    "user",
    "working_dir",
    "labels",
    "logging",
    "tmpfs",
    "ulimits",
    "secrets",
    "configs",
];
pub use shell::mentions_container_run;

/// Every rule of this crate's metadata, for the registry.
pub use rules::METAS as RULES;

/// Runs the rules over `specs` and fills an [`Analysis`] for `files`.
fn finish(
    files: &[SourceFile],
    specs: &[RuntimeSpec],
    kind: SourceKind,
    mut analysis: Analysis,
    extra: Vec<shipshape_core::Finding>,
) -> Analysis {
    let mut cx = Cx::new(files);
    for s in specs {
        let before = cx.findings.len();
        rules::check_all(s, &mut cx);
        hardening::one_fix(s, &mut cx.findings[before..]);
        evidence::record(s, files, &mut analysis);
    }
    analysis.findings.extend(cx.findings);
    analysis.findings.extend(extra);
    if !specs.is_empty() {
        analysis.evaluated_by(
            rules::RULES
                .iter()
                .filter(|r| r.applies_to(kind))
                .map(|r| r.meta()),
        );
    }
    for f in files {
        analysis.inputs.push(ScannedInput {
            path: f.path().to_string(),
            kind,
        });
        analysis.add_source(f);
    }
    analysis
}

/// `#` comment suppressions in `text` (the file, or its shell view: for Markdown only the code
/// blocks, so headings are not read as comments), widened to the whole of a multi-line command
/// they touch: an ignore above it, at the end of its last line, or in backticks on the line of
/// the offending argument (`` --privileged `# shipshape:ignore SS2001 why` \ ``) covers every
/// line of the command.
fn hash_ignores(text: &str, commands: &[(u32, u32)]) -> Vec<suppress::InlineIgnore> {
    let mut ignores = suppress::scan_hash_comments(text);
    for ig in &mut ignores {
        if let Some((start, end)) = commands
            .iter()
            .find(|(s, e)| ig.first_line <= *e && ig.last_line >= *s)
        {
            ig.first_line = ig.first_line.min(*start);
            ig.last_line = ig.last_line.max(*end);
        }
    }
    ignores
}

/// Analyses `docker run` / `podman run` lines in a shell script, Makefile, Markdown file, CI YAML
/// file or systemd unit (the kind is detected from the path).
pub fn analyse_docker_run_text(file: &SourceFile) -> Analysis {
    let mut analysis = Analysis::default();
    let kind = shell::TextKind::from_path(file.path()).unwrap_or(shell::TextKind::Shell);
    let view = match shell::shell_view(file.text(), kind) {
        Ok(v) => v,
        Err(e) => {
            analysis.errors.push(shipshape_core::ScanError::at(
                file,
                e.offset,
                format!("YAML syntax error: {}", e.message),
            ));
            analysis.inputs.push(ScannedInput {
                path: file.path().to_string(),
                kind: SourceKind::DockerRun,
            });
            return analysis;
        }
    };
    let invocations = shell::find_invocations(&view);
    let vars = vars::Vars::collect(&view, kind);
    let specs: Vec<RuntimeSpec> = invocations
        .iter()
        .map(|inv| dockerrun::spec_from_invocation_in(inv, 0, kind, &view, &vars))
        .collect();
    let commands: Vec<(u32, u32)> = invocations
        .iter()
        .map(|i| (file.line_col(i.head_start).0, file.line_col(i.end).0))
        .collect();
    // In Markdown, `# shipshape:ignore` is written inside the code block, as in a script.
    let text = if kind == shell::TextKind::Markdown {
        view.as_str()
    } else {
        file.text()
    };
    let ignores = hash_ignores(text, &commands);
    if !ignores.is_empty() {
        analysis.ignores.insert(file.path().to_string(), ignores);
    }
    let files = std::slice::from_ref(file);
    finish(files, &specs, SourceKind::DockerRun, analysis, Vec::new())
}

/// Analyses one Compose project: `files` are merged in order (`docker compose -f a -f b`);
/// `project_dir` is where `.env` and relative `extends`/`include` files are looked up.
pub fn analyse_compose(files: &[SourceFile], project_dir: &Path) -> Analysis {
    analyse_compose_with(files, project_dir, &Facts::default())
}

/// The specs of a loaded Compose project, each service that builds a Dockerfile of the scan
/// with that Dockerfile's run-time facts (its `USER`, `HEALTHCHECK`, …).
fn compose_specs(project: &compose::Project, facts: &Facts) -> Vec<RuntimeSpec> {
    project
        .services
        .iter()
        .map(|svc| {
            let mut spec = compose::service_spec(svc);
            if let Some((dockerfile, target)) = compose::build_ref(project, svc) {
                spec.built_from = Some(model::BuiltImage {
                    stage: facts.stage(&dockerfile, target.as_deref()).cloned(),
                    dockerfile,
                    target,
                });
            }
            spec
        })
        .collect()
}

/// Where a Compose project runs images it builds from Dockerfiles of the scan, and as which
/// user: the facts the Dockerfile analyser reads (a non-root `user:` mitigates SS1001).
pub fn compose_facts(files: &[SourceFile], project_dir: &Path) -> Facts {
    let project = compose::load_project(files, project_dir);
    let mut facts = Facts::default();
    let location = |loc: &model::Loc| {
        project.files.get(loc.file).map(|f| {
            shipshape_core::Location::in_file(f, loc.span.start, loc.span.end)
                .with_key(loc.key.clone())
        })
    };
    for svc in &project.services {
        let Some((dockerfile, target)) = compose::build_ref(&project, svc) else {
            continue;
        };
        let spec = compose::service_spec(svc);
        // `image:` beside `build:` names the built image: Kubernetes manifests may run it.
        if let Some(image) = spec.image.as_ref().filter(|_| !spec.image_unresolved) {
            facts
                .built_images
                .push(shipshape_core::facts::BuiltImageName {
                    image: image.value.clone(),
                    dockerfile: dockerfile.clone(),
                    target: target.clone(),
                    pinned_on_deploy: false,
                });
        }
        let Some(at) = location(&spec.anchor) else {
            continue;
        };
        let user = spec
            .user
            .as_ref()
            .and_then(|u| location(&u.loc).map(|l| (u.value.clone(), l)));
        facts
            .deployments
            .entry(dockerfile)
            .or_default()
            .push(shipshape_core::facts::Deployment {
                name: spec.name.clone(),
                target,
                location: at,
                user,
                run_as_non_root: None,
            });
    }
    facts
}

/// The images a Skaffold configuration builds (`build.artifacts`: `image`, `context`,
/// `docker.dockerfile`, `docker.target`), with their Dockerfiles relative to the scan root.
/// Anything that is not a Skaffold configuration gives nothing.
pub fn skaffold_images(file: &SourceFile) -> Vec<shipshape_core::facts::BuiltImageName> {
    let Ok(docs) = yaml::load(file.text(), 0) else {
        return Vec::new();
    };
    let dir = file.path().rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    for doc in &docs {
        if !doc
            .get("apiVersion")
            .and_then(yaml::Node::str)
            .is_some_and(|v| v.starts_with("skaffold/"))
        {
            continue;
        }
        let Some(artifacts) = doc.path(&["build", "artifacts"]) else {
            continue;
        };
        for a in artifacts.items() {
            let Some(image) = a.get("image").and_then(yaml::Node::str) else {
                continue;
            };
            let context = a.get("context").and_then(yaml::Node::str).unwrap_or(".");
            let dockerfile = a
                .path(&["docker", "dockerfile"])
                .and_then(yaml::Node::str)
                .unwrap_or("Dockerfile");
            let context = shipshape_core::facts::join_rel(dir, context);
            out.push(shipshape_core::facts::BuiltImageName {
                image: image.to_string(),
                dockerfile: shipshape_core::facts::join_rel(&context, dockerfile),
                target: a
                    .path(&["docker", "target"])
                    .and_then(yaml::Node::str)
                    .map(str::to_string),
                pinned_on_deploy: true,
            });
        }
    }
    out
}

/// Where the Kubernetes workloads of `file` run images built here (`names`, from Skaffold and
/// Compose), and as which user: deployments for the Dockerfile analyser.
pub fn kubernetes_facts(
    file: &SourceFile,
    names: &[shipshape_core::facts::BuiltImageName],
) -> Facts {
    let mut facts = Facts::default();
    if names.is_empty() {
        return facts;
    }
    let set = k8s::load_set(std::slice::from_ref(file));
    let location = |loc: &model::Loc| {
        shipshape_core::Location::in_file(file, loc.span.start, loc.span.end)
            .with_key(loc.key.clone())
    };
    for spec in &set.specs {
        let Some(image) = spec.image.as_ref() else {
            continue;
        };
        let Some(built) = names.iter().find(|n| n.matches(&image.value)) else {
            continue;
        };
        facts
            .deployments
            .entry(built.dockerfile.clone())
            .or_default()
            .push(shipshape_core::facts::Deployment {
                // `Deployment/web`, the workload (the container is its anchor).
                name: spec
                    .anchor
                    .key
                    .split_once(':')
                    .map_or_else(|| spec.name.clone(), |(w, _)| w.to_string()),
                target: built.target.clone(),
                location: location(&spec.anchor),
                user: spec
                    .user
                    .as_ref()
                    .map(|u| (u.value.clone(), location(&u.loc))),
                run_as_non_root: spec
                    .run_as_non_root
                    .as_ref()
                    .filter(|v| v.value)
                    .map(|v| location(&v.loc)),
            });
    }
    facts
}

/// [`analyse_compose`] with the facts other analysers published (see [`shipshape_core::facts`]).
pub fn analyse_compose_with(files: &[SourceFile], project_dir: &Path, facts: &Facts) -> Analysis {
    let mut analysis = Analysis::default();
    let project = compose::load_project(files, project_dir);
    analysis.errors.extend(project.errors.iter().cloned());
    let specs = compose_specs(&project, facts);
    let mut cx = Cx::new(&project.files);
    let g = graph::build(&project, &specs);
    for rule in rules::RULES {
        rule.check_project(&g, &specs, &mut cx);
    }
    for f in &project.files {
        let ignores = suppress::scan_hash_comments(f.text());
        if !ignores.is_empty() {
            analysis.ignores.insert(f.path().to_string(), ignores);
        }
    }
    finish(
        &project.files,
        &specs,
        SourceKind::Compose,
        analysis,
        cx.findings,
    )
}

/// Analyses a Kubernetes manifest (multi-document, `List`s) on its own: see
/// [`analyse_kubernetes_set`].
pub fn analyse_kubernetes(file: &SourceFile) -> Analysis {
    analyse_kubernetes_set(std::slice::from_ref(file))
}

/// Analyses Kubernetes manifests that are deployed together (the analyser gives it the manifests
/// of one directory, as `kubectl apply -f DIR` applies them): every container against the
/// per-container rules, and the set's network graph (workloads, Services, Ingresses,
/// NetworkPolicies: [`kgraph`]) against the network rules. Kinds other than workloads and those
/// are skipped.
pub fn analyse_kubernetes_set(files: &[SourceFile]) -> Analysis {
    analyse_kubernetes_set_with(files, &Facts::default())
}

/// [`analyse_kubernetes_set`] with the facts other analysers published: a container whose
/// image is built here (a Skaffold artifact, a Compose service's `image:` with `build:`) counts
/// that Dockerfile's run-time facts, and one Skaffold builds and deploys is pinned by it.
pub fn analyse_kubernetes_set_with(files: &[SourceFile], facts: &Facts) -> Analysis {
    analyse_manifest_set(files, k8s::load_set(files), facts)
}

/// Analyses the kustomization of directory `dir` (named `rel` relative to the scan root) as its
/// rendered output ([`kustomize`]): findings point at the base, patch or kustomization line each
/// value came from. Also returns the rendering (files read, whether it is a component).
pub fn analyse_kustomization(dir: &Path, rel: &str) -> (Analysis, kustomize::Rendered) {
    analyse_kustomization_with(dir, rel, &Facts::default())
}

/// [`analyse_kustomization`] with the facts other analysers published (see
/// [`analyse_kubernetes_set_with`]).
pub fn analyse_kustomization_with(
    dir: &Path,
    rel: &str,
    facts: &Facts,
) -> (Analysis, kustomize::Rendered) {
    let mut rendered = kustomize::render(dir, rel);
    let docs = std::mem::take(&mut rendered.docs);
    let mut set = k8s::set_from_docs(docs);
    set.errors = std::mem::take(&mut rendered.errors);
    let mut analysis = analyse_manifest_set(&rendered.files, set, facts);
    analysis.skipped.extend(rendered.skipped.iter().cloned());
    (analysis, rendered)
}

/// Rendered manifests or a compose file read from standard input (`shipshape check -`), shown
/// as `<stdin>`: a compose file if it has the compose shape, else Kubernetes manifests (several
/// documents, `List`s). `None` when it is neither.
pub fn analyse_stdin(text: String) -> Option<Analysis> {
    let file = SourceFile::new(STDIN_NAME, text);
    if looks_like_compose(file.text()) {
        Some(analyse_compose(std::slice::from_ref(&file), Path::new(".")))
    } else if looks_like_kubernetes(file.text()) {
        Some(analyse_kubernetes(&file))
    } else {
        None
    }
}

/// How standard input is named in findings.
pub const STDIN_NAME: &str = "<stdin>";

/// Analyses parsed manifests (see [`analyse_kubernetes_set_with`]).
fn analyse_manifest_set(
    files: &[SourceFile],
    mut set: k8s::ManifestSet,
    facts: &Facts,
) -> Analysis {
    let mut analysis = Analysis::default();
    for spec in &mut set.specs {
        let built = spec
            .image
            .as_ref()
            .and_then(|i| facts.built_images.iter().find(|b| b.matches(&i.value)));
        if let Some(b) = built {
            spec.image_built = b.pinned_on_deploy;
            spec.built_from = Some(model::BuiltImage {
                dockerfile: b.dockerfile.clone(),
                target: b.target.clone(),
                stage: facts.stage(&b.dockerfile, b.target.as_deref()).cloned(),
            });
        }
    }
    analysis.errors.extend(set.errors.iter().cloned());
    for file in files {
        let ignores = suppress::scan_hash_comments(file.text());
        if !ignores.is_empty() {
            analysis.ignores.insert(file.path().to_string(), ignores);
        }
    }
    let g = kgraph::build(&set.docs, files);
    let mut cx = Cx::new(files);
    for rule in rules::RULES {
        rule.check_cluster(&g, &set.specs, &mut cx);
    }
    finish(
        files,
        &set.specs,
        SourceKind::Kubernetes,
        analysis,
        cx.findings,
    )
}

/// The network graph of Kubernetes manifests deployed together (see [`analyse_kubernetes_set`]).
pub fn kubernetes_graph(
    files: &[SourceFile],
) -> Result<kgraph::KubeGraph, Vec<shipshape_core::ScanError>> {
    let set = k8s::load_set(files);
    if !set.errors.is_empty() {
        return Err(set.errors);
    }
    Ok(kgraph::build(&set.docs, files))
}

/// Analyses saved `docker inspect` (container) JSON.
pub fn analyse_inspect_json(file: &SourceFile) -> Analysis {
    let mut analysis = Analysis::default();
    let (specs, errors) = inspect::specs(file);
    analysis.errors.extend(errors);
    finish(
        std::slice::from_ref(file),
        &specs,
        SourceKind::Engine,
        analysis,
        Vec::new(),
    )
}

/// The network graph of a Compose project (see [`analyse_compose`] for the arguments).
pub fn compose_graph(
    files: &[SourceFile],
    project_dir: &Path,
) -> Result<graph::Graph, Vec<shipshape_core::ScanError>> {
    let project = compose::load_project(files, project_dir);
    if !project.errors.is_empty() {
        return Err(project.errors);
    }
    let specs = compose_specs(&project, &Facts::default());
    Ok(graph::build(&project, &specs))
}

#[cfg(test)]
mod tests {

    #[test]
    fn compose_by_content() {
        assert!(super::looks_like_compose(
            "x-common: &c {}\nservices:\n  web:\n    image: a\n"
        ));
        assert!(!super::looks_like_compose("web:\n  services: 1\n"));
        assert!(!super::looks_like_compose(
            "apiVersion: v1\nkind: Service\nservices:\n"
        ));
        assert!(!super::looks_like_compose("steps:\n  - run: echo\n"));
        // Only targets are parsed as targets.
        assert!(!super::looks_like_compose(
            "language: python\nservices:\n  - xvfb\n"
        ));
        assert!(!super::looks_like_compose("services: [xvfb, redis]\n"));
        assert!(!super::looks_like_compose(
            "services:\n  alerting:\n    rules: 1\n    rules: 2\n"
        ));
        assert!(super::looks_like_compose(
            "services:\n  db:\n    image: postgres:16.4\n  cache:\n"
        ));
    }

    use super::*;
    use shipshape_core::RuleRegistry;

    #[test]
    fn registry_is_consistent() {
        let reg = RuleRegistry::new(&[RULES]);
        assert!(reg.problems().is_empty(), "{:?}", reg.problems());
        for r in RULES {
            for section in [
                "## What it does",
                "## Why it matters",
                "## How to fix",
                "## Example",
            ] {
                assert!(r.docs.contains(section), "{} lacks {section}", r.code);
            }
        }
    }
}
