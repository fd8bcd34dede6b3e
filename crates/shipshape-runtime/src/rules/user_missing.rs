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
    docs: "## What it does\nReports containers that set no user: no `--user`/`-u`, `user:`, `runAsUser`/`runAsNonRoot: true` (pod or container), or an empty `Config.User` in `docker inspect`. A Compose service that builds its image here (`build:`) is not reported when that Dockerfile's final stage (or `build.target`) sets a non-root `USER` (that user runs the container), or starts as root on purpose because its entrypoint drops privileges (see SS1001; a `user:` would break it).\n\n\
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
        // The image is built here from a Dockerfile whose final USER is not root: that user
        // runs the container. One whose entrypoint drops privileges needs to start as root (a
        // `user:` would break it; SS1001 reports it at low), and one that is never run has no
        // user at all.
        if spec.image_user_non_root().is_some()
            || spec
                .built_stage()
                .is_some_and(|s| s.runs_nothing || s.drops_privileges.is_some())
        {
            return;
        }
        let message = match &spec.built_from {
            Some(b)
                if b.stage.as_ref().is_some_and(|s| {
                    matches!(s.user, shipshape_core::facts::ImageUser::Root { .. })
                }) =>
            {
                format!(
                    "`{}` sets no user, and the image it builds from {} runs as root",
                    spec.name, b.dockerfile
                )
            }
            _ => format!(
                "`{}` sets no user: the image default (root unless the image sets USER) applies",
                spec.name
            ),
        };
        cx.report(&META, spec, &spec.anchor, message);
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
