//! What part of a project a path belongs to: production code, tests, fixtures, documentation
//! and examples, or vendored and generated code. Findings keep their context; by default only
//! production findings decide the exit code and the checklist (`gate-contexts` widens that),
//! the others are reported and counted, never hidden.

use crate::config::{add_path_glob, Config};
use globset::{GlobSet, GlobSetBuilder};
use serde::Serialize;
use std::path::Path;

/// The context of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PathContext {
    #[default]
    Production,
    Test,
    Fixture,
    Docs,
    Vendored,
}

impl PathContext {
    /// Every context, in the order they are shown.
    pub const ALL: [PathContext; 5] = [
        PathContext::Production,
        PathContext::Test,
        PathContext::Fixture,
        PathContext::Docs,
        PathContext::Vendored,
    ];

    /// The lowercase name used in output and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            PathContext::Production => "production",
            PathContext::Test => "test",
            PathContext::Fixture => "fixture",
            PathContext::Docs => "docs",
            PathContext::Vendored => "vendored",
        }
    }
}

impl std::str::FromStr for PathContext {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PathContext::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown context `{s}` (expected production, test, fixture, docs or vendored)"
                )
            })
    }
}

impl std::fmt::Display for PathContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The context of a path (relative to the scan root, `/`-separated) by convention alone.
pub fn by_convention(rel: &str) -> PathContext {
    let lower = rel.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('/').collect();
    let (dirs, file) = parts.split_at(parts.len().saturating_sub(1));
    let file = file.first().copied().unwrap_or("");
    let dir_is = |names: &[&str]| dirs.iter().any(|d| names.contains(d));
    // Outermost first: vendored code's tests are vendored.
    if dir_is(&[
        "vendor",
        "third_party",
        "third-party",
        "node_modules",
        "bower_components",
    ]) {
        return PathContext::Vendored;
    }
    if dir_is(&[
        "testdata",
        "test-data",
        "test_data",
        "fixtures",
        "fixture",
        "__fixtures__",
        "integration",
    ]) {
        return PathContext::Fixture;
    }
    // test scripts: `test.sh`, `run-tests.sh`, `test-e2e.sh`, `smoke_test.sh`, `e2e.sh`
    let stem = file.split('.').next().unwrap_or("");
    let test_script = [".sh", ".bash", ".bats", ".mk"]
        .iter()
        .any(|e| file.ends_with(e))
        && (stem.split(['-', '_']).any(|w| {
            matches!(
                w,
                "test" | "tests" | "e2e" | "smoke" | "integration" | "bats"
            )
        }) || file.ends_with(".bats"));
    let test_file = test_script
        || file.ends_with("_test.go")
        || file.ends_with("_test.py")
        || (file.starts_with("test_") && file.ends_with(".py"))
        || [".test.", ".spec.", "_spec."]
            .iter()
            .any(|m| file.contains(m));
    if test_file || dir_is(&["test", "tests", "spec", "specs", "__tests__", "e2e"]) {
        return PathContext::Test;
    }
    // changelogs and release notes, with or without an extension
    let changelog = [
        "changelog",
        "changes",
        "history",
        "news",
        "release-notes",
        "release_notes",
    ]
    .contains(&stem);
    let doc_file = changelog
        || [".md", ".markdown", ".rst", ".adoc"]
            .iter()
            .any(|e| file.ends_with(e));
    if doc_file || dir_is(&["docs", "doc", "examples", "example", "samples", "sample"]) {
        return PathContext::Docs;
    }
    PathContext::Production
}

/// Classifies paths: the configuration's `[contexts]` first, then `.gitattributes`
/// (`linguist-vendored`, `linguist-generated`, `linguist-documentation`), then convention.
#[derive(Debug, Default)]
pub struct ContextClassifier {
    rules: Vec<(PathContext, GlobSet)>,
}

