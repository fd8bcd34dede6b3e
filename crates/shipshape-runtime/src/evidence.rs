//! Why each checklist item holds for one container (or does not apply to it), in the words of
//! its settings: "web: user 10001", "web: read-only root filesystem", "job: runs once: no
//! health check needed". The policy passes an item only on such evidence and drops evidence a
//! finding on the same item and file contradicts, so a note may state an absence ("no secret in
//! its 4 environment variables") that holds exactly when the rules found nothing.

use crate::model::{is_unlimited, normalise_cap, Health, Lifecycle, RuntimeSpec};
use shipshape_core::report::Analysis;
use shipshape_core::{ChecklistItem, Evidence, SourceFile, SourceKind};

/// Records the evidence of one container, about the file it is written in.
pub fn record(spec: &RuntimeSpec, files: &[SourceFile], out: &mut Analysis) {
    let Some(file) = files.get(spec.anchor.file).or_else(|| files.first()) else {
        return;
    };
    let path = file.path();
    let name = spec.name.as_str();
    let kind = spec.kind();
    let mut pass = |item: ChecklistItem, note: String| {
        out.add_evidence(Evidence::pass(item, path, format!("{name}: {note}")));
    };

    // non-root
    if let Some(u) = spec.user.as_ref().filter(|u| !is_root(&u.value)) {
        pass(ChecklistItem::NonRoot, format!("user {}", u.value));
    } else if spec.run_as_non_root.as_ref().is_some_and(|v| v.value) {
        pass(ChecklistItem::NonRoot, "runAsNonRoot: true".into());
    }

    // read-only
    if spec.read_only.as_ref().is_some_and(|v| v.value) {
        pass(ChecklistItem::ReadOnly, "read-only root filesystem".into());
    }

    // resource limits
    let mut limits = Vec::new();
    for (what, v) in [
        ("memory", &spec.memory),
        ("cpus", &spec.cpus),
        ("pids", &spec.pids_limit),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !is_unlimited(&v.value)) {
            limits.push(format!("{what} {}", v.value));
        }
    }
    if !limits.is_empty() {
        pass(ChecklistItem::ResourceLimits, limits.join(", "));
    }

    // capabilities
    if !spec.is_privileged() {
        let dropped: Vec<String> = spec
            .cap_drop
            .iter()
            .map(|c| normalise_cap(&c.value))
            .collect();
        let added: Vec<String> = spec
            .cap_add
            .iter()
            .map(|c| normalise_cap(&c.value))
            .collect();
        let mut note = "not privileged".to_string();
        if !dropped.is_empty() {
            note.push_str(&format!(", drops {}", dropped.join(", ")));
        }
        if added.is_empty() {
            note.push_str(", adds no capability");
        } else {
            note.push_str(&format!(", adds only {}", added.join(", ")));
        }
        pass(ChecklistItem::Capabilities, note);
    }

    // no-new-privileges
    if spec.no_new_privileges.as_ref().is_some_and(|v| v.value) {
        let seccomp = match &spec.seccomp {
            Some(s) => format!("seccomp {}", s.value),
            None if spec.seccomp_default_confined => "the runtime's default seccomp profile".into(),
            None => "no seccomp profile named".into(),
        };
        pass(
            ChecklistItem::NoNewPrivileges,
            format!("no-new-privileges, {seccomp}"),
        );
    }

    // log rotation
    if spec.lifecycle == Lifecycle::OneOff {
        out_na(
            out,
            ChecklistItem::LogRotation,
            path,
            name,
            "runs once: no logs to rotate",
        );
    } else if spec.log_rotation_not_applicable || kind == SourceKind::Kubernetes {
        out_na(
            out,
            ChecklistItem::LogRotation,
            path,
            name,
            "the kubelet rotates container logs",
        );
    } else {
        let driver = spec.log_driver.as_ref().map(|d| d.value.as_str());
        let max_size = spec
            .log_opts
            .iter()
            .find(|(k, _)| k == "max-size")
            .map(|(_, v)| v.value.as_str());
        let note = match (driver, max_size) {
            (d, Some(size)) => Some(format!(
                "logging {} max-size {size}",
                d.unwrap_or("json-file")
            )),
            (Some(d), None) if d != "json-file" => Some(format!("log driver {d}")),
            _ => None,
        };
        if let Some(note) = note {
            out.add_evidence(Evidence::pass(
                ChecklistItem::LogRotation,
                path,
                format!("{name}: {note}"),
            ));
        }
    }
    let mut pass = |item: ChecklistItem, note: String| {
        out.add_evidence(Evidence::pass(item, path, format!("{name}: {note}")));
    };

    // image tag
    if let Some(image) = spec.image.as_ref().filter(|_| !spec.image_unresolved) {
        let note = if image.value.contains("@sha256:") {
            format!("image {} pinned by digest", image.value)
        } else if spec.image_built {
            format!("image {} built by the project", image.value)
        } else {
            format!("image {} pinned by tag", image.value)
        };
        pass(ChecklistItem::ImageTag, note);
    }

    // network
    let host_network = spec
        .network_mode
        .as_ref()
        .is_some_and(|m| m.value == "host");
    if !host_network {
        let note = if spec.ports.is_empty() {
            "publishes no ports on the host".to_string()
        } else if spec.ports.iter().all(|p| p.on_loopback()) {
            "ports bound to the loopback address only".to_string()
        } else {
            let shown: Vec<String> = spec
                .ports
                .iter()
                .take(3)
                .map(|p| match &p.host_port {
                    Some(h) => format!("{h}:{}", p.container_port),
                    None => p.container_port.clone(),
                })
                .collect();
            format!("publishes {}, none of them sensitive", shown.join(", "))
        };
        pass(ChecklistItem::Network, note);
    }

    // secrets
    let literal = spec.env.iter().filter(|e| e.value.is_some()).count();
    pass(
        ChecklistItem::Secrets,
        format!(
            "no secret in its {literal} literal environment value{}",
            if literal == 1 { "" } else { "s" }
        ),
    );

    // health check
    match (spec.healthcheck.as_ref().map(|h| h.value), spec.lifecycle) {
        (Some(Health::Defined), _) => pass(
            ChecklistItem::Healthcheck,
            match (&spec.restart, kind) {
                (_, SourceKind::Kubernetes) => "probes defined".into(),
                (Some(r), _) => format!("health check defined, restart {}", r.value),
                (None, _) => "health check defined".into(),
            },
        ),
        (_, Lifecycle::OneOff) => out_na(
            out,
            ChecklistItem::Healthcheck,
            path,
            name,
            "runs once: no health check needed",
        ),
        _ => {}
    }
}

