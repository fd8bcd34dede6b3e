//! The Compose network graph: which services share a network, what role each plays (edge, app,
//! data) and which edge services can reach data services without going through the app tier.

use crate::classify::{data_image, proxy_image};
use crate::compose::Project;
use crate::model::RuntimeSpec;
use std::collections::BTreeSet;
use std::fmt::Write;

/// What a service is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Publishes ports or is a reverse proxy.
    Edge,
    App,
    /// Database, cache or queue.
    Data,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Edge => "edge",
            Role::App => "app",
            Role::Data => "data",
        }
    }
}

/// One service in the graph.
#[derive(Debug, Clone)]
pub struct GraphService {
    pub name: String,
    pub role: Role,
    /// Networks it is attached to (`default` when none is named); `host:` / `none` / `container:x`
    /// namespaces appear as `<host>`, `<none>`, `<container:x>`.
    pub networks: Vec<String>,
    /// Attached to the default network only because it names no network.
    pub implicit_default: bool,
    pub ports: Vec<String>,
    pub image: Option<String>,
    /// Compose `profiles:` (empty: started by every `up`).
    pub profiles: Vec<String>,
    /// The reverse proxy in front of it and how the project says so (`nginx (depends_on)`): the
    /// service is then the application tier even when it publishes ports.
    pub behind: Option<String>,
}

/// One network.
#[derive(Debug, Clone)]
pub struct GraphNetwork {
    pub name: String,
    pub internal: bool,
    pub external: bool,
    /// `driver:` as written (`bridge` when not set, as Compose defaults it).
    pub driver: Option<String>,
}

/// The network graph of a Compose project.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub services: Vec<GraphService>,
    pub networks: Vec<GraphNetwork>,
}

/// An edge service that can reach a data service directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub from: String,
    pub to: String,
    pub network: String,
}

/// Classifies a service on its own (the project's proxies can make an edge service app: see
/// [`build`]).
pub fn role_of(spec: &RuntimeSpec) -> Role {
    let image = spec.image.as_ref().map(|i| i.value.as_str()).unwrap_or("");
    let name_is_data = matches!(
        spec.name.to_ascii_lowercase().as_str(),
        "db" | "database"
            | "postgres"
            | "postgresql"
            | "mysql"
            | "mariadb"
            | "mongo"
            | "mongodb"
            | "redis"
            | "cache"
            | "memcached"
    );
    if data_image(image).is_some() || (image.is_empty() && name_is_data) {
        Role::Data
    } else if !spec.ports.is_empty()
        || proxy_image(image)
        || spec
            .network_mode
            .as_ref()
            .is_some_and(|n| n.value == "host")
    {
        Role::Edge
    } else {
        Role::App
    }
}

