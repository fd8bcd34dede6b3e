//! What a scan produced, before and after policy: the input of every output format.

use crate::checklist::{ChecklistItem, ChecklistStatus};
use crate::evidence::Evidence;
use crate::finding::{Finding, SourceKind};
use crate::rule::RuleMeta;
use crate::severity::Severity;
use crate::source::SourceFile;
use crate::suppress::InlineIgnore;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Something that could not be scanned. Any scan error makes the run exit 2 (fail closed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanError {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: String,
}

impl ScanError {
    /// An error about a whole file or object.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ScanError {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// An error at a byte offset of a source file.
    pub fn at(file: &SourceFile, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = file.line_col(offset);
        ScanError {
            path: file.path().to_string(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// A file that looked like an input and was not analysed, and why: a FIFO or device named like
/// a Dockerfile, a Dockerfile template, a file whose name guessed wrong. Never silent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
    /// Expected and harmless (a template, another format's file): listed with `--verbose` only.
    #[serde(skip)]
    pub verbose_only: bool,
}

/// One scanned input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScannedInput {
    pub path: String,
    pub kind: SourceKind,
}

/// Everything the analysers produced, before policy.
#[derive(Debug, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    /// Inline suppression comments, by display path.
    pub ignores: BTreeMap<String, Vec<InlineIgnore>>,
    pub errors: Vec<ScanError>,
    pub inputs: Vec<ScannedInput>,
    /// Files that looked like inputs and were not analysed.
    pub skipped: Vec<Skipped>,
    /// Rules that evaluated at least one input, by code. A checklist item counts as analysed
    /// when at least one of these rules maps to it and is enabled by the configuration (so an
    /// item whose deciding rules are all turned off is *not analysed*, never passed).
    pub evaluated: BTreeMap<&'static str, &'static RuleMeta>,
    /// Why an item could not be analysed (shown beside `not-analysed`).
    pub notes: BTreeMap<ChecklistItem, String>,
    /// Items that do not apply to what was scanned.
    pub not_applicable: BTreeSet<ChecklistItem>,
    /// Why items hold (or do not apply) for each input: what the policy passes an item on.
    pub evidence: Vec<Evidence>,
    /// Source texts, for renderers that show snippets.
    pub sources: BTreeMap<String, SourceFile>,
    /// The image an image scan looked at.
    pub image: Option<Box<crate::subject::ImageSubject>>,
}

impl Analysis {
    /// Merges many analysers' outputs in order, moving each finding once (pairwise merging moves
    /// the findings of a large scan once per level of the reduction tree).
    pub fn concat(parts: Vec<Analysis>) -> Analysis {
        let mut out = Analysis::default();
        out.findings
            .reserve(parts.iter().map(|p| p.findings.len()).sum());
        for part in parts {
            out.merge(part);
        }
        out
    }

    /// Merges another analyser's output into this one.
    pub fn merge(&mut self, other: Analysis) {
        self.findings.extend(other.findings);
        for (path, ignores) in other.ignores {
            self.ignores.entry(path).or_default().extend(ignores);
        }
        self.errors.extend(other.errors);
        self.inputs.extend(other.inputs);
        self.skipped.extend(other.skipped);
        // Most parts record the same rules (every Dockerfile is evaluated by the same rule set):
        // take the map when this one is empty, and skip the inserts when the two hold the same
        // rules, which is the common case and shows in profiles of large trees.
        if self.evaluated.is_empty() {
            self.evaluated = other.evaluated;
        } else if !same_rules(&self.evaluated, &other.evaluated) {
            self.evaluated.extend(other.evaluated);
        }
        for (item, note) in other.notes {
            self.notes.entry(item).or_insert(note);
        }
        self.not_applicable.extend(other.not_applicable);
        self.evidence.extend(other.evidence);
        self.sources.extend(other.sources);
        if self.image.is_none() {
            self.image = other.image;
        }
    }

    /// Records that `rules` evaluated an input (see [`Analysis::evaluated`]).
    pub fn evaluated_by(&mut self, rules: impl IntoIterator<Item = &'static RuleMeta>) {
        for r in rules {
            self.evaluated.insert(r.code, r);
        }
    }

    /// Records why `item` holds (or does not apply) for an input.
    pub fn add_evidence(&mut self, evidence: Evidence) {
        self.evidence.push(evidence);
    }

    /// The checklist items the evaluated rules that pass `enabled` decide.
    pub fn covered_items(&self, enabled: impl Fn(&RuleMeta) -> bool) -> BTreeSet<ChecklistItem> {
        self.evaluated
            .values()
            .filter(|r| enabled(r))
            .map(|r| r.checklist)
            .collect()
    }

    /// Puts every finding in the context of its root-relative path (before [`Analysis::reroot`]).
    /// Image findings name paths inside an image: they stay production. A context an analyser
    /// already gave (a base manifest deployed only by a test overlay is test) is kept.
    pub fn assign_contexts(&mut self, classifier: &crate::context::ContextClassifier) {
        // Findings of one file come together: classify each path once.
        let mut last: Option<(String, crate::context::PathContext)> = None;
        for f in &mut self.findings {
            if f.source != SourceKind::Image
                && !f.location.path.is_empty()
                && f.context == crate::context::PathContext::Production
            {
                f.context = match &last {
                    Some((path, context)) if *path == f.location.path => *context,
                    _ => {
                        let context = classifier.classify(&f.location.path);
                        last = Some((f.location.path.clone(), context));
                        context
                    }
                };
            }
        }
        for e in &mut self.evidence {
            if !e.path.is_empty() {
                e.context = classifier.classify(&e.path);
            }
        }
    }

    /// Moves every path the analysers named relative to the scan root (what fingerprints are
    /// made from, so they do not depend on where the scan was started) under `prefix`, the
    /// root as the user named it, for display. Image references and empty paths are kept.
    pub fn reroot(&mut self, prefix: &str) {
        let prefix = prefix.trim_end_matches('/');
        if prefix.is_empty() || prefix == "." {
            return;
        }
        let join = |p: &str| format!("{prefix}/{p}");
        for f in &mut self.findings {
            if !f.location.path.is_empty() && f.source != SourceKind::Image {
                f.location.path = join(&f.location.path);
            }
            for r in &mut f.related {
                if !r.path.is_empty() && f.source != SourceKind::Image {
                    r.path = join(&r.path);
                }
            }
        }
        for e in &mut self.errors {
            e.path = join(&e.path);
        }
        for i in &mut self.inputs {
            i.path = join(&i.path);
        }
        for s in &mut self.skipped {
            s.path = join(&s.path);
        }
        for e in &mut self.evidence {
            if !e.path.is_empty() && !e.path.starts_with('/') {
                e.path = join(&e.path);
            }
        }
        let sources = std::mem::take(&mut self.sources);
        for (path, file) in sources {
            let moved = file.renamed(join(&path));
            self.sources.insert(moved.path().to_string(), moved);
        }
        let ignores = std::mem::take(&mut self.ignores);
        for (path, v) in ignores {
            self.ignores.insert(join(&path), v);
        }
    }

    /// Whether an evaluated rule decides `item` (every rule counted as enabled).
    pub fn covers(&self, item: ChecklistItem) -> bool {
        self.evaluated.values().any(|r| r.checklist == item)
    }

    /// Records a source file for snippet rendering.
    pub fn add_source(&mut self, file: &SourceFile) {
        self.sources
            .entry(file.path().to_string())
            .or_insert_with(|| file.clone());
    }
}

/// The verdict on one checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistEntry {
    pub id: ChecklistItem,
    pub title: &'static str,
    pub status: ChecklistStatus,
    /// Active findings of severity low or above for the item.
    pub findings: usize,
    /// Why: the evidence a pass rests on, why the item does not apply, or why it was not
    /// analysed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether the policy requires the item to pass.
    pub required: bool,
    /// Every piece of evidence behind a `pass` or `not-applicable` verdict, by input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceEntry>,
}

/// One piece of evidence behind a checklist verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceEntry {
    /// The input it is about (empty: the whole scan, such as an image).
    pub path: String,
    pub note: String,
}