fn out_na(out: &mut Analysis, item: ChecklistItem, path: &str, name: &str, note: &str) {
    out.add_evidence(Evidence::not_applicable(
        item,
        path,
        format!("{name}: {note}"),
    ));
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

#[cfg(test)]
mod tests {
    use shipshape_core::{ChecklistItem, SourceFile};

    fn notes(text: &str, item: ChecklistItem) -> Vec<(bool, String)> {
        let file = SourceFile::new("compose.yaml", text);
        let a = crate::analyse_compose(&[file], std::path::Path::new("."));
        a.evidence
            .iter()
            .filter(|e| e.item == item)
            .map(|e| (e.verdict.is_pass(), e.note().to_string()))
            .collect()
    }

    #[test]
    fn per_service_notes() {
        let text = "services:\n  web:\n    image: a:1\n    read_only: true\n    user: \"1000\"\n  job:\n    image: b:1\n    user: root\n";
        assert_eq!(
            notes(text, ChecklistItem::ReadOnly),
            vec![(true, "web: read-only root filesystem".to_string())]
        );
        assert_eq!(
            notes(text, ChecklistItem::NonRoot),
            vec![(true, "web: user 1000".to_string())],
            "root is no evidence"
        );
        let limits = notes(
            "services:\n  web:\n    image: a:1\n    mem_limit: 0\n",
            ChecklistItem::ResourceLimits,
        );
        assert!(limits.is_empty(), "an unlimited value is no evidence");
    }
}
