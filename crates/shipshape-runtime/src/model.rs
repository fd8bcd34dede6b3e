//! `RuntimeSpec`: one container's runtime settings, whichever file they were written in.
//!
//! Every value keeps where it came from ([`Loc`]: file index, byte range and a symbolic key), so a
//! rule written once against this model points at the exact flag of a `docker run` line, the exact
//! key of a Compose service, Kubernetes container or `docker inspect` document.

use shipshape_core::{ByteSpan, SourceKind};

/// Where a value was written: a byte range (core's one [`ByteSpan`]) in one of the analysed files, plus a symbolic key
/// (`services.web.privileged`, `Deployment/web:spec.template.spec.containers[0]`, `app --privileged`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loc {
    /// Index into the file list the front end was given.
    pub file: usize,
    pub span: ByteSpan,
    pub key: String,
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Val<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> Val<T> {
    pub fn new(value: T, loc: Loc) -> Self {
        Val { value, loc }
    }
}

/// What kind of mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    /// A host path (`-v /host:/ctr`, `type: bind`, Kubernetes `hostPath`).
    Bind,
    /// A named or anonymous volume.
    Volume,
    Tmpfs,
    /// Anything else (npipe, cluster, image, ...).
    Other,
}

/// One mount.
#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    pub kind: MountKind,
    /// Host path (bind) or volume name; `None` for anonymous volumes and tmpfs.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    /// Mount options as written (`rw,noexec,size=64m`, propagation, ...).
    pub options: String,
    pub loc: Loc,
}

/// One published port.
#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    /// Host address; `None` means all interfaces.
    pub host_ip: Option<String>,
    /// Host port or range; `None` means an ephemeral port.
    pub host_port: Option<String>,
    pub container_port: String,
    pub protocol: String,
    pub loc: Loc,
}

impl Port {
    /// Whether the port is reachable on every host interface.
    pub fn on_all_interfaces(&self) -> bool {
        match self.host_ip.as_deref().map(str::trim) {
            None | Some("") | Some("0.0.0.0") | Some("::") | Some("[::]") => true,
            Some(ip) => ip.starts_with('$'),
        }
    }

    /// Whether the host address is a loopback address.
    pub fn on_loopback(&self) -> bool {
        matches!(
            self.host_ip.as_deref().map(|s| s.trim_matches(|c| c == '[' || c == ']')),
            Some(ip) if ip.starts_with("127.") || ip == "::1" || ip == "localhost"
        )
    }

    /// Container and host port numbers (first of a range), for classification.
    pub fn numbers(&self) -> Vec<u16> {
        let mut v = Vec::new();
        for p in [
            Some(self.container_port.as_str()),
            self.host_port.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            let first = p.split('-').next().unwrap_or("").trim();
            if let Ok(n) = first.parse::<u16>() {
                v.push(n);
            }
        }
        v
    }
}

/// One environment variable.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    pub name: String,
    /// The literal value; `None` when it comes from elsewhere (`-e NAME`, `valueFrom`).
    pub value: Option<String>,
    /// The value is (or contains) a variable reference resolved outside the file.
    pub from_variable: bool,
    pub loc: Loc,
}

/// Health check as configured for the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// A check (or a Kubernetes probe) is defined.
    Defined,
    /// Explicitly disabled (`--no-healthcheck`, `disable: true`, `test: ["NONE"]`).
    Disabled,
}

/// Host namespaces a container can share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Namespace {
    Pid,
    Ipc,
    Uts,
    User,
    Cgroup,
}

impl Namespace {
    pub fn name(self) -> &'static str {
        match self {
            Namespace::Pid => "PID",
            Namespace::Ipc => "IPC",
            Namespace::Uts => "UTS",
            Namespace::User => "user",
            Namespace::Cgroup => "cgroup",
        }
    }
}

/// What the container is for, as far as lifecycle rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lifecycle {
    /// A long-running service (the default).
    #[default]
    Service,
    /// Runs to completion: `docker run --rm` in the foreground, a Kubernetes Job or CronJob, an
    /// init container. Restart policy, health checks and log rotation do not apply.
    OneOff,
}

/// One container's runtime configuration.
#[derive(Debug, Clone, Default)]
pub struct RuntimeSpec {
    pub source: Option<SourceKind>,
    /// Service, container or `--name`; for messages.
    pub name: String,
    /// Where "missing setting" findings point: the `docker run` words, the service key, the
    /// container's name.
    pub anchor: Loc,
    pub lifecycle: Lifecycle,

    pub image: Option<Val<String>>,
    /// The image reference before interpolation, when it used variables (`app:${TAG:-latest}`).
    pub image_raw: Option<String>,
    /// The image reference depends on a variable with no value here.
    pub image_unresolved: bool,
    pub command: Option<Val<String>>,

    pub user: Option<Val<String>>,
    /// Kubernetes `runAsNonRoot`.
    pub run_as_non_root: Option<Val<bool>>,
    pub read_only: Option<Val<bool>>,
    pub mounts: Vec<Mount>,

    pub memory: Option<Val<String>>,
    pub cpus: Option<Val<String>>,
    pub pids_limit: Option<Val<String>>,
    /// The source has no way to set a PID limit per container (Kubernetes).
    pub pids_not_applicable: bool,

