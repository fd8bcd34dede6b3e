use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2006",
    slug: "host-network",
    summary: "container shares the host's network namespace",
    severity: Severity::High,
    checklist: ChecklistItem::Network,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.9"), ("compose-lint", "CL-0008"), ("trivy", "KSV009"), ("checkov", "CKV_K8S_19")],
    fix: None,
    docs: "## What it does\nReports `--network host`, `network_mode: host`, `hostNetwork: true` and `HostConfig.NetworkMode: host`.\n\n\
Pod Security Standards: baseline; control: Host Namespaces. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n## Why it matters\nThe container sees every host interface, can bind any host port, reach services listening on the host's loopback (including unauthenticated admin endpoints) and sniff traffic with `NET_RAW`. Network segmentation no longer applies to it.\n\n\
## How to fix\nUse a user-defined network and publish only the ports needed, bound to a specific address.\n\n\
## Example\n```yaml\nservices:\n  app:\n    network_mode: host   # flagged\n```\n",
};

shipshape_core::declare_rule!(HostNetwork);

impl Rule for HostNetwork {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if let Some(n) = spec
            .network_mode
            .as_ref()
            .filter(|n| n.value.trim() == "host")
        {
            cx.report(
                &META,
                spec,
                &n.loc,
                format!("`{}` uses the host network namespace", spec.name),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(fires(
            "SS2006",
            &HARD.replace("--network app", "--net=host")
        ));
        assert!(!fires("SS2006", HARD));
    }
}
