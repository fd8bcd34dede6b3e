use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2035",
    slug: "proc-unmasked",
    summary: "the container's /proc and /sys are not masked",
    severity: Severity::High,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Runtime,
    equivalents: &[("trivy", "KSV027")],
    fix: None,
    docs: "## What it does\nReports Kubernetes `securityContext.procMount: Unmasked` and Docker's `--security-opt systempaths=unconfined` (also in Compose `security_opt` and saved inspect output).\n\n\
Pod Security Standards: baseline; control: /proc Mount Type. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n\
## Why it matters\nThe runtime masks parts of `/proc` and `/sys` (`/proc/kcore`, `/proc/sysrq-trigger`, `/sys/firmware`, …) and mounts others read-only: they expose kernel memory, trigger host reboots or leak host information. Unmasked, root in the container reaches them.\n\n\
## How to fix\nRemove the option. Only nested container runtimes (a rootless builder inside a user namespace) need it, and they should get a dedicated, isolated node.\n\n\
## Example\n```yaml\nsecurityContext:\n  procMount: Unmasked   # flagged\n```\n",
};

shipshape_core::declare_rule!(ProcUnmasked);

impl Rule for ProcUnmasked {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if let Some(l) = &spec.proc_unmasked {
            cx.report(
                &META,
                spec,
                l,
                format!(
                    "`{}` sees the host kernel's unmasked /proc and /sys entries",
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
        assert!(fires(
            "SS2035",
            &hard_with("--security-opt systempaths=unconfined")
        ));
        assert!(!fires("SS2035", HARD));
    }
}
