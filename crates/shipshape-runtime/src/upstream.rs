//! Which Compose services sit behind a reverse proxy of the same project, from what the project
//! says: the proxy `depends_on` them, names them as upstreams in its command, environment or
//! labels, or in a configuration file it bind-mounts from the project directory (nginx.conf,
//! Caddyfile, haproxy.cfg, envoy.yaml, traefik's file provider); or they carry routing labels for
//! a label-driven proxy of the project (traefik, caddy-docker-proxy) or nginx-proxy's
//! `VIRTUAL_HOST`. The network graph makes such a service the application tier even when it also
//! publishes a port.

use crate::classify::{image_repo, proxy_image};
use crate::compose::Project;
use crate::model::{MountKind, RuntimeSpec};
use crate::yaml::{Node, V};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest configuration file read, in bytes.
const MAX_FILE: u64 = 512 * 1024;
/// Most files read from one mounted directory (and its subdirectories).
const MAX_FILES: usize = 64;

/// Words after which a host name is an upstream even without a scheme or a port.
const DIRECTIVES: [&str; 10] = [
    "server",
    "proxy_pass",
    "reverse_proxy",
    "address",
    "fastcgi_pass",
    "uwsgi_pass",
    "grpc_pass",
    "scgi_pass",
    "to",
    "upstreams",
];

/// Services (by name) behind a reverse proxy, with the proxy and how the project says so.
pub fn proxied(project: &Project, specs: &[RuntimeSpec]) -> BTreeMap<String, (String, String)> {
    let mut out: BTreeMap<String, (String, String)> = BTreeMap::new();
    let image_of = |s: &RuntimeSpec| {
        s.image
            .as_ref()
            .map(|i| i.value.clone())
            .unwrap_or_default()
    };
    let proxies: Vec<usize> = (0..specs.len())
        .filter(|&i| proxy_image(&image_of(&specs[i])))
        .collect();
    if proxies.is_empty() {
        return out;
    }
    // every name a service answers to on the project's networks
    let mut names: Vec<(String, String)> = Vec::new();
    for (svc, spec) in project.services.iter().zip(specs) {
        names.push((spec.name.clone(), spec.name.clone()));
        for k in ["container_name", "hostname"] {
            if let Some(n) = svc.node.get(k).and_then(Node::str) {
                names.push((n.to_string(), spec.name.clone()));
            }
        }
        if let Some(V::Map(nets)) = svc.node.get("networks").map(|n| &n.v) {
            for (_, def) in nets {
                for a in def.get("aliases").map(Node::items).unwrap_or_default() {
                    if let Some(a) = a.str() {
                        names.push((a.to_string(), spec.name.clone()));
                    }
                }
            }
        }
    }
    let mut add = |svc: String, proxy: &str, how: String| {
        if svc != proxy {
            out.entry(svc).or_insert_with(|| (proxy.to_string(), how));
        }
    };
    for &p in &proxies {
        let spec = &specs[p];
        let Some(svc) = project.services.get(p) else {
            continue;
        };
        for dep in depends_on(&svc.node) {
            add(dep, &spec.name, "depends_on".to_string());
        }
        let mut texts: Vec<(String, String)> = Vec::new();
        if let Some(c) = &spec.command {
            texts.push(("its command".into(), c.value.clone()));
        }
        for e in &spec.env {
            if let Some(v) = &e.value {
                texts.push((format!("its environment ({})", e.name), v.clone()));
            }
        }
        for (k, v) in labels(&svc.node) {
            texts.push((format!("its label {k}"), format!("{k}={v}")));
        }
        for m in &spec.mounts {
            if m.kind != MountKind::Bind {
                continue;
            }
            let Some(src) = m.source.as_deref() else {
                continue;
            };
            if src.starts_with(['/', '~', '$']) || src.contains("${") {
                continue;
            }
            let base = project
                .dirs
                .get(m.loc.file)
                .cloned()
                .unwrap_or_else(|| PathBuf::from("."));
            for (path, text) in read_config(&base.join(src)) {
                texts.push((format!("`{path}`"), text));
            }
        }
        for (how, text) in texts {
            for target in references(&text, &names) {
                add(target, &spec.name, how.clone());
            }
        }
    }
    // label-driven proxies find their upstreams by the labels on them
    let repo_of = |i: usize| image_repo(&image_of(&specs[i]));
    let traefik = proxies
        .iter()
        .copied()
        .find(|&i| repo_of(i).ends_with("traefik"));
    let caddy = proxies
        .iter()
        .copied()
        .find(|&i| repo_of(i).contains("caddy"));
    let nginx_proxy = proxies
        .iter()
        .copied()
        .find(|&i| repo_of(i).contains("nginx-proxy") || repo_of(i).ends_with("swag"));
    for (svc, spec) in project.services.iter().zip(specs) {
        let labels = labels(&svc.node);
        let routed = |prefix: &str| {
            labels.iter().any(|(k, v)| {
                (k == prefix
                    || k.starts_with(&format!("{prefix}."))
                    || k.starts_with(&format!("{prefix}_")))
                    && !(k == &format!("{prefix}.enable") && v.trim() == "false")
            })
        };
        if let Some(t) = traefik.filter(|_| routed("traefik")) {
            add(spec.name.clone(), &specs[t].name, "traefik labels".into());
        }
        if let Some(c) = caddy.filter(|_| routed("caddy")) {
            add(spec.name.clone(), &specs[c].name, "caddy labels".into());
        }
        if let Some(n) = nginx_proxy.filter(|_| spec.env.iter().any(|e| e.name == "VIRTUAL_HOST")) {
            add(spec.name.clone(), &specs[n].name, "VIRTUAL_HOST".into());
        }
    }
    out
}

