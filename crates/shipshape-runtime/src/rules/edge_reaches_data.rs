//! A project-level network rule, over the network graph of a Compose project (`crate::graph`) or
//! of a set of Kubernetes manifests (`crate::kgraph`).

use crate::graph::Graph;
use crate::kgraph::KubeGraph;
use crate::model::RuntimeSpec;
use crate::rules::{Cx, Rule};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2030",
    slug: "edge-reaches-data",
    summary: "an internet-facing service shares a network with a database, skipping the application tier",
    severity: Severity::Medium,
    checklist: ChecklistItem::Network,
    source: SourceKind::Runtime,
    equivalents: &[],
    fix: None,
    docs: "## What it does\nBuilds the Compose network graph (services sharing a network, the implicit `default` network, `network_mode: service:x` and `host`) and classifies services: *edge* publishes ports or is a reverse proxy, *data* is a database, cache or queue (recognised by image), *app* is the rest. It reports each edge service that shares a network with a data service when the project has an application tier between them. Projects with no app tier (the web server is the application) are not reported. Services with `profiles:` are part of the graph like the others: profiles can be enabled together (`--profile a --profile b`, `COMPOSE_PROFILES=a,b` or `*`), so no two services are ever certain not to run at the same time, and a service that only runs in a `debug` profile is still deployed by someone. The message names the profile so the finding can be weighed (or ignored for a profile that is never used in production).\n\nA reverse proxy (nginx, traefik, caddy, haproxy, envoy...) in front of a service makes that service the application tier even when it also publishes a port (usually a leftover of local development): the proxy `depends_on` it, names it as an upstream in its `command`, in its labels, or in a configuration file it bind-mounts from the project (`proxy_pass http://api:8000` in nginx.conf, `reverse_proxy api:8000` in a Caddyfile, `server api:8000` for haproxy, `address: api` for envoy), or the service carries traefik/caddy-docker-proxy routing labels while such a proxy is in the project.\n\nFor **Kubernetes**, the same check runs on the network graph of the manifests deployed together (one directory; see SS2034): *edge* workloads are exposed by a `NodePort`/`LoadBalancer` Service, `externalIPs`, an Ingress backend or a `hostPort`, or run a reverse proxy image; *data* workloads run a database, cache or queue image; *app* is the rest. A workload that no NetworkPolicy selects for `Ingress` accepts connections from every pod; one that is selected accepts only what a rule of those policies admits (`podSelector` in the policy's namespace, `namespaceSelector`, both, or any source for an empty `from`; `ipBlock` stands for addresses outside the cluster), and `Egress` policies restrict the sender the same way. Ports do not restrict reachability here. The finding points at the edge workload and says, for each data workload, why it is reachable (no policy, or which policy allows it).\n\n\
## Why it matters\nThe edge service is the first thing an attacker compromises. If it can open connections to the database, one bug in a proxy or static-file server is enough to reach the data; segmentation makes the attacker go through the application, which authenticates and validates.\n\n\
## How to fix\nCompose: put services on tier networks: edge and app on `frontend`, app and data on `backend`, and mark `backend` `internal: true`. Kubernetes: a default-deny NetworkPolicy per namespace, and a policy on each data workload that admits only the application workloads.\n\n\
## Example\n```yaml\nservices:\n  web: {image: nginx:1.27, ports: [\"443:443\"], networks: [frontend]}\n  api: {image: api:1.0, networks: [frontend, backend]}\n  db: {image: postgres:16, networks: [backend]}\nnetworks:\n  frontend: {}\n  backend: {internal: true}\n```\n\nKubernetes:\n\n```yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db-from-worker}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: worker}}}]\n```\n",
};

shipshape_core::declare_rule!(EdgeReachesData);

impl Rule for EdgeReachesData {
    fn check_cluster(&self, graph: &KubeGraph, _specs: &[RuntimeSpec], cx: &mut Cx<'_>) {
        let skips = graph.tier_skips();
        for w in &graph.workloads {
            let targets: Vec<String> = skips
                .iter()
                .filter(|p| p.from == w.name)
                .map(|p| format!("`{}` ({})", p.to, p.reach.why))
                .collect();
            if targets.is_empty() {
                continue;
            }
            let exposed = if w.exposed_by.is_empty() {
                "a reverse proxy".to_string()
            } else {
                format!("exposed by {}", w.exposed_by.join(", "))
            };
            cx.push(
                &META,
                SourceKind::Kubernetes,
                &w.anchor,
                format!(
                    "edge workload `{}` ({exposed}) can reach data workload {} directly, skipping the application tier",
                    w.name,
                    targets.join(", ")
                ),
                META.severity,
            );
        }
    }

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
