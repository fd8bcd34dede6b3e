//! Rule fixtures: `tests/fixtures/rules/<CODE>/`, one input per file, run through the crate's
//! public entry points. The kind of input is told by the name:
//!
//! - `*.sh` — `docker run` lines in a shell script ([`analyse_docker_run_text`]);
//! - `*.compose.yaml` — a one-file Compose project ([`analyse_compose`], no `.env`);
//! - `*.compose/` — a whole Compose project: `compose.yaml` (with the header) plus whatever it
//!   needs (`.env`, files it `include`s or `extends`); `# files: compose.yaml other.yaml` lists
//!   the `-f` files in order when there is more than one; the Dockerfiles in it are given to
//!   the analysis as the Dockerfile analyser's facts (a service with `build:` counts their `USER`
//!   and `HEALTHCHECK`);
//! - `*.k8s.yaml` — Kubernetes manifests ([`analyse_kubernetes`]);
//! - `*.kustomize/` — a kustomization rendered ([`analyse_kustomization`]): `kustomization.yaml`
//!   (with the header) plus its resources, patches and bases (in subdirectories); places in
//!   other files are written `base/deploy.yaml:LINE`;
//! - `*.inspect.json` — saved `docker inspect` output ([`analyse_inspect_json`]); JSON has no
//!   comments, so its header is the sidecar `<name>.expect` (`fire-x.inspect.json` →
//!   `fire-x.expect`), same syntax.
//!
//! Header (see `shipshape-testkit`): `# expect: SS2001@4 SS2001@9` — the exact lines the rule
//! under test reports in the fixture's own file (`other.yaml:3` for a line of another file of a
//! Compose project), `none` for nothing; `# known-issue: ...` when the expectation records a
//! misbehaviour. The rule's findings are snapshotted (`snapshots/<fixture>.snap`).
//!
//! Every rule of `shipshape_runtime::rules::METAS` needs a fixture that fires and one that does
//! not; a per-container rule needs both in at least two front ends (unless it applies to one
//! only, see [`ONE_FRONT_END`]); the Compose project rules (SS2030-SS2032) use Compose projects.

use shipshape_core::report::Analysis;
use shipshape_core::{Finding, SourceFile, SourceKind};
use shipshape_runtime::{
    analyse_compose, analyse_compose_with, analyse_docker_run_text, analyse_inspect_json,
    analyse_kubernetes, analyse_kustomization,
};
use shipshape_testkit::{render, Header, Suite};
use std::path::{Path, PathBuf};

/// A rule declaring a fix emits edits in some fixture; a rule declaring none emits no edits.
const CHECK_FIX_EDITS: bool = true;

/// Per-container rules that only one front end can trigger: pod-level Kubernetes settings.
const ONE_FRONT_END: &[&str] = &[
    "SS2009", // seccomp: Docker applies its default profile; only a pod can run Unconfined by omission
    "SS2027", // the service account token exists only in Kubernetes
    "SS2034", // NetworkPolicies exist only in Kubernetes
    "SS2036", // Docker and Compose accept only namespaced sysctls; the PSS safe set is a pod's
    "SS2037", // pod volume types exist only in Kubernetes
];

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

/// One fixture, loaded and analysed.
struct Run {
    kind: &'static str,
    header: Header,
    /// Display path of the file the header belongs to (line places are in this file).
    main: String,
    /// Prefix of the display paths of the project's other files (`SS2030/x.compose/`).
    prefix: String,
    analysis: Analysis,
}

