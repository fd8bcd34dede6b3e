//! The Kubernetes network graph of a set of manifests analysed together (the manifests of one
//! directory, see [`crate::analyse_kubernetes_set`]): workloads (the pod templates of Pods,
//! Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs) with their labels,
//! namespace and tier; the Services and Ingresses that expose them; the NetworkPolicies that select
//! them; and which workload can open connections to which.
//!
//! Reachability follows the NetworkPolicy semantics: a pod that no policy selects for a direction
//! is open in that direction; a pod selected by policies of type `Ingress` accepts only what one of
//! their `ingress` rules allows (pods matched by `podSelector` in the policy's namespace,
//! `namespaceSelector`, both together; an empty or missing `from` allows every source), and the
//! same for `Egress` on the sending side. `ipBlock` peers stand for addresses outside the cluster.
//! Ports are shown but do not restrict reachability here (a connection on any port counts).
//!
//! Objects without `metadata.namespace` are taken to be in `default`, as `kubectl apply` puts them
//! without `-n`. Namespace labels come from the Namespace objects of the set plus the label every
//! namespace carries (`kubernetes.io/metadata.name`). Pods on the host network are not subject to
//! NetworkPolicies and are matched only by `ipBlock` peers.

use crate::classify::{data_image, proxy_image};
use crate::graph::Role;
use crate::model::Loc;
use crate::yaml::Node;
use shipshape_core::ByteSpan;
use shipshape_core::SourceFile;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The network every pod is attached to (it is flat: only policies segment it).
pub const POD_NETWORK: &str = "<pod-network>";

/// Labels, sorted by key.
pub type Labels = BTreeMap<String, String>;

/// A label selector: `matchLabels` and `matchExpressions` (a Service's `selector` is a plain
/// `matchLabels`). The empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    pub match_labels: Labels,
    pub expressions: Vec<Requirement>,
}

/// One `matchExpressions` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist` (anything else never matches).
    pub operator: String,
    pub values: Vec<String>,
}

fn labels_of(n: Option<&Node>) -> Labels {
    n.and_then(Node::map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| Some((k.str()?.to_string(), v.str().unwrap_or("").to_string())))
        .collect()
}

impl Selector {
    /// A `LabelSelector` node (`matchLabels`/`matchExpressions`); a missing node is empty.
    pub fn label_selector(n: Option<&Node>) -> Selector {
        let Some(n) = n else {
            return Selector::default();
        };
        let expressions = n
            .get("matchExpressions")
            .and_then(Node::seq)
            .unwrap_or(&[])
            .iter()
            .map(|e| Requirement {
                key: e.get("key").and_then(Node::str).unwrap_or("").to_string(),
                operator: e
                    .get("operator")
                    .and_then(Node::str)
                    .unwrap_or("")
                    .to_string(),
                values: e
                    .get("values")
                    .map(|v| {
                        v.items()
                            .into_iter()
                            .filter_map(Node::str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        Selector {
            match_labels: labels_of(n.get("matchLabels")),
            expressions,
        }
    }

    /// Whether `labels` satisfy every term.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|r| {
                let have = labels.get(&r.key);
                match r.operator.as_str() {
                    "In" => have.is_some_and(|v| r.values.contains(v)),
                    "NotIn" => have.is_none_or(|v| !r.values.contains(v)),
                    "Exists" => have.is_some(),
                    "DoesNotExist" => have.is_none(),
                    _ => false,
                }
            })
    }

    /// `app=db,tier in (a,b)`; `{}` for the empty selector.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for r in &self.expressions {
            parts.push(match r.operator.as_str() {
                "Exists" => r.key.clone(),
                "DoesNotExist" => format!("!{}", r.key),
                op => format!(
                    "{} {} ({})",
                    r.key,
                    op.to_ascii_lowercase(),
                    r.values.join(",")
                ),
            });
        }
        if parts.is_empty() {
            "{}".to_string()
        } else {
            parts.join(",")
        }
    }
}

/// Who a NetworkPolicy rule admits (`from`) or lets its pods reach (`to`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// Pods: `podSelector` alone (the policy's namespace), `namespaceSelector` alone (every pod
    /// of the matching namespaces) or both (those pods in those namespaces).
    Pods {
        pods: Option<Selector>,
        namespaces: Option<Selector>,
    },
    /// Addresses outside the cluster.
    IpBlock { cidr: String },
}

