use crate::model::{is_unlimited, RuntimeSpec};
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2014",
    slug: "pids-limit-missing",
    summary: "no limit on the number of processes",
    severity: Severity::Medium,
    checklist: ChecklistItem::ResourceLimits,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.28"), ("compose-lint", "CL-0026")],
    fix: None,
    docs: "## What it does\nReports containers without `--pids-limit` (`pids_limit`, `deploy.resources.limits.pids`, inspect `PidsLimit`); 0 and -1 mean unlimited. Kubernetes has no per-container PID limit (the kubelet's `podPidsLimit` sets it per node), so Kubernetes containers are not reported.\n\n\
Pod Security Standards: restricted; control: (shipshape) PID limit. Reported under the default `baseline` profile without failing the run; fails it with `profile = \"restricted\"` (or `--profile restricted`).\n\n## Why it matters\nA fork bomb, or a bug that spawns processes in a loop, exhausts the host's PID table and stops every other container and the host from starting processes.\n\n\
## How to fix\nSet `--pids-limit` to a few times the normal process count (100 to 500 for most services).\n\n\
## Example\n```sh\ndocker run --pids-limit 200 app:1.0\n```\n",
};

shipshape_core::declare_rule!(PidsLimit);

impl Rule for PidsLimit {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if spec.pids_not_applicable {
            return;
        }
        match &spec.pids_limit {
            Some(v) if !is_unlimited(&v.value) => {}
            Some(v) => cx.report(
                &META,
                spec,
                &v.loc,
                format!(
                    "`{}` sets an unlimited PID limit (`{}`)",
                    spec.name, v.value
                ),
            ),
            None => cx.report(
                &META,
                spec,
                &spec.anchor,
                format!("`{}` has no PID limit", spec.name),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(!fires("SS2014", HARD));
        assert!(fires("SS2014", &HARD.replace("--pids-limit 100", "")));
        assert!(fires(
            "SS2014",
            &HARD.replace("--pids-limit 100", "--pids-limit=-1")
        ));
    }
}
