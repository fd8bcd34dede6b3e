//! Rule metadata and the registry every analyser's rules are listed in.

use crate::checklist::ChecklistItem;
use crate::finding::{FixApplicability, SourceKind};
use crate::severity::Severity;

/// Everything known about a rule except its logic. Each rule module declares one `static`.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code: `SS0xxx` policy, `SS1xxx` Dockerfile and build context, `SS2xxx` runtime
    /// configuration, `SS3xxx` image, `SS4xxx` secrets, `SS5xxx` vulnerabilities, `SS6xxx` live.
    pub code: &'static str,
    /// Stable kebab-case name; accepted wherever a code is.
    pub slug: &'static str,
    /// One line: what the rule reports.
    pub summary: &'static str,
    /// Default severity (a finding may raise or lower it, the policy may override it).
    pub severity: Severity,
    pub checklist: ChecklistItem,
    /// The kind of input the rule reads.
    pub source: SourceKind,
    /// Equivalent ids in other tools: `("hadolint", "DL3007")`, `("trivy", "DS001")`, `("cis-docker", "4.1")`.
    pub equivalents: &'static [(&'static str, &'static str)],
    /// Whether findings carry a fix, and how safe it is.
    pub fix: Option<FixApplicability>,
    /// Markdown documentation: what it does, why it matters, how to fix, example.
    pub docs: &'static str,
}

/// Rules are identified by their code: two metadata with one code are the same rule.
impl PartialEq for RuleMeta {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for RuleMeta {}

impl std::hash::Hash for RuleMeta {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.code.hash(state);
    }
}

impl PartialOrd for RuleMeta {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RuleMeta {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.code.cmp(other.code)
    }
}

/// A rule compares equal to its code (`finding.rule == "SS1001"`).
impl PartialEq<str> for RuleMeta {
    fn eq(&self, other: &str) -> bool {
        self.code == other
    }
}

impl PartialEq<String> for &RuleMeta {
    fn eq(&self, other: &String) -> bool {
        self.code == other.as_str()
    }
}

/// Displays as the rule's code.
impl std::fmt::Display for RuleMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

/// Slugs rules had before the slug scheme (see ARCHITECTURE.md) was made one for every analyser:
/// still accepted wherever a rule is named (config, ignores, inline suppressions, `shipshape
/// rule`), as the rule they name now.
pub const SLUG_ALIASES: &[(&str, &str)] = &[
    ("root-user", "SS1001"),
    ("missing-healthcheck", "SS1004"),
    ("base-image-unpinned", "SS1006"),
    ("missing-oci-labels", "SS1012"),
    ("seccomp-profile-not-set", "SS2009"),
    ("no-new-privileges-not-set", "SS2010"),
    ("memory-limit-not-set", "SS2012"),
    ("cpu-limit-not-set", "SS2013"),
    ("pids-limit-not-set", "SS2014"),
    ("user-not-set", "SS2015"),
    ("explicit-root-user", "SS2016"),
    ("restart-policy-not-set", "SS2017"),
    ("log-rotation-not-set", "SS2018"),
    ("secret-in-environment", "SS2021"),
    ("image-latest-tag", "SS2022"),
    ("image-not-pinned-by-digest", "SS2023"),
    ("healthcheck-not-set", "SS2024"),
    ("image-runs-as-root", "SS3001"),
    ("image-no-healthcheck", "SS3002"),
    ("image-missing-provenance-labels", "SS3008"),
    ("image-reference-unpinned", "SS3009"),
    ("image-setuid-file", "SS3015"),
];

/// The sections every rule's documentation has, in this order (`shipshape rule ID` prints them).
pub const DOC_SECTIONS: [&str; 4] = [
    "## What it does",
    "## Why it matters",
    "## How to fix",
    "## Example",
];

/// The other tools a rule may name an equivalent of (`RuleMeta::equivalents`), one spelling each.
pub const EQUIVALENT_TOOLS: &[&str] = &[
    "hadolint",
    "trivy",
    "checkov",
    "cis-docker",
    "compose-lint",
    "kube-score",
    "gitleaks",
    "dockle",
    "docker-build-check",
];

