use crate::model::{Health, Lifecycle, RuntimeSpec};
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2024",
    slug: "container-healthcheck-missing",
    summary: "a long-running container has no health check, or it is disabled",
    severity: Severity::Low,
    checklist: ChecklistItem::Healthcheck,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.26"), ("checkov", "CKV_K8S_8")],
    fix: None,
    docs: "## What it does\nReports long-running containers with no `--health-cmd` / `healthcheck:` / liveness or readiness probe / inspect `Config.Healthcheck`, and health checks switched off (`--no-healthcheck`, `disable: true`, `test: [\"NONE\"]`). A Compose service that builds its image here (`build:`) counts the `HEALTHCHECK` of that Dockerfile's final stage (or `build.target`); the `HEALTHCHECK` of an image pulled from a registry cannot be seen from here: suppress with that reason if the image has one. One-off containers, Jobs, CronJobs and init containers are not reported.\n\n\
## Why it matters\nWithout a health check a hung process looks healthy: restarts, `depends_on: condition: service_healthy`, rolling updates and load balancers keep sending it traffic.\n\n\
## How to fix\nAdd a cheap check of the real service (`wget -qO- http://127.0.0.1:8080/healthz`).\n\n\
## Example\n```yaml\nhealthcheck:\n  test: [\"CMD\", \"wget\", \"-qO-\", \"http://127.0.0.1:8080/healthz\"]\n  interval: 30s\n```\n",
};

shipshape_core::declare_rule!(HealthcheckMissing);

impl Rule for HealthcheckMissing {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if spec.lifecycle == Lifecycle::OneOff {
            return;
        }
        // The image built here for it defines a HEALTHCHECK (and the service does not disable
        // it), or is never run.
        if let Some(stage) = spec.built_stage() {
            if stage.runs_nothing || (stage.healthcheck == Some(true) && spec.healthcheck.is_none())
            {
                return;
            }
        }
        match &spec.healthcheck {
            Some(h) if h.value == Health::Defined => {}
            Some(h) => cx.report(
                &META,
                spec,
                &h.loc,
                format!("`{}` disables its health check", spec.name),
            ),
            None => {
                let message = match &spec.built_from {
                    Some(b) if b.stage.is_some() => format!(
                        "`{}` defines no health check, and the image it builds from {} has no HEALTHCHECK",
                        spec.name, b.dockerfile
                    ),
                    _ => format!(
                        "`{}` defines no health check (unless its image has a HEALTHCHECK)",
                        spec.name
                    ),
                };
                cx.report(&META, spec, &spec.anchor, message)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(!fires("SS2024", HARD));
        assert!(fires("SS2024", &HARD.replace("--health-cmd true", "")));
        assert!(fires(
            "SS2024",
            &HARD.replace("--health-cmd true", "--no-healthcheck")
        ));
    }
}