/// A finding the policy suppressed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    pub finding: Finding,
    /// `inline`, `config`, `min-confidence` or `vex` (a `not_affected` or `fixed` VEX statement).
    pub by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Counts for the one-line summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    pub suppressed: usize,
    pub errors: usize,
    pub inputs: usize,
    /// Findings outside the gating contexts (tests, fixtures, docs, vendored code), counted by
    /// context, and findings only a stricter Pod Security profile forbids
    /// (`restricted-profile`); they are not in the severity counts above and never fail the run.
    pub not_gating: BTreeMap<&'static str, usize>,
    pub fail_on: Option<Severity>,
    /// `fail-on-kev`: known exploited vulnerabilities fail whatever their severity.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fail_on_kev: bool,
    pub exit_code: i32,
}

impl Summary {
    /// Count for one severity.
    pub fn count(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

/// The final result of a scan, after policy.
#[derive(Debug, Default)]
pub struct Report {
    /// What was scanned, as the user named it.
    pub target: String,
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    pub errors: Vec<ScanError>,
    pub checklist: Vec<ChecklistEntry>,
    pub inputs: Vec<ScannedInput>,
    /// Files that looked like inputs and were not analysed, with the reason.
    pub skipped: Vec<Skipped>,
    pub summary: Summary,
    pub sources: BTreeMap<String, SourceFile>,
    /// The Pod Security Standards profile the gate enforced.
    pub profile: crate::profile::Profile,
    /// The path contexts whose findings decide the exit code (`gate-contexts`).
    pub gate_contexts: Vec<crate::context::PathContext>,
    /// The image an image scan looked at.
    pub image: Option<Box<crate::subject::ImageSubject>>,
}

impl Report {
    /// Whether `f` is forbidden only by a profile stricter than the one enforced: reported, not
    /// deciding the exit code.
    pub fn deferred(&self, f: &Finding) -> bool {
        f.profile.is_some_and(|p| p > self.profile)
    }

    /// Why `f` does not decide the exit code whatever its severity (`test path`, `restricted
    /// profile`), or `None` when it gates.
    pub fn not_gating(&self, f: &Finding) -> Option<String> {
        if !self.gate_contexts.contains(&f.context) {
            Some(format!("{} path", f.context))
        } else if self.deferred(f) {
            Some("restricted profile".to_string())
        } else {
            None
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        self.summary.exit_code
    }
}

/// Whether two maps of evaluated rules hold the same rules (compared by their static metadata).
fn same_rules(
    a: &BTreeMap<&'static str, &'static RuleMeta>,
    b: &BTreeMap<&'static str, &'static RuleMeta>,
) -> bool {
    a.len() == b.len()
        && a.values()
            .zip(b.values())
            .all(|(x, y)| std::ptr::eq(*x, *y))
}
