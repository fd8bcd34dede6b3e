use crate::model::{Lifecycle, RuntimeSpec};
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2017",
    slug: "restart-policy-missing",
    summary: "a long-running container has no restart policy",
    severity: Severity::Low,
    checklist: ChecklistItem::Healthcheck,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.14")],
    fix: None,
    docs: "## What it does\nReports long-running containers with no restart policy (`--restart`, `restart:`, `deploy.restart_policy`, inspect `RestartPolicy`) or with `no`. One-off containers (`docker run --rm` in the foreground) and Kubernetes (where controllers restart pods) are not reported.\n\n\
## Why it matters\nA crashed service stays down until someone notices. `on-failure:5` (CIS) or `unless-stopped` bring it back while limiting crash loops.\n\n\
## How to fix\nAdd `--restart on-failure:5` or `--restart unless-stopped`.\n\n\
## Example\n```yaml\nservices:\n  api:\n    restart: unless-stopped\n```\n",
};

shipshape_core::declare_rule!(RestartPolicy);

impl Rule for RestartPolicy {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if spec.lifecycle == Lifecycle::OneOff || spec.restart_not_applicable {
            return;
        }
        match &spec.restart {
            Some(r) if !matches!(r.value.trim(), "" | "no" | "none") => {}
            Some(r) => cx.report(
                &META,
                spec,
                &r.loc,
                format!("`{}` has restart policy `no`", spec.name),
            ),
            None => cx.report(
                &META,
                spec,
                &spec.anchor,
                format!("`{}` has no restart policy", spec.name),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(!fires("SS2017", HARD));
        assert!(fires("SS2017", &HARD.replace("--restart always", "")));
        assert!(fires(
            "SS2017",
            &HARD.replace("--restart always", "--restart=no")
        ));
        // a one-off foreground container needs none
        assert!(!fires("SS2017", "docker run --rm alpine:3.20 echo hi"));
    }
}
