use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2036",
    slug: "unsafe-sysctl",
    summary: "the pod sets a sysctl outside the safe set",
    severity: Severity::High,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Runtime,
    equivalents: &[("trivy", "KSV026")],
    fix: None,
    docs: "## What it does\nReports Kubernetes pod `securityContext.sysctls` outside the set the Pod Security Standards call safe: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.ip_local_reserved_ports`, `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`, `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`. Docker and Compose accept only namespaced sysctls and are not judged.\n\n\
Pod Security Standards: baseline; control: Sysctls. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n\
## Why it matters\nThe other sysctls are not isolated between pods, or can exhaust the node's kernel memory or weaken its network stack for every pod on it; the kubelet refuses them unless the node allows them explicitly.\n\n\
## How to fix\nRemove the sysctl, or set it on the node (and schedule the workload on dedicated nodes) instead of in the pod.\n\n\
## Example\n```yaml\nsecurityContext:\n  sysctls:\n  - {name: net.core.somaxconn, value: \"1024\"}     # flagged\n  - {name: net.ipv4.tcp_syncookies, value: \"1\"}   # fine\n```\n",
};

/// The sysctls the Pod Security Standards' Baseline profile allows.
const SAFE: [&str; 10] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

shipshape_core::declare_rule!(UnsafeSysctl);

impl Rule for UnsafeSysctl {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        for s in &spec.sysctls {
            let name = s.value.split('=').next().unwrap_or("").trim();
            if !SAFE.contains(&name.replace('/', ".").as_str()) {
                cx.report(
                    &META,
                    spec,
                    &s.loc,
                    format!("the pod of `{}` sets unsafe sysctl `{name}`", spec.name),
                );
            }
        }
    }
}
