//! Rules written once against [`RuntimeSpec`]: each module holds one rule's metadata, docs and
//! check. The network rules see the whole Compose project (`crate::graph`) or set of Kubernetes
//! manifests (`crate::kgraph`).

use crate::graph::Graph;
use crate::kgraph::KubeGraph;
use crate::model::{Loc, RuntimeSpec};
use crate::pod_security::Fact;
use shipshape_core::{ByteSpan, Finding, Location, RuleMeta, Severity, SourceFile, SourceKind};
use std::collections::HashSet;

pub mod cap_drop_missing;
pub mod container_socket;
pub mod cpu_limit;
pub mod daemon_port;
pub mod dangerous_capability;
pub mod data_service_published;
pub mod default_bridge;
pub mod edge_reaches_data;
pub mod healthcheck_missing;
pub mod host_device;
pub mod host_namespace;
pub mod host_network;
pub mod image_digest;
pub mod image_latest;
pub mod log_rotation;
pub mod memory_limit;
pub mod mount_propagation;
pub mod network_policy_missing;
pub mod no_new_privileges;
pub mod pids_limit;
pub mod port_all_interfaces;
pub mod privileged;
pub mod proc_unmasked;
pub mod read_only;
pub mod restart_policy;
pub mod root_user;
pub mod sa_token;
pub mod seccomp_missing;
pub mod secret_env;
pub mod sensitive_mount;
pub mod tmpfs_exec;
pub mod unconfined;
pub mod unsafe_sysctl;
pub mod unsegmented_service;
pub mod user_missing;
pub mod volume_type;

/// A runtime rule: metadata plus hooks with empty defaults. A per-container rule implements
/// [`Rule::check_spec`] once and covers every front end (`docker run`, Compose, Kubernetes,
/// inspect JSON); a project-level rule implements [`Rule::check_project`] over the Compose
/// network graph.
pub use shipshape_core::rule::HasMeta;

