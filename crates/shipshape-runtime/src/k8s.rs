//! Kubernetes manifests → [`RuntimeSpec`]s: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Job, CronJob and PodTemplate, in multi-document files and `List`s, with
//! pod- and container-level `securityContext`, resources, hostPath volumes, host namespaces,
//! probes, `automountServiceAccountToken`, init and ephemeral containers.

use crate::model::*;
use crate::yaml::{self, Node};
use shipshape_core::{ByteSpan, ScanError, SourceFile, SourceKind};

/// Cheap prefilter: a YAML document with `apiVersion:` and `kind:` keys. A file with template
/// markers (`{{ }}`) counts only if it is still valid YAML (Vault agent annotations are; Helm
/// chart templates usually are not, and need rendering first).
pub fn looks_like_kubernetes(text: &str) -> bool {
    let has = |k: &str| {
        text.lines()
            .any(|l| l.trim_start_matches(['-', ' ']).starts_with(k))
    };
    has("apiVersion:") && has("kind:") && (!yaml::is_template(text) || yaml::load(text, 0).is_ok())
}

/// The specs of every container in `file` (file index 0), and any error.
pub fn specs(file: &SourceFile) -> (Vec<RuntimeSpec>, Vec<ScanError>) {
    let set = load_set(std::slice::from_ref(file));
    (set.specs, set.errors)
}

/// Manifests analysed together: every document of every file (nodes carry their file's index in
/// the list given to [`load_set`]), the specs of every container, and the files that did not parse.
#[derive(Debug, Default)]
pub struct ManifestSet {
    pub docs: Vec<Node>,
    pub specs: Vec<RuntimeSpec>,
    pub errors: Vec<ScanError>,
}

/// Parses `files` (file `i` gets index `i` in every [`Loc`]) into one [`ManifestSet`].
pub fn load_set(files: &[SourceFile]) -> ManifestSet {
    let mut set = ManifestSet::default();
    for (idx, file) in files.iter().enumerate() {
        match yaml::load(file.text(), idx) {
            Ok(docs) => {
                for d in &docs {
                    object(d, &mut set.specs, 0);
                }
                set.docs.extend(docs);
            }
            Err(e) => {
                let hint = if yaml::is_template(file.text()) {
                    " (the file contains `{{ }}`: render the template first)"
                } else {
                    ""
                };
                set.errors.push(ScanError::at(
                    file,
                    e.offset,
                    format!("YAML syntax error: {}{hint}", e.message),
                ));
            }
        }
    }
    set
}

/// A [`ManifestSet`] from documents parsed elsewhere (a rendered kustomization).
pub fn set_from_docs(docs: Vec<Node>) -> ManifestSet {
    let mut set = ManifestSet::default();
    for d in &docs {
        object(d, &mut set.specs, 0);
    }
    set.docs = docs;
    set
}

/// Where a workload's pod spec and pod template metadata are, by kind (`None` for kinds that
/// run no pods).
pub(crate) fn pod_paths(kind: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match kind {
        "Pod" => (&["spec"], &["metadata"]),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => (
            &["spec", "template", "spec"],
            &["spec", "template", "metadata"],
        ),
        "CronJob" => (
            &["spec", "jobTemplate", "spec", "template", "spec"],
            &["spec", "jobTemplate", "spec", "template", "metadata"],
        ),
        "PodTemplate" => (&["template", "spec"], &["template", "metadata"]),
        _ => return None,
    })
}

