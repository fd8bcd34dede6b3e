use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2009",
    slug: "seccomp-profile-missing",
    summary: "no seccomp profile where the runtime does not apply one by default (Kubernetes)",
    severity: Severity::Medium,
    checklist: ChecklistItem::NoNewPrivileges,
    source: SourceKind::Kubernetes,
    equivalents: &[("trivy", "KSV030"), ("checkov", "CKV_K8S_31")],
    fix: None,
    docs: "## What it does\nReports Kubernetes containers whose pod and container `securityContext` set no `seccompProfile`. Docker, Podman and Compose are not reported: their runtimes apply a default profile unless told `unconfined` (SS2008).\n\n\
Pod Security Standards: restricted; control: Seccomp (RuntimeDefault or Localhost). Reported under the default `baseline` profile without failing the run; fails it with `profile = \"restricted\"` (or `--profile restricted`).\n\n## Why it matters\nUnless the kubelet runs with `--seccomp-default`, a pod without a profile runs `Unconfined`: every system call, including those used by most kernel exploits, is allowed. The Pod Security Standards' restricted profile requires `RuntimeDefault` or `Localhost`.\n\n\
## How to fix\nSet `securityContext.seccompProfile.type: RuntimeDefault` on the pod.\n\n\
## Example\n```yaml\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n```\n",
};

shipshape_core::declare_rule!(SeccompMissing);

impl Rule for SeccompMissing {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if spec.seccomp_default_confined || spec.seccomp.is_some() || spec.is_privileged() {
            return;
        }
        cx.report(
            &META,
            spec,
            &spec.anchor,
            format!(
                "`{}` sets no seccomp profile and runs Unconfined by default",
                spec.name
            ),
        );
    }
}