/// One `ingress`/`egress` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    /// `from`/`to` was empty or missing: every peer.
    pub any_peer: bool,
    pub peers: Vec<Peer>,
    /// `80/TCP`, `http`, `8000-8080/TCP`; empty: every port.
    pub ports: Vec<String>,
}

/// A NetworkPolicy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub namespace: String,
    pub pod_selector: Selector,
    /// `Some` when the policy has type `Ingress`: its rules (none: deny all ingress).
    pub ingress: Option<Vec<PolicyRule>>,
    /// `Some` when the policy has type `Egress`.
    pub egress: Option<Vec<PolicyRule>>,
    pub loc: Loc,
}

impl Policy {
    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    pub fn types(&self) -> Vec<&'static str> {
        let mut t = Vec::new();
        if self.ingress.is_some() {
            t.push("Ingress");
        }
        if self.egress.is_some() {
            t.push("Egress");
        }
        t
    }
}

/// A pod template and what it runs.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Unique in the graph: the object's name, qualified by namespace (and kind) only when two
    /// objects share it.
    pub name: String,
    pub kind: String,
    /// `metadata.name`.
    pub object: String,
    pub namespace: String,
    /// The pod template's labels (a Pod's own labels).
    pub labels: Labels,
    pub role: Role,
    /// Images of the regular containers, in order.
    pub images: Vec<String>,
    pub host_network: bool,
    /// `hostPort`s as `host->container`.
    pub host_ports: Vec<String>,
    /// What makes it reachable from outside the cluster: `NodePort Service/vote`,
    /// `LoadBalancer Service/web`, `Service/web (externalIPs)`, `Ingress/web`,
    /// `hostPort 8080->80`, `hostNetwork`.
    pub exposed_by: Vec<String>,
    /// Where findings about the workload point: its `metadata.name`.
    pub anchor: Loc,
}

/// A Service.
#[derive(Debug, Clone)]
pub struct KubeService {
    pub name: String,
    pub namespace: String,
    /// `ClusterIP` (the default), `NodePort`, `LoadBalancer`, `ExternalName`.
    pub kind: String,
    /// `None`: no selector (endpoints managed by hand), so no workload of the set.
    pub selector: Option<Selector>,
    /// `port->targetPort/protocol`, with `nodePort` when set.
    pub ports: Vec<String>,
    pub external_ips: bool,
    /// Indices of the workloads it selects.
    pub workloads: Vec<usize>,
}

impl KubeService {
    /// Whether it accepts connections from outside the cluster.
    pub fn exposed(&self) -> bool {
        matches!(self.kind.as_str(), "NodePort" | "LoadBalancer") || self.external_ips
    }
}

/// An Ingress and the Services it routes to.
#[derive(Debug, Clone)]
pub struct KubeIngress {
    pub name: String,
    pub namespace: String,
    pub services: Vec<String>,
    pub workloads: Vec<usize>,
}

/// The network graph of a set of Kubernetes manifests.
#[derive(Debug, Clone, Default)]
pub struct KubeGraph {
    pub workloads: Vec<Workload>,
    pub services: Vec<KubeService>,
    pub ingresses: Vec<KubeIngress>,
    pub policies: Vec<Policy>,
    /// Labels of the namespaces defined in the set (plus `kubernetes.io/metadata.name`).
    pub namespaces: BTreeMap<String, Labels>,
}

/// Whether and why one workload can open connections to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub allowed: bool,
    /// The policies whose rules allow it (`namespace/name`); empty when neither side is isolated.
    pub by: Vec<String>,
    /// Why it is open or closed, for messages: ``no NetworkPolicy selects `db` for ingress``,
    /// `allowed by default/allow-db`, ``no rule of default/deny-all admits `vote` ``.
    pub why: String,
}

/// An edge workload that can reach a data workload directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubePath {
    pub from: String,
    pub to: String,
    pub reach: Reach,
}

fn ns_of(d: &Node) -> String {
    d.path(&["metadata", "namespace"])
        .and_then(Node::str)
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
        .to_string()
}

fn each_object<'a>(d: &'a Node, depth: usize, f: &mut dyn FnMut(&'a Node, &'a str)) {
    if depth > 4 {
        return;
    }
    let Some(kind) = d.get("kind").and_then(Node::str) else {
        return;
    };
    if kind.ends_with("List") {
        for i in d.get("items").and_then(Node::seq).unwrap_or(&[]) {
            each_object(i, depth + 1, f);
        }
        return;
    }
    f(d, kind);
}

