//! SS3013: A download or network tool (curl, wget, nc) is present in the final image.

use super::tools;
use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3013",
    slug: "image-has-network-tool",
    summary: "A download or network tool (curl, wget, nc) is present in the final image",
    severity: Severity::Medium,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Image,
    equivalents: &[("cis-docker", "4.3")],
    fix: None,
    docs: r#"## What it does
Looks in the image's final filesystem (after all layers, whiteouts applied) for a network tool in the
usual executable directories (`/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/local/bin`,
`/usr/local/sbin`), including versioned names and symlinks that resolve. Reports one finding
per tool: curl, wget, nc, ncat, netcat, socat, telnet, ftp, tftp, ssh, scp, nmap.

## Why it matters
Download tools are the first thing an intruder needs: fetch a second stage, exfiltrate data, open a reverse shell (`nc -e`). Without them, many exploits stop at code execution.

## How to fix
Use them in a build stage only; for health checks, ship a tiny purpose-built binary.

## Example
```dockerfile
FROM alpine:3.20 AS fetch
RUN wget -O /tmp/tool.tgz https://example.com/tool.tgz
FROM scratch
COPY --from=fetch /tmp/tool /tool
```
"#,
};

const NAMES: &[&str] = &[
    "curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "ftp", "tftp", "ssh", "scp", "nmap",
];

shipshape_core::declare_rule!(ToolNetwork);

impl Rule for ToolNetwork {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        tools::report(ctx, &META, NAMES, "the network tool")
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_tool_fires, assert_tool_quiet_when_deleted};

    #[test]
    fn fires_when_present() {
        assert_tool_fires("SS3013", "/usr/bin/curl");
    }

    #[test]
    fn quiet_when_absent_or_deleted() {
        assert_tool_quiet_when_deleted("SS3013", "/usr/bin/curl");
    }
}
