use crate::model::{MountKind, RuntimeSpec};
use crate::pod_security::Fact;
use crate::rules::container_socket::is_runtime_socket;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2005",
    slug: "sensitive-host-mount",
    summary: "a sensitive host directory is mounted into the container",
    severity: Severity::High,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.5"), ("compose-lint", "CL-0013"), ("compose-lint", "CL-0025"), ("trivy", "KSV023")],
    fix: None,
    docs: "## What it does\nReports bind mounts (`docker run -v`, Compose `volumes:`) and `hostPath` volumes of `/`, `/etc`, `/proc`, `/sys`, `/dev`, `/boot`, `/root`, `/home`, `/run`, `/var/run`, `/usr`, `/lib`, `/lib64`, `/bin`, `/sbin`, `/var/lib`, `/var/lib/docker`, `/var/lib/containerd`, `/var/lib/kubelet`, `/var/log` and paths below `/etc`, `/proc`, `/sys`, `/boot`, `/root`, `/usr/bin`, `/usr/sbin`, `/usr/lib`, `/usr/lib64`, `/usr/libexec`, `/usr/local/bin`, `/usr/local/sbin`, `/usr/local/lib`, `/lib`, `/lib64`, `/bin`, `/sbin`, `/var/lib/docker`, `/var/lib/kubelet`, `/var/log`, `/run`, `/var/run`, `/dev`; `/lib/modules` writable is high. Log and system directories mounted writable are what trivy's KSV023 reports. The host root and the run directories hold the container runtime socket and are reported by SS2004 instead.\n\n\
Severity: the host root writable is critical; a whole sensitive directory is high when writable and medium read-only; a path below one is medium when writable and low read-only; `/var/log` and anything below it is high when writable (the kubelet serves its files: a symbolic link planted there reads any host file) and low read-only. Read-only `/etc/localtime`, `/etc/timezone`, `/etc/hosts`, `/etc/machine-id`, `/etc/ssl/certs` and `/etc/ca-certificates` are not reported: they are the usual way to share time zone and CA certificates.\n\n\
Pod Security Standards: baseline (writable mounts of a whole system directory or of /var/log); control: HostPath Volumes. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n## Why it matters\nWrite access to these paths is a direct host takeover (cron, systemd units, SSH keys, kernel parameters, host binaries and libraries, kubelet logs turned into links to host files); read access leaks credentials (`/etc/shadow`, `/root/.ssh`, kubelet certificates).\n\n\
## How to fix\nMount only the specific file needed, read-only, or copy it into a volume or secret.\n\n\
## Example\n```sh\ndocker run -v /:/host app:1.0           # flagged, critical\ndocker run -v /etc/localtime:/etc/localtime:ro app:1.0   # fine\n```\n",
};

const WHOLE: [&str; 20] = [
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/home",
    "/run",
    "/var/run",
    "/usr",
    "/lib",
    "/bin",
    "/sbin",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/kubelet",
    "/var",
    "/var/lib",
    "/lib64",
];
const BELOW: [&str; 22] = [
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/root",
    "/var/lib/docker",
    "/var/lib/kubelet",
    "/run",
    "/var/run",
    "/dev",
    "/usr/bin",
    "/usr/sbin",
    "/usr/lib",
    "/usr/lib64",
    "/usr/libexec",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/local/lib",
    "/lib",
    "/lib64",
    "/bin",
    "/sbin",
];
const HARMLESS_RO: [&str; 7] = [
    "/etc/localtime",
    "/etc/timezone",
    "/etc/hosts",
    "/etc/machine-id",
    "/etc/ssl/certs",
    "/etc/ca-certificates",
    "/etc/resolv.conf",
];

