//! Rule fixtures: `tests/fixtures/rules/<CODE>/*.Dockerfile`.
//!
//! Each fixture starts with header comments (parsed by `shipshape-testkit`):
//! - `# expect: SS1001@5 SS1001@9` — the exact lines this rule must report (`none`: nothing);
//! - `# target: <stage>` — optional build target;
//! - `# context: .env id_rsa` — the build context is known, with these sensitive files in it
//!   (`# context: -`: known, with none); without it the context is unknown;
//! - `# trusted-registries: ghcr.io/acme docker.io/library` — optional `trusted_registries`;
//! - `# known-issue: ...` — the expectation records a misbehaviour of the rule today.
//!
//! A `<fixture>.context/` directory beside it holds files of the build context the analyser may
//! read (the `ENTRYPOINT` script an image copies in).
//! A `<fixture>.dockerignore` beside it is the build context's `.dockerignore`. The findings of
//! the rule under test are also snapshotted (line, column, severity, message) so message changes
//! are reviewed. Every registered rule must have at least one fixture that fires and one that
//! does not.

use shipshape_core::config::DockerfileOptions;
use shipshape_core::SourceFile;
use shipshape_dockerfile::{analyse, ContextFiles, DockerfileInput, RULE_GROUPS};
use shipshape_testkit::{render, Header, Suite};
use std::path::PathBuf;

/// A rule declaring a fix emits edits in some fixture; a rule declaring none emits no edits.
const CHECK_FIX_EDITS: bool = true;

const OPTIONS: &[&str] = &["target", "context", "trusted-registries"];

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

#[test]
fn rule_fixtures() {
    let today: jiff::civil::Date = "2026-11-23".parse().unwrap();
    let mut suite = Suite::new(CHECK_FIX_EDITS);
    for (code, dir) in shipshape_testkit::rule_dirs(&fixtures_dir()) {
        let files: Vec<PathBuf> = shipshape_testkit::entries(&dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
            .collect();
        let names: Vec<String> = files
            .iter()
            .map(|p| shipshape_testkit::file_name(p))
            .collect();
        suite.check_snapshots(&dir, &names);
        for path in files {
            let text = shipshape_testkit::read(&path);
            let h = Header::parse(&text, &code, OPTIONS)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = shipshape_testkit::file_name(&path);
            let file = SourceFile::new(format!("{code}/{name}"), text);
            let ignore_path = PathBuf::from(format!("{}.dockerignore", path.display()));
            let ignore = ignore_path.exists().then(|| {
                SourceFile::new(
                    format!("{code}/{name}.dockerignore"),
                    shipshape_testkit::read(&ignore_path),
                )
            });
            let options = DockerfileOptions {
                target: h.get("target").map(str::to_string),
                trusted_registries: h.words("trusted-registries"),
            };
            let context_dir = PathBuf::from(format!("{}.context", path.display()));
            let reader = |rel: &str| std::fs::read_to_string(context_dir.join(rel)).ok();
            // `# context:` names the sensitive files of a known context (`-`: none); without
            // it the context is unknown.
            let context: Option<Vec<String>> = h.get("context").map(|_| {
                h.words("context")
                    .into_iter()
                    .filter(|w| w != "-")
                    .collect()
            });
            let analysis = analyse(&DockerfileInput {
                file: &file,
                dockerignore: ignore.as_ref(),
                context_files: match &context {
                    Some(files) => ContextFiles::Known(files),
                    None => ContextFiles::Unknown,
                },
                options: &options,
                today,
                read_context: Some(&reader),
                deployments: &[],
            });
            assert!(
                analysis.errors.is_empty(),
                "{}: scan errors {:?}",
                path.display(),
                analysis.errors
            );
            let mine: Vec<_> = analysis
                .findings
                .iter()
                .filter(|f| f.rule == code)
                .collect();
            suite.check(
                &path.display().to_string(),
                "Dockerfile",
                &code,
                &h,
                &mine,
                |f| {
                    f.location
                        .line()
                        .map_or_else(|| "-".to_string(), |l| l.to_string())
                },
            );
            let rendered: Vec<String> = mine.iter().map(|f| render(f)).collect();
            insta::with_settings!({ snapshot_path => dir.join("snapshots"), prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!(name.clone(), rendered.join("\n"));
            });
        }
    }
    suite.finish(RULE_GROUPS.iter().flat_map(|g| g.iter().copied()));
}
