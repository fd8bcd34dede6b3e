use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2027",
    slug: "service-account-token-mounted",
    summary: "the pod mounts a Kubernetes service account token it may not need",
    severity: Severity::Low,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Kubernetes,
    equivalents: &[("checkov", "CKV_K8S_38")],
    fix: None,
    docs: "## What it does\nReports pods that do not set `automountServiceAccountToken: false` (the default mounts the token).\n\n\
## Why it matters\nThe token authenticates to the Kubernetes API as the pod's service account. Most application pods never call the API; for them the token only helps an attacker who gets code execution to explore or act on the cluster.\n\n\
## How to fix\nSet `automountServiceAccountToken: false` on the pod (or the service account) and mount a projected token only where the API is really used.\n\n\
## Example\n```yaml\nspec:\n  automountServiceAccountToken: false\n```\n",
};

shipshape_core::declare_rule!(SaToken);

impl Rule for SaToken {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        let Some(pod) = &spec.pod_anchor else { return };
        match &spec.automount_sa_token {
        Some(v) if !v.value => {}
        Some(v) => cx.report(
            &META,
            spec,
            &v.loc,
            "the pod mounts its service account token".to_string(),
        ),
        None => cx.report(
            &META,
            spec,
            pod,
            "the pod mounts its service account token (automountServiceAccountToken is not false)"
                .to_string(),
        ),
    }
    }
}
