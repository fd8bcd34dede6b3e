use crate::model::{Namespace, RuntimeSpec};
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2007",
    slug: "host-namespace",
    summary: "container shares the host's PID, IPC, UTS, user or cgroup namespace",
    severity: Severity::High,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.15"), ("compose-lint", "CL-0010"), ("trivy", "KSV010"), ("checkov", "CKV_K8S_17")],
    fix: None,
    docs: "## What it does\nReports `--pid host` (high), `--ipc host` (medium), `--uts host`, `--userns host` and `--cgroupns host` (low) and their Compose, Kubernetes (`hostPID`, `hostIPC`, `hostUsers: true` is the default and not reported) and `docker inspect` forms.\n\n\
Pod Security Standards: baseline; control: Host Namespaces. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n## Why it matters\nWith the host PID namespace a container sees and can signal or trace every host process (and read their environment through `/proc`); the host IPC namespace exposes shared memory of host processes; the host UTS namespace lets it change the host name; sharing the user namespace undoes user-namespace remapping.\n\n\
## How to fix\nRemove the setting. For debugging, use an ephemeral debug container instead of a permanent one.\n\n\
## Example\n```sh\ndocker run --pid=host app:1.0   # flagged\n```\n",
};

shipshape_core::declare_rule!(HostNamespace);

impl Rule for HostNamespace {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        for (ns, val) in &spec.namespaces {
            if val.value.trim() != "host" {
                continue;
            }
            let sev = match ns {
                Namespace::Pid => Severity::High,
                Namespace::Ipc => Severity::Medium,
                Namespace::Uts | Namespace::User | Namespace::Cgroup => Severity::Low,
            };
            cx.report_with(
                &META,
                spec,
                &val.loc,
                format!("`{}` shares the host {} namespace", spec.name, ns.name()),
                sev,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    use shipshape_core::Severity;
    #[test]
    fn cases() {
        assert!(run(&hard_with("--pid=host")).contains(&("SS2007".to_string(), Severity::High)));
        assert!(run(&hard_with("--ipc host")).contains(&("SS2007".to_string(), Severity::Medium)));
        assert!(!fires(
            "SS2007",
            &hard_with("--ipc private --pid container:x")
        ));
    }
}
