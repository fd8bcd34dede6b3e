//! SS3012: A package manager is present in the final image.

use super::tools;
use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3012",
    slug: "image-has-package-manager",
    summary: "A package manager is present in the final image",
    severity: Severity::Low,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Image,
    equivalents: &[("cis-docker", "4.3")],
    fix: None,
    docs: r#"## What it does
Looks in the image's final filesystem (after all layers, whiteouts applied) for a package manager in the
usual executable directories (`/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/local/bin`,
`/usr/local/sbin`), including versioned names and symlinks that resolve. Reports one finding
per tool: apt, apt-get, dpkg, apk, yum, dnf, microdnf, rpm, zypper, pacman, tdnf, pip, pip3, npm, yarn, pnpm, gem.

## Why it matters
A package manager in a running container lets an intruder install tooling, and tempts operators to patch containers in place instead of rebuilding. It also adds code (and CVEs) the application never uses.

## How to fix
Install packages in a build stage and copy only the results into a minimal final stage.

## Example
```dockerfile
FROM debian:12-slim AS build
RUN apt-get update \&\& apt-get install -y --no-install-recommends ca-certificates
FROM gcr.io/distroless/base-debian12
COPY --from=build /etc/ssl/certs /etc/ssl/certs
```
"#,
};

const NAMES: &[&str] = &[
    "apt", "apt-get", "dpkg", "apk", "yum", "dnf", "microdnf", "rpm", "zypper", "pacman", "tdnf",
    "pip", "pip3", "npm", "yarn", "pnpm", "gem",
];

shipshape_core::declare_rule!(ToolPackageManager);

impl Rule for ToolPackageManager {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        tools::report(ctx, &META, NAMES, "a package manager")
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_tool_fires, assert_tool_quiet_when_deleted};

    #[test]
    fn fires_when_present() {
        assert_tool_fires("SS3012", "/usr/bin/apt-get");
    }

    #[test]
    fn quiet_when_absent_or_deleted() {
        assert_tool_quiet_when_deleted("SS3012", "/usr/bin/apt-get");
    }
}
