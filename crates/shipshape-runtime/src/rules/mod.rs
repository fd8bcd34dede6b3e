//! Rules written once against [`RuntimeSpec`]: each module holds one rule's metadata, docs and
//! check. The Compose network rules (which need the whole project) live in `crate::graph`.

use crate::model::{Loc, RuntimeSpec};
use shipshape_core::{Finding, Location, RuleMeta, Severity, SourceFile, SourceKind};
use std::collections::HashSet;

pub mod cap_drop_missing;
pub mod container_socket;
pub mod cpu_limit;
pub mod daemon_port;
pub mod dangerous_capability;
pub mod default_bridge;
pub mod healthcheck_missing;
pub mod host_device;
pub mod host_namespace;
pub mod host_network;
pub mod image_digest;
pub mod image_latest;
pub mod log_rotation;
pub mod memory_limit;
pub mod mount_propagation;
pub mod no_new_privileges;
pub mod pids_limit;
pub mod port_all_interfaces;
pub mod privileged;
pub mod read_only;
pub mod restart_policy;
pub mod root_user;
pub mod sa_token;
pub mod seccomp_missing;
pub mod secret_env;
pub mod sensitive_mount;
pub mod tmpfs_exec;
pub mod unconfined;
pub mod user_missing;

/// A check over one container.
pub type Check = fn(&RuntimeSpec, &mut Cx<'_>);

/// Every per-container rule with its check, in code order.
pub static CHECKS: &[(&RuleMeta, Check)] = &[
    (&privileged::META, privileged::check),
    (&dangerous_capability::META, dangerous_capability::check),
    (&cap_drop_missing::META, cap_drop_missing::check),
    (&container_socket::META, container_socket::check),
    (&sensitive_mount::META, sensitive_mount::check),
    (&host_network::META, host_network::check),
    (&host_namespace::META, host_namespace::check),
    (&unconfined::META, unconfined::check),
    (&seccomp_missing::META, seccomp_missing::check),
    (&no_new_privileges::META, no_new_privileges::check),
    (&read_only::META, read_only::check),
    (&memory_limit::META, memory_limit::check),
    (&cpu_limit::META, cpu_limit::check),
    (&pids_limit::META, pids_limit::check),
    (&user_missing::META, user_missing::check),
    (&root_user::META, root_user::check),
    (&restart_policy::META, restart_policy::check),
    (&log_rotation::META, log_rotation::check),
    (&port_all_interfaces::META, port_all_interfaces::check),
    (&daemon_port::META, daemon_port::check),
    (&secret_env::META, secret_env::check),
    (&image_latest::META, image_latest::check),
    (&image_digest::META, image_digest::check),
    (&healthcheck_missing::META, healthcheck_missing::check),
    (&host_device::META, host_device::check),
    (&default_bridge::META, default_bridge::check),
    (&sa_token::META, sa_token::check),
    (&mount_propagation::META, mount_propagation::check),
    (&tmpfs_exec::META, tmpfs_exec::check),
];

/// Collects findings for a set of files, once per rule and location.
pub struct Cx<'a> {
    files: &'a [SourceFile],
    pub findings: Vec<Finding>,
    seen: HashSet<(&'static str, usize, usize, usize, String)>,
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

    /// Reports without a container (project-level rules).
    pub fn push(
        &mut self,
        meta: &'static RuleMeta,
        kind: SourceKind,
        loc: &Loc,
        message: String,
        severity: Severity,
    ) {
        if !self
            .seen
            .insert((meta.code, loc.file, loc.start, loc.end, loc.key.clone()))
        {
            return;
        }
        let (location, context) = match self.files.get(loc.file) {
            Some(file) => {
                let location = Location::in_file(file, loc.start, loc.end);
                let context = file
                    .text()
                    .get(loc.start..loc.end)
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
            .with_source(kind);
        self.findings.push(finding);
    }
}

/// Runs every per-container rule on `spec`.
pub fn check_all(spec: &RuntimeSpec, cx: &mut Cx<'_>) {
    for (_, check) in CHECKS {
        check(spec, cx);
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
            .map(|f| (f.rule.clone(), f.severity))
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
