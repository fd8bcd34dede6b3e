//! A Compose project-level network rule, over the network graph (`crate::graph`).

use crate::graph::{Graph, Role};
use crate::model::{Loc, RuntimeSpec};
use crate::rules::{Cx, Rule};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2031",
    slug: "data-service-published",
    summary: "a database, cache or queue publishes ports on the host",
    severity: Severity::Low,
    checklist: ChecklistItem::Network,
    source: SourceKind::Compose,
    equivalents: &[],
    fix: None,
    docs: "## What it does\nReports data services (databases, caches, queues recognised by image) with a `ports:` section: medium when a port is on all interfaces, low when all are bound to one address such as 127.0.0.1. Services with `profiles:` are checked too (any profile can be enabled); the message names the profile.\n\n\
## Why it matters\nOther services reach a database over the Compose network; publishing it on the host only adds a way in from outside the project (and on all interfaces, from the network).\n\n\
## How to fix\nRemove `ports:`; for local debugging use `docker compose exec` or a loopback-only port in an override file that is not deployed.\n\n\
## Example\n```yaml\nservices:\n  db:\n    image: postgres:16\n    # no ports: reached as db:5432 from the app\n```\n",
};

shipshape_core::declare_rule!(DataServicePublished);

impl Rule for DataServicePublished {
    fn check_project(&self, graph: &Graph, specs: &[RuntimeSpec], cx: &mut Cx<'_>) {
        for (svc, spec) in graph.services.iter().zip(specs) {
            if svc.role != Role::Data || spec.ports.is_empty() {
                continue;
            }
            let open = spec.ports.iter().any(|p| p.on_all_interfaces());
            let at: Loc = spec
                .ports_key
                .clone()
                .unwrap_or_else(|| spec.anchor.clone());
            let (sev, how) = if open {
                (Severity::Medium, "on all interfaces")
            } else {
                (Severity::Low, "on a host address")
            };
            cx.push(
                &META,
                SourceKind::Compose,
                &at,
                format!(
                    "data service `{}`{} publishes ports {how}",
                    svc.name,
                    graph.profile_note(&svc.name)
                ),
                sev,
            );
        }
    }
}
