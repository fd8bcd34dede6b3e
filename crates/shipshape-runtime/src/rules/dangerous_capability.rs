use crate::model::{normalise_cap, RuntimeSpec};
use crate::pod_security::Fact;
use crate::rules::Rule;
use crate::rules::{capability_risk, Cx};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2002",
    slug: "dangerous-capability",
    summary: "a capability that opens a path to the host is added",
    severity: Severity::High,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.3"), ("compose-lint", "CL-0011"), ("compose-lint", "CL-0024"), ("compose-lint", "CL-0027"), ("compose-lint", "CL-0028"), ("compose-lint", "CL-0029"), ("compose-lint", "CL-0030"), ("trivy", "KSV005"), ("checkov", "CKV_K8S_39")],
    fix: None,
    docs: "## What it does\nReports `--cap-add` / `cap_add` / `capabilities.add` entries such as `ALL`, `SYS_ADMIN`, `SYS_MODULE`, `SYS_RAWIO`, `DAC_READ_SEARCH` (critical), `SYS_PTRACE`, `NET_ADMIN`, `BPF`, `PERFMON`, `SYS_BOOT`, `SYS_TIME`, `MAC_ADMIN`, `MAC_OVERRIDE`, `LINUX_IMMUTABLE`, `SYSLOG` (high), `SYS_RESOURCE` (medium) and `NET_RAW` (low).\n\n\
Pod Security Standards: baseline (capabilities beyond the runtime's default set); control: Capabilities. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n## Why it matters\nThese capabilities let a process in the container change the kernel, other processes or the network of the host; most published container escapes need one of them.\n\n\
## How to fix\nDrop the capability. If the workload truly needs it, isolate that container (own host or sandboxed runtime) and document why.\n\n\
## Example\n```yaml\nservices:\n  vpn:\n    cap_add: [NET_ADMIN]   # flagged\n```\n",
};

shipshape_core::declare_rule!(DangerousCapability);

impl Rule for DangerousCapability {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        for cap in &spec.cap_add {
            let name = normalise_cap(&cap.value);
            if let Some((sev, why)) = capability_risk(&name) {
                cx.report_fact(
                    &META,
                    spec,
                    &cap.loc,
                    format!("`{}` adds capability {name}: {why}", spec.name),
                    sev,
                    Fact::Capability(&name),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    use shipshape_core::Severity;
    #[test]
    fn cases() {
        let r = run(&hard_with("--cap-add=cap_sys_admin"));
        assert!(r.contains(&("SS2002".to_string(), Severity::Critical)));
        assert!(fires("SS2002", &hard_with("--cap-add NET_ADMIN")));
        assert!(!fires(
            "SS2002",
            &hard_with("--cap-add NET_BIND_SERVICE --cap-add CHOWN")
        ));
    }
}
