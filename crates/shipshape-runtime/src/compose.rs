//! Compose projects → [`RuntimeSpec`]s, following the Compose Specification: several files merged
//! with `-f` override semantics, `extends` (same file or another), `include`, YAML anchors and
//! merge keys, `${VAR}` interpolation from the project's `.env`, short and long port, volume and
//! device syntax, `deploy.resources.limits`, `network_mode`, `networks`, `secrets`.

use crate::dockerrun::{apply_security_opt, parse_port, parse_volume};
use crate::interp;
use crate::model::*;
use crate::yaml::{self, Node, Scalar, V};
use shipshape_core::{ByteSpan, ScanError, SourceFile, SourceKind};
use std::collections::HashMap;
use std::path::Path;

/// A loaded Compose project.
#[derive(Debug, Default)]
pub struct Project {
    /// The files given plus any loaded through `extends`/`include`.
    pub files: Vec<SourceFile>,
    /// The directory each file's relative references (`extends.file`, `include`) resolve against.
    pub dirs: Vec<std::path::PathBuf>,
    pub services: Vec<Service>,
    /// Top-level networks: name → definition node.
    pub networks: Vec<(String, Node)>,
    pub errors: Vec<ScanError>,
}

/// One service after merging and `extends`.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// The service's key in the (last) file that defines it.
    pub key: Node,
    pub node: Node,
}

const UNION_KEYS: [&str; 14] = [
    "ports",
    "expose",
    "dns",
    "dns_search",
    "cap_add",
    "cap_drop",
    "security_opt",
    "devices",
    "volumes",
    "secrets",
    "configs",
    "tmpfs",
    "external_links",
    "env_file",
];
const MAP_KEYS: [&str; 4] = ["environment", "labels", "annotations", "sysctls"];
const MAX_EXTENDS: usize = 16;

/// Turns a list-form `environment`/`labels` into a mapping (item span kept on key and value).
fn as_map(n: &Node) -> Node {
    match &n.v {
        V::Seq(items) => {
            let mut entries = Vec::new();
            for it in items {
                if let Some(s) = it.str() {
                    let (k, v) = match s.split_once('=') {
                        Some((k, v)) => (
                            k.to_string(),
                            V::Str(Scalar {
                                s: v.to_string(),
                                quoted: true,
                                literal: false,
                                orig: it.scalar().and_then(|x| x.orig.clone()),
                                unresolved: it.scalar().is_some_and(|x| x.unresolved),
                            }),
                        ),
                        None => (s.to_string(), V::Null),
                    };
                    let key = Node {
                        v: V::Str(Scalar {
                            s: k,
                            quoted: false,
                            literal: false,
                            orig: None,
                            unresolved: false,
                        }),
                        ..it.clone()
                    };
                    entries.push((key, Node { v, ..it.clone() }));
                }
            }
            Node {
                v: V::Map(entries),
                ..n.clone()
            }
        }
        _ => n.clone(),
    }
}

/// Merges `over` onto `base` (Compose override semantics). `path` is the key path of `base`.
pub fn merge(base: &Node, over: &Node, path: &[String]) -> Node {
    let last = path.last().map(String::as_str).unwrap_or("");
    let in_service = path.len() == 3 && path[0] == "services";
    if in_service && MAP_KEYS.contains(&last) {
        return merge(&as_map(base), &as_map(over), &[String::new()]);
    }
    match (&base.v, &over.v) {
        (V::Map(b), V::Map(o)) => {
            let mut entries = b.clone();
            for (ok, ov) in o {
                let name = ok.str().unwrap_or("");
                if let Some(pos) = entries.iter().position(|(k, _)| k.str() == Some(name)) {
                    let mut p = path.to_vec();
                    p.push(name.to_string());
                    let merged = merge(&entries[pos].1, ov, &p);
                    entries[pos] = (ok.clone(), merged);
                } else {
                    entries.push((ok.clone(), ov.clone()));
                }
            }
            Node {
                v: V::Map(entries),
                ..over.clone()
            }
        }
        (V::Seq(b), V::Seq(o)) if in_service && UNION_KEYS.contains(&last) => {
            let mut items = b.clone();
            for it in o {
                if !items.iter().any(|x| x.v == it.v) {
                    items.push(it.clone());
                }
            }
            Node {
                v: V::Seq(items),
                ..over.clone()
            }
        }
        _ => over.clone(),
    }
}