pub trait Rule: HasMeta + Sync {
    /// Called for every container of every source.
    fn check_spec(&self, _spec: &RuntimeSpec, _cx: &mut Cx<'_>) {}

    /// Called once per Compose project, with its network graph.
    fn check_project(&self, _graph: &Graph, _specs: &[RuntimeSpec], _cx: &mut Cx<'_>) {}

    /// Called once per set of Kubernetes manifests analysed together (one directory), with its
    /// network graph.
    fn check_cluster(&self, _graph: &KubeGraph, _specs: &[RuntimeSpec], _cx: &mut Cx<'_>) {}

    /// Whether the rule decides its checklist item for containers of this kind of source
    /// (log rotation is the node's business in Kubernetes, not the manifest's).
    fn applies_to(&self, _kind: SourceKind) -> bool {
        true
    }
}

shipshape_core::register_rules! { dyn Rule;
    privileged::Privileged,
    dangerous_capability::DangerousCapability,
    cap_drop_missing::CapDropMissing,
    container_socket::ContainerSocket,
    sensitive_mount::SensitiveMount,
    host_network::HostNetwork,
    host_namespace::HostNamespace,
    unconfined::Unconfined,
    seccomp_missing::SeccompMissing,
    no_new_privileges::NoNewPrivileges,
    read_only::ReadOnly,
    memory_limit::MemoryLimit,
    cpu_limit::CpuLimit,
    pids_limit::PidsLimit,
    user_missing::UserMissing,
    root_user::RootUser,
    restart_policy::RestartPolicy,
    log_rotation::LogRotation,
    port_all_interfaces::PortAllInterfaces,
    daemon_port::DaemonPort,
    secret_env::SecretEnv,
    image_latest::ImageLatest,
    image_digest::ImageDigest,
    healthcheck_missing::HealthcheckMissing,
    host_device::HostDevice,
    default_bridge::DefaultBridge,
    sa_token::SaToken,
    mount_propagation::MountPropagation,
    edge_reaches_data::EdgeReachesData,
    data_service_published::DataServicePublished,
    unsegmented_service::UnsegmentedService,
    tmpfs_exec::TmpfsExec,
    network_policy_missing::NetworkPolicyMissing,
    proc_unmasked::ProcUnmasked,
    unsafe_sysctl::UnsafeSysctl,
    volume_type::VolumeType,
}

/// Collects findings for a set of files, once per rule and location.
pub struct Cx<'a> {
    files: &'a [SourceFile],
    pub findings: Vec<Finding>,
    seen: HashSet<(&'static str, usize, ByteSpan, String)>,
}

impl<'a> Cx<'a> {
    pub fn new(files: &'a [SourceFile]) -> Self {
        Cx {
            files,
            findings: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Reports `meta` at `loc` with the rule's default severity.
    pub fn report(
        &mut self,
        meta: &'static RuleMeta,
        spec: &RuntimeSpec,
        loc: &Loc,
        message: impl Into<String>,
    ) {
        self.report_with(meta, spec, loc, message, meta.severity);
    }

    /// Reports `meta` at `loc` with `severity`. A second report of the same rule at the same place
    /// and key (a pod-level setting seen from each container) is dropped; the key keeps apart two
    /// Compose services that share one anchored value.
    pub fn report_with(
        &mut self,
        meta: &'static RuleMeta,
        spec: &RuntimeSpec,
        loc: &Loc,
        message: impl Into<String>,
        severity: Severity,
    ) {
        self.push(meta, spec.kind(), loc, message.into(), severity);
    }

    /// [`Cx::report_with`], with what the rule knows for the Pod Security table
    /// ([`crate::pod_security`]): whether a mount is read-only, which capability was added.
    pub fn report_fact(
        &mut self,
        meta: &'static RuleMeta,
        spec: &RuntimeSpec,
        loc: &Loc,
        message: impl Into<String>,
        severity: Severity,
        fact: Fact<'_>,
    ) {
        self.push_fact(meta, spec.kind(), loc, message.into(), severity, fact);
    }

    /// Reports without a container (project-level rules).
    pub fn push(
        &mut self,
        meta: &'static RuleMeta,
        kind: SourceKind,
        loc: &Loc,
        message: String,
        severity: Severity,
    ) {
        self.push_fact(meta, kind, loc, message, severity, Fact::None);
    }

    fn push_fact(
        &mut self,
        meta: &'static RuleMeta,
        kind: SourceKind,
        loc: &Loc,
        message: String,
        severity: Severity,
        fact: Fact<'_>,
    ) {
        if !self
            .seen
            .insert((meta.code, loc.file, loc.span, loc.key.clone()))
        {
            return;
        }
        let (location, context) = match self.files.get(loc.file) {
            Some(file) => {
                let location = Location::in_file(file, loc.span.start, loc.span.end);
                let context = file
                    .text()
                    .get(loc.span.start..loc.span.end)
                    .unwrap_or("")
                    .to_string();
                (location, context)
            }
            None => (Location::path(""), String::new()),
        };
        let location = if loc.key.is_empty() {
            location
        } else {
            location.with_key(loc.key.clone())
        };
        let finding = Finding::new(meta, location, message, &context)
            .with_severity(severity)
            .with_source(kind)
            .with_profile(crate::pod_security::profile_of(meta.code, kind, fact));
        self.findings.push(finding);
    }
}

/// Runs every per-container rule on `spec`.
pub fn check_all(spec: &RuntimeSpec, cx: &mut Cx<'_>) {
    for rule in RULES {
        rule.check_spec(spec, cx);
    }
}

/// Capabilities that give a container a path to the host, with the severity of adding them.
pub fn capability_risk(cap: &str) -> Option<(Severity, &'static str)> {
    Some(match cap {
        "ALL" => (
            Severity::Critical,
            "every capability: equivalent to --privileged",
        ),
        "SYS_ADMIN" => (
            Severity::Critical,
            "mount, namespaces, BPF and more: the usual container escape",
        ),
        "SYS_MODULE" => (
            Severity::Critical,
            "loads kernel modules: full host control",
        ),
        "SYS_RAWIO" => (Severity::Critical, "raw I/O ports and /dev/mem access"),
        "DAC_READ_SEARCH" => (
            Severity::Critical,
            "open_by_handle_at: reads any host file (the 'shocker' escape)",
        ),
        "SYS_PTRACE" => (Severity::High, "traces and injects into other processes"),
        "NET_ADMIN" => (
            Severity::High,
            "reconfigures interfaces, routes and firewall rules",
        ),
        "BPF" => (Severity::High, "loads BPF programs into the kernel"),
        "PERFMON" => (
            Severity::High,
            "kernel performance monitoring, information leaks",
        ),
        "SYS_BOOT" => (Severity::High, "reboots the host and loads new kernels"),
        "SYS_TIME" => (Severity::High, "sets the host clock"),
        "MAC_ADMIN" => (Severity::High, "changes the LSM (AppArmor/SELinux) policy"),
        "MAC_OVERRIDE" => (Severity::High, "bypasses the LSM (AppArmor/SELinux) policy"),
        "LINUX_IMMUTABLE" => (
            Severity::High,
            "changes immutable and append-only file flags",
        ),
        "SYSLOG" => (Severity::High, "reads kernel logs with kernel addresses"),
        "SYS_RESOURCE" => (Severity::Medium, "overrides resource limits"),
        "NET_RAW" => (
            Severity::Low,
            "raw sockets: spoofed packets on the container network",
        ),
        _ => return None,
    })
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Builds specs from one `docker run` line, for rule unit tests.
    use super::*;

    /// Runs all rules on the first `docker run` of `cmd` and returns `(code, severity)` pairs.
    pub fn run(cmd: &str) -> Vec<(String, Severity)> {
        let file = SourceFile::new("run.sh", cmd.to_string());
        let specs = crate::dockerrun::specs_in_text(&file, 0, crate::shell::TextKind::Shell);
        let files = [file];
        let mut cx = Cx::new(&files);
        for s in &specs {
            check_all(s, &mut cx);
        }
        cx.findings
            .iter()
            .map(|f| (f.rule.code.to_string(), f.severity))
            .collect()
    }

    /// The codes of `run(cmd)`.
    pub fn codes(cmd: &str) -> Vec<String> {
        run(cmd).into_iter().map(|(c, _)| c).collect()
    }

    /// A hardened command to which a test adds or removes one flag.
    pub const HARD: &str = "docker run -d --user 10001 --read-only --memory 512m --cpus 1 --pids-limit 100 \
        --cap-drop ALL --security-opt no-new-privileges --restart always --log-opt max-size=10m \
        --health-cmd true --network app registry.example.com/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000";

    /// `HARD` with `extra` flags inserted before the image.
    pub fn hard_with(extra: &str) -> String {
        HARD.replace(
            " registry.example.com",
            &format!(" {extra} registry.example.com"),
        )
    }

    /// Whether `code` fires on `cmd`.
    pub fn fires(code: &str, cmd: &str) -> bool {
        codes(cmd).iter().any(|c| c == code)
    }
}