/// `depends_on` as a list or a mapping.
fn depends_on(n: &Node) -> Vec<String> {
    match n.get("depends_on").map(|d| &d.v) {
        Some(V::Seq(items)) => items
            .iter()
            .filter_map(Node::str)
            .map(str::to_string)
            .collect(),
        Some(V::Map(entries)) => entries
            .iter()
            .filter_map(|(k, _)| k.str())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// `labels` as a mapping or a `key=value` list.
fn labels(n: &Node) -> Vec<(String, String)> {
    match n.get("labels").map(|l| &l.v) {
        Some(V::Map(entries)) => entries
            .iter()
            .filter_map(|(k, v)| Some((k.str()?.to_string(), v.str().unwrap_or("").to_string())))
            .collect(),
        Some(V::Seq(items)) => items
            .iter()
            .filter_map(Node::str)
            .map(|s| {
                let (k, v) = s.split_once('=').unwrap_or((s, ""));
                (k.trim().to_string(), v.to_string())
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The text of a mounted configuration file, or of the files of a mounted directory (two levels
/// deep), each named by its path as written under `root`. Unreadable, large and non-text files
/// are skipped: they are the proxy's, not inputs of the scan.
fn read_config(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((p, depth)) = stack.pop() {
        if out.len() >= MAX_FILES {
            break;
        }
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if meta.is_dir() && depth < 2 {
            if let Ok(rd) = std::fs::read_dir(&p) {
                let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
                entries.sort();
                stack.extend(entries.into_iter().rev().map(|e| (e, depth + 1)));
            }
        } else if meta.is_file() && meta.len() <= MAX_FILE {
            let mut buf = Vec::new();
            let read = std::fs::File::open(&p).and_then(|f| f.take(MAX_FILE).read_to_end(&mut buf));
            if let (Ok(_), Ok(text)) = (read, String::from_utf8(buf)) {
                let shown = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.push((shown, text));
            }
        }
    }
    out
}

/// The services (canonical names) that `text` names as upstream hosts: `http://api:8000`,
/// `api:8000`, or a bare `api` after a directive such as `proxy_pass`, `server`,
/// `reverse_proxy`, `address`. `#` comments are skipped.
pub fn references(text: &str, names: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = match line.find('#') {
            Some(i) if i == 0 || line[..i].ends_with([' ', '\t']) => &line[..i],
            _ => line,
        };
        let mut prev = "";
        for tok in line.split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ';' | ','
                        | '"'
                        | '\''
                        | '('
                        | ')'
                        | '['
                        | ']'
                        | '{'
                        | '}'
                        | '='
                        | '`'
                        | '<'
                        | '>'
                )
        }) {
            if tok.is_empty() {
                continue;
            }
            let (scheme, rest) = match tok.split_once("://") {
                Some((_, r)) => (true, r),
                None => (false, tok),
            };
            // `tcp:api:8000` (socat) names the host after a protocol word
            let rest = rest
                .strip_prefix("tcp:")
                .or_else(|| rest.strip_prefix("TCP:"))
                .unwrap_or(rest);
            let host_end = rest.find([':', '/']).unwrap_or(rest.len());
            let host = &rest[..host_end];
            let port = rest[host_end..]
                .strip_prefix(':')
                .is_some_and(|p| p.starts_with(|c: char| c.is_ascii_digit()));
            let after_directive = DIRECTIVES.contains(&prev.trim_end_matches(':'));
            if scheme || port || after_directive {
                if let Some((_, svc)) = names.iter().find(|(n, _)| n.eq_ignore_ascii_case(host)) {
                    if !out.contains(svc) {
                        out.push(svc.clone());
                    }
                }
            }
            prev = tok;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_upstream_hosts() {
        let names: Vec<(String, String)> = ["api", "web", "db"]
            .iter()
            .map(|n| (n.to_string(), n.to_string()))
            .collect();
        let nginx = "upstream backend {\n  server api:8000;\n}\nserver {\n  location / { proxy_pass http://web; }\n  # proxy_pass http://db:5432;\n}\n";
        assert_eq!(references(nginx, &names), ["api", "web"]);
        assert_eq!(
            references("example.com {\n  reverse_proxy api\n}\n", &names),
            ["api"]
        );
        assert_eq!(
            references("backend b\n  server s1 api:8000 check\n", &names),
            ["api"]
        );
        assert_eq!(
            references(
                "socket_address:\n  address: api\n  port_value: 8000\n",
                &names
            ),
            ["api"]
        );
        // a word that only looks like a name is not a host
        assert!(references("server_name web;\nlog api-access;\n", &names).is_empty());
    }
}
