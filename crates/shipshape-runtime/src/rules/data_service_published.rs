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
    docs: "## What it does\nReports data services (databases, caches, queues recognised by image) whose `ports:` are all bound to a host address such as 127.0.0.1 (low). A data port published on all interfaces is reported by SS2019 as high, once per port, and not again here. Services with `profiles:` are checked too (any profile can be enabled); the message names the profile.\n\n\
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
            // A port on all interfaces is SS2019's (high for a data store): one finding per port.
            if spec.ports.iter().any(|p| p.on_all_interfaces()) {
                continue;
            }
            let at: Loc = spec
                .ports_key
                .clone()
                .unwrap_or_else(|| spec.anchor.clone());
            cx.push(
                &META,
                SourceKind::Compose,
                &at,
                format!(
                    "data service `{}`{} publishes ports on a host address",
                    svc.name,
                    graph.profile_note(&svc.name)
                ),
                Severity::Low,
            );
        }
    }
}