impl RuleMeta {
    /// The rule's id in another tool, if it has one.
    pub fn equivalent(&self, tool: &str) -> Option<&'static str> {
        self.equivalents
            .iter()
            .find(|(t, _)| *t == tool)
            .map(|(_, id)| *id)
    }

    /// Whether `name` (a code, a slug or a former slug, case-insensitive) names this rule.
    pub fn is_named(&self, name: &str) -> bool {
        self.code.eq_ignore_ascii_case(name)
            || self.slug.eq_ignore_ascii_case(name)
            || SLUG_ALIASES
                .iter()
                .any(|(old, code)| *code == self.code && old.eq_ignore_ascii_case(name))
    }
}

/// What every rule object has, whatever its analyser: its metadata. Analysers' hook traits
/// require it; [`declare_rule!`] implements it.
pub trait HasMeta {
    /// The rule's metadata (the module's `META`).
    fn meta(&self) -> &'static RuleMeta;
}

/// Declares a rule's unit struct and ties it to the module's `pub static META: RuleMeta`:
/// `shipshape_core::declare_rule!(RootUser);`, then `impl Rule for RootUser { hooks }`.
#[macro_export]
macro_rules! declare_rule {
    ($name:ident) => {
        /// The rule; its metadata is this module's `META`, its checks the `Rule` impl.
        pub struct $name;

        impl $crate::rule::HasMeta for $name {
            fn meta(&self) -> &'static $crate::rule::RuleMeta {
                &META
            }
        }
    };
}

/// Declares an analyser's rules, one line per rule (`module::Struct`, where the module also
/// holds the rule's `pub static META: RuleMeta`). Expands to `RULES`, the rule objects the
/// analyser runs (`&[&dyn Trait]`, the analyser's hook trait), and `METAS`, their metadata for
/// the registry, so the two can never drift apart.
///
/// ```ignore
/// shipshape_core::register_rules! { dyn Rule;
///     privileged::Privileged,
///     read_only::ReadOnly,
/// }
/// ```
///
/// Rules reported by the pipeline itself rather than by hooks (the policy's) are listed by
/// their metadata alone: `register_rules! { metas; EXPIRED_IGNORE, UNUSED_IGNORE }`.
#[macro_export]
macro_rules! register_rules {
    (metas; $($meta:ident),* $(,)?) => {
        /// The metadata of these rules, for the registry.
        pub static METAS: &[&$crate::rule::RuleMeta] = &[$(&$meta),*];
    };
    ($hook:ty; $($module:ident :: $rule:ident),* $(,)?) => {
        /// The rules, as the analyser runs them.
        pub static RULES: &[&$hook] = &[$(&$module::$rule),*];
        /// The metadata of these rules, for the registry.
        pub static METAS: &[&$crate::rule::RuleMeta] = &[$(&$module::META),*];
    };
}

/// All rules of all analysers, in code order.
#[derive(Debug, Default, Clone)]
pub struct RuleRegistry {
    rules: Vec<&'static RuleMeta>,
}

impl RuleRegistry {
    /// Builds the registry. Panics in debug builds on duplicate codes or slugs (a programming error
    /// caught by the registry test, never by user input).
    pub fn new(groups: &[&[&'static RuleMeta]]) -> Self {
        let mut rules: Vec<&'static RuleMeta> =
            groups.iter().flat_map(|g| g.iter().copied()).collect();
        rules.sort_by_key(|r| r.code);
        RuleRegistry { rules }
    }

    /// Every rule, in code order.
    pub fn all(&self) -> &[&'static RuleMeta] {
        &self.rules
    }

    /// Looks a rule up by code or slug (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&'static RuleMeta> {
        self.rules.iter().copied().find(|r| r.is_named(name))
    }

    /// Rules whose equivalent id in `tool` is `id` (e.g. hadolint `DL3008`).
    pub fn by_equivalent<'a>(
        &'a self,
        tool: &'a str,
        id: &'a str,
    ) -> impl Iterator<Item = &'static RuleMeta> + 'a {
        self.rules.iter().copied().filter(move |r| {
            r.equivalents
                .iter()
                .any(|(t, i)| *t == tool && i.eq_ignore_ascii_case(id))
        })
    }

