use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2028",
    slug: "shared-mount-propagation",
    summary: "a mount propagates mounts back to the host (shared / Bidirectional)",
    severity: Severity::Medium,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.19"), ("compose-lint", "CL-0017")],
    fix: None,
    docs: "## What it does\nReports bind mounts with `shared` or `rshared` propagation and Kubernetes `mountPropagation: Bidirectional`.\n\n\
## Why it matters\nMounts made inside the container appear on the host: a compromised container can mount over host paths other processes trust.\n\n\
## How to fix\nUse the default `rprivate` propagation (or `rslave` if the container must see host mounts).\n\n\
## Example\n```sh\ndocker run -v /mnt:/mnt:rshared app:1.0   # flagged\n```\n",
};

shipshape_core::declare_rule!(MountPropagation);

impl Rule for MountPropagation {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        for m in &spec.mounts {
            let shared = m
                .options
                .split([',', ':'])
                .any(|o| matches!(o.trim(), "shared" | "rshared" | "Bidirectional"));
            if shared {
                cx.report(
                    &META,
                    spec,
                    &m.loc,
                    format!(
                        "`{}` mounts `{}` with shared propagation",
                        spec.name, m.target
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(fires("SS2028", &hard_with("-v /mnt:/mnt:rshared")));
        assert!(!fires("SS2028", &hard_with("-v /mnt:/mnt:ro,rslave")));
    }
}