fn header(text: &str, code: &str, path: &Path, keys: &[&str]) -> Header {
    Header::parse(text, code, keys).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The run-time facts of every Dockerfile under a Compose fixture project `dir`, named as the
/// project's files are (`<display>/app/Dockerfile`), as the Dockerfile analyser publishes them.
fn dockerfile_facts(dir: &Path, display: &str) -> shipshape_core::facts::Facts {
    let mut facts = shipshape_core::facts::Facts::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for p in shipshape_testkit::entries(&d) {
            let name = shipshape_testkit::file_name(&p);
            if p.is_dir() {
                stack.push(p);
            } else if shipshape_core::analyser::is_dockerfile_name(&name) {
                let rel = p
                    .strip_prefix(dir)
                    .expect("under the project")
                    .to_string_lossy()
                    .replace('\\', "/");
                let file = SourceFile::new(format!("{display}/{rel}"), shipshape_testkit::read(&p));
                let options = shipshape_core::config::DockerfileOptions::default();
                let f = shipshape_dockerfile::facts_of(&shipshape_dockerfile::DockerfileInput {
                    file: &file,
                    dockerignore: None,
                    context_files: shipshape_dockerfile::ContextFiles::Unknown,
                    options: &options,
                    today: "2026-11-23".parse().expect("date"),
                    read_context: None,
                    deployments: &[],
                })
                .unwrap_or_else(|| panic!("{}: does not parse", p.display()));
                facts.dockerfiles.insert(file.path().to_string(), f);
            }
        }
    }
    facts
}

/// Loads and analyses the fixture at `path`, or `None` for a sidecar (`.expect`) file.
fn load(code: &str, path: &Path) -> Option<Run> {
    let name = shipshape_testkit::file_name(path);
    let display = format!("{code}/{name}");
    if path.is_dir() && name.ends_with(".kustomize") {
        let main_path = path.join("kustomization.yaml");
        let h = header(&shipshape_testkit::read(&main_path), code, &main_path, &[]);
        let (analysis, _) = analyse_kustomization(path, &display);
        return Some(Run {
            kind: "kustomize",
            analysis,
            header: h,
            main: format!("{display}/kustomization.yaml"),
            prefix: format!("{display}/"),
        });
    }
    if path.is_dir() {
        assert!(
            name.ends_with(".compose"),
            "{}: a fixture directory is a Compose project named `*.compose` or a kustomization named `*.kustomize`",
            path.display()
        );
        let main_path = path.join("compose.yaml");
        let text = shipshape_testkit::read(&main_path);
        let h = header(&text, code, &main_path, &["files"]);
        let mut names = h.words("files");
        if names.is_empty() {
            names.push("compose.yaml".into());
        }
        let files: Vec<SourceFile> = names
            .iter()
            .map(|n| {
                SourceFile::new(
                    format!("{display}/{n}"),
                    shipshape_testkit::read(&path.join(n)),
                )
            })
            .collect();
        let facts = dockerfile_facts(path, &display);
        return Some(Run {
            kind: "compose",
            analysis: analyse_compose_with(&files, path, &facts),
            header: h,
            main: format!("{display}/compose.yaml"),
            prefix: format!("{display}/"),
        });
    }
    let (kind, analysis, h): (&'static str, Analysis, Header) = if name.ends_with(".sh") {
        let text = shipshape_testkit::read(path);
        let h = header(&text, code, path, &[]);
        let a = analyse_docker_run_text(&SourceFile::new(display.clone(), text));
        ("run", a, h)
    } else if name.ends_with(".compose.yaml") {
        let text = shipshape_testkit::read(path);
        let h = header(&text, code, path, &[]);
        // No project directory: a one-file fixture has no `.env` and includes nothing.
        let dir = path.with_extension("no-project-dir");
        let a = analyse_compose(&[SourceFile::new(display.clone(), text)], &dir);
        ("compose", a, h)
    } else if name.ends_with(".k8s.yaml") {
        let text = shipshape_testkit::read(path);
        let h = header(&text, code, path, &[]);
        let a = analyse_kubernetes(&SourceFile::new(display.clone(), text));
        ("k8s", a, h)
    } else if let Some(stem) = name.strip_suffix(".inspect.json") {
        let side = path.with_file_name(format!("{stem}.expect"));
        let h = Header::parse_sidecar(&shipshape_testkit::read(&side), code, &[])
            .unwrap_or_else(|e| panic!("{}: {e}", side.display()));
        let text = shipshape_testkit::read(path);
        let a = analyse_inspect_json(&SourceFile::new(display.clone(), text));
        ("inspect", a, h)
    } else if name.ends_with(".expect") {
        let stem = name.trim_end_matches(".expect");
        let json = path.with_file_name(format!("{stem}.inspect.json"));
        assert!(json.exists(), "{}: no {stem}.inspect.json", path.display());
        return None;
    } else {
        panic!(
            "{}: unknown fixture kind (.sh, .compose.yaml, .compose/, .k8s.yaml, .kustomize/, .inspect.json)",
            path.display()
        );
    };
    Some(Run {
        kind,
        header: h,
        main: display.clone(),
        prefix: format!("{display}/"),
        analysis,
    })
}

