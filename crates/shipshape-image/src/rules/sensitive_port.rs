//! SS3003: the image exposes SSH, telnet or the Docker API.

use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3003",
    slug: "image-exposes-sensitive-port",
    summary: "The image exposes a remote-administration port (22, 23, 2375, 2376)",
    severity: Severity::Medium,
    checklist: ChecklistItem::Network,
    source: SourceKind::Image,
    equivalents: &[("trivy", "AVD-DS-0004")],
    fix: None,
    docs: r#"## What it does
Reads `config.ExposedPorts` and reports SSH (22), telnet (23) and the Docker Engine API
(2375 plain, 2376 TLS).

## Why it matters
An SSH server in a container is a second way in that bypasses the orchestrator's access
control and audit log. Telnet sends passwords in clear text. An exposed Docker API on 2375 is
unauthenticated root on the host to anyone who reaches it.

## How to fix
Remove the server and the `EXPOSE` line. Use `docker exec` or `kubectl exec` for debugging.

## Example
```dockerfile
# remove:
EXPOSE 22
```
"#,
};

shipshape_core::declare_rule!(SensitivePort);

impl Rule for SensitivePort {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let mut out = Vec::new();
        for port in ctx.image.config.config.exposed_ports.keys() {
            let num = port.split('/').next().unwrap_or("");
            let (what, sev) = match num {
                "22" => ("SSH", Severity::Medium),
                "23" => ("telnet (clear-text logins)", Severity::High),
                "2375" => (
                    "the Docker Engine API without TLS (root on the host)",
                    Severity::Critical,
                ),
                "2376" => ("the Docker Engine API", Severity::High),
                _ => continue,
            };
            out.push(
                Finding::new(
                    &META,
                    ctx.config_location(format!("config.ExposedPorts.{port}").as_str()),
                    format!("the image exposes port {port}: {what}"),
                    port,
                )
                .with_severity(sev),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::build::ImageBuilder;
    use crate::rules::testing::{audit_image, of};
    use shipshape_core::Severity;

    #[test]
    fn fires_for_ssh_and_docker_api() {
        let a = audit_image(
            &ImageBuilder::new()
                .expose("22/tcp")
                .expose("2375/tcp")
                .expose("8080/tcp"),
        );
        let f = of(&a, "SS3003");
        assert_eq!(f.len(), 2);
        assert!(f.iter().any(|f| f.severity == Severity::Critical));
    }

    #[test]
    fn quiet_for_application_ports() {
        let a = audit_image(&ImageBuilder::new().expose("8080/tcp").expose("443/tcp"));
        assert!(of(&a, "SS3003").is_empty());
    }
}
