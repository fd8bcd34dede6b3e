use crate::model::{is_unlimited, RuntimeSpec};
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2013",
    slug: "cpu-limit-missing",
    summary: "no CPU limit",
    severity: Severity::Medium,
    checklist: ChecklistItem::ResourceLimits,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.11"), ("compose-lint", "CL-0026"), ("trivy", "KSV011"), ("checkov", "CKV_K8S_11")],
    fix: None,
    docs: "## What it does\nReports containers without a CPU limit: no `--cpus`, `--cpu-quota` or `--cpuset-cpus` (Compose `cpus`, `cpu_quota`, `cpuset`, `deploy.resources.limits.cpus`; Kubernetes `resources.limits.cpu`; inspect `NanoCpus`/`CpuQuota`/`CpusetCpus`).\n\n\
Pod Security Standards: restricted; control: (shipshape) CPU limit. Reported under the default `baseline` profile without failing the run; fails it with `profile = \"restricted\"` (or `--profile restricted`).\n\n## Why it matters\nWithout a limit a busy or hijacked container (a crypto miner is the classic) starves every other workload on the host.\n\n\
## How to fix\nSet `--cpus` to what the service needs at peak. On Kubernetes, where CPU limits cause throttling, a CPU request plus a namespace `LimitRange` is an accepted alternative: suppress the finding with a reason.\n\n\
## Example\n```sh\ndocker run --cpus 1.5 app:1.0\n```\n",
};

shipshape_core::declare_rule!(CpuLimit);

impl Rule for CpuLimit {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        match &spec.cpus {
            Some(v) if !is_unlimited(&v.value) => {}
            Some(v) => cx.report(
                &META,
                spec,
                &v.loc,
                format!(
                    "`{}` sets an unlimited CPU limit (`{}`)",
                    spec.name, v.value
                ),
            ),
            None => cx.report(
                &META,
                spec,
                &spec.anchor,
                format!("`{}` has no CPU limit", spec.name),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(!fires("SS2013", HARD));
        assert!(fires("SS2013", &HARD.replace("--cpus 1", "")));
        assert!(!fires(
            "SS2013",
            &HARD.replace("--cpus 1", "--cpu-quota=50000")
        ));
    }
}
