//! The registry of every analyser's rules, and the `rules` / `rule` commands.

use shipshape_core::{exit, Analyser, RuleRegistry};
use std::sync::OnceLock;

/// Every analyser, one line each. `check` runs them all over the discovered inputs; the rule
/// registry is their rules plus the policy's.
static ANALYSERS: &[&dyn Analyser] = &[
    &shipshape_dockerfile::DockerfileAnalyser,
    &shipshape_runtime::RuntimeAnalyser,
    &shipshape_secrets::SecretsAnalyser,
    &shipshape_image::ImageAnalyser,
    &shipshape_deps::DependenciesAnalyser,
];

/// The analysers, in registry order.
pub fn analysers() -> &'static [&'static dyn Analyser] {
    ANALYSERS
}

/// All rules of all analysers, and the policy's own.
pub fn registry() -> &'static RuleRegistry {
    static REGISTRY: OnceLock<RuleRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut groups: Vec<&[&'static shipshape_core::RuleMeta]> =
            vec![shipshape_core::policy::rules::METAS];
        groups.extend(ANALYSERS.iter().map(|a| a.rules()));
        RuleRegistry::new(&groups)
    })
}

/// `shipshape rules`.
pub fn print_rules(json: bool) -> anyhow::Result<i32> {
    let reg = registry();
    if json {
        let rules: Vec<RuleJson> = reg.all().iter().map(|r| RuleJson::from(*r)).collect();
        outln!("{}", serde_json::to_string_pretty(&rules)?);
        return Ok(exit::CLEAN);
    }
    let slug_w = reg
        .all()
        .iter()
        .map(|r| r.slug.len())
        .max()
        .unwrap_or(4)
        .max(4);
    outln!(
        "{:<7} {:<slug_w$} {:<8} {:<17} EQUIVALENTS",
        "CODE",
        "SLUG",
        "SEVERITY",
        "CHECKLIST"
    );
    for r in reg.all() {
        let eq: Vec<String> = r
            .equivalents
            .iter()
            .map(|(t, id)| format!("{t}:{id}"))
            .collect();
        outln!(
            "{:<7} {:<slug_w$} {:<8} {:<17} {}",
            r.code,
            r.slug,
            r.severity.as_str(),
            r.checklist.id(),
            eq.join(" ")
        );
    }
    outln!(
        "\n{} rules. `shipshape rule CODE` shows one rule's documentation.",
        reg.all().len()
    );
    Ok(exit::CLEAN)
}

/// `shipshape rule ID`.
pub fn print_rule(id: &str) -> anyhow::Result<i32> {
    let reg = registry();
    let meta = reg.get(id).or_else(|| {
        // Accept another tool's id too (`shipshape rule DL3008`).
        reg.all().iter().copied().find(|r| {
            r.equivalents
                .iter()
                .any(|(_, e)| e.eq_ignore_ascii_case(id))
        })
    });
    let Some(meta) = meta else {
        eprintln!("error: no rule named `{id}` (see `shipshape rules`)");
        return Ok(exit::ERROR);
    };
    outln!("# {} {}: {}\n", meta.code, meta.slug, meta.summary);
    outln!(
        "Severity: {} · Checklist: {} · Source: {}",
        meta.severity,
        meta.checklist.id(),
        meta.source.as_str()
    );
    if !meta.equivalents.is_empty() {
        let eq: Vec<String> = meta
            .equivalents
            .iter()
            .map(|(t, id)| format!("{t} {id}"))
            .collect();
        outln!("Equivalent to: {}", eq.join(", "));
    }
    outln!("\n{}", meta.docs.trim_end());
    Ok(exit::CLEAN)
}

/// The JSON view of rule metadata printed by `shipshape rules --json`.
#[derive(serde::Serialize)]
struct RuleJson {
    code: &'static str,
    slug: &'static str,
    summary: &'static str,
    severity: &'static str,
    checklist: &'static str,
    source: &'static str,
    equivalents: Vec<String>,
}

impl From<&shipshape_core::RuleMeta> for RuleJson {
    fn from(r: &shipshape_core::RuleMeta) -> Self {
        RuleJson {
            code: r.code,
            slug: r.slug,
            summary: r.summary,
            severity: r.severity.as_str(),
            checklist: r.checklist.id(),
            source: r.source.as_str(),
            equivalents: r
                .equivalents
                .iter()
                .map(|(t, i)| format!("{t}:{i}"))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn registry_is_consistent() {
        let problems = super::registry().problems();
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
