//! `docker inspect` output (a JSON array of containers, saved to a file) → [`RuntimeSpec`]s.
//! JSON is read with the YAML loader (JSON is YAML 1.2 flow syntax), which keeps byte spans so
//! findings point at the exact key of the saved file.

use crate::dockerrun::apply_security_opt;
use crate::model::*;
use crate::yaml::{self, Node, V};
use shipshape_core::{ByteSpan, ScanError, SourceFile, SourceKind};

/// The specs of every container in `file`, and any error.
/// Whether JSON text is saved `docker inspect` output for containers: an object, or an array of
/// objects, with `Config` and `HostConfig` objects and a `State` object (the Engine's
/// `/containers/json` list has `State` as a string and no `Config`: not an inspect document).
pub fn looks_like_inspect(text: &str) -> bool {
    if !text.contains("\"HostConfig\"") {
        return false;
    }
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    let is_container = |v: &serde_json::Value| {
        v.get("Config").is_some_and(serde_json::Value::is_object)
            && v.get("HostConfig")
                .is_some_and(serde_json::Value::is_object)
            && v.get("State").is_none_or(serde_json::Value::is_object)
    };
    match &value {
        serde_json::Value::Array(items) => !items.is_empty() && items.iter().all(is_container),
        v => is_container(v),
    }
}

pub fn specs(file: &SourceFile) -> (Vec<RuntimeSpec>, Vec<ScanError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    // YAML forbids tabs as indentation; JSON allows them anywhere between tokens
    let text = file.text().replace('\t', " ");
    let docs = match yaml::load(&text, 0) {
        Ok(d) => d,
        Err(e) => {
            errors.push(ScanError::at(
                file,
                e.offset,
                format!("JSON syntax error: {}", e.message),
            ));
            return (out, errors);
        }
    };
    let Some(root) = docs.first() else {
        errors.push(ScanError::new(
            file.path(),
            "empty file: expected `docker inspect` JSON",
        ));
        return (out, errors);
    };
    let items: Vec<&Node> = match &root.v {
        V::Seq(items) => items.iter().collect(),
        V::Map(_) => vec![root],
        _ => Vec::new(),
    };
    for (i, c) in items.iter().enumerate() {
        if c.get("HostConfig").is_none() || c.get("Config").is_none() {
            let what = if c.get("RepoTags").is_some() || c.get("RootFS").is_some() {
                "this is `docker image inspect` output; runtime settings need `docker container inspect`"
            } else {
                "not a container: `docker inspect` output has `Config` and `HostConfig`"
            };
            errors.push(ScanError::at(file, c.start, format!("entry {i}: {what}")));
            continue;
        }
        out.push(container(c));
    }
    (out, errors)
}

fn loc(n: &Node, key: String) -> Loc {
    Loc {
        file: n.file,
        span: ByteSpan::new(n.start, n.end),
        key,
    }
}

fn s(n: Option<&Node>) -> Option<&str> {
    n.and_then(Node::str).filter(|s| !s.is_empty())
}