impl ContextClassifier {
    /// The classifier for a scan of `root`.
    pub fn new(config: &Config, root: &Path) -> Self {
        let mut rules: Vec<(PathContext, GlobSet)> = config.context_overrides.clone();
        let dir = if root.is_dir() {
            Some(root)
        } else {
            root.parent()
        };
        if let Some(text) = dir.and_then(|d| std::fs::read_to_string(d.join(".gitattributes")).ok())
        {
            rules.extend(gitattributes(&text));
        }
        ContextClassifier { rules }
    }

    /// The context of a root-relative path.
    pub fn classify(&self, rel: &str) -> PathContext {
        self.rules
            .iter()
            .find(|(_, set)| set.is_match(rel))
            .map_or_else(|| by_convention(rel), |(c, _)| *c)
    }
}

/// Contexts from `.gitattributes` lines: `PATTERN linguist-vendored` is vendored,
/// `linguist-documentation` docs; `-linguist-…` / `linguist-…=false` unset them (not modelled: such
/// lines are skipped). Patterns that do not compile are skipped: .gitattributes is the project's,
/// not ours to judge.
///
/// `linguist-generated` is deliberately not a context: what is generated in a container project
/// is usually what ships (docker-library's per-version Dockerfiles are generated from a template,
/// rendered Kubernetes manifests are generated), so it stays production.
fn gitattributes(text: &str) -> Vec<(PathContext, GlobSet)> {
    let mut vendored = GlobSetBuilder::new();
    let mut docs = GlobSetBuilder::new();
    let (mut any_v, mut any_d) = (false, false);
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let Some(pattern) = words.next() else {
            continue;
        };
        for attr in words {
            let set = attr == "linguist-vendored" || attr == "linguist-vendored=true";
            let doc = attr == "linguist-documentation" || attr == "linguist-documentation=true";
            if set && add_path_glob(&mut vendored, pattern).is_ok() {
                any_v = true;
            }
            if doc && add_path_glob(&mut docs, pattern).is_ok() {
                any_d = true;
            }
        }
    }
    let mut out = Vec::new();
    if let (true, Ok(set)) = (any_v, vendored.build()) {
        out.push((PathContext::Vendored, set));
    }
    if let (true, Ok(set)) = (any_d, docs.build()) {
        out.push((PathContext::Docs, set));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventions() {
        for (path, want) in [
            ("Dockerfile", PathContext::Production),
            ("deploy/k8s/app.yaml", PathContext::Production),
            ("cmd/server/main_test.go", PathContext::Test),
            ("tests/integration/compose.yaml", PathContext::Fixture),
            ("test/Dockerfile", PathContext::Test),
            ("pkg/x/testdata/Dockerfile", PathContext::Fixture),
            ("src/__tests__/a.spec.ts", PathContext::Test),
            ("docs/install.md", PathContext::Docs),
            ("README.md", PathContext::Docs),
            ("examples/compose.yaml", PathContext::Docs),
            ("vendor/github.com/x/y/Dockerfile", PathContext::Vendored),
            ("node_modules/a/test/Dockerfile", PathContext::Vendored),
            ("contest/Dockerfile", PathContext::Production),
            ("scripts/test-e2e.sh", PathContext::Test),
            ("hack/run_tests.sh", PathContext::Test),
            ("smoke.bats", PathContext::Test),
            ("scripts/deploy.sh", PathContext::Production),
            ("scripts/latest.sh", PathContext::Production),
            ("CHANGELOG", PathContext::Docs),
            ("CHANGES.txt", PathContext::Docs),
            ("Makefile", PathContext::Production),
        ] {
            assert_eq!(by_convention(path), want, "{path}");
        }
    }

    #[test]
    fn gitattributes_override_convention() {
        let rules = gitattributes("# third party\nlib/ext/** linguist-vendored\nmanual/** linguist-documentation\n/*/**/Dockerfile linguist-generated\n");
        let c = ContextClassifier { rules };
        assert_eq!(c.classify("lib/ext/Dockerfile"), PathContext::Vendored);
        // Generated files are what ships: still production.
        assert_eq!(
            c.classify("16/bookworm/Dockerfile"),
            PathContext::Production
        );
        assert_eq!(c.classify("manual/run.sh"), PathContext::Docs);
        assert_eq!(c.classify("api/Dockerfile"), PathContext::Production);
    }
}
