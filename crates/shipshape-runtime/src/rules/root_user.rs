use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2016",
    slug: "container-user-root",
    summary: "the container is explicitly run as root",
    severity: Severity::High,
    checklist: ChecklistItem::NonRoot,
    source: SourceKind::Runtime,
    equivalents: &[("compose-lint", "CL-0018"), ("trivy", "KSV012"), ("checkov", "CKV_K8S_23")],
    fix: None,
    docs: "## What it does\nReports `--user root`, `--user 0`, `user: \"0:0\"`, `runAsUser: 0` and `runAsNonRoot: false` with no non-root user.\n\n\
Pod Security Standards: restricted; control: Running as Non-root user. Reported under the default `baseline` profile without failing the run; fails it with `profile = \"restricted\"` (or `--profile restricted`).\n\n## Why it matters\nRoot in a container has the host's UID 0 (without user namespaces): any escape, writable host mount or shared namespace becomes root on the host. Setting it explicitly also overrides an image that was built to run as a normal user.\n\n\
## How to fix\nRun as a dedicated numeric user; fix file ownership in the image instead of running as root.\n\n\
## Example\n```yaml\nservices:\n  app:\n    user: \"10001:10001\"\n```\n",
};

/// Whether a `user[:group]` string names root.
pub fn is_root(user: &str) -> bool {
    let u = user.trim().split(':').next().unwrap_or("").trim();
    u == "0" || u == "root"
}

shipshape_core::declare_rule!(RootUser);

impl Rule for RootUser {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if let Some(u) = spec.user.as_ref().filter(|u| is_root(&u.value)) {
            cx.report(
                &META,
                spec,
                &u.loc,
                format!("`{}` runs as root (`{}`)", spec.name, u.value.trim()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(fires("SS2016", &HARD.replace("--user 10001", "--user=0:0")));
        assert!(fires("SS2016", &HARD.replace("--user 10001", "-u root")));
        assert!(!fires("SS2016", HARD));
        assert!(!fires("SS2016", &HARD.replace("--user 10001", "-u 1000:0")));
    }
}
