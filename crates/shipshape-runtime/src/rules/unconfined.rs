use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2008",
    slug: "unconfined-security-profile",
    summary: "seccomp, AppArmor or SELinux confinement is switched off",
    severity: Severity::High,
    checklist: ChecklistItem::NoNewPrivileges,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.21"), ("compose-lint", "CL-0009")],
    fix: None,
    docs: "## What it does\nReports `--security-opt seccomp=unconfined`, `apparmor=unconfined`, `label=disable` (or `label:disable`), Kubernetes `seccompProfile.type: Unconfined`, `appArmorProfile.type: Unconfined` and the `container.apparmor.security.beta.kubernetes.io/<name>: unconfined` annotation.\n\n\
AppArmor stance: Docker and Podman apply their default AppArmor profile (`docker-default`) on hosts with AppArmor unless told otherwise, and containerd/CRI-O do the same for Kubernetes, so only an explicit `unconfined` is reported. Seccomp: Docker and Podman apply their default profile too; Kubernetes does not (see SS2009).\n\n\
Pod Security Standards: baseline; control: Seccomp, AppArmor, SELinux. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n## Why it matters\nThe default seccomp profile blocks about 44 system calls used in kernel exploits (`keyctl`, `unshare`, `bpf`, `mount`, ...); the default AppArmor profile denies writes to `/proc` and `/sys`; SELinux labels keep a container off other containers' files. Switching them off turns any kernel bug into a potential escape.\n\n\
## How to fix\nRemove the option, or write a custom profile that allows the one extra call needed.\n\n\
## Example\n```yaml\nsecurity_opt:\n  - seccomp:unconfined   # flagged\n```\n",
};

shipshape_core::declare_rule!(Unconfined);

impl Rule for Unconfined {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if let Some(s) = spec.seccomp.as_ref().filter(|s| is_unconfined(&s.value)) {
            cx.report(
                &META,
                spec,
                &s.loc,
                format!("`{}` runs without a seccomp profile", spec.name),
            );
        }
        if let Some(s) = spec.apparmor.as_ref().filter(|s| is_unconfined(&s.value)) {
            cx.report(
                &META,
                spec,
                &s.loc,
                format!("`{}` runs without an AppArmor profile", spec.name),
            );
        }
        for s in &spec.selinux {
            let v = s.value.trim().to_ascii_lowercase();
            if v == "disable" || v.ends_with("spc_t") {
                cx.report(
                    &META,
                    spec,
                    &s.loc,
                    format!(
                        "`{}` disables SELinux separation (`{}`)",
                        spec.name,
                        s.value.trim()
                    ),
                );
            }
        }
    }
}

fn is_unconfined(v: &str) -> bool {
    v.trim().eq_ignore_ascii_case("unconfined")
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(fires(
            "SS2008",
            &hard_with("--security-opt seccomp=unconfined")
        ));
        assert!(fires(
            "SS2008",
            &hard_with("--security-opt apparmor:unconfined")
        ));
        assert!(fires("SS2008", &hard_with("--security-opt label=disable")));
        assert!(!fires("SS2008", &hard_with("--security-opt seccomp=/etc/docker/seccomp.json --security-opt apparmor=docker-default")));
    }
}
