use super::common::advice;
use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1020",
    slug: "expose-sensitive-port",
    summary:
        "The final image exposes a remote-administration port (SSH, Telnet, Docker, RDP, VNC…)",
    severity: Severity::Medium,
    checklist: ChecklistItem::Network,
    source: SourceKind::Dockerfile,
    equivalents: &[("trivy", "DS004")],
    fix: None,
    docs: r#"## What it does
Reports `EXPOSE` of ports used for remote administration or unauthenticated control, in the
stages the final image is built from (ranges are checked too):

| port | service | severity |
|---|---|---|
| 2375, 2376 | Docker Engine API (root on the host) | high |
| 22 | SSH | medium |
| 23 | Telnet | medium |
| 3389 | RDP | medium |
| 5900–5903 | VNC | medium |
| 5985, 5986 | WinRM | medium |

`EXPOSE` with a variable (`$PORT`) is not judged. File-sharing ports (FTP, SMB, NFS) are not
reported: exposing them is the purpose of the images that do.

## Why it matters
An SSH or VNC server in a container is a second way in that bypasses the orchestrator's access
control and logging, and usually comes with a password or a key baked into the image. An
exposed Docker API gives whoever reaches it root on the host. Containers are administered with
`docker exec` / `kubectl exec`, not remote-login daemons.

## How to fix
Remove the daemon and its `EXPOSE`; use `docker exec`/`kubectl exec` (or an ephemeral debug
container) for access. If the image really is a remote-access gateway, document it and suppress
the finding.

## Example
```dockerfile
EXPOSE 8080 22     # 22 reported
```
"#,
};

const PORTS: &[(u16, &str, Severity)] = &[
    (22, "SSH", Severity::Medium),
    (23, "Telnet", Severity::Medium),
    (2375, "the unencrypted Docker Engine API", Severity::High),
    (2376, "the Docker Engine API", Severity::High),
    (3389, "RDP", Severity::Medium),
    (5900, "VNC", Severity::Medium),
    (5901, "VNC", Severity::Medium),
    (5902, "VNC", Severity::Medium),
    (5903, "VNC", Severity::Medium),
    (5985, "WinRM", Severity::Medium),
    (5986, "WinRM", Severity::Medium),
];

shipshape_core::declare_rule!(ExposeSensitivePort);

impl Rule for ExposeSensitivePort {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        let InstructionKind::Expose(expose) = &instr.kind else {
            return;
        };
        if !ctx.in_final_image(index) {
            return;
        }
        for port in &expose.ports {
            let Some((lo, hi)) = port.range else { continue };
            let hits: Vec<_> = PORTS
                .iter()
                .filter(|(p, _, _)| (lo..=hi).contains(p))
                .collect();
            let Some(worst) = hits.iter().map(|(_, _, s)| *s).max() else {
                continue;
            };
            let mut services: Vec<&str> = Vec::new();
            for (_, n, _) in &hits {
                if !services.contains(n) {
                    services.push(n);
                }
            }
            let shown = if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            };
            out.push(
                ctx.finding(
                    &META,
                    port.word.span,
                    format!(
                        "the final image exposes {} {shown} ({}): a remote-administration entry point beside the orchestrator's access control",
                        if lo == hi { "port" } else { "ports" },
                        services.join(", ")
                    ),
                )
                .with_severity(worst)
                .with_fix(advice(
                    "remove the daemon and the EXPOSE; use `docker exec` / `kubectl exec` for access",
                )),
            );
        }
    }
}