/// Where a finding is, as `expect:` items write it: the line in the fixture's own file, or
/// `file:line` in another file of the project.
fn place(run: &Run, f: &Finding) -> String {
    let line = f
        .location
        .line()
        .map_or_else(|| "-".to_string(), |l| l.to_string());
    if f.location.path == run.main {
        line
    } else {
        let p = f.location.path.as_str();
        format!("{}:{line}", p.strip_prefix(&run.prefix).unwrap_or(p))
    }
}

#[test]
fn rule_fixtures() {
    let mut suite = Suite::new(CHECK_FIX_EDITS);
    for (code, dir) in shipshape_testkit::rule_dirs(&fixtures_dir()) {
        let mut names = Vec::new();
        for path in shipshape_testkit::entries(&dir) {
            if shipshape_testkit::file_name(&path) == "snapshots" {
                continue;
            }
            let Some(run) = load(&code, &path) else {
                continue;
            };
            names.push(shipshape_testkit::file_name(&path));
            let fixture = format!("{code}/{}", shipshape_testkit::file_name(&path));
            if !run.analysis.errors.is_empty() {
                suite.fail(format!("{fixture}: scan errors {:?}", run.analysis.errors));
            }
            let mine: Vec<&Finding> = run
                .analysis
                .findings
                .iter()
                .filter(|f| f.rule == code)
                .collect();
            suite.check(&fixture, run.kind, &code, &run.header, &mine, |f| {
                place(&run, f)
            });
            let rendered: Vec<String> = mine
                .iter()
                .map(|f| {
                    if f.location.path == run.main {
                        render(f)
                    } else {
                        let p = f.location.path.as_str();
                        format!("{}:{}", p.strip_prefix(&run.prefix).unwrap_or(p), render(f))
                    }
                })
                .collect();
            let name = shipshape_testkit::file_name(&path);
            insta::with_settings!({ snapshot_path => dir.join("snapshots"), prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!(name, rendered.join("\n"));
            });
        }
        suite.check_snapshots(&dir, &names);
    }
    let mut spread = Vec::new();
    for meta in shipshape_runtime::rules::METAS {
        let fires = suite.coverage.kinds_firing(meta.code);
        let passes = suite.coverage.kinds_passing(meta.code);
        if meta.source == SourceKind::Compose {
            if fires.iter().chain(&passes).any(|k| *k != "compose") {
                spread.push(format!(
                    "{}: a Compose project rule, its fixtures are Compose projects",
                    meta.code
                ));
            }
        } else if !ONE_FRONT_END.contains(&meta.code) && (fires.len() < 2 || passes.len() < 2) {
            spread.push(format!(
                "{}: a per-container rule needs firing and quiet fixtures in two front ends at least (fires in {fires:?}, quiet in {passes:?})",
                meta.code
            ));
        }
    }
    suite.finish(shipshape_runtime::rules::METAS.iter().copied());
    assert!(spread.is_empty(), "{}", spread.join("\n"));
}