/// Builds the graph from a loaded project and its specs (same order as `project.services`).
pub fn build(project: &Project, specs: &[RuntimeSpec]) -> Graph {
    let mut services: Vec<GraphService> = specs
        .iter()
        .map(|s| {
            let (networks, implicit) =
                match s.network_mode.as_ref().map(|n| n.value.trim().to_string()) {
                    Some(m) if m == "host" => (vec!["<host>".to_string()], false),
                    Some(m) if m == "none" => (vec!["<none>".to_string()], false),
                    Some(m) if m.starts_with("service:") => (vec![m], false),
                    Some(m) if m.starts_with("container:") => (vec![format!("<{m}>")], false),
                    Some(m) if !m.is_empty() => (vec![m], false),
                    _ if s.networks.is_empty() => (vec!["default".to_string()], true),
                    _ => (s.networks.iter().map(|n| n.value.clone()).collect(), false),
                };
            GraphService {
                name: s.name.clone(),
                role: role_of(s),
                networks,
                implicit_default: implicit,
                ports: s
                    .ports
                    .iter()
                    .map(|p| {
                        let ip = p
                            .host_ip
                            .as_deref()
                            .map(|i| format!("{i}:"))
                            .unwrap_or_default();
                        match &p.host_port {
                            Some(h) => format!("{ip}{h}->{}", p.container_port),
                            None => format!("{ip}{}", p.container_port),
                        }
                    })
                    .collect(),
                image: s.image.as_ref().map(|i| i.value.clone()),
                profiles: s.profiles.clone(),
                behind: None,
            }
        })
        .collect();
    // a service a reverse proxy of the project forwards to is the application tier, even when it
    // also publishes a port (usually left over from local development)
    let proxied = crate::upstream::proxied(project, specs);
    for (svc, spec) in services.iter_mut().zip(specs) {
        let host = spec
            .network_mode
            .as_ref()
            .is_some_and(|n| n.value == "host");
        let proxy = spec.image.as_ref().is_some_and(|i| proxy_image(&i.value));
        if let Some((by, how)) = proxied.get(&svc.name).filter(|_| svc.role != Role::Data) {
            svc.behind = Some(format!("{by} ({how})"));
            if svc.role == Role::Edge && !host && !proxy {
                svc.role = Role::App;
            }
        }
    }
    // `network_mode: service:x` shares x's network namespace (one level of indirection is enough
    // in practice; chains are followed up to the number of services)
    for _ in 0..services.len() {
        let snapshot = services.clone();
        let mut changed = false;
        for s in &mut services {
            if let Some(target) = s
                .networks
                .first()
                .and_then(|n| n.strip_prefix("service:"))
                .map(str::to_string)
            {
                if let Some(t) = snapshot.iter().find(|t| t.name == target) {
                    if !t.networks.iter().any(|n| n.starts_with("service:")) {
                        s.networks = t.networks.clone();
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut names: BTreeSet<String> = services
        .iter()
        .flat_map(|s| s.networks.iter().cloned())
        .filter(|n| !n.starts_with('<') && !n.starts_with("service:"))
        .collect();
    names.extend(project.networks.iter().map(|(n, _)| n.clone()));
    let networks = names
        .into_iter()
        .map(|name| {
            let def = project
                .networks
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, d)| d);
            GraphNetwork {
                internal: def
                    .and_then(|d| d.get("internal"))
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                external: def
                    .and_then(|d| d.get("external"))
                    .is_some_and(|v| v.as_bool() != Some(false)),
                driver: def
                    .and_then(|d| d.get("driver"))
                    .and_then(|v| v.str())
                    .map(str::to_string),
                name,
            }
        })
        .collect();
    Graph { services, networks }
}

impl Graph {
    /// The network two services share, if any (the host namespace counts as shared).
    pub fn shared_network(&self, a: &str, b: &str) -> Option<String> {
        let sa = self.services.iter().find(|s| s.name == a)?;
        let sb = self.services.iter().find(|s| s.name == b)?;
        sa.networks
            .iter()
            .find(|n| sb.networks.contains(n) && n.as_str() != "<none>")
            .cloned()
    }

    /// `only with profile x` for a service started only with Compose profiles.
    pub fn profiles_of(&self, name: &str) -> Option<String> {
        let s = self.services.iter().find(|s| s.name == name)?;
        let p = match s.profiles.len() {
            0 => return None,
            1 => "profile",
            _ => "profiles",
        };
        Some(format!("only with {p} {}", s.profiles.join(", ")))
    }

    /// ` (only with profile x)` for a service started only with Compose profiles, else empty.
    pub fn profile_note(&self, name: &str) -> String {
        self.profiles_of(name)
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    }

    /// Whether `a` can open connections to `b` directly.
    pub fn reachable(&self, a: &str, b: &str) -> bool {
        self.shared_network(a, b).is_some()
    }

    /// Edge→data paths that skip the application tier (empty when there is no app tier).
    pub fn tier_skips(&self) -> Vec<Path> {
        if !self.services.iter().any(|s| s.role == Role::App) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for e in self.services.iter().filter(|s| s.role == Role::Edge) {
            for d in self.services.iter().filter(|s| s.role == Role::Data) {
                if let Some(n) = self.shared_network(&e.name, &d.name) {
                    out.push(Path {
                        from: e.name.clone(),
                        to: d.name.clone(),
                        network: n,
                    });
                }
            }
        }
        out
    }

    /// Every pair of services that can open connections to each other, with all the networks
    /// (or the host namespace, `<host>`) that connect them; pairs in name order.
    pub fn reachable_pairs(&self) -> Vec<(&str, &str, Vec<&str>)> {
        let mut out = Vec::new();
        for (i, a) in self.services.iter().enumerate() {
            for b in &self.services[i + 1..] {
                let shared: Vec<&str> = a
                    .networks
                    .iter()
                    .filter(|n| b.networks.contains(n) && n.as_str() != "<none>")
                    .map(String::as_str)
                    .collect();
                if !shared.is_empty() {
                    let (x, y) = if a.name <= b.name { (a, b) } else { (b, a) };
                    out.push((x.name.as_str(), y.name.as_str(), shared));
                }
            }
        }
        out.sort();
        out
    }

    /// The graph as JSON, as `schemas/shipshape-graph-v1.schema.json` describes it.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let services: Vec<_> = self
            .services
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "tier": s.role.as_str(),
                    "image": s.image,
                    "networks": s.networks,
                    "published_ports": s.ports,
                    "profiles": s.profiles,
                })
                .as_object()
                .cloned()
                .map(|mut o| {
                    if let Some(b) = &s.behind {
                        o.insert("behind_proxy".into(), json!(b));
                    }
                    serde_json::Value::Object(o)
                })
                .unwrap_or_default()
            })
            .collect();
        let networks: Vec<_> = self
            .networks
            .iter()
            .map(|n| {
                json!({
                    "name": n.name,
                    "internal": n.internal,
                    "external": n.external,
                    "driver": n.driver.as_deref().unwrap_or("bridge"),
                })
            })
            .collect();
        let reachable: Vec<_> = self
            .reachable_pairs()
            .into_iter()
            .map(|(a, b, nets)| json!({ "services": [a, b], "networks": nets }))
            .collect();
        let skips: Vec<_> = self
            .tier_skips()
            .into_iter()
            .map(|p| json!({ "from": p.from, "to": p.to, "network": p.network }))
            .collect();
        json!({
            "version": 1,
            "services": services,
            "networks": networks,
            "reachable": reachable,
            "edge_reaches_data": skips,
        })
    }

    /// A plain-text rendering.
    pub fn render_text(&self) -> String {
        let mut s = String::from("services:\n");
        let w = self
            .services
            .iter()
            .map(|s| s.name.len())
            .max()
            .unwrap_or(0);
        for svc in &self.services {
            let _ = write!(
                s,
                "  {:w$}  {:4}  networks: {}",
                svc.name,
                svc.role.as_str(),
                svc.networks.join(", ")
            );
            if !svc.ports.is_empty() {
                let _ = write!(s, "  ports: {}", svc.ports.join(", "));
            }
            if !svc.profiles.is_empty() {
                let _ = write!(s, "  profiles: {}", svc.profiles.join(", "));
            }
            if let Some(b) = &svc.behind {
                let _ = write!(s, "  behind: {b}");
            }
            s.push('\n');
        }
        s.push_str("networks:\n");
        for n in &self.networks {
            let members: Vec<&str> = self
                .services
                .iter()
                .filter(|s| s.networks.contains(&n.name))
                .map(|s| s.name.as_str())
                .collect();
            let flags = [(n.internal, " (internal)"), (n.external, " (external)")]
                .iter()
                .filter(|f| f.0)
                .map(|f| f.1)
                .collect::<String>();
            let _ = writeln!(s, "  {}{flags}: {}", n.name, members.join(", "));
        }
        s.push_str("edge -> data:\n");
        let mut any = false;
        for e in self.services.iter().filter(|s| s.role == Role::Edge) {
            for d in self.services.iter().filter(|s| s.role == Role::Data) {
                any = true;
                match self.shared_network(&e.name, &d.name) {
                    Some(n) => {
                        let _ = writeln!(s, "  {} -> {}: reachable via {n}", e.name, d.name);
                    }
                    None => {
                        let _ = writeln!(s, "  {} -> {}: unreachable", e.name, d.name);
                    }
                }
            }
        }
        if !any {
            s.push_str("  (no edge/data pair)\n");
        }
        s
    }

    /// Graphviz DOT: services as boxes (shaped by role), networks as ellipses.
    pub fn render_dot(&self) -> String {
        let mut s = String::from("graph compose {\n  rankdir=LR;\n");
        for svc in &self.services {
            let shape = match svc.role {
                Role::Edge => "house",
                Role::App => "box",
                Role::Data => "cylinder",
            };
            let _ = writeln!(
                s,
                "  \"svc:{}\" [label=\"{}\\n({})\", shape={shape}];",
                esc(&svc.name),
                esc(&svc.name),
                svc.role.as_str()
            );
        }
        for n in &self.networks {
            let style = if n.internal { ", style=dashed" } else { "" };
            let _ = writeln!(
                s,
                "  \"net:{}\" [label=\"{}\", shape=ellipse{style}];",
                esc(&n.name),
                esc(&n.name)
            );
        }
        for svc in &self.services {
            for n in &svc.networks {
                let _ = writeln!(s, "  \"svc:{}\" -- \"net:{}\";", esc(&svc.name), esc(n));
            }
        }
        for p in self.tier_skips() {
            let _ = writeln!(
                s,
                "  \"svc:{}\" -- \"svc:{}\" [color=red, label=\"skips app tier\"];",
                esc(&p.from),
                esc(&p.to)
            );
        }
        s.push_str("}\n");
        s
    }

    /// Mermaid flowchart.
    pub fn render_mermaid(&self) -> String {
        let id = |p: &str, n: &str| {
            format!(
                "{p}_{}",
                n.chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect::<String>()
            )
        };
        let mut s = String::from("flowchart LR\n");
        for svc in &self.services {
            let (o, c) = match svc.role {
                Role::Edge => ("[/", "/]"),
                Role::App => ("[", "]"),
                Role::Data => ("[(", ")]"),
            };
            let _ = writeln!(
                s,
                "  {}{o}\"{} ({})\"{c}",
                id("svc", &svc.name),
                svc.name.replace('"', "'"),
                svc.role.as_str()
            );
        }
        for n in &self.networks {
            let _ = writeln!(
                s,
                "  {}((\"{}{}\"))",
                id("net", &n.name),
                n.name.replace('"', "'"),
                if n.internal { " internal" } else { "" }
            );
        }
        for svc in &self.services {
            for n in &svc.networks {
                let _ = writeln!(s, "  {} --- {}", id("svc", &svc.name), id("net", n));
            }
        }
        for p in self.tier_skips() {
            let _ = writeln!(
                s,
                "  {} -. skips app tier .-> {}",
                id("svc", &p.from),
                id("svc", &p.to)
            );
        }
        s
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
