use crate::model::{MountKind, RuntimeSpec};
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2004",
    slug: "container-socket-mount",
    summary: "the Docker, containerd, CRI-O or Podman API socket is mounted into the container",
    severity: Severity::Critical,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.31"), ("compose-lint", "CL-0001"), ("trivy", "KSV006"), ("checkov", "CKV_K8S_27")],
    fix: None,
    docs: "## What it does\nReports bind mounts (and Kubernetes `hostPath` volumes) of `docker.sock`, `containerd.sock`, `crio.sock`, `podman.sock`, their directories, or a directory that contains them (`/`, `/var`, `/run`, `/var/run`), read-only or not.\n\n\
Pod Security Standards: baseline; control: HostPath Volumes. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n## Why it matters\nWhoever can talk to the container runtime API can start a privileged container with the host's root filesystem mounted: the socket is root on the host. `:ro` does not help, a socket is not written to.\n\n\
## How to fix\nRemove the mount. Tools that need the API (CI runners, proxies) should get a restricted proxy (for example a socket proxy allowing only read endpoints) or a rootless daemon.\n\n\
## Example\n```yaml\nvolumes:\n  - /var/run/docker.sock:/var/run/docker.sock   # flagged\n```\n",
};

/// Whether a host path is (or is the directory of) a container runtime API socket.
pub fn is_runtime_socket(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    const SOCKETS: [&str; 5] = [
        "docker.sock",
        "containerd.sock",
        "crio.sock",
        "podman.sock",
        "dockershim.sock",
    ];
    if SOCKETS.iter().any(|s| p.ends_with(s)) {
        return true;
    }
    // the host root and the run directories contain the sockets
    matches!(
        p,
        "" | "/var"
            | "/var/run"
            | "/run"
            | "/var/run/docker"
            | "/run/docker"
            | "/run/containerd"
            | "/var/run/containerd"
            | "/var/run/crio"
            | "/run/crio"
            | "/run/podman"
    )
}

shipshape_core::declare_rule!(ContainerSocket);

impl Rule for ContainerSocket {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        for m in &spec.mounts {
            if m.kind != MountKind::Bind {
                continue;
            }
            if let Some(src) = m.source.as_deref().filter(|s| is_runtime_socket(s)) {
                cx.report(
                    &META,
                    spec,
                    &m.loc,
                    format!(
                    "`{}` mounts the container runtime socket `{src}`: full control of the host",
                    spec.name
                ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(fires(
            "SS2004",
            &hard_with("-v /var/run/docker.sock:/var/run/docker.sock:ro")
        ));
        assert!(fires(
            "SS2004",
            &hard_with("--mount type=bind,source=/run/containerd/containerd.sock,target=/c.sock")
        ));
        assert!(!fires("SS2004", &hard_with("-v data:/var/run/docker")));
        assert!(!fires("SS2004", HARD));
    }
}
