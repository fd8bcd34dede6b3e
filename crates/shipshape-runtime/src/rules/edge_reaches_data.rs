//! A Compose project-level network rule, over the network graph (`crate::graph`).

use crate::graph::Graph;
use crate::model::RuntimeSpec;
use crate::rules::{Cx, Rule};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2030",
    slug: "edge-reaches-data",
    summary: "an internet-facing service shares a network with a database, skipping the application tier",
    severity: Severity::Medium,
    checklist: ChecklistItem::Network,
    source: SourceKind::Compose,
    equivalents: &[],
    fix: None,
    docs: "## What it does\nBuilds the Compose network graph (services sharing a network, the implicit `default` network, `network_mode: service:x` and `host`) and classifies services: *edge* publishes ports or is a reverse proxy, *data* is a database, cache or queue (recognised by image), *app* is the rest. It reports each edge service that shares a network with a data service when the project has an application tier between them. Projects with no app tier (the web server is the application) are not reported. Services with `profiles:` are part of the graph like the others: profiles can be enabled together (`--profile a --profile b`, `COMPOSE_PROFILES=a,b` or `*`), so no two services are ever certain not to run at the same time, and a service that only runs in a `debug` profile is still deployed by someone. The message names the profile so the finding can be weighed (or ignored for a profile that is never used in production).\n\n\
## Why it matters\nThe edge service is the first thing an attacker compromises. If it can open connections to the database, one bug in a proxy or static-file server is enough to reach the data; segmentation makes the attacker go through the application, which authenticates and validates.\n\n\
## How to fix\nPut services on tier networks: edge and app on `frontend`, app and data on `backend`, and mark `backend` `internal: true`.\n\n\
## Example\n```yaml\nservices:\n  web: {image: nginx:1.27, ports: [\"443:443\"], networks: [frontend]}\n  api: {image: api:1.0, networks: [frontend, backend]}\n  db: {image: postgres:16, networks: [backend]}\nnetworks:\n  frontend: {}\n  backend: {internal: true}\n```\n",
};

shipshape_core::declare_rule!(EdgeReachesData);

impl Rule for EdgeReachesData {
    fn check_project(&self, graph: &Graph, specs: &[RuntimeSpec], cx: &mut Cx<'_>) {
        let spec_of = |name: &str| specs.iter().find(|s| s.name == name);
        let skips = graph.tier_skips();
        let mut froms: Vec<&str> = skips.iter().map(|p| p.from.as_str()).collect();
        froms.dedup();
        for from in froms {
            let Some(spec) = spec_of(from) else { continue };
            let targets: Vec<String> = skips
                .iter()
                .filter(|p| p.from == from)
                .map(|p| match graph.profiles_of(&p.to) {
                    Some(n) => format!("`{}` (via {}; {n})", p.to, p.network),
                    None => format!("`{}` (via {})", p.to, p.network),
                })
                .collect();
            let at = spec
                .networks
                .first()
                .map(|n| n.loc.clone())
                .unwrap_or_else(|| spec.anchor.clone());
            cx.push(
            &META,
            SourceKind::Compose,
            &at,
            format!("edge service `{from}`{} can reach data service {} directly, skipping the application tier", graph.profile_note(from), targets.join(", ")),
            META.severity,
        );
        }
    }
}
