use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2001",
    slug: "privileged-container",
    summary: "container runs privileged",
    severity: Severity::Critical,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.4"), ("compose-lint", "CL-0002"), ("trivy", "KSV017"), ("checkov", "CKV_K8S_16")],
    fix: None,
    docs: "## What it does\nReports `--privileged`, `privileged: true` (Compose, Kubernetes `securityContext`) and `HostConfig.Privileged`.\n\n\
Pod Security Standards: baseline; control: Privileged Containers. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n## Why it matters\nA privileged container has every capability, every host device, no seccomp or AppArmor confinement and a writable `/sys`: root in it is root on the host.\n\n\
## How to fix\nRemove the flag and add back only the capabilities or devices the workload needs (`--cap-add`, `--device`).\n\n\
## Example\n```sh\ndocker run --privileged app:1.2   # flagged\ndocker run --cap-drop ALL --cap-add NET_BIND_SERVICE app:1.2\n```\n",
};

shipshape_core::declare_rule!(Privileged);

impl Rule for Privileged {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if let Some(p) = spec.privileged.as_ref().filter(|p| p.value) {
            cx.report(
                &META,
                spec,
                &p.loc,
                format!(
                    "`{}` runs privileged: root in the container is root on the host",
                    spec.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(fires("SS2001", &hard_with("--privileged")));
        assert!(fires("SS2001", &hard_with("--privileged=true")));
        assert!(!fires("SS2001", &hard_with("--privileged=false")));
        assert!(!fires("SS2001", HARD));
    }
}
