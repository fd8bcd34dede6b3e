use crate::classify::{is_edge_port, sensitive_port, PortRole};
use crate::model::RuntimeSpec;
use crate::rules::Cx;
use shipshape_core::{ChecklistItem, FixApplicability, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2019",
    slug: "port-on-all-interfaces",
    summary: "a port is published on every host interface",
    severity: Severity::Medium,
    checklist: ChecklistItem::Network,
    source: SourceKind::DockerRun,
    equivalents: &[("cis-docker", "5.13"), ("compose-lint", "CL-0005"), ("trivy", "KSV024")],
    fix: Some(FixApplicability::Unsafe),
    docs: "## What it does\nReports ports published without a host address (or on `0.0.0.0`/`::`): `-p 5432:5432`, `ports: [\"8080:80\"]`, `-P`, Kubernetes `hostPort` without `hostIP`, inspect `PortBindings` with an empty `HostIp`. A database, cache, queue, admin console or debugger port is high; 80 and 443 (the edge proxy's job) are not reported; anything else is medium. The Docker API port 2375 has its own rule (SS2020).\n\n\
## Why it matters\nDocker inserts its own firewall rules: a published port is reachable from every network the host is on, host firewall (ufw, firewalld) notwithstanding. Databases and admin endpoints published this way are a leading cause of data breaches.\n\n\
## How to fix\nBind to loopback (`-p 127.0.0.1:5432:5432`) or to the one interface that should serve it, or do not publish the port and reach the service over a container network.\n\n\
## Example\n```yaml\nports:\n  - \"127.0.0.1:8080:8080\"\n```\n",
};

pub fn check(spec: &RuntimeSpec, cx: &mut Cx<'_>) {
    if let Some(p) = spec.publish_all.as_ref().filter(|p| p.value) {
        cx.report(
            &META,
            spec,
            &p.loc,
            format!(
                "`{}` publishes every exposed port on all interfaces (-P)",
                spec.name
            ),
        );
    }
    for port in &spec.ports {
        if !port.on_all_interfaces() {
            continue;
        }
        let nums = port.numbers();
        if nums.iter().any(|n| matches!(n, 2375)) {
            continue; // SS2020
        }
        let sensitive = nums
            .iter()
            .find_map(|n| sensitive_port(*n).map(|s| (*n, s)));
        let shown = match (&port.host_port, &port.host_ip) {
            (Some(h), _) => format!("{h}->{}", port.container_port),
            (None, _) => port.container_port.clone(),
        };
        match sensitive {
            Some((n, (role, what))) => {
                let kind = match role {
                    PortRole::Data => "data store",
                    PortRole::Admin => "admin",
                    PortRole::Debug => "debug",
                };
                cx.report_with(
                    &META,
                    spec,
                    &port.loc,
                    format!(
                        "`{}` publishes {what} {kind} port {n} on all interfaces ({shown})",
                        spec.name
                    ),
                    Severity::High,
                );
            }
            None => {
                // only a host port of 80/443 is the edge's job; `- "80"` gets a random host port
                let edge_port = port
                    .host_port
                    .as_deref()
                    .and_then(|h| h.parse::<u16>().ok());
                if edge_port.is_some_and(is_edge_port) {
                    continue;
                }
                cx.report(
                    &META,
                    spec,
                    &port.loc,
                    format!("`{}` publishes port {shown} on all interfaces", spec.name),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    use shipshape_core::Severity;
    #[test]
    fn cases() {
        assert!(run(&hard_with("-p 5432:5432")).contains(&("SS2019".to_string(), Severity::High)));
        assert!(run(&hard_with("-p 3000:3000")).contains(&("SS2019".to_string(), Severity::Medium)));
        assert!(fires("SS2019", &hard_with("-P")));
        assert!(fires("SS2019", &hard_with("--publish=0.0.0.0:8080:8080")));
        assert!(!fires("SS2019", &hard_with("-p 80:8080 -p 443:8443")));
        assert!(fires("SS2019", &hard_with("-p 80")));
        assert!(!fires(
            "SS2019",
            &hard_with("-p 127.0.0.1:5432:5432 -p [::1]:6379:6379")
        ));
    }
}