    /// Codes or slugs used twice, and codes not of the form `SS` + four digits: must be empty.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashMap::new();
        for r in &self.rules {
            let aliases = SLUG_ALIASES
                .iter()
                .filter(|(_, code)| *code == r.code)
                .map(|(old, _)| *old);
            for name in [r.code, r.slug].into_iter().chain(aliases) {
                if let Some(prev) = seen.insert(name.to_ascii_lowercase(), r.code) {
                    out.push(format!("`{name}` used by {prev} and {}", r.code));
                }
            }
            let ok = r.code.len() == 6
                && r.code.starts_with("SS")
                && r.code[2..].bytes().all(|b| b.is_ascii_digit());
            if !ok {
                out.push(format!("bad rule code `{}`", r.code));
            }
            if !r
                .slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                out.push(format!("bad slug `{}`", r.slug));
            }
            if r.docs.trim().is_empty() || r.summary.trim().is_empty() {
                out.push(format!("{} has no docs or summary", r.code));
            }
            for section in DOC_SECTIONS {
                if !r.docs.contains(section) {
                    out.push(format!("{} docs lack the section `{section}`", r.code));
                }
            }
            for (tool, _) in r.equivalents {
                if !EQUIVALENT_TOOLS.contains(tool) {
                    out.push(format!(
                        "{} names an equivalent in unknown tool `{tool}`",
                        r.code
                    ));
                }
            }
        }
        out
    }

    /// The checklist items at least one rule of `source` maps to.
    pub fn items_for(&self, source: SourceKind) -> Vec<ChecklistItem> {
        let mut items: Vec<_> = self
            .rules
            .iter()
            .filter(|r| r.source == source)
            .map(|r| r.checklist)
            .collect();
        items.sort();
        items.dedup();
        items
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub static TEST_RULE: RuleMeta = RuleMeta {
        code: "SS9999",
        slug: "test-rule",
        summary: "a rule for tests",
        severity: Severity::High,
        checklist: ChecklistItem::NonRoot,
        source: SourceKind::Dockerfile,
        equivalents: &[("hadolint", "DL3002")],
        fix: None,
        docs: "## What it does\nTests.\n## Why it matters\nTests.\n## How to fix\nNothing.\n## Example\nNone.\n",
    };

    #[test]
    fn former_slugs_still_name_their_rule() {
        static RENAMED: RuleMeta = RuleMeta {
            code: "SS1001",
            slug: "user-root",
            ..TEST_META_BASE
        };
        let reg = RuleRegistry::new(&[&[&RENAMED]]);
        assert_eq!(reg.get("root-user").map(|r| r.code), Some("SS1001"));
        assert_eq!(reg.get("user-root").map(|r| r.code), Some("SS1001"));
        assert!(RENAMED.is_named("ROOT-USER"));
        assert!(reg.problems().is_empty(), "{:?}", reg.problems());
    }

    const TEST_META_BASE: RuleMeta = RuleMeta {
        code: "SS9998",
        slug: "base",
        summary: "a rule for tests",
        severity: Severity::High,
        checklist: ChecklistItem::NonRoot,
        source: SourceKind::Dockerfile,
        equivalents: &[],
        fix: None,
        docs: "## What it does\nx\n## Why it matters\nx\n## How to fix\nx\n## Example\nx\n",
    };

    #[test]
    fn lookup() {
        let reg = RuleRegistry::new(&[&[&TEST_RULE]]);
        assert!(reg.get("ss9999").is_some());
        assert!(reg.get("TEST-RULE").is_some());
        assert!(reg.get("nope").is_none());
        assert_eq!(reg.by_equivalent("hadolint", "dl3002").count(), 1);
        assert!(reg.problems().is_empty());
        let dup = RuleRegistry::new(&[&[&TEST_RULE, &TEST_RULE]]);
        assert_eq!(dup.problems().len(), 2);
    }
}