/// Normalises a host path: collapses `//`, drops `/.` and a trailing slash.
fn normalise(p: &str) -> String {
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

/// The severity of mounting `path`, if it is sensitive.
pub fn risk(path: &str, read_only: bool) -> Option<Severity> {
    if !path.starts_with('/') || is_runtime_socket(path) {
        return None;
    }
    let p = normalise(path);
    if p == "/" {
        return Some(if read_only {
            Severity::High
        } else {
            Severity::Critical
        });
    }
    // writing kernel modules the host loads later is host code execution
    if p == "/lib/modules" || p.starts_with("/lib/modules/") || p == "/usr/lib/modules" {
        return Some(if read_only {
            Severity::Low
        } else {
            Severity::High
        });
    }
    // the kubelet serves files under /var/log (`/logs/`): a writable mount plants symbolic
    // links there and reads any host file through the kubelet (trivy KSV023's reason)
    if p == "/var/log" || p.starts_with("/var/log/") {
        return Some(if read_only {
            Severity::Low
        } else {
            Severity::High
        });
    }
    if WHOLE.contains(&p.as_str()) {
        return Some(if read_only {
            Severity::Medium
        } else {
            Severity::High
        });
    }
    if read_only
        && HARMLESS_RO
            .iter()
            .any(|h| p == *h || p.starts_with(&format!("{h}/")))
    {
        return None;
    }
    if BELOW
        .iter()
        .any(|b| p == *b || p.starts_with(&format!("{b}/")))
    {
        return Some(if read_only {
            Severity::Low
        } else {
            Severity::Medium
        });
    }
    None
}

shipshape_core::declare_rule!(SensitiveMount);

impl Rule for SensitiveMount {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        for m in &spec.mounts {
            if m.kind != MountKind::Bind {
                continue;
            }
            let Some(src) = m.source.as_deref() else {
                continue;
            };
            if let Some(sev) = risk(src, m.read_only) {
                let mode = if m.read_only { "read-only" } else { "writable" };
                cx.report_fact(
                    &META,
                    spec,
                    &m.loc,
                    format!(
                        "`{}` mounts host path `{src}` ({mode}) at `{}`",
                        spec.name, m.target
                    ),
                    sev,
                    Fact::Mount {
                        writable_system: !m.read_only && sev >= Severity::High,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::risk;
    use crate::rules::testutil::*;
    use shipshape_core::Severity;
    #[test]
    fn cases() {
        // the host root holds the runtime socket: SS2004 reports it
        assert_eq!(risk("/", false), None);
        assert_eq!(risk("/usr", false), Some(Severity::High));
        assert_eq!(risk("/etc/", true), Some(Severity::Medium));
        assert_eq!(risk("/etc/localtime", true), None);
        assert_eq!(risk("/etc/localtime", false), Some(Severity::Medium));
        assert_eq!(risk("/srv/data", false), None);
        assert_eq!(risk("/lib/modules", false), Some(Severity::High));
        assert_eq!(risk("./conf", false), None);
        assert_eq!(risk("/var/log", false), Some(Severity::High));
        assert_eq!(risk("/var/log/pods/", false), Some(Severity::High));
        assert_eq!(risk("/var/log", true), Some(Severity::Low));
        assert_eq!(risk("/usr/local/bin", false), Some(Severity::Medium));
        assert_eq!(risk("/var/lib", false), Some(Severity::High));
        assert_eq!(risk("/var/lib/app-data", false), None);
        assert_eq!(risk("/var/logs", false), None);
        // an application's data under /usr (linuxserver images' /usr/share/appdata) is not a
        // system directory
        assert_eq!(risk("/usr/share/appdata/wireguard", false), None);
        assert!(fires("SS2004", &hard_with("-v /:/host:ro")));
        assert!(fires("SS2005", &hard_with("-v /usr:/host/usr")));
        assert!(fires("SS2005", &hard_with("--volume=/proc:/host/proc:ro")));
        assert!(!fires(
            "SS2005",
            &hard_with("-v /etc/localtime:/etc/localtime:ro -v /srv/app:/data")
        ));
    }
}
