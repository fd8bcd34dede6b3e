use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2020",
    slug: "docker-daemon-port-exposed",
    summary: "the unencrypted Docker API port 2375 is published or listened on",
    severity: Severity::Critical,
    checklist: ChecklistItem::Network,
    source: SourceKind::Runtime,
    equivalents: &[],
    fix: None,
    docs: "## What it does\nReports port 2375 published from a container (critical on all interfaces, high on a specific address) and a daemon started with `-H tcp://...:2375` / `--host=tcp://...:2375` in the container's command (typically Docker-in-Docker with TLS turned off).\n\n\
Pod Security Standards: baseline (Kubernetes manifests only); control: Host Ports. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n## Why it matters\n2375 is the Docker API without TLS or authentication: anyone who reaches it can start privileged containers, which is root on that host. Internet scanners find exposed 2375 ports within minutes and install miners.\n\n\
## How to fix\nUse the TLS port 2376 with client certificates (`DOCKER_TLS_CERTDIR` in `docker:dind`), or a unix socket shared only with the one client that needs it.\n\n\
## Example\n```yaml\nservices:\n  dind:\n    image: docker:27-dind\n    ports: [\"2375:2375\"]   # flagged\n```\n",
};

shipshape_core::declare_rule!(DaemonPort);

impl Rule for DaemonPort {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        for port in &spec.ports {
            if port.numbers().contains(&2375) {
                let (sev, where_) = if port.on_all_interfaces() {
                    (Severity::Critical, "on all interfaces")
                } else {
                    (Severity::High, "on a host address")
                };
                cx.report_with(
                    &META,
                    spec,
                    &port.loc,
                    format!(
                        "`{}` publishes the unauthenticated Docker API port 2375 {where_}",
                        spec.name
                    ),
                    sev,
                );
            }
        }
        if let Some(cmd) = &spec.command {
            let c = cmd.value.replace('=', " ");
            let listens = c.contains("tcp://")
                && c.contains(":2375")
                && (c.contains("-H ") || c.contains("--host "));
            if listens {
                cx.report(
                    &META,
                    spec,
                    &cmd.loc,
                    format!(
                        "`{}` starts a Docker daemon listening on tcp port 2375 without TLS",
                        spec.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(fires("SS2020", &hard_with("-p 2375:2375")));
        assert!(fires(
            "SS2020",
            "docker run -d --privileged docker:dind dockerd -H tcp://0.0.0.0:2375"
        ));
        assert!(!fires("SS2020", &hard_with("-p 127.0.0.1:2376:2376")));
    }
}