fn ports_of(n: Option<&Node>) -> Vec<String> {
    n.and_then(Node::seq)
        .unwrap_or(&[])
        .iter()
        .map(|p| {
            let proto = p.get("protocol").and_then(Node::str).unwrap_or("TCP");
            let port = p.get("port").and_then(Node::str).unwrap_or("*");
            match p.get("endPort").and_then(Node::str) {
                Some(end) => format!("{port}-{end}/{proto}"),
                None => format!("{port}/{proto}"),
            }
        })
        .collect()
}

fn rules_of(n: Option<&Node>, peers_key: &str) -> Vec<PolicyRule> {
    n.and_then(Node::seq)
        .unwrap_or(&[])
        .iter()
        .map(|r| {
            let list = r.get(peers_key).and_then(Node::seq).unwrap_or(&[]);
            let peers = list
                .iter()
                .filter_map(|p| {
                    if let Some(b) = p.get("ipBlock") {
                        return Some(Peer::IpBlock {
                            cidr: b.get("cidr").and_then(Node::str).unwrap_or("").to_string(),
                        });
                    }
                    let pods = p
                        .get("podSelector")
                        .map(|s| Selector::label_selector(Some(s)));
                    let namespaces = p
                        .get("namespaceSelector")
                        .map(|s| Selector::label_selector(Some(s)));
                    (pods.is_some() || namespaces.is_some())
                        .then_some(Peer::Pods { pods, namespaces })
                })
                .collect();
            PolicyRule {
                any_peer: list.is_empty(),
                peers,
                ports: ports_of(r.get("ports")),
            }
        })
        .collect()
}

fn loc_of(n: &Node, key: String) -> Loc {
    Loc {
        file: n.file,
        span: ByteSpan::new(n.start, n.end),
        key,
    }
}

