use crate::model::{is_unlimited, RuntimeSpec};
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2012",
    slug: "memory-limit-missing",
    summary: "no memory limit",
    severity: Severity::Medium,
    checklist: ChecklistItem::ResourceLimits,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.10"), ("compose-lint", "CL-0026"), ("trivy", "KSV018"), ("checkov", "CKV_K8S_13")],
    fix: None,
    docs: "## What it does\nReports containers without a memory limit: no `--memory`/`-m`, `mem_limit` or `deploy.resources.limits.memory`, `resources.limits.memory`, or `HostConfig.Memory` 0; a limit of 0 or -1 counts as none.\n\n\
Pod Security Standards: restricted; control: (shipshape) memory limit. Reported under the default `baseline` profile without failing the run; fails it with `profile = \"restricted\"` (or `--profile restricted`).\n\n## Why it matters\nOne leaking or attacked container can take all host memory and get other workloads, or the daemon itself, killed by the OOM killer.\n\n\
## How to fix\nSet a limit a little above the observed peak.\n\n\
## Example\n```yaml\ndeploy:\n  resources:\n    limits:\n      memory: 512M\n```\n",
};

shipshape_core::declare_rule!(MemoryLimit);

impl Rule for MemoryLimit {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        match &spec.memory {
            Some(v) if !is_unlimited(&v.value) => {}
            Some(v) => cx.report(
                &META,
                spec,
                &v.loc,
                format!(
                    "`{}` sets an unlimited memory limit (`{}`)",
                    spec.name, v.value
                ),
            ),
            None => cx.report(
                &META,
                spec,
                &spec.anchor,
                format!("`{}` has no memory limit", spec.name),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(!fires("SS2012", HARD));
        assert!(fires("SS2012", &HARD.replace("--memory 512m", "")));
        assert!(fires("SS2012", &HARD.replace("--memory 512m", "-m 0")));
        assert!(!fires("SS2012", &HARD.replace("--memory 512m", "-m1g")));
    }
}