/// Loads and merges the files of one project.
pub fn load_project(files: &[SourceFile], project_dir: &Path) -> Project {
    let mut project = Project {
        files: files.to_vec(),
        dirs: vec![project_dir.to_path_buf(); files.len()],
        ..Project::default()
    };
    let env = std::fs::read_to_string(project_dir.join(".env"))
        .map(|t| interp::parse_dotenv(&t))
        .unwrap_or_default();
    let mut root: Option<Node> = None;
    for idx in 0..files.len() {
        if let Some(r) = load_root(&mut project, idx, &env) {
            root = Some(match root {
                Some(prev) => merge(&prev, &r, &[]),
                None => r,
            });
        }
    }
    let Some(mut root) = root else { return project };
    // include: other Compose files whose services join this project
    if let Some(inc) = root.get("include").cloned() {
        for item in inc.items() {
            let paths: Vec<&Node> = match &item.v {
                V::Str(_) => vec![item],
                V::Map(_) => item.get("path").map(|p| p.items()).unwrap_or_default(),
                _ => Vec::new(),
            };
            for p in paths {
                let Some(rel) = p.str() else { continue };
                let Some(r) = load_extra(&mut project, p, rel, project_dir, &env) else {
                    continue;
                };
                for section in ["services", "networks"] {
                    if let Some(included) = r.get(section) {
                        let combined = match root.get(section) {
                            Some(existing) => merge(included, existing, &[section.to_string()]),
                            None => included.clone(),
                        };
                        set_key(&mut root, section, combined);
                    }
                }
            }
        }
    }
    let services_node = match root.get("services") {
        Some(s) => s.clone(),
        None => legacy_services(&root),
    };
    match &services_node.v {
        V::Map(entries) => {
            for (k, v) in entries {
                let Some(name) = k.str().map(str::to_string) else {
                    let file = &project.files[k.file.min(project.files.len() - 1)];
                    project.errors.push(ScanError::at(
                        file,
                        k.start,
                        "service names must be strings",
                    ));
                    continue;
                };
                if v.is_null() {
                    // `name:` with nothing under it: an empty service (Compose accepts it)
                    continue;
                }
                if !matches!(v.v, V::Map(_)) {
                    let file = &project.files[v.file.min(project.files.len() - 1)];
                    project.errors.push(ScanError::at(
                        file,
                        v.start,
                        format!("service `{name}` must be a mapping"),
                    ));
                    continue;
                }
                let node =
                    resolve_extends(&mut project, &services_node, &name, v, project_dir, &env, 0);
                project.services.push(Service {
                    name,
                    key: k.clone(),
                    node,
                });
            }
        }
        V::Null => {}
        _ => {
            let file = &project.files[services_node.file.min(project.files.len() - 1)];
            project.errors.push(ScanError::at(
                file,
                services_node.start,
                "`services` must be a mapping of service names to definitions",
            ));
        }
    }
    if let Some(V::Map(nets)) = root.get("networks").map(|n| &n.v) {
        project.networks = nets
            .iter()
            .map(|(k, v)| (k.str().unwrap_or("").to_string(), v.clone()))
            .collect();
    }
    project
}

fn set_key(root: &mut Node, key: &str, value: Node) {
    if let V::Map(entries) = &mut root.v {
        if let Some(e) = entries.iter_mut().find(|(k, _)| k.str() == Some(key)) {
            e.1 = value;
        } else {
            let k = Node::synthetic(
                value.file,
                value.start,
                V::Str(Scalar {
                    s: key.to_string(),
                    quoted: false,
                    literal: false,
                    orig: None,
                    unresolved: false,
                }),
            );
            entries.push((k, value));
        }
    }
}

/// Compose file format 1 put services at the top level; read them the same way.
fn legacy_services(root: &Node) -> Node {
    let entries: Vec<(Node, Node)> = root
        .map()
        .unwrap_or(&[])
        .iter()
        .filter(|(k, v)| {
            !matches!(
                k.str(),
                Some(
                    "version" | "networks" | "volumes" | "secrets" | "configs" | "name" | "include"
                )
            ) && !k.str().is_some_and(|k| k.starts_with("x-"))
                && (v.get("image").is_some() || v.get("build").is_some())
        })
        .cloned()
        .collect();
    if entries.is_empty() {
        Node::synthetic(root.file, root.start, V::Null)
    } else {
        Node {
            v: V::Map(entries),
            ..root.clone()
        }
    }
}

