//! A Compose project-level network rule, over the network graph (`crate::graph`).

use crate::graph::Graph;
use crate::model::RuntimeSpec;
use crate::rules::{Cx, Rule};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2032",
    slug: "unsegmented-service",
    summary: "a service stays on the default network while the others are segmented",
    severity: Severity::Low,
    checklist: ChecklistItem::Network,
    source: SourceKind::Compose,
    equivalents: &[],
    fix: None,
    docs: "## What it does\nReports services that name no network (and so join `default`) in a project where other services name their networks. Services with `profiles:` count on both sides (profiles can be enabled together); the message names the profile.\n\n\
## Why it matters\nSegmentation is only as good as its exceptions: a service left on `default` is usually an oversight, and it can reach every other service left there.\n\n\
## How to fix\nGive the service the tier network it belongs to.\n\n\
## Example\n```yaml\nservices:\n  worker:\n    networks: [backend]\n```\n",
};

shipshape_core::declare_rule!(UnsegmentedService);

impl Rule for UnsegmentedService {
    fn check_project(&self, graph: &Graph, specs: &[RuntimeSpec], cx: &mut Cx<'_>) {
        let segmented = graph.services.iter().any(|s| {
            !s.implicit_default
                && s.networks
                    .iter()
                    .any(|n| !n.starts_with('<') && n != "default")
        });
        if segmented {
            for (svc, spec) in graph.services.iter().zip(specs) {
                if svc.implicit_default {
                    cx.push(
                    &META,
                    SourceKind::Compose,
                    &spec.anchor,
                    format!("`{}`{} names no network and stays on `default` while other services are segmented", svc.name, graph.profile_note(&svc.name)),
                    META.severity,
                );
                }
            }
        }
    }
}
