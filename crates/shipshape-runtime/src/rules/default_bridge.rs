use crate::model::{Lifecycle, RuntimeSpec};
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2026",
    slug: "default-bridge-network",
    summary: "a long-running container is on Docker's default bridge network",
    severity: Severity::Low,
    checklist: ChecklistItem::Network,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.29")],
    fix: None,
    docs: "## What it does\nReports `docker run` and inspected containers with no `--network` (or `--network bridge`). Compose projects get their own network and are covered by the network graph rules instead (SS2030-SS2032). One-off foreground containers are not reported.\n\n\
## Why it matters\nEvery container on `docker0` can reach every other one on any port, with no way to segment them, and the legacy bridge allows ARP spoofing between containers.\n\n\
## How to fix\nCreate a network per application tier (`docker network create app-net`) and attach with `--network app-net`.\n\n\
## Example\n```sh\ndocker run --network app-net app:1.0\n```\n",
};

shipshape_core::declare_rule!(DefaultBridge);

impl Rule for DefaultBridge {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if spec.lifecycle == Lifecycle::OneOff
            || !matches!(spec.kind(), SourceKind::DockerRun | SourceKind::Engine)
        {
            return;
        }
        match &spec.network_mode {
            Some(n) if matches!(n.value.trim(), "bridge" | "default") => cx.report(
                &META,
                spec,
                &n.loc,
                format!("`{}` is on the default bridge network", spec.name),
            ),
            Some(_) => {}
            None => cx.report(
                &META,
                spec,
                &spec.anchor,
                format!(
                    "`{}` is on the default bridge network (no --network)",
                    spec.name
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(!fires("SS2026", HARD));
        assert!(fires("SS2026", &HARD.replace("--network app", "")));
        assert!(fires(
            "SS2026",
            &HARD.replace("--network app", "--network=bridge")
        ));
    }
}
