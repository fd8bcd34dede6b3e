//! Why a checklist item holds: what an analyser saw that makes the item pass for one input
//! ("USER app (line 7)", "base python:3.12-slim: supported, slim variant"), or not apply to it
//! ("not a service: no health check needed").
//!
//! Analysers record evidence beside their findings ([`crate::report::Analysis::add_evidence`]);
//! the policy alone decides: an item passes only when an enabled rule that decides it ran, no
//! gating finding fails it, and some pass evidence remains once evidence contradicted by a
//! finding (same item, same input) is dropped. An item with only not-applicable evidence is
//! `n/a` with its reason; an item with none is not analysed, never passed.

use crate::checklist::ChecklistItem;
use serde::Serialize;

/// What the evidence says about its item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "note", rename_all = "kebab-case")]
pub enum Verdict {
    /// The item holds for the input, for the reason given.
    Pass(String),
    /// The item does not apply to the input, for the reason given.
    NotApplicable(String),
}

impl Verdict {
    /// The reason, whatever the verdict.
    pub fn note(&self) -> &str {
        match self {
            Verdict::Pass(n) | Verdict::NotApplicable(n) => n,
        }
    }

    /// Whether the evidence makes the item pass.
    pub fn is_pass(&self) -> bool {
        matches!(self, Verdict::Pass(_))
    }
}

/// One piece of evidence: an item, the input it is about (the path findings on that input use:
/// a file relative to the scan root, or a path in an image) and the verdict with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub item: ChecklistItem,
    pub path: String,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The part of the project the path belongs to (set with the findings' contexts): evidence
    /// from tests, fixtures, docs or vendored code passes nothing, as their findings fail
    /// nothing.
    #[serde(skip)]
    pub context: crate::context::PathContext,
}

impl Evidence {
    /// The item holds for `path`, because of `note`.
    pub fn pass(item: ChecklistItem, path: impl Into<String>, note: impl Into<String>) -> Self {
        Evidence {
            item,
            path: path.into(),
            verdict: Verdict::Pass(note.into()),
            context: Default::default(),
        }
    }

    /// The item does not apply to `path`, because of `note`.
    pub fn not_applicable(
        item: ChecklistItem,
        path: impl Into<String>,
        note: impl Into<String>,
    ) -> Self {
        Evidence {
            item,
            path: path.into(),
            verdict: Verdict::NotApplicable(note.into()),
            context: Default::default(),
        }
    }

    /// The reason.
    pub fn note(&self) -> &str {
        self.verdict.note()
    }
}

/// The note of a checklist line resting on `evidence` (all of one verdict): one piece is shown
/// as it is; several are shown as the first and a count of the others. A note names its input
/// only when the scan has several.
pub fn summarise(evidence: &[&Evidence], name_inputs: bool) -> Option<String> {
    let first = evidence.first()?;
    let shown = if name_inputs && !first.path.is_empty() {
        format!("{}: {}", first.path, first.note())
    } else {
        first.note().to_string()
    };
    let others = evidence.len() - 1;
    Some(match others {
        0 => shown,
        n => format!("{shown} (and {n} more)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_the_first_and_counts_the_rest() {
        let a = Evidence::pass(ChecklistItem::NonRoot, "Dockerfile", "USER app (line 7)");
        let b = Evidence::pass(
            ChecklistItem::NonRoot,
            "api/Dockerfile",
            "USER 10001 (line 3)",
        );
        assert_eq!(
            summarise(&[&a], false).as_deref(),
            Some("USER app (line 7)")
        );
        assert_eq!(
            summarise(&[&a, &b], true).as_deref(),
            Some("Dockerfile: USER app (line 7) (and 1 more)")
        );
        assert_eq!(summarise(&[], true), None);
        assert!(a.verdict.is_pass());
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["verdict"], "pass");
        assert_eq!(json["note"], "USER app (line 7)");
    }
}
