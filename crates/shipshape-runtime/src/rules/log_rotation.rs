use crate::model::{Lifecycle, RuntimeSpec};
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2018",
    slug: "log-rotation-missing",
    summary: "container logs are not rotated, or logging is disabled",
    severity: Severity::Low,
    checklist: ChecklistItem::LogRotation,
    source: SourceKind::Runtime,
    equivalents: &[("compose-lint", "CL-0014")],
    fix: None,
    docs: "## What it does\nReports long-running containers whose logs grow without bound: the `json-file` (or Podman `k8s-file`) driver, explicit or by default, without a `max-size` option. The `local` driver (rotates by default) and remote drivers (`journald`, `syslog`, `fluentd`, `gelf`, `awslogs`, `splunk`, `gcplogs`, `loki`, ...) pass. `--log-driver none` is reported too: the logs are lost. A daemon-wide default in `daemon.json` cannot be seen from here; suppress the finding with that reason if you rely on one. Kubernetes is not reported: the kubelet rotates container logs.\n\n\
## Why it matters\nAn unrotated `json-file` log grows until the disk is full, taking the daemon and every container on the host down with it.\n\n\
## How to fix\nAdd `--log-opt max-size=10m --log-opt max-file=3`, or use `--log-driver local`.\n\n\
## Example\n```yaml\nlogging:\n  driver: json-file\n  options:\n    max-size: 10m\n    max-file: \"3\"\n```\n",
};

shipshape_core::declare_rule!(LogRotation);

impl Rule for LogRotation {
    /// Kubernetes leaves log rotation to the node (kubelet), not the manifest.
    fn applies_to(&self, kind: SourceKind) -> bool {
        kind != SourceKind::Kubernetes
    }

    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if spec.lifecycle == Lifecycle::OneOff || spec.log_rotation_not_applicable {
            return;
        }
        let driver = spec
            .log_driver
            .as_ref()
            .map(|d| d.value.trim().to_ascii_lowercase());
        let loc = spec
            .log_driver
            .as_ref()
            .map(|d| &d.loc)
            .unwrap_or(&spec.anchor);
        match driver.as_deref() {
            Some("none") => cx.report(
                &META,
                spec,
                loc,
                format!("`{}` disables logging: its logs are lost", spec.name),
            ),
            None | Some("") | Some("json-file") | Some("k8s-file") => {
                let max_size = spec.log_opts.iter().find(|(k, _)| k == "max-size");
                match max_size {
                Some((_, v)) if !matches!(v.value.trim(), "" | "-1" | "0") => {}
                Some((_, v)) => cx.report(&META, spec, &v.loc, format!("`{}` sets an unlimited log size", spec.name)),
                None => cx.report(
                    &META,
                    spec,
                    loc,
                    format!("`{}` keeps json-file logs without max-size: they grow until the disk is full", spec.name),
                ),
            }
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(!fires("SS2018", HARD));
        assert!(fires("SS2018", &HARD.replace("--log-opt max-size=10m", "")));
        assert!(fires(
            "SS2018",
            &HARD.replace(
                "--log-opt max-size=10m",
                "--log-driver json-file --log-opt max-file=3"
            )
        ));
        assert!(!fires(
            "SS2018",
            &HARD.replace("--log-opt max-size=10m", "--log-driver=local")
        ));
        assert!(fires(
            "SS2018",
            &HARD.replace("--log-opt max-size=10m", "--log-driver none")
        ));
    }
}
