use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1121",
    slug: "expose-invalid-port",
    summary: "EXPOSE names a port outside 0–65535, an unknown protocol, or a host mapping",
    severity: Severity::Medium,
    checklist: ChecklistItem::Network,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3011"), ("trivy", "DS008")],
    fix: None,
    docs: r#"## What it does
Checks each `EXPOSE` item (after expanding build arguments): the port or range must be numbers
from 0 to 65535 with the start not above the end, the protocol (if any) `tcp`, `udp` or `sctp`,
and there must be no host part (`8080:80`, `127.0.0.1:80`). Items that depend on a variable
without a known value are not judged.

## Why it matters
An invalid `EXPOSE` fails the build or is silently misread; a host mapping in a Dockerfile does
nothing (publishing is decided at run time) and suggests a port layout that does not exist.
Either way the image documents the wrong network interface.

## How to fix
Expose the container port only: `EXPOSE 8080/tcp`; map it to a host port with `docker run -p`
or in the orchestrator.

## Example
```dockerfile
EXPOSE 80000        # reported
EXPOSE 8080:80      # reported: host mapping
EXPOSE 8080/tcp     # fine
```
"#,
};

shipshape_core::declare_rule!(ExposePort);

fn problem(item: &str) -> Option<String> {
    let (ports, proto) = match item.split_once('/') {
        Some((p, proto)) => (p, Some(proto)),
        None => (item, None),
    };
    if let Some(proto) = proto {
        if !["tcp", "udp", "sctp"].contains(&proto.to_ascii_lowercase().as_str()) {
            return Some(format!(
                "unknown protocol `{proto}` (expected tcp, udp or sctp)"
            ));
        }
    }
    if ports.contains(':') {
        return Some("a host address or port mapping has no effect in EXPOSE".into());
    }
    let (a, b) = ports.split_once('-').unwrap_or((ports, ports));
    let parse = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.len() <= 12 && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) if x > 65535 || y > 65535 => {
            Some(format!("port {} is outside 0–65535", x.max(y)))
        }
        (Some(x), Some(y)) if x > y => Some(format!("range {x}-{y} is reversed")),
        (Some(_), Some(_)) => None,
        _ => Some("not a port number or range".into()),
    }
}

impl Rule for ExposePort {
    fn check_instruction(&self, ctx: &Context, index: usize, instr: &Instr, out: &mut Out) {
        let InstructionKind::Expose(e) = &instr.kind else {
            return;
        };
        let env = ctx.graph.env_before(ctx.df, index);
        for port in &e.ports {
            let Ok(expanded) = env.expand(&port.word.raw, ctx.df.escape) else {
                continue;
            };
            if !expanded.unresolved.is_empty() {
                continue;
            }
            for item in expanded.value.split_whitespace() {
                if let Some(p) = problem(item) {
                    out.push(ctx.finding(&META, port.word.span, format!("EXPOSE `{item}`: {p}")));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn items() {
        assert!(super::problem("80").is_none());
        assert!(super::problem("8000-8010/udp").is_none());
        assert!(super::problem("0").is_none());
        assert!(super::problem("65536").is_some());
        assert!(super::problem("80/http").is_some());
        assert!(super::problem("8080:80").is_some());
        assert!(super::problem("90-80").is_some());
        assert!(super::problem("99999999999999999999").is_some());
    }
}
