use crate::classify::{is_edge_port, port_role, proxy_image, PortRole};
use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2019",
    slug: "port-on-all-interfaces",
    summary: "a port is published on every host interface",
    severity: Severity::Medium,
    checklist: ChecklistItem::Network,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.13"), ("compose-lint", "CL-0005"), ("trivy", "KSV024")],
    fix: None,
    docs: "## What it does\nReports ports published without a host address (or on `0.0.0.0`/`::`): `-p 5432:5432`, `ports: [\"8080:80\"]`, `-P`, Kubernetes `hostPort` without `hostIP`, inspect `PortBindings` with an empty `HostIp`. What listens decides the severity, the image first and the port number second: any port of a database, cache or queue image (`postgres`, `redis`, `clickhouse`…) is its data port and high, as are well-known data, admin-console and debugger ports; a number that several programs use (9000 is ClickHouse's native protocol, MinIO's S3 API, Portainer's UI and PHP-FPM's FastCGI) counts only when the image says which program it is. 80 and 443 (the edge proxy's job) are not reported; an application port published by a reverse proxy (`nginx`, `traefik`, `caddy`…) is low; anything else is medium. A Compose data service whose ports are bound to a host address is SS2031's: one finding per port. The Docker API port 2375 has its own rule (SS2020). A compose port entry that is only a variable with no value where the file is scanned (`- \"${PORT}\"`, no `.env` setting it) is reported too: Docker publishes whatever it holds on every interface unless the value names a host address.\n\n\
Pod Security Standards: baseline (Kubernetes manifests only); control: Host Ports. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n## Why it matters\nDocker inserts its own firewall rules: a published port is reachable from every network the host is on, host firewall (ufw, firewalld) notwithstanding. Databases and admin endpoints published this way are a leading cause of data breaches.\n\n\
## How to fix\nBind to loopback (`-p 127.0.0.1:5432:5432`) or to the one interface that should serve it, or do not publish the port and reach the service over a container network.\n\n\
## Example\n```yaml\nports:\n  - \"127.0.0.1:8080:8080\"\n```\n",
};

shipshape_core::declare_rule!(PortAllInterfaces);

impl Rule for PortAllInterfaces {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
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
            let image = spec.image.as_ref().map_or("", |i| i.value.as_str());
            let sensitive = nums
                .iter()
                .find_map(|n| port_role(image, *n).map(|s| (*n, s)));
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
                    // A reverse proxy publishing an application port is doing its job on
                    // another port number: worth a look, not a medium finding.
                    let severity = if proxy_image(image) {
                        Severity::Low
                    } else {
                        META.severity
                    };
                    let message = if shown.contains('$') {
                        format!(
                        "`{}` publishes port `{shown}`, set by a variable with no value here: on all interfaces unless the value names a host address",
                        spec.name
                    )
                    } else {
                        format!("`{}` publishes port {shown} on all interfaces", spec.name)
                    };
                    cx.report_with(&META, spec, &port.loc, message, severity);
                }
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

#[cfg(test)]
mod variable_ports {
    #[test]
    fn a_port_set_only_by_a_variable_is_reported() {
        let text = "services:\n  cache:\n    image: valkey/valkey:8.0\n    ports:\n      - \"${VALKEY_PORT}\"\n      - \"127.0.0.1:${ADMIN_PORT:-9000}:9000\"\n";
        let file = shipshape_core::SourceFile::new("compose.yaml", text);
        let a = crate::analyse_compose(std::slice::from_ref(&file), std::path::Path::new("."));
        let ports: Vec<_> = a
            .findings
            .iter()
            .filter(|f| f.rule == "SS2019")
            .map(|f| f.location.key.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            ports,
            vec!["services.cache.ports[0]".to_string()],
            "{:#?}",
            a.findings
        );
        // With a value in .env that binds loopback, nothing is reported.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "VALKEY_PORT=127.0.0.1:6379:6379\n").unwrap();
        let a = crate::analyse_compose(std::slice::from_ref(&file), dir.path());
        assert!(
            a.findings.iter().all(|f| f.rule != "SS2019"),
            "{:#?}",
            a.findings
        );
    }
}