fn container(c: &Node) -> RuntimeSpec {
    let name = s(c.get("Name"))
        .map(|n| n.trim_start_matches('/').to_string())
        .or_else(|| s(c.get("Id")).map(|i| i.chars().take(12).collect()))
        .unwrap_or_else(|| "container".into());
    let anchor = c.get("Name").or(c.get("Id")).unwrap_or(c);
    let mut spec = RuntimeSpec::new(SourceKind::Engine, name.clone(), loc(anchor, name.clone()));
    let k = |p: &str| format!("{name}:{p}");
    let hc = c.get("HostConfig");
    let cfg = c.get("Config");
    let h = |key: &str| hc.and_then(|n| n.get(key));
    let g = |key: &str| cfg.and_then(|n| n.get(key));

    if let Some(v) = g("Image") {
        spec.image = v
            .str()
            .map(|i| Val::new(i.to_string(), loc(v, k("Config.Image"))));
    }
    if let Some(v) = g("User") {
        spec.user = s(Some(v)).map(|u| Val::new(u.to_string(), loc(v, k("Config.User"))));
    }
    if let Some(env) = g("Env").and_then(Node::seq) {
        for (i, e) in env.iter().enumerate() {
            if let Some((n, v)) = e.str().and_then(|x| x.split_once('=')) {
                spec.env.push(EnvVar {
                    name: n.to_string(),
                    value: Some(v.to_string()),
                    from_variable: false,
                    loc: loc(e, k(&format!("Config.Env[{i}]"))),
                });
            }
        }
    }
    if let Some(hcheck) = g("Healthcheck") {
        let test = hcheck
            .get("Test")
            .map(|t| {
                t.items()
                    .into_iter()
                    .filter_map(Node::str)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if !test.is_empty() {
            let state = if test[0].eq_ignore_ascii_case("NONE") {
                Health::Disabled
            } else {
                Health::Defined
            };
            spec.healthcheck = Some(Val::new(state, loc(hcheck, k("Config.Healthcheck"))));
        }
    }
    let cmd: Vec<&str> = ["Entrypoint", "Cmd"]
        .iter()
        .filter_map(|key| g(key))
        .flat_map(|n| n.items())
        .filter_map(Node::str)
        .collect();
    if !cmd.is_empty() {
        let at = g("Cmd")
            .or(g("Entrypoint"))
            .map(|n| loc(n, k("Config.Cmd")))
            .unwrap_or_default();
        spec.command = Some(Val::new(cmd.join(" "), at));
    }
    let boolean = |key: &str| {
        h(key).map(|v| {
            Val::new(
                v.as_bool().unwrap_or(false),
                loc(v, k(&format!("HostConfig.{key}"))),
            )
        })
    };
    spec.read_only = boolean("ReadonlyRootfs");
    spec.privileged = boolean("Privileged");
    spec.publish_all = boolean("PublishAllPorts");
    for (key, list) in [
        ("CapAdd", &mut spec.cap_add),
        ("CapDrop", &mut spec.cap_drop),
    ] {
        if let Some(items) = h(key).and_then(Node::seq) {
            for (i, it) in items.iter().enumerate() {
                if let Some(v) = it.str() {
                    list.push(Val::new(
                        v.to_string(),
                        loc(it, k(&format!("HostConfig.{key}[{i}]"))),
                    ));
                }
            }
        }
    }
    if let Some(opts) = h("SecurityOpt").and_then(Node::seq) {
        for (i, it) in opts.iter().enumerate() {
            if let Some(v) = it.str() {
                apply_security_opt(
                    &mut spec,
                    v,
                    loc(it, k(&format!("HostConfig.SecurityOpt[{i}]"))),
                );
            }
        }
    }
    if let Some(v) = c.get("AppArmorProfile") {
        if let Some(p) = s(Some(v)) {
            spec.apparmor
                .get_or_insert_with(|| Val::new(p.to_string(), loc(v, k("AppArmorProfile"))));
        }
    }
    let num = |key: &str| {
        h(key).and_then(|v| {
            v.str()
                .map(|x| Val::new(x.to_string(), loc(v, k(&format!("HostConfig.{key}")))))
        })
    };
    spec.memory = num("Memory")
        .filter(|v| !is_unlimited(&v.value))
        .or_else(|| num("Memory"));
    spec.cpus = ["NanoCpus", "CpuQuota", "CpusetCpus"]
        .iter()
        .filter_map(|key| num(key))
        .find(|v| !is_unlimited(&v.value))
        .or_else(|| num("NanoCpus"));
    spec.pids_limit = num("PidsLimit");
    if let Some(v) = h("NetworkMode") {
        spec.network_mode = v
            .str()
            .map(|m| Val::new(m.to_string(), loc(v, k("HostConfig.NetworkMode"))));
    }
    for (key, ns) in [
        ("PidMode", Namespace::Pid),
        ("IpcMode", Namespace::Ipc),
        ("UTSMode", Namespace::Uts),
        ("UsernsMode", Namespace::User),
        ("CgroupnsMode", Namespace::Cgroup),
    ] {
        if let Some(v) = h(key) {
            if let Some(m) = s(Some(v)) {
                spec.namespaces.push((
                    ns,
                    Val::new(m.to_string(), loc(v, k(&format!("HostConfig.{key}")))),
                ));
            }
        }
    }
    if let Some(devs) = h("Devices").and_then(Node::seq) {
        for (i, d) in devs.iter().enumerate() {
            if let Some(p) = s(d.get("PathOnHost")) {
                spec.devices.push(Val::new(
                    p.to_string(),
                    loc(d, k(&format!("HostConfig.Devices[{i}]"))),
                ));
            }
        }
    }
    if let Some(mounts) = c.get("Mounts").and_then(Node::seq) {
        for (i, m) in mounts.iter().enumerate() {
            let kind = match s(m.get("Type")) {
                Some("bind") => MountKind::Bind,
                Some("volume") => MountKind::Volume,
                Some("tmpfs") => MountKind::Tmpfs,
                _ => MountKind::Other,
            };
            spec.mounts.push(Mount {
                kind,
                source: s(m.get("Source")).map(str::to_string),
                target: s(m.get("Destination")).unwrap_or("").to_string(),
                read_only: m.get("RW").and_then(Node::as_bool) == Some(false),
                options: s(m.get("Propagation")).unwrap_or("").to_string(),
                loc: loc(m, k(&format!("Mounts[{i}]"))),
            });
        }
    }
    if let Some(V::Map(tmpfs)) = h("Tmpfs").map(|n| &n.v) {
        for (target, options) in tmpfs {
            let target = target.str().unwrap_or("");
            spec.mounts.push(Mount {
                kind: MountKind::Tmpfs,
                source: None,
                target: target.to_string(),
                read_only: false,
                options: options.str().unwrap_or("").to_string(),
                loc: loc(options, k(&format!("HostConfig.Tmpfs.{target}"))),
            });
        }
    }
    if let Some(V::Map(bindings)) = h("PortBindings").map(|n| &n.v) {
        for (pk, list) in bindings {
            let cport = pk.str().unwrap_or("");
            let (cp, proto) = cport.split_once('/').unwrap_or((cport, "tcp"));
            for b in list.items() {
                spec.ports.push(Port {
                    host_ip: s(b.get("HostIp")).map(str::to_string),
                    host_port: s(b.get("HostPort")).map(str::to_string),
                    container_port: cp.to_string(),
                    protocol: proto.to_string(),
                    loc: loc(b, k(&format!("HostConfig.PortBindings.{cport}"))),
                });
            }
        }
    }
    if let Some(r) = h("RestartPolicy") {
        let n = r.get("Name").unwrap_or(r);
        spec.restart = Some(Val::new(
            s(Some(n)).unwrap_or("no").to_string(),
            loc(n, k("HostConfig.RestartPolicy.Name")),
        ));
    }
    if let Some(lc) = h("LogConfig") {
        if let Some(t) = lc.get("Type") {
            spec.log_driver = t
                .str()
                .map(|d| Val::new(d.to_string(), loc(t, k("HostConfig.LogConfig.Type"))));
        }
        if let Some(V::Map(opts)) = lc.get("Config").map(|n| &n.v) {
            for (ok, ov) in opts {
                let on = ok.str().unwrap_or("").to_string();
                spec.log_opts.push((
                    on.clone(),
                    Val::new(
                        ov.str().unwrap_or("").to_string(),
                        loc(ov, k(&format!("HostConfig.LogConfig.Config.{on}"))),
                    ),
                ));
            }
        }
    }
    if let Some(V::Map(nets)) = c.path(&["NetworkSettings", "Networks"]).map(|n| &n.v) {
        for (nk, _) in nets {
            if let Some(n) = nk.str() {
                if !matches!(n, "bridge" | "host" | "none") {
                    spec.networks.push(Val::new(
                        n.to_string(),
                        loc(nk, k("NetworkSettings.Networks")),
                    ));
                }
            }
        }
    }
    spec
}

#[cfg(test)]
mod shape_tests {
    #[test]
    fn only_inspect_documents_are_inputs() {
        let inspect = r#"[{"Id":"x","Name":"/web","State":{"Status":"running"},"Config":{"Image":"nginx"},"HostConfig":{"Privileged":true}}]"#;
        assert!(super::looks_like_inspect(inspect));
        let list = r#"[{"Id":"x","Names":["/web"],"Image":"nginx","State":"running","HostConfig":{"NetworkMode":"default"}}]"#;
        assert!(!super::looks_like_inspect(list));
        assert!(!super::looks_like_inspect(r#"{"HostConfig": 1"#));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_container_inspect() {
        let text = r#"[{"Id":"abc","Name":"/web","AppArmorProfile":"docker-default","Config":{"User":"","Image":"nginx:latest","Env":["PATH=/bin","DB_PASSWORD=hunter22"]},
"HostConfig":{"Privileged":true,"ReadonlyRootfs":false,"Memory":0,"NanoCpus":500000000,"PidsLimit":null,"CapAdd":["SYS_ADMIN"],"CapDrop":null,
"NetworkMode":"host","PortBindings":{"5432/tcp":[{"HostIp":"","HostPort":"5432"}]},"RestartPolicy":{"Name":"no"},"LogConfig":{"Type":"json-file","Config":{}},
"SecurityOpt":["seccomp=unconfined"]},"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Destination":"/var/run/docker.sock","RW":false}]}]"#;
        let f = SourceFile::new("inspect.json", text);
        let (specs, errors) = specs(&f);
        assert!(errors.is_empty(), "{errors:?}");
        let s = &specs[0];
        assert_eq!(s.name, "web");
        assert!(s.is_privileged());
        assert_eq!(s.cpus.as_ref().unwrap().value, "500000000");
        assert!(s.user.is_none());
        assert_eq!(s.ports[0].container_port, "5432");
        assert!(s.mounts[0].read_only);
        let img = s.image.as_ref().unwrap();
        assert_eq!(
            &text[img.loc.span.start..img.loc.span.end],
            "\"nginx:latest\""
        );
        let (_, errors) = super::specs(&SourceFile::new(
            "i.json",
            r#"[{"RepoTags":["a:1"],"RootFS":{}}]"#,
        ));
        assert!(errors[0].message.contains("image inspect"));
        let (_, errors) = super::specs(&SourceFile::new("i.json", "[{"));
        assert!(errors[0].message.contains("JSON"));
    }
}