/// Parses file `idx`, checks its shape and interpolates it.
fn load_root(project: &mut Project, idx: usize, env: &HashMap<String, String>) -> Option<Node> {
    let file = &project.files[idx];
    if yaml::is_template(file.text()) && yaml::load(file.text(), idx).is_err() {
        project.errors.push(ScanError::new(
            file.path(),
            "looks like a template (`{{ }}`), not a Compose file: render it first",
        ));
        return None;
    }
    let docs = match yaml::load(file.text(), idx) {
        Ok(d) => d,
        Err(e) => {
            project.errors.push(ScanError::at(
                file,
                e.offset,
                format!("YAML syntax error: {}", e.message),
            ));
            return None;
        }
    };
    let mut root: Option<Node> = None;
    for mut d in docs {
        if d.is_null() {
            continue;
        }
        if d.map().is_none() {
            project.errors.push(ScanError::at(
                file,
                d.start,
                "the top level of a Compose file must be a mapping",
            ));
            return None;
        }
        d.for_each_value_mut(&mut |s: &mut Scalar| {
            if s.s.contains('$') {
                let (v, unresolved) = interp::interpolate(&s.s, env);
                s.orig = Some(std::mem::replace(&mut s.s, v));
                s.unresolved = unresolved;
            }
        });
        root = Some(match root {
            Some(prev) => merge(&prev, &d, &[]),
            None => d,
        });
    }
    root
}

/// Loads a file named by `extends.file` or `include`, relative to the project directory.
fn load_extra(
    project: &mut Project,
    at: &Node,
    rel: &str,
    _dir: &Path,
    env: &HashMap<String, String>,
) -> Option<Node> {
    let at_file = at.file.min(project.files.len() - 1);
    let from = project.files[at_file].clone();
    if rel.contains("://") || rel.starts_with("remote:") || rel.starts_with("oci:") {
        project.errors.push(ScanError::at(&from, at.start, format!("remote Compose resource `{rel}` is not fetched (offline): the project cannot be analysed completely")));
        return None;
    }
    let base = Path::new(from.path())
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let display = normalise_path(&base.join(rel));
    if let Some(i) = project.files.iter().position(|f| f.path() == display) {
        if project.files.len() > 64 {
            return None;
        }
        return load_root(project, i, env);
    }
    let dir = project.dirs[at_file].clone();
    let disk = dir.join(rel);
    match std::fs::read_to_string(&disk) {
        Ok(text) => {
            project.files.push(SourceFile::new(display, text));
            project
                .dirs
                .push(disk.parent().map(|p| p.to_path_buf()).unwrap_or(dir));
            let i = project.files.len() - 1;
            load_root(project, i, env)
        }
        Err(e) => {
            project.errors.push(ScanError::at(
                &from,
                at.start,
                format!("cannot read `{rel}` (relative to {}): {e}", dir.display()),
            ));
            None
        }
    }
}