    pub cap_add: Vec<Val<String>>,
    pub cap_drop: Vec<Val<String>>,
    pub privileged: Option<Val<bool>>,
    pub no_new_privileges: Option<Val<bool>>,
    pub seccomp: Option<Val<String>>,
    /// Whether the runtime confines the container with a default seccomp profile when none is
    /// named (Docker, Podman: yes; Kubernetes: no, it runs `Unconfined` by default).
    pub seccomp_default_confined: bool,
    pub apparmor: Option<Val<String>>,
    /// SELinux options (`label=...`, `seLinuxOptions`), as written.
    pub selinux: Vec<Val<String>>,

    /// `host`, `none`, `bridge`, `service:x`, `container:x` or a network name (Docker/Compose);
    /// Kubernetes `hostNetwork: true` becomes `host`.
    pub network_mode: Option<Val<String>>,
    pub networks: Vec<Val<String>>,
    pub namespaces: Vec<(Namespace, Val<String>)>,
    pub devices: Vec<Val<String>>,
    pub ports: Vec<Port>,
    /// Where `ports:` is written (Compose), for service-level port findings.
    pub ports_key: Option<Loc>,
    pub publish_all: Option<Val<bool>>,

    pub restart: Option<Val<String>>,
    /// Restart policy is handled by a controller (Kubernetes).
    pub restart_not_applicable: bool,
    pub log_driver: Option<Val<String>>,
    pub log_opts: Vec<(String, Val<String>)>,
    /// Logs are rotated by something outside the container's settings (kubelet).
    pub log_rotation_not_applicable: bool,
    pub healthcheck: Option<Val<Health>>,
    pub env: Vec<EnvVar>,
    pub secrets: Vec<Val<String>>,
    /// Kubernetes `automountServiceAccountToken` (pod or service account), if the source has it.
    pub automount_sa_token: Option<Val<bool>>,
    /// Where the pod spec is (Kubernetes), for pod-level findings.
    pub pod_anchor: Option<Loc>,
    /// The image is built by the same Compose file (`build:`), so its tag is a local name, or
    /// by Skaffold, which deploys the exact reference it built.
    pub image_built: bool,
    /// Compose `profiles:`: the service starts only when one of them is enabled (empty: always).
    pub profiles: Vec<String>,
    /// `/proc` is not masked: Kubernetes `procMount: Unmasked`, Docker
    /// `--security-opt systempaths=unconfined`.
    pub proc_unmasked: Option<Loc>,
    /// Kubernetes pod `securityContext.sysctls`: `name=value`.
    pub sysctls: Vec<Val<String>>,
    /// Kubernetes pod volumes by type (`nfs`, `configMap`, …), at the volume's type key.
    pub volume_types: Vec<Val<String>>,
    /// The image is built here from a Dockerfile of the scan (Compose `build:`), and what that
    /// Dockerfile says it does at run time.
    pub built_from: Option<BuiltImage>,
}

/// An image a Compose service builds from a Dockerfile of the scan.
#[derive(Debug, Clone)]
pub struct BuiltImage {
    /// The Dockerfile, relative to the scan root (`app/Dockerfile`).
    pub dockerfile: String,
    /// `build.target`, if set.
    pub target: Option<String>,
    /// What the stage built does at run time, as the Dockerfile analyser published it (`None`:
    /// the Dockerfile was not analysed, or the target is not one of its stages).
    pub stage: Option<shipshape_core::facts::StageFacts>,
}

impl RuntimeSpec {
    /// The facts of the image built here for this container, if known.
    pub fn built_stage(&self) -> Option<&shipshape_core::facts::StageFacts> {
        self.built_from.as_ref().and_then(|b| b.stage.as_ref())
    }

    /// Where the image built here for this container sets a non-root `USER` (Dockerfile path
    /// and line), if it does.
    pub fn image_user_non_root(&self) -> Option<(String, &str)> {
        let b = self.built_from.as_ref()?;
        match &b.stage.as_ref()?.user {
            shipshape_core::facts::ImageUser::NonRoot { user, line } => Some((
                line.map_or_else(|| b.dockerfile.clone(), |l| format!("{}:{l}", b.dockerfile)),
                user.as_str(),
            )),
            _ => None,
        }
    }
}

impl RuntimeSpec {
    /// A spec for `source`, with the defaults of that runtime.
    pub fn new(source: SourceKind, name: impl Into<String>, anchor: Loc) -> Self {
        RuntimeSpec {
            source: Some(source),
            name: name.into(),
            anchor,
            seccomp_default_confined: source != SourceKind::Kubernetes,
            ..RuntimeSpec::default()
        }
    }

    pub fn kind(&self) -> SourceKind {
        self.source.unwrap_or(SourceKind::DockerRun)
    }

    pub fn is_privileged(&self) -> bool {
        self.privileged.as_ref().is_some_and(|p| p.value)
    }

    /// Whether capability `cap` (normalised, no `CAP_` prefix) is in the drop list (or `ALL` is).
    pub fn drops(&self, cap: &str) -> bool {
        self.cap_drop
            .iter()
            .any(|c| normalise_cap(&c.value) == "ALL" || normalise_cap(&c.value) == cap)
    }
}

/// `cap_net_admin` → `NET_ADMIN`.
pub fn normalise_cap(s: &str) -> String {
    let u = s.trim().to_ascii_uppercase();
    u.strip_prefix("CAP_").map(str::to_string).unwrap_or(u)
}

/// Whether a memory/CPU/PID limit value means "no limit".
pub fn is_unlimited(v: &str) -> bool {
    let t = v.trim().trim_matches('"');
    t.is_empty() || t == "-1" || t.chars().all(|c| c == '0' || c == '.')
}