fn object(d: &Node, out: &mut Vec<RuntimeSpec>, depth: usize) {
    if depth > 4 {
        return;
    }
    let Some(kind) = d.get("kind").and_then(Node::str) else {
        return;
    };
    if kind.ends_with("List") {
        if let Some(items) = d.get("items").and_then(Node::seq) {
            items.iter().for_each(|i| object(i, out, depth + 1));
        }
        return;
    }
    let name = d
        .path(&["metadata", "name"])
        .and_then(Node::str)
        .unwrap_or("unnamed");
    let Some((pod_path, meta_path)) = pod_paths(kind) else {
        return;
    };
    let template_meta = d.path(meta_path);
    let Some(pod) = d.path(pod_path) else { return };
    let prefix = format!("{kind}/{name}:{}", pod_path.join("."));
    let one_off_kind = matches!(kind, "Job" | "CronJob")
        || (kind == "Pod"
            && matches!(
                pod.get("restartPolicy").and_then(Node::str),
                Some("Never" | "OnFailure")
            ));
    let pod_anchor = d
        .path(&["metadata", "name"])
        .or_else(|| d.get("kind"))
        .map(|n| Loc {
            file: n.file,
            span: ByteSpan::new(n.start, n.end),
            key: format!("{kind}/{name}"),
        });
    let annotations = template_meta.and_then(|m| m.get("annotations"));
    for (list, is_init, is_ephemeral) in [
        ("containers", false, false),
        ("initContainers", true, false),
        ("ephemeralContainers", false, true),
    ] {
        let Some(cs) = pod.get(list).and_then(Node::seq) else {
            continue;
        };
        for (i, c) in cs.iter().enumerate() {
            let cprefix = format!("{prefix}.{list}[{i}]");
            let mut spec = container(c, pod, &cprefix, annotations);
            let sidecar = is_init && c.get("restartPolicy").and_then(Node::str) == Some("Always");
            if one_off_kind || (is_init && !sidecar) || is_ephemeral {
                spec.lifecycle = Lifecycle::OneOff;
            }
            spec.pod_anchor = pod_anchor.clone();
            if let Some(v) = pod.get("automountServiceAccountToken") {
                spec.automount_sa_token = Some(Val::new(
                    v.as_bool().unwrap_or(true),
                    loc(v, format!("{prefix}.automountServiceAccountToken")),
                ));
            }
            if is_ephemeral {
                // ephemeral containers cannot have resources or probes
                spec.memory
                    .get_or_insert_with(|| Val::new("n/a".into(), spec.anchor.clone()));
                spec.cpus
                    .get_or_insert_with(|| Val::new("n/a".into(), spec.anchor.clone()));
            }
            out.push(spec);
        }
    }
}

fn loc(n: &Node, key: String) -> Loc {
    Loc {
        file: n.file,
        span: ByteSpan::new(n.start, n.end),
        key,
    }
}