/// `a/./b/../c` → `a/c` (display paths only; nothing is read through it).
fn normalise_path(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if parts.last().is_some_and(|l| l != "..") => {
                parts.pop();
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

fn resolve_extends(
    project: &mut Project,
    services: &Node,
    name: &str,
    svc: &Node,
    dir: &Path,
    env: &HashMap<String, String>,
    depth: usize,
) -> Node {
    let Some(ext) = svc.get("extends").cloned() else {
        return svc.clone();
    };
    let file_of = |p: &Project, n: &Node| p.files[n.file.min(p.files.len() - 1)].clone();
    if depth >= MAX_EXTENDS {
        let f = file_of(project, &ext);
        project.errors.push(ScanError::at(
            &f,
            ext.start,
            format!("`extends` of `{name}` is circular or nested more than {MAX_EXTENDS} levels"),
        ));
        return svc.clone();
    }
    let (base_name, base_file) = match &ext.v {
        V::Str(s) => (s.s.clone(), None),
        V::Map(_) => (
            ext.get("service")
                .and_then(Node::str)
                .unwrap_or("")
                .to_string(),
            ext.get("file").filter(|f| f.str().is_some()).cloned(),
        ),
        _ => (String::new(), None),
    };
    let base_services = match &base_file {
        Some(f) => {
            let rel = f.str().unwrap_or("").to_string();
            match load_extra(project, f, &rel, dir, env) {
                Some(root) => root.get("services").cloned(),
                None => return svc.clone(),
            }
        }
        None => Some(services.clone()),
    };
    let Some(base) = base_services
        .as_ref()
        .and_then(|s| s.get(&base_name))
        .cloned()
    else {
        let f = file_of(project, &ext);
        project.errors.push(ScanError::at(
            &f,
            ext.start,
            format!("`{name}` extends unknown service `{base_name}`"),
        ));
        return svc.clone();
    };
    let scope = base_services.unwrap_or_else(|| services.clone());
    let base = resolve_extends(project, &scope, &base_name, &base, dir, env, depth + 1);
    let mut over = svc.clone();
    if let V::Map(entries) = &mut over.v {
        entries.retain(|(k, _)| k.str() != Some("extends"));
    }
    // merge as `services.<name>` so list-valued keys (ports, cap_add, ...) are unions
    let mut entries = base.map().unwrap_or(&[]).to_vec();
    for (ok, ov) in over.map().unwrap_or(&[]) {
        let key = ok.str().unwrap_or("").to_string();
        if let Some(pos) = entries
            .iter()
            .position(|(k, _)| k.str() == Some(key.as_str()))
        {
            let p = ["services".to_string(), name.to_string(), key];
            entries[pos] = (ok.clone(), merge(&entries[pos].1, ov, &p));
        } else {
            entries.push((ok.clone(), ov.clone()));
        }
    }
    Node {
        v: V::Map(entries),
        ..over
    }
}

fn loc(n: &Node, key: String) -> Loc {
    Loc {
        file: n.file,
        span: ByteSpan::new(n.start, n.end),
        key,
    }
}

fn text_of(n: &Node) -> Option<String> {
    match &n.v {
        V::Str(s) => Some(s.s.clone()),
        V::Seq(items) => Some(
            items
                .iter()
                .filter_map(|i| i.str())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    }
}

/// Whether `s` references a variable (`$X`, `${X}`); `$$` escapes and `$2y$...` (a bcrypt hash) do not.
fn has_variable(s: &str) -> bool {
    let s = s.replace("$$", "");
    s.match_indices('$').any(|(i, _)| {
        let next = s[i + 1..].chars().next();
        matches!(next, Some(c) if c == '{' || c == '_' || c.is_ascii_alphabetic())
    })
}

/// Whether a `${VAR:-default}` / `${VAR-default}` reference carries a non-empty default.
fn has_default(s: &str) -> bool {
    s.split("${").skip(1).any(|r| {
        let inner = r.split('}').next().unwrap_or("");
        let op = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map(|i| &inner[i..])
            .unwrap_or("");
        let default = op
            .strip_prefix(":-")
            .or_else(|| op.strip_prefix('-'))
            .unwrap_or("");
        !default.is_empty()
    })
}

/// The Dockerfile (relative to the scan root) and target a service builds, from its `build:`
/// (`build: ./dir`, or `context`, `dockerfile`, `target`), relative to the file that sets it.
/// `None` without `build:`, for a remote context or an inline Dockerfile.
pub fn build_ref(project: &Project, svc: &Service) -> Option<(String, Option<String>)> {
    let build = svc.node.get("build")?;
    let file = project.files.get(build.file)?;
    let dir = file.path().rsplit_once('/').map_or("", |(d, _)| d);
    let (context, dockerfile, target) = match &build.v {
        V::Str(s) => (s.s.clone(), None, None),
        V::Map(_) => {
            if build.get("dockerfile_inline").is_some() {
                return None;
            }
            (
                build
                    .get("context")
                    .and_then(Node::str)
                    .unwrap_or(".")
                    .to_string(),
                build
                    .get("dockerfile")
                    .and_then(Node::str)
                    .map(str::to_string),
                build.get("target").and_then(Node::str).map(str::to_string),
            )
        }
        _ => return None,
    };
    let remote = |s: &str| s.contains("://") || s.starts_with("git@") || s.contains('$');
    if remote(&context) || context.starts_with('/') {
        return None;
    }
    let dockerfile = dockerfile.unwrap_or_else(|| "Dockerfile".into());
    if remote(&dockerfile) || dockerfile.starts_with('/') {
        return None;
    }
    let context = shipshape_core::facts::join_rel(dir, &context);
    Some((
        shipshape_core::facts::join_rel(&context, &dockerfile),
        target,
    ))
}

/// The spec of one service.
pub fn service_spec(svc: &Service) -> RuntimeSpec {
    let n = &svc.node;
    let base = format!("services.{}", svc.name);
    let key = |k: &str| format!("{base}.{k}");
    let mut spec = RuntimeSpec::new(
        SourceKind::Compose,
        svc.name.clone(),
        loc(&svc.key, base.clone()),
    );
    let get = |k: &str| n.get(k);
    let sval = |k: &str| get(k).and_then(|v| text_of(v).map(|t| Val::new(t, loc(v, key(k)))));

    if let Some(img) = get("image") {
        if let Some(sc) = img.scalar() {
            spec.image = Some(Val::new(sc.s.clone(), loc(img, key("image"))));
            spec.image_raw = sc.orig.clone();
            spec.image_unresolved = sc.unresolved;
        }
    }
    spec.image_built = get("build").is_some();
    spec.profiles = get("profiles")
        .map(|p| {
            p.items()
                .into_iter()
                .filter_map(Node::str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    spec.user = sval("user");
    spec.read_only =
        get("read_only").map(|v| Val::new(v.as_bool().unwrap_or(false), loc(v, key("read_only"))));
    spec.privileged = get("privileged")
        .map(|v| Val::new(v.as_bool().unwrap_or(false), loc(v, key("privileged"))));
    spec.memory = sval("mem_limit");
    spec.cpus = sval("cpus")
        .or_else(|| sval("cpu_quota"))
        .or_else(|| sval("cpuset"));
    spec.pids_limit = sval("pids_limit");
    if let Some(limits) = n.path(&["deploy", "resources", "limits"]) {
        let lk = |k: &str| format!("{base}.deploy.resources.limits.{k}");
        if let Some(v) = limits.get("memory").and_then(|v| {
            v.str()
                .map(|s| Val::new(s.to_string(), loc(v, lk("memory"))))
        }) {
            spec.memory.get_or_insert(v);
        }
        if let Some(v) = limits
            .get("cpus")
            .and_then(|v| v.str().map(|s| Val::new(s.to_string(), loc(v, lk("cpus")))))
        {
            spec.cpus.get_or_insert(v);
        }
        if let Some(v) = limits
            .get("pids")
            .and_then(|v| v.str().map(|s| Val::new(s.to_string(), loc(v, lk("pids")))))
        {
            spec.pids_limit.get_or_insert(v);
        }
    }
    for (k, list) in [
        ("cap_add", &mut spec.cap_add),
        ("cap_drop", &mut spec.cap_drop),
    ] {
        if let Some(v) = get(k) {
            for (i, it) in v.items().into_iter().enumerate() {
                if let Some(s) = it.str() {
                    list.push(Val::new(s.to_string(), loc(it, format!("{base}.{k}[{i}]"))));
                }
            }
        }
    }
    if let Some(v) = get("security_opt") {
        for (i, it) in v.items().into_iter().enumerate() {
            if let Some(s) = it.str() {
                apply_security_opt(&mut spec, s, loc(it, format!("{base}.security_opt[{i}]")));
            }
        }
    }
    spec.network_mode = sval("network_mode");
    if let Some(v) = get("networks") {
        match &v.v {
            V::Seq(items) => items
                .iter()
                .filter_map(|i| {
                    i.str()
                        .map(|s| Val::new(s.to_string(), loc(i, key("networks"))))
                })
                .for_each(|x| spec.networks.push(x)),
            V::Map(entries) => entries
                .iter()
                .filter_map(|(k, _)| {
                    k.str()
                        .map(|s| Val::new(s.to_string(), loc(k, key("networks"))))
                })
                .for_each(|x| spec.networks.push(x)),
            _ => {}
        }
    }
    for (k, ns) in [
        ("pid", Namespace::Pid),
        ("ipc", Namespace::Ipc),
        ("uts", Namespace::Uts),
        ("userns_mode", Namespace::User),
        ("cgroup", Namespace::Cgroup),
    ] {
        if let Some(v) = sval(k) {
            spec.namespaces.push((ns, v));
        }
    }
    if let Some(v) = get("devices") {
        for (i, it) in v.items().into_iter().enumerate() {
            let s = match &it.v {
                V::Str(s) => Some(s.s.clone()),
                V::Map(_) => it.get("source").and_then(Node::str).map(str::to_string),
                _ => None,
            };
            if let Some(s) = s {
                spec.devices
                    .push(Val::new(s, loc(it, format!("{base}.devices[{i}]"))));
            }
        }
    }
    if let Some((pk, v)) = n.entry("ports") {
        spec.ports_key = Some(loc(pk, key("ports")));
        for (i, it) in v.items().into_iter().enumerate() {
            let l = loc(it, format!("{base}.ports[{i}]"));
            match &it.v {
                V::Str(s) => {
                    if let Some(p) = parse_port(&s.s, l.clone()) {
                        spec.ports.push(p);
                    } else if let (true, Some(orig)) = (s.unresolved, &s.orig) {
                        // `- "${PORT}"` with no value here: whatever it holds is published on
                        // every interface unless it names a host address, so keep it.
                        spec.ports.push(Port {
                            host_ip: None,
                            host_port: None,
                            container_port: orig.clone(),
                            protocol: "tcp".to_string(),
                            loc: l,
                        });
                    }
                }
                V::Map(_) => {
                    let published = it.get("published").and_then(Node::str).map(str::to_string);
                    let target = it
                        .get("target")
                        .and_then(Node::str)
                        .unwrap_or("")
                        .to_string();
                    let host_mode = it.get("mode").and_then(Node::str) == Some("host");
                    if published.is_some() || host_mode {
                        spec.ports.push(Port {
                            host_ip: it
                                .get("host_ip")
                                .and_then(Node::str)
                                .map(str::to_string)
                                .filter(|s| !s.is_empty()),
                            host_port: published,
                            container_port: target,
                            protocol: it
                                .get("protocol")
                                .and_then(Node::str)
                                .unwrap_or("tcp")
                                .to_string(),
                            loc: l,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(v) = get("volumes") {
        for (i, it) in v.items().into_iter().enumerate() {
            let l = loc(it, format!("{base}.volumes[{i}]"));
            match &it.v {
                V::Str(s) => spec.mounts.push(parse_volume(&s.s, l)),
                V::Map(_) => {
                    let ty = it.get("type").and_then(Node::str).unwrap_or("volume");
                    let source = it.get("source").and_then(Node::str).map(str::to_string);
                    let kind = match ty {
                        "bind" => MountKind::Bind,
                        "volume" => MountKind::Volume,
                        "tmpfs" => MountKind::Tmpfs,
                        _ => MountKind::Other,
                    };
                    let kind = if kind == MountKind::Volume
                        && source.as_deref().is_some_and(|s| s.starts_with('/'))
                    {
                        MountKind::Bind
                    } else {
                        kind
                    };
                    spec.mounts.push(Mount {
                        kind,
                        source,
                        target: it
                            .get("target")
                            .and_then(Node::str)
                            .unwrap_or("")
                            .to_string(),
                        read_only: it.get("read_only").and_then(Node::as_bool).unwrap_or(false),
                        options: it
                            .path(&["bind", "propagation"])
                            .and_then(Node::str)
                            .unwrap_or("")
                            .to_string(),
                        loc: l,
                    });
                }
                _ => {}
            }
        }
    }
    if let Some(v) = get("tmpfs") {
        for it in v.items() {
            if let Some(s) = it.str() {
                let (t, o) = s.split_once(':').unwrap_or((s, ""));
                spec.mounts.push(Mount {
                    kind: MountKind::Tmpfs,
                    source: None,
                    target: t.to_string(),
                    read_only: false,
                    options: o.to_string(),
                    loc: loc(it, key("tmpfs")),
                });
            }
        }
    }
    spec.restart = sval("restart");
    if spec.restart.is_none() {
        if let Some(c) = n.path(&["deploy", "restart_policy"]) {
            let cond = c.get("condition").and_then(Node::str).unwrap_or("any");
            let v = if cond == "none" { "no" } else { cond };
            spec.restart = Some(Val::new(
                v.to_string(),
                loc(c, format!("{base}.deploy.restart_policy")),
            ));
        }
    }
    if let Some(lg) = get("logging") {
        if let Some(d) = lg.get("driver") {
            spec.log_driver = Some(Val::new(
                d.str().unwrap_or("").to_string(),
                loc(d, key("logging.driver")),
            ));
        }
        if let Some(V::Map(opts)) = lg.get("options").map(|o| &o.v) {
            for (k, v) in opts {
                let name = k.str().unwrap_or("").to_string();
                spec.log_opts.push((
                    name.clone(),
                    Val::new(
                        v.str().unwrap_or("").to_string(),
                        loc(v, format!("{base}.logging.options.{name}")),
                    ),
                ));
            }
        }
    }
    if let Some(h) = get("healthcheck") {
        let disabled = h.get("disable").and_then(Node::as_bool) == Some(true)
            || h.get("test").is_some_and(|t| {
                t.items()
                    .first()
                    .and_then(|f| f.str())
                    .is_some_and(|s| s.eq_ignore_ascii_case("NONE"))
            });
        let has_test = h.get("test").is_some();
        // `healthcheck:` with only timing options keeps the image's test
        let state = if disabled {
            Health::Disabled
        } else {
            Health::Defined
        };
        if disabled || has_test || h.map().is_some_and(|m| !m.is_empty()) {
            spec.healthcheck = Some(Val::new(state, loc(h, key("healthcheck"))));
        }
    }
    if let Some(e) = get("environment") {
        let m = as_map(e);
        for (k, v) in m.map().unwrap_or(&[]) {
            let name = k.str().unwrap_or("").to_string();
            let (value, from_var) = match &v.v {
                V::Str(s) => (
                    Some(s.s.clone()),
                    // `${PG_PASS:-jira}`: the default is written in this file, so it is literal
                    s.orig
                        .as_deref()
                        .is_some_and(|o| has_variable(o) && !has_default(o)),
                ),
                V::Null => (None, true),
                _ => (None, true),
            };
            spec.env.push(EnvVar {
                name: name.clone(),
                value,
                from_variable: from_var,
                loc: Loc {
                    file: k.file,
                    span: ByteSpan::new(k.start, v.end.max(k.end)),
                    key: format!("{base}.environment.{name}"),
                },
            });
        }
    }
    if let Some(s) = get("secrets") {
        for it in s.items() {
            let name = match &it.v {
                V::Str(s) => Some(s.s.clone()),
                V::Map(_) => it.get("source").and_then(Node::str).map(str::to_string),
                _ => None,
            };
            if let Some(name) = name {
                spec.secrets.push(Val::new(name, loc(it, key("secrets"))));
            }
        }
    }
    let ep = get("entrypoint").and_then(text_of);
    let cmd = get("command").and_then(text_of);
    if ep.is_some() || cmd.is_some() {
        let at = get("command")
            .or(get("entrypoint"))
            .map(|v| loc(v, key("command")))
            .unwrap_or_default();
        let joined = [ep, cmd]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        spec.command = Some(Val::new(joined, at));
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(texts: &[&str]) -> Project {
        let files: Vec<SourceFile> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| SourceFile::new(format!("c{i}.yml"), t.to_string()))
            .collect();
        load_project(&files, Path::new("/nonexistent"))
    }

    #[test]
    fn merges_files_and_extends() {
        let p = project(&[
            "x-base: &b\n  restart: always\nservices:\n  base:\n    image: a:1\n    cap_drop: [ALL]\n  web:\n    <<: *b\n    extends: base\n    ports: [\"80:80\"]\n    environment: [A=1]\n",
            "services:\n  web:\n    ports: [\"127.0.0.1:5432:5432\"]\n    environment:\n      B: \"2\"\n    image: a:2\n",
        ]);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let web = p.services.iter().find(|s| s.name == "web").unwrap();
        let spec = service_spec(web);
        assert_eq!(spec.image.as_ref().unwrap().value, "a:2");
        assert_eq!(spec.ports.len(), 2);
        assert_eq!(spec.env.len(), 2);
        assert_eq!(spec.cap_drop.len(), 1);
        assert_eq!(spec.restart.as_ref().unwrap().value, "always");
        assert_eq!(spec.ports[1].loc.file, 1);
    }

    #[test]
    fn errors_are_clear() {
        let p = project(&["services:\n  web: [a]\n"]);
        assert_eq!(p.errors.len(), 1);
        let p = project(&["services: [\n"]);
        assert!(p.errors[0].message.contains("YAML"));
        let p = project(&["- a\n"]);
        assert!(p.errors[0].message.contains("mapping"));
        let p = project(&["services:\n  a:\n    extends: b\n"]);
        assert!(p.errors[0].message.contains("unknown service"));
        let p = project(&["services:\n  a:\n    image: x\n    extends: a\n"]);
        assert!(p.errors[0].message.contains("circular"));
    }
}
