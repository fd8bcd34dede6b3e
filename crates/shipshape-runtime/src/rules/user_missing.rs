use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2015",
    slug: "container-user-missing",
    summary: "no user is set, so the image's default user (often root) runs the container",
    severity: Severity::Medium,
    checklist: ChecklistItem::NonRoot,
    source: SourceKind::Runtime,
    equivalents: &[("trivy", "KSV012"), ("checkov", "CKV_K8S_23")],
    fix: None,
    docs: "## What it does\nReports containers that set no user: no `--user`/`-u`, `user:`, `runAsUser`/`runAsNonRoot: true` (pod or container), or an empty `Config.User` in `docker inspect`.\n\n\
Pod Security Standards: restricted; control: Running as Non-root. Reported under the default `baseline` profile without failing the run; fails it with `profile = \"restricted\"` (or `--profile restricted`).\n\n## Why it matters\nThe image's `USER` applies, and most images do not set one: the process runs as root, so a compromise of the application is root in the container, one kernel bug away from the host. The runtime setting is also what protects you when an image update drops its `USER`.\n\n\
## How to fix\nSet a numeric non-root user (`--user 10001:10001`); on Kubernetes also `runAsNonRoot: true`.\n\n\
## Example\n```yaml\nsecurityContext:\n  runAsNonRoot: true\n  runAsUser: 10001\n```\n",
};

shipshape_core::declare_rule!(UserMissing);

impl Rule for UserMissing {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if spec.user.is_some() || spec.run_as_non_root.as_ref().is_some_and(|v| v.value) {
            return;
        }
        cx.report(
            &META,
            spec,
            &spec.anchor,
            format!(
                "`{}` sets no user: the image default (root unless the image sets USER) applies",
                spec.name
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(!fires("SS2015", HARD));
        assert!(fires("SS2015", &HARD.replace("--user 10001", "")));
        assert!(!fires("SS2015", &HARD.replace("--user 10001", "-u app")));
    }
}
