//! A Kubernetes network rule, over the network graph of a set of manifests (`crate::kgraph`).

use crate::graph::Role;
use crate::kgraph::KubeGraph;
use crate::model::RuntimeSpec;
use crate::rules::{Cx, Rule};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2034",
    slug: "network-policy-missing",
    summary: "no NetworkPolicy restricts who can connect to a workload, in manifests with a public or data tier",
    severity: Severity::Medium,
    checklist: ChecklistItem::Network,
    source: SourceKind::Kubernetes,
    equivalents: &[("kube-score", "pod-networkpolicy")],
    fix: None,
    docs: "## What it does\nBuilds the network graph of the Kubernetes manifests deployed together (the manifests of one directory, as `kubectl apply -f DIR` applies them; a multi-document file is part of its directory's set): workloads (Deployments, StatefulSets, DaemonSets, ReplicaSets, Pods, Jobs and CronJobs), the Services and Ingresses that expose them, and the NetworkPolicies that select them. When the set holds at least one *edge* workload (exposed by a `NodePort` or `LoadBalancer` Service, `externalIPs`, an Ingress backend, a `hostPort`, or running a reverse proxy image) or *data* workload (a database, cache or queue image), it reports every workload that no NetworkPolicy of type `Ingress` selects: **medium** for edge and data workloads, **low** for the others. A workload selected only by `Egress` policies is reported too, since its ingress stays open. Workloads on the host network are left to SS2006 (NetworkPolicies do not apply to them). Objects without `metadata.namespace` count as `default`. Policies kept in another directory (a kustomize component, a platform repository) are not seen: ignore the finding with a reason, or keep the policies next to the workloads.\n\n\
## Why it matters\nKubernetes networking is flat and allows everything by default: a pod that no NetworkPolicy selects accepts connections from every pod in every namespace of the cluster. One compromised pod, or a public one, then reaches the database directly. A `default-deny` policy per namespace plus explicit allows turns the manifests into the segmentation you meant.\n\n\
## How to fix\nAdd a default-deny policy for the namespace (`podSelector: {}` with `policyTypes: [Ingress]`, and `Egress` when you can list what pods may call), then one policy per workload that admits only its real clients. The network plugin must enforce NetworkPolicies (Calico, Cilium, most managed clusters).\n\n\
## Example\n```yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db-from-app}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {app: worker}}\n    ports: [{port: 5432}]\n```\n",
};

shipshape_core::declare_rule!(NetworkPolicyMissing);

impl Rule for NetworkPolicyMissing {
    fn check_cluster(&self, graph: &KubeGraph, _specs: &[RuntimeSpec], cx: &mut Cx<'_>) {
        if !graph.workloads.iter().any(|w| w.role != Role::App) {
            return;
        }
        for w in &graph.workloads {
            if w.host_network || !graph.ingress_policies(w).is_empty() {
                continue;
            }
            let severity = match w.role {
                Role::App => Severity::Low,
                Role::Edge | Role::Data => META.severity,
            };
            let (what, exposed) = match w.role {
                Role::Edge if w.exposed_by.is_empty() => {
                    ("edge workload", ", a reverse proxy".to_string())
                }
                Role::Edge => (
                    "edge workload",
                    format!(", exposed by {}", w.exposed_by.join(", ")),
                ),
                Role::Data => ("data workload", String::new()),
                Role::App => ("workload", String::new()),
            };
            let selected = graph.policies_of(w);
            let how = if selected.is_empty() {
                "no NetworkPolicy selects it".to_string()
            } else {
                let names: Vec<String> = selected.iter().map(|p| p.id()).collect();
                format!("only Egress policies select it ({})", names.join(", "))
            };
            cx.push(
                &META,
                SourceKind::Kubernetes,
                &w.anchor,
                format!(
                    "{what} `{}` ({} in namespace `{}`{exposed}) accepts connections from every pod in the cluster: {how}",
                    w.name, w.kind, w.namespace
                ),
                severity,
            );
        }
    }
}