/// Builds the graph from the documents of a [`crate::k8s::ManifestSet`] read from `files`.
pub fn build(docs: &[Node], files: &[SourceFile]) -> KubeGraph {
    let mut g = KubeGraph::default();
    let mut raw_services: Vec<(KubeService, Option<&Node>)> = Vec::new();
    let mut raw_ingresses: Vec<(String, String, Vec<String>)> = Vec::new();
    for d in docs {
        each_object(d, 0, &mut |o, kind| {
            let name = o
                .path(&["metadata", "name"])
                .and_then(Node::str)
                .unwrap_or("unnamed")
                .to_string();
            let ns = ns_of(o);
            match kind {
                "Namespace" => {
                    let mut labels = labels_of(o.path(&["metadata", "labels"]));
                    labels.insert("kubernetes.io/metadata.name".into(), name.clone());
                    g.namespaces.insert(name, labels);
                }
                "Service" => {
                    let spec = o.get("spec");
                    let get = |k: &str| spec.and_then(|s| s.get(k));
                    let ports = get("ports")
                        .and_then(Node::seq)
                        .unwrap_or(&[])
                        .iter()
                        .map(|p| {
                            let s = |k: &str| p.get(k).and_then(Node::str);
                            let port = s("port").unwrap_or("?");
                            let target = s("targetPort").unwrap_or(port);
                            let proto = s("protocol").unwrap_or("TCP");
                            match s("nodePort") {
                                Some(np) => format!("{port}->{target}/{proto} (node {np})"),
                                None => format!("{port}->{target}/{proto}"),
                            }
                        })
                        .collect();
                    let selector = get("selector")
                        .and_then(Node::map)
                        .filter(|m| !m.is_empty())
                        .map(|_| Selector {
                            match_labels: labels_of(get("selector")),
                            expressions: Vec::new(),
                        });
                    raw_services.push((
                        KubeService {
                            name,
                            namespace: ns,
                            kind: get("type")
                                .and_then(Node::str)
                                .unwrap_or("ClusterIP")
                                .to_string(),
                            selector,
                            ports,
                            external_ips: get("externalIPs")
                                .and_then(Node::seq)
                                .is_some_and(|s| !s.is_empty()),
                            workloads: Vec::new(),
                        },
                        Some(o),
                    ));
                }
                "Ingress" => {
                    let mut backends = Vec::new();
                    let mut backend = |b: &Node| {
                        let svc = b
                            .path(&["service", "name"])
                            .or_else(|| b.get("serviceName"))
                            .and_then(Node::str);
                        if let Some(s) = svc {
                            if !backends.iter().any(|x| x == s) {
                                backends.push(s.to_string());
                            }
                        }
                    };
                    let spec = o.get("spec");
                    for key in ["defaultBackend", "backend"] {
                        if let Some(b) = spec.and_then(|s| s.get(key)) {
                            backend(b);
                        }
                    }
                    for r in spec
                        .and_then(|s| s.get("rules"))
                        .and_then(Node::seq)
                        .unwrap_or(&[])
                    {
                        for p in r
                            .path(&["http", "paths"])
                            .and_then(Node::seq)
                            .unwrap_or(&[])
                        {
                            if let Some(b) = p.get("backend") {
                                backend(b);
                            }
                        }
                    }
                    raw_ingresses.push((name, ns, backends));
                }
                "NetworkPolicy" => {
                    let spec = o.get("spec");
                    let get = |k: &str| spec.and_then(|s| s.get(k));
                    let types: Vec<String> = get("policyTypes")
                        .map(|t| {
                            t.items()
                                .into_iter()
                                .filter_map(Node::str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_else(|| {
                            let mut t = vec!["Ingress".to_string()];
                            if get("egress")
                                .and_then(Node::seq)
                                .is_some_and(|e| !e.is_empty())
                            {
                                t.push("Egress".to_string());
                            }
                            t
                        });
                    let anchor = o
                        .path(&["metadata", "name"])
                        .or_else(|| o.get("kind"))
                        .unwrap_or(o);
                    g.policies.push(Policy {
                        pod_selector: Selector::label_selector(get("podSelector")),
                        ingress: types
                            .iter()
                            .any(|t| t == "Ingress")
                            .then(|| rules_of(get("ingress"), "from")),
                        egress: types
                            .iter()
                            .any(|t| t == "Egress")
                            .then(|| rules_of(get("egress"), "to")),
                        loc: loc_of(anchor, format!("NetworkPolicy/{name}")),
                        name,
                        namespace: ns,
                    });
                }
                _ => {
                    let Some((pod_path, meta_path)) = crate::k8s::pod_paths(kind) else {
                        return;
                    };
                    let Some(pod) = o.path(pod_path) else { return };
                    let containers = pod.get("containers").and_then(Node::seq).unwrap_or(&[]);
                    let images: Vec<String> = containers
                        .iter()
                        .filter_map(|c| c.get("image").and_then(Node::str))
                        .map(str::to_string)
                        .collect();
                    let host_network = pod.get("hostNetwork").and_then(Node::as_bool) == Some(true);
                    let mut host_ports = Vec::new();
                    for c in containers {
                        for p in c.get("ports").and_then(Node::seq).unwrap_or(&[]) {
                            if let Some(hp) = p.get("hostPort").and_then(Node::str) {
                                let cp = p.get("containerPort").and_then(Node::str).unwrap_or("?");
                                host_ports.push(format!("{hp}->{cp}"));
                            }
                        }
                    }
                    let anchor = o
                        .path(&["metadata", "name"])
                        .or_else(|| o.get("kind"))
                        .unwrap_or(o);
                    let mut exposed_by: Vec<String> =
                        host_ports.iter().map(|p| format!("hostPort {p}")).collect();
                    if host_network {
                        exposed_by.push("hostNetwork".to_string());
                    }
                    g.workloads.push(Workload {
                        name: name.clone(),
                        kind: kind.to_string(),
                        labels: labels_of(o.path(meta_path).and_then(|m| m.get("labels"))),
                        role: Role::App,
                        images,
                        host_network,
                        host_ports,
                        exposed_by,
                        anchor: loc_of(anchor, format!("{kind}/{name}")),
                        object: name,
                        namespace: ns,
                    });
                }
            }
        });
    }
    // unique display names: the object name, then namespace/name, then kind/namespace/name, then
    // with the file (the same object twice: alternatives, as in a directory of test fixtures)
    let file_of = |w: &Workload| {
        files
            .get(w.anchor.file)
            .map(|f| f.path().rsplit('/').next().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    let count = |f: &dyn Fn(&Workload) -> String, ws: &[Workload], w: &Workload| {
        ws.iter().filter(|x| f(x) == f(w)).count()
    };
    let snapshot = g.workloads.clone();
    for (i, w) in g.workloads.iter_mut().enumerate() {
        let by_ns = |x: &Workload| format!("{}/{}", x.namespace, x.object);
        let by_kind = |x: &Workload| format!("{}/{}/{}", x.kind, x.namespace, x.object);
        if count(&|x: &Workload| x.object.clone(), &snapshot, &snapshot[i]) == 1 {
            continue;
        }
        w.name = if count(&by_ns, &snapshot, &snapshot[i]) == 1 {
            by_ns(&snapshot[i])
        } else if count(&by_kind, &snapshot, &snapshot[i]) == 1 {
            by_kind(&snapshot[i])
        } else {
            let by_file = |x: &Workload| format!("{} ({})", by_kind(x), file_of(x));
            let same = snapshot[..i]
                .iter()
                .filter(|x| by_file(x) == by_file(&snapshot[i]))
                .count();
            match same {
                0 => by_file(&snapshot[i]),
                n => format!("{} #{}", by_file(&snapshot[i]), n + 1),
            }
        };
    }
    for (mut svc, _) in raw_services {
        svc.workloads = match &svc.selector {
            Some(sel) => g
                .workloads
                .iter()
                .enumerate()
                .filter(|(_, w)| w.namespace == svc.namespace && sel.matches(&w.labels))
                .map(|(i, _)| i)
                .collect(),
            None => Vec::new(),
        };
        if svc.exposed() {
            let label = if svc.kind == "NodePort" || svc.kind == "LoadBalancer" {
                format!("{} Service/{}", svc.kind, svc.name)
            } else {
                format!("Service/{} (externalIPs)", svc.name)
            };
            for &i in &svc.workloads {
                g.workloads[i].exposed_by.push(label.clone());
            }
        }
        g.services.push(svc);
    }
    for (name, ns, backends) in raw_ingresses {
        let mut workloads: Vec<usize> = Vec::new();
        for b in &backends {
            for s in g
                .services
                .iter()
                .filter(|s| &s.name == b && s.namespace == ns)
            {
                for &i in &s.workloads {
                    if !workloads.contains(&i) {
                        workloads.push(i);
                    }
                }
            }
        }
        for &i in &workloads {
            g.workloads[i].exposed_by.push(format!("Ingress/{name}"));
        }
        g.ingresses.push(KubeIngress {
            name,
            namespace: ns,
            services: backends,
            workloads,
        });
    }
    for w in &mut g.workloads {
        let first = w.images.first().map(String::as_str).unwrap_or("");
        w.role = if data_image(first).is_some() {
            Role::Data
        } else if !w.exposed_by.is_empty() || proxy_image(first) {
            Role::Edge
        } else {
            Role::App
        };
    }
    g
}

impl KubeGraph {
    fn index(&self, name: &str) -> Option<usize> {
        self.workloads.iter().position(|w| w.name == name)
    }

    fn ns_labels(&self, ns: &str) -> Labels {
        self.namespaces.get(ns).cloned().unwrap_or_else(|| {
            let mut l = Labels::new();
            l.insert("kubernetes.io/metadata.name".into(), ns.to_string());
            l
        })
    }

    /// Whether `p` selects workload `w` (pods on the host network are never selected).
    pub fn selects(&self, p: &Policy, w: &Workload) -> bool {
        !w.host_network && p.namespace == w.namespace && p.pod_selector.matches(&w.labels)
    }

    /// The policies that select `w` and restrict its ingress.
    pub fn ingress_policies(&self, w: &Workload) -> Vec<&Policy> {
        self.policies
            .iter()
            .filter(|p| p.ingress.is_some() && self.selects(p, w))
            .collect()
    }

    /// The policies that select `w` (either direction).
    pub fn policies_of(&self, w: &Workload) -> Vec<&Policy> {
        self.policies
            .iter()
            .filter(|p| self.selects(p, w))
            .collect()
    }

    /// Whether peer `peer` of a rule of `p` stands for workload `w`.
    fn peer_is(&self, p: &Policy, peer: &Peer, w: &Workload) -> bool {
        match peer {
            // host-network pods use the node's address: only an ipBlock can name it
            Peer::IpBlock { .. } => w.host_network,
            Peer::Pods { .. } if w.host_network => false,
            Peer::Pods { pods, namespaces } => {
                let ns_ok = match namespaces {
                    None => w.namespace == p.namespace,
                    Some(sel) => sel.matches(&self.ns_labels(&w.namespace)),
                };
                ns_ok && pods.as_ref().is_none_or(|s| s.matches(&w.labels))
            }
        }
    }

    /// Whether workload `from` can open connections to workload `to` (indices), and why.
    pub fn reach(&self, from: usize, to: usize) -> Reach {
        let (a, b) = (&self.workloads[from], &self.workloads[to]);
        let side = |isolating: Vec<&Policy>, ingress: bool, peer: &Workload, target: &str| {
            if isolating.is_empty() {
                let dir = if ingress { "ingress" } else { "egress" };
                return (
                    true,
                    Vec::new(),
                    format!("no NetworkPolicy selects `{target}` for {dir}"),
                );
            }
            let allowing: Vec<String> = isolating
                .iter()
                .filter(|p| {
                    let rules = if ingress { &p.ingress } else { &p.egress };
                    rules
                        .as_deref()
                        .unwrap_or(&[])
                        .iter()
                        .any(|r| r.any_peer || r.peers.iter().any(|x| self.peer_is(p, x, peer)))
                })
                .map(|p| p.id())
                .collect();
            let names: Vec<String> = isolating.iter().map(|p| p.id()).collect();
            if allowing.is_empty() {
                let verb = if ingress { "admits" } else { "lets it reach" };
                (
                    false,
                    Vec::new(),
                    format!("no rule of {} {verb} `{}`", names.join(", "), peer.name),
                )
            } else {
                let why = format!("allowed by {}", allowing.join(", "));
                (true, allowing, why)
            }
        };
        let ingress_pols = if b.host_network {
            Vec::new()
        } else {
            self.ingress_policies(b)
        };
        let egress_pols: Vec<&Policy> = if a.host_network {
            Vec::new()
        } else {
            self.policies
                .iter()
                .filter(|p| p.egress.is_some() && self.selects(p, a))
                .collect()
        };
        let egress_isolated = !egress_pols.is_empty();
        let (in_ok, mut by, in_why) = side(ingress_pols, true, a, &b.name);
        let (out_ok, out_by, out_why) = side(egress_pols, false, b, &a.name);
        for p in out_by {
            if !by.contains(&p) {
                by.push(p);
            }
        }
        let why = match (in_ok, out_ok) {
            (false, _) => in_why,
            (true, false) => out_why,
            (true, true) if egress_isolated => format!("{in_why}; egress {out_why}"),
            (true, true) => in_why,
        };
        Reach {
            allowed: in_ok && out_ok,
            by,
            why,
        }
    }

    /// Every allowed connection between two different workloads, in workload order.
    pub fn connections(&self) -> Vec<(usize, usize, Reach)> {
        let mut out = Vec::new();
        for a in 0..self.workloads.len() {
            for b in 0..self.workloads.len() {
                if a != b {
                    let r = self.reach(a, b);
                    if r.allowed {
                        out.push((a, b, r));
                    }
                }
            }
        }
        out
    }

    /// Edge→data connections that skip the application tier (empty when there is no app tier).
    pub fn tier_skips(&self) -> Vec<KubePath> {
        if !self.workloads.iter().any(|w| w.role == Role::App) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (a, e) in self.workloads.iter().enumerate() {
            if e.role != Role::Edge {
                continue;
            }
            for (b, d) in self.workloads.iter().enumerate() {
                if d.role != Role::Data {
                    continue;
                }
                let reach = self.reach(a, b);
                if reach.allowed {
                    out.push(KubePath {
                        from: e.name.clone(),
                        to: d.name.clone(),
                        reach,
                    });
                }
            }
        }
        out
    }

    /// Whether `a` can open connections to `b` (by name).
    pub fn reachable(&self, a: &str, b: &str) -> bool {
        match (self.index(a), self.index(b)) {
            (Some(x), Some(y)) if x != y => self.reach(x, y).allowed,
            _ => false,
        }
    }

    fn network_of(w: &Workload) -> &'static str {
        if w.host_network {
            "<host>"
        } else {
            POD_NETWORK
        }
    }

    /// The graph as JSON, in the shape of `schemas/shipshape-graph-v1.schema.json` (its
    /// Kubernetes properties).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let name = |i: usize| self.workloads[i].name.clone();
        let services: Vec<_> = self
            .workloads
            .iter()
            .map(|w| {
                json!({
                    "name": w.name,
                    "tier": w.role.as_str(),
                    "image": w.images.first(),
                    "networks": [Self::network_of(w)],
                    "published_ports": w.host_ports,
                    "profiles": [],
                    "kind": w.kind,
                    "namespace": w.namespace,
                    "labels": w.labels,
                    "exposed_by": w.exposed_by,
                    "network_policies": self.policies_of(w).iter().map(|p| p.id()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let conns = self.connections();
        let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
        for (a, b, _) in &conns {
            let (x, y) = (name(*a), name(*b));
            pairs.insert(if x <= y { (x, y) } else { (y, x) });
        }
        let reachable: Vec<_> = pairs
            .into_iter()
            .map(|(a, b)| {
                let net = |n: &str| {
                    self.index(n)
                        .map(|i| Self::network_of(&self.workloads[i]))
                        .unwrap_or(POD_NETWORK)
                };
                let mut nets = vec![net(&a)];
                if net(&b) != nets[0] {
                    nets.push(net(&b));
                }
                json!({ "services": [a, b], "networks": nets })
            })
            .collect();
        let connections: Vec<_> = conns
            .iter()
            .map(|(a, b, r)| json!({ "from": name(*a), "to": name(*b), "allowed_by": r.by }))
            .collect();
        let skips: Vec<_> = self
            .tier_skips()
            .into_iter()
            .map(|p| {
                json!({ "from": p.from, "to": p.to, "network": POD_NETWORK, "allowed_by": p.reach.by })
            })
            .collect();
        let kube_services: Vec<_> = self
            .services
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "namespace": s.namespace,
                    "type": s.kind,
                    "selector": s.selector.as_ref().map(|x| x.match_labels.clone()),
                    "ports": s.ports,
                    "exposed": s.exposed(),
                    "workloads": s.workloads.iter().map(|i| name(*i)).collect::<Vec<_>>(),
                })
            })
            .collect();
        let ingresses: Vec<_> = self
            .ingresses
            .iter()
            .map(|i| {
                json!({
                    "name": i.name,
                    "namespace": i.namespace,
                    "services": i.services,
                    "workloads": i.workloads.iter().map(|w| name(*w)).collect::<Vec<_>>(),
                })
            })
            .collect();
        let policies: Vec<_> = self
            .policies
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "namespace": p.namespace,
                    "pod_selector": p.pod_selector.describe(),
                    "policy_types": p.types(),
                    "selects": self.workloads.iter().filter(|w| self.selects(p, w)).map(|w| w.name.clone()).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "version": 1,
            "platform": "kubernetes",
            "services": services,
            "networks": [],
            "reachable": reachable,
            "edge_reaches_data": skips,
            "connections": connections,
            "kubernetes_services": kube_services,
            "ingresses": ingresses,
            "network_policies": policies,
        })
    }

    /// Sources allowed to reach workload `b`, or `None` when every other workload may.
    fn sources_of(&self, b: usize) -> Option<Vec<usize>> {
        let all: Vec<usize> = (0..self.workloads.len())
            .filter(|&a| a != b && self.reach(a, b).allowed)
            .collect();
        let open = self.ingress_policies(&self.workloads[b]).is_empty();
        if open && all.len() + 1 == self.workloads.len() {
            None
        } else {
            Some(all)
        }
    }

    /// A plain-text rendering.
    pub fn render_text(&self) -> String {
        let mut s = String::from("workloads:\n");
        let w = self
            .workloads
            .iter()
            .map(|w| w.name.len())
            .max()
            .unwrap_or(0);
        for wl in &self.workloads {
            let _ = write!(
                s,
                "  {:w$}  {:4}  {} in {}",
                wl.name,
                wl.role.as_str(),
                wl.kind,
                wl.namespace
            );
            if !wl.exposed_by.is_empty() {
                let _ = write!(s, "  exposed by: {}", wl.exposed_by.join(", "));
            }
            let pols: Vec<String> = self.policies_of(wl).iter().map(|p| p.id()).collect();
            if pols.is_empty() {
                s.push_str("  policies: none");
            } else {
                let _ = write!(s, "  policies: {}", pols.join(", "));
            }
            s.push('\n');
        }
        s.push_str("network policies:\n");
        if self.policies.is_empty() {
            s.push_str("  (none: every pod can reach every other)\n");
        }
        for p in &self.policies {
            let selects: Vec<&str> = self
                .workloads
                .iter()
                .filter(|w| self.selects(p, w))
                .map(|w| w.name.as_str())
                .collect();
            let _ = writeln!(
                s,
                "  {} ({}): selects {}",
                p.id(),
                p.types().join(", "),
                if selects.is_empty() {
                    "no workload of these manifests".to_string()
                } else {
                    selects.join(", ")
                }
            );
        }
        s.push_str("reachable from:\n");
        for b in 0..self.workloads.len() {
            let from = match self.sources_of(b) {
                None => "every pod".to_string(),
                Some(v) if v.is_empty() => "no workload of these manifests".to_string(),
                Some(v) => v
                    .iter()
                    .map(|&a| self.workloads[a].name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let _ = writeln!(s, "  {}: {from}", self.workloads[b].name);
        }
        s.push_str("edge -> data:\n");
        let mut any = false;
        for (a, e) in self.workloads.iter().enumerate() {
            for (b, d) in self.workloads.iter().enumerate() {
                if e.role != Role::Edge || d.role != Role::Data {
                    continue;
                }
                any = true;
                let r = self.reach(a, b);
                let verdict = if r.allowed {
                    "reachable"
                } else {
                    "unreachable"
                };
                let _ = writeln!(s, "  {} -> {}: {verdict} ({})", e.name, d.name, r.why);
            }
        }
        if !any {
            s.push_str("  (no edge/data pair)\n");
        }
        s
    }

    /// Graphviz DOT: workloads shaped by tier, arrows for allowed connections (one node stands
    /// for "every pod" when a workload accepts connections from all of them).
    pub fn render_dot(&self) -> String {
        let mut s = String::from("digraph kubernetes {\n  rankdir=LR;\n");
        let mut any_pod = false;
        for w in &self.workloads {
            let shape = match w.role {
                Role::Edge => "house",
                Role::App => "box",
                Role::Data => "cylinder",
            };
            let _ = writeln!(
                s,
                "  \"wl:{}\" [label=\"{}\\n({}, {})\", shape={shape}];",
                esc(&w.name),
                esc(&w.name),
                w.role.as_str(),
                esc(&w.namespace)
            );
        }
        if self.workloads.iter().any(|w| !w.exposed_by.is_empty()) {
            s.push_str("  \"outside\" [label=\"outside the cluster\", shape=plaintext];\n");
        }
        for w in &self.workloads {
            if !w.exposed_by.is_empty() {
                let _ = writeln!(
                    s,
                    "  \"outside\" -> \"wl:{}\" [label=\"{}\"];",
                    esc(&w.name),
                    esc(&w.exposed_by.join(", "))
                );
            }
        }
        for b in 0..self.workloads.len() {
            let to = esc(&self.workloads[b].name);
            match self.sources_of(b) {
                None => {
                    any_pod = true;
                    let _ = writeln!(s, "  \"any-pod\" -> \"wl:{to}\" [style=dashed];");
                }
                Some(v) => {
                    for a in v {
                        let _ = writeln!(
                            s,
                            "  \"wl:{}\" -> \"wl:{to}\";",
                            esc(&self.workloads[a].name)
                        );
                    }
                }
            }
        }
        if any_pod {
            s.push_str("  \"any-pod\" [label=\"any pod\", shape=ellipse, style=dashed];\n");
        }
        for p in self.tier_skips() {
            let _ = writeln!(
                s,
                "  \"wl:{}\" -> \"wl:{}\" [color=red, label=\"skips app tier\"];",
                esc(&p.from),
                esc(&p.to)
            );
        }
        s.push_str("}\n");
        s
    }

    /// Mermaid flowchart, drawn like [`KubeGraph::render_dot`].
    pub fn render_mermaid(&self) -> String {
        let id = |n: &str| {
            format!(
                "wl_{}",
                n.chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect::<String>()
            )
        };
        let mut s = String::from("flowchart LR\n");
        for w in &self.workloads {
            let (o, c) = match w.role {
                Role::Edge => ("[/", "/]"),
                Role::App => ("[", "]"),
                Role::Data => ("[(", ")]"),
            };
            let _ = writeln!(
                s,
                "  {}{o}\"{} ({})\"{c}",
                id(&w.name),
                w.name.replace('"', "'"),
                w.role.as_str()
            );
        }
        let mut declared_outside = false;
        for w in &self.workloads {
            if !w.exposed_by.is_empty() {
                if !declared_outside {
                    s.push_str("  outside{{\"outside the cluster\"}}\n");
                    declared_outside = true;
                }
                let _ = writeln!(
                    s,
                    "  outside -- \"{}\" --> {}",
                    w.exposed_by.join(", ").replace('"', "'"),
                    id(&w.name)
                );
            }
        }
        let mut declared_any = false;
        for b in 0..self.workloads.len() {
            match self.sources_of(b) {
                None => {
                    if !declared_any {
                        s.push_str("  any_pod((\"any pod\"))\n");
                        declared_any = true;
                    }
                    let _ = writeln!(s, "  any_pod -.-> {}", id(&self.workloads[b].name));
                }
                Some(v) => {
                    for a in v {
                        let _ = writeln!(
                            s,
                            "  {} --> {}",
                            id(&self.workloads[a].name),
                            id(&self.workloads[b].name)
                        );
                    }
                }
            }
        }
        for p in self.tier_skips() {
            let _ = writeln!(s, "  {} -. skips app tier .-> {}", id(&p.from), id(&p.to));
        }
        s
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