fn container(c: &Node, pod: &Node, prefix: &str, annotations: Option<&Node>) -> RuntimeSpec {
    let cname = c
        .get("name")
        .and_then(Node::str)
        .unwrap_or("container")
        .to_string();
    let anchor_node = c.get("name").unwrap_or(c);
    let mut spec = RuntimeSpec::new(
        SourceKind::Kubernetes,
        cname.clone(),
        loc(anchor_node, prefix.to_string()),
    );
    spec.pids_not_applicable = true;
    spec.restart_not_applicable = true;
    spec.log_rotation_not_applicable = true;
    let pod_key = prefix
        .rsplit_once(".containers[")
        .or_else(|| prefix.rsplit_once(".initContainers["))
        .or_else(|| prefix.rsplit_once(".ephemeralContainers["))
        .map(|(p, _)| p.to_string())
        .unwrap_or_default();

    if let Some(img) = c.get("image") {
        spec.image = img
            .str()
            .map(|s| Val::new(s.to_string(), loc(img, format!("{prefix}.image"))));
    }
    // pod-level settings, then container-level overrides
    for (ctx, base) in [
        (
            pod.get("securityContext"),
            format!("{pod_key}.securityContext"),
        ),
        (
            c.get("securityContext"),
            format!("{prefix}.securityContext"),
        ),
    ] {
        let Some(sc) = ctx else { continue };
        if let Some(v) = sc.get("runAsUser") {
            spec.user = v
                .str()
                .map(|s| Val::new(s.to_string(), loc(v, format!("{base}.runAsUser"))));
        }
        if let Some(v) = sc.get("runAsNonRoot") {
            spec.run_as_non_root = Some(Val::new(
                v.as_bool().unwrap_or(false),
                loc(v, format!("{base}.runAsNonRoot")),
            ));
        }
        if let Some(v) = sc.path(&["seccompProfile", "type"]) {
            spec.seccomp = v
                .str()
                .map(|s| Val::new(s.to_string(), loc(v, format!("{base}.seccompProfile.type"))));
        }
        if let Some(v) = sc.path(&["appArmorProfile", "type"]) {
            spec.apparmor = v.str().map(|s| {
                Val::new(
                    s.to_string(),
                    loc(v, format!("{base}.appArmorProfile.type")),
                )
            });
        }
        if let Some(v) = sc.path(&["seLinuxOptions", "type"]) {
            if let Some(s) = v.str() {
                spec.selinux.push(Val::new(
                    s.to_string(),
                    loc(v, format!("{base}.seLinuxOptions.type")),
                ));
            }
        }
    }
    if let Some(sc) = c.get("securityContext") {
        let base = format!("{prefix}.securityContext");
        if let Some(v) = sc.get("privileged") {
            spec.privileged = Some(Val::new(
                v.as_bool().unwrap_or(false),
                loc(v, format!("{base}.privileged")),
            ));
        }
        if let Some(v) = sc.get("allowPrivilegeEscalation") {
            spec.no_new_privileges = Some(Val::new(
                v.as_bool() == Some(false),
                loc(v, format!("{base}.allowPrivilegeEscalation")),
            ));
        }
        if let Some(v) = sc.get("procMount") {
            if v.str() == Some("Unmasked") {
                spec.proc_unmasked = Some(loc(v, format!("{base}.procMount")));
            }
        }
        if let Some(v) = sc.get("readOnlyRootFilesystem") {
            spec.read_only = Some(Val::new(
                v.as_bool().unwrap_or(false),
                loc(v, format!("{base}.readOnlyRootFilesystem")),
            ));
        }
        for (k, list) in [("add", &mut spec.cap_add), ("drop", &mut spec.cap_drop)] {
            if let Some(items) = sc.path(&["capabilities", k]) {
                for (i, it) in items.items().into_iter().enumerate() {
                    if let Some(s) = it.str() {
                        list.push(Val::new(
                            s.to_string(),
                            loc(it, format!("{base}.capabilities.{k}[{i}]")),
                        ));
                    }
                }
            }
        }
    }
    // legacy annotations
    if let Some(a) = annotations {
        let aa = format!("container.apparmor.security.beta.kubernetes.io/{cname}");
        if let Some(v) = a.get(&aa) {
            if let Some(s) = v.str() {
                spec.apparmor.get_or_insert_with(|| {
                    Val::new(s.to_string(), loc(v, format!("metadata.annotations.{aa}")))
                });
            }
        }
        for key in [
            format!("container.seccomp.security.alpha.kubernetes.io/{cname}"),
            "seccomp.security.alpha.kubernetes.io/pod".to_string(),
        ] {
            if let Some(v) = a.get(&key) {
                if let Some(s) = v.str() {
                    spec.seccomp.get_or_insert_with(|| {
                        Val::new(s.to_string(), loc(v, format!("metadata.annotations.{key}")))
                    });
                }
            }
        }
    }
    for (i, v) in pod
        .get("volumes")
        .and_then(Node::seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        for (k, _) in v.map().unwrap_or(&[]) {
            if let Some(t) = k.str().filter(|t| *t != "name") {
                spec.volume_types.push(Val::new(
                    t.to_string(),
                    loc(k, format!("{pod_key}.volumes[{i}].{t}")),
                ));
            }
        }
    }
    if let Some(list) = pod
        .path(&["securityContext", "sysctls"])
        .and_then(Node::seq)
    {
        for (i, it) in list.iter().enumerate() {
            let name = it.get("name").and_then(Node::str).unwrap_or("");
            let value = it.get("value").and_then(Node::str).unwrap_or("");
            let at = it.get("name").unwrap_or(it);
            spec.sysctls.push(Val::new(
                format!("{name}={value}"),
                loc(at, format!("{pod_key}.securityContext.sysctls[{i}]")),
            ));
        }
    }
    for (k, ns) in [
        ("hostPID", Some(Namespace::Pid)),
        ("hostIPC", Some(Namespace::Ipc)),
        ("hostNetwork", None),
    ] {
        let Some(v) = pod.get(k) else { continue };
        if v.as_bool() != Some(true) {
            continue;
        }
        let l = loc(v, format!("{pod_key}.{k}"));
        match ns {
            Some(ns) => spec.namespaces.push((ns, Val::new("host".to_string(), l))),
            None => spec.network_mode = Some(Val::new("host".to_string(), l)),
        }
    }
    if let Some(limits) = c.path(&["resources", "limits"]) {
        let lk = |k: &str| format!("{prefix}.resources.limits.{k}");
        if let Some(v) = limits.get("memory") {
            spec.memory = v
                .str()
                .map(|s| Val::new(s.to_string(), loc(v, lk("memory"))));
        }
        if let Some(v) = limits.get("cpu") {
            spec.cpus = v.str().map(|s| Val::new(s.to_string(), loc(v, lk("cpu"))));
        }
    }
    if let Some(ports) = c.get("ports").and_then(Node::seq) {
        for (i, p) in ports.iter().enumerate() {
            if let Some(hp) = p.get("hostPort").and_then(Node::str) {
                spec.ports.push(Port {
                    host_ip: p.get("hostIP").and_then(Node::str).map(str::to_string),
                    host_port: Some(hp.to_string()),
                    container_port: p
                        .get("containerPort")
                        .and_then(Node::str)
                        .unwrap_or("")
                        .to_string(),
                    protocol: p
                        .get("protocol")
                        .and_then(Node::str)
                        .unwrap_or("TCP")
                        .to_ascii_lowercase(),
                    loc: loc(
                        p.get("hostPort").unwrap_or(p),
                        format!("{prefix}.ports[{i}].hostPort"),
                    ),
                });
            }
        }
    }
    if let Some(env) = c.get("env").and_then(Node::seq) {
        for (i, e) in env.iter().enumerate() {
            let name = e.get("name").and_then(Node::str).unwrap_or("").to_string();
            let value = e.get("value").and_then(Node::str).map(str::to_string);
            let at = e.get("value").or(e.get("name")).unwrap_or(e);
            spec.env.push(EnvVar {
                name,
                from_variable: value.is_none(),
                value,
                loc: loc(at, format!("{prefix}.env[{i}]")),
            });
        }
    }
    if ["livenessProbe", "readinessProbe", "startupProbe"]
        .iter()
        .any(|p| c.get(p).is_some())
    {
        let p = c
            .get("livenessProbe")
            .or(c.get("readinessProbe"))
            .or(c.get("startupProbe"))
            .unwrap_or(c);
        spec.healthcheck = Some(Val::new(
            Health::Defined,
            loc(p, format!("{prefix}.livenessProbe")),
        ));
    }
    if let Some(mounts) = c.get("volumeMounts").and_then(Node::seq) {
        let volumes = pod.get("volumes").and_then(Node::seq).unwrap_or(&[]);
        for (i, m) in mounts.iter().enumerate() {
            let vname = m.get("name").and_then(Node::str).unwrap_or("");
            let target = m
                .get("mountPath")
                .and_then(Node::str)
                .unwrap_or("")
                .to_string();
            let read_only = m.get("readOnly").and_then(Node::as_bool).unwrap_or(false);
            let propagation = m
                .get("mountPropagation")
                .and_then(Node::str)
                .unwrap_or("")
                .to_string();
            let vol = volumes
                .iter()
                .enumerate()
                .find(|(_, v)| v.get("name").and_then(Node::str) == Some(vname));
            let (kind, source, l) =
                match vol.and_then(|(vi, v)| v.path(&["hostPath", "path"]).map(|p| (vi, p))) {
                    Some((vi, p)) => (
                        MountKind::Bind,
                        p.str().map(str::to_string),
                        loc(p, format!("{pod_key}.volumes[{vi}].hostPath.path")),
                    ),
                    None => (
                        MountKind::Volume,
                        Some(vname.to_string()),
                        loc(m, format!("{prefix}.volumeMounts[{i}]")),
                    ),
                };
            if kind == MountKind::Bind
                && source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("/dev/") && !s.ends_with(".sock"))
            {
                spec.devices
                    .push(Val::new(source.clone().unwrap_or_default(), l.clone()));
                continue;
            }
            let options = if propagation == "Bidirectional" {
                propagation
            } else {
                String::new()
            };
            spec.mounts.push(Mount {
                kind,
                source,
                target,
                read_only,
                options,
                loc: l,
            });
        }
    }
    let cmd: Vec<&str> = ["command", "args"]
        .iter()
        .filter_map(|k| c.get(k))
        .flat_map(|n| n.items())
        .filter_map(Node::str)
        .collect();
    if !cmd.is_empty() {
        let at = c
            .get("command")
            .or(c.get("args"))
            .map(|n| loc(n, format!("{prefix}.command")))
            .unwrap_or_default();
        spec.command = Some(Val::new(cmd.join(" "), at));
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_workloads() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: web}\n  spec:\n    template:\n      spec:\n        hostPID: true\n        securityContext: {runAsNonRoot: true}\n        volumes: [{name: s, hostPath: {path: /var/run/docker.sock}}]\n        containers:\n        - name: app\n          image: app:1\n          volumeMounts: [{name: s, mountPath: /s}]\n        initContainers:\n        - name: init\n          image: busybox:1\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: j, image: j:1}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n";
        assert!(looks_like_kubernetes(text));
        let f = SourceFile::new("k.yaml", text);
        let (specs, errors) = specs(&f);
        assert!(errors.is_empty());
        assert_eq!(specs.len(), 3);
        assert_eq!(specs[0].namespaces.len(), 1);
        assert!(specs[0].run_as_non_root.as_ref().unwrap().value);
        assert_eq!(
            specs[0].mounts[0].source.as_deref(),
            Some("/var/run/docker.sock")
        );
        assert_eq!(specs[1].lifecycle, Lifecycle::OneOff);
        assert_eq!(specs[2].lifecycle, Lifecycle::OneOff);
        assert!(specs[0]
            .anchor
            .key
            .starts_with("Deployment/web:spec.template.spec.containers[0]"));
        assert!(!looks_like_kubernetes("services:\n  a: {}\n"));
    }
}
