//! Which Kubernetes Pod Security Standards profile forbids what each runtime rule reports: one
//! table, read when a finding is made ([`crate::rules::Cx`]) and printed in the README and the
//! rule documentation (a test keeps the three in step).
//!
//! The policy gates on it: a finding the enforced profile (`profile` in shipshape.toml,
//! default `baseline`) forbids fails the run whatever its severity; a finding only `restricted`
//! forbids is reported and does not decide the exit code under `baseline`. Rules not in the
//! table gate by severity alone. shipshape's `restricted` level also holds the hardening PSS does
//! not name (a read-only root filesystem, memory, CPU and PID limits): the full production
//! checklist.

use shipshape_core::{Profile, SourceKind};

/// Which of a rule's findings the profile forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Every finding of the rule.
    Always,
    /// Findings in Kubernetes manifests only (`hostPort`, `hostPath` devices): elsewhere the
    /// same setting is ordinary and judged by its severity.
    Kubernetes,
    /// Writable mounts of a whole system directory, or of `/var/log` (the high ones); read-only
    /// mounts and paths below a system directory (an application's directory under `/etc`) are
    /// judged by their severity.
    WritableSystemDirectory,
    /// Capabilities beyond what the runtime grants anyway: beyond the Baseline allowed list in
    /// Kubernetes, beyond Docker's default set elsewhere (adding `NET_RAW` there changes
    /// nothing).
    BeyondDefaultCapabilities,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Control {
    pub code: &'static str,
    pub profile: Profile,
    /// The Pod Security Standards control (or, for shipshape's additions, what it is).
    pub control: &'static str,
    pub when: When,
}

const fn row(code: &'static str, profile: Profile, control: &'static str, when: When) -> Control {
    Control {
        code,
        profile,
        control,
        when,
    }
}

/// The mapping, by rule code.
pub static CONTROLS: &[Control] = &[
    row(
        "SS2001",
        Profile::Baseline,
        "Privileged Containers",
        When::Always,
    ),
    row(
        "SS2002",
        Profile::Baseline,
        "Capabilities",
        When::BeyondDefaultCapabilities,
    ),
    row(
        "SS2004",
        Profile::Baseline,
        "HostPath Volumes",
        When::Always,
    ),
    row(
        "SS2005",
        Profile::Baseline,
        "HostPath Volumes",
        When::WritableSystemDirectory,
    ),
    row("SS2006", Profile::Baseline, "Host Namespaces", When::Always),
    row("SS2007", Profile::Baseline, "Host Namespaces", When::Always),
    row(
        "SS2008",
        Profile::Baseline,
        "Seccomp, AppArmor, SELinux",
        When::Always,
    ),
    row("SS2019", Profile::Baseline, "Host Ports", When::Kubernetes),
    row("SS2020", Profile::Baseline, "Host Ports", When::Kubernetes),
    row(
        "SS2025",
        Profile::Baseline,
        "HostPath Volumes",
        When::Kubernetes,
    ),
    row(
        "SS2035",
        Profile::Baseline,
        "/proc Mount Type",
        When::Always,
    ),
    row("SS2036", Profile::Baseline, "Sysctls", When::Always),
    row(
        "SS2003",
        Profile::Restricted,
        "Capabilities (drop ALL)",
        When::Always,
    ),
    row(
        "SS2009",
        Profile::Restricted,
        "Seccomp (RuntimeDefault or Localhost)",
        When::Always,
    ),
    row(
        "SS2010",
        Profile::Restricted,
        "Privilege Escalation",
        When::Always,
    ),
    row(
        "SS2015",
        Profile::Restricted,
        "Running as Non-root",
        When::Always,
    ),
    row(
        "SS2016",
        Profile::Restricted,
        "Running as Non-root user",
        When::Always,
    ),
    row(
        "SS2011",
        Profile::Restricted,
        "(shipshape) read-only root filesystem",
        When::Always,
    ),
    row(
        "SS2012",
        Profile::Restricted,
        "(shipshape) memory limit",
        When::Always,
    ),
    row(
        "SS2013",
        Profile::Restricted,
        "(shipshape) CPU limit",
        When::Always,
    ),
    row(
        "SS2014",
        Profile::Restricted,
        "(shipshape) PID limit",
        When::Always,
    ),
    row("SS2037", Profile::Restricted, "Volume Types", When::Always),
];

/// What a rule knows about one finding that [`When`] may need.
#[derive(Debug, Clone, Copy, Default)]
pub enum Fact<'a> {
    #[default]
    None,
    /// A host path mount: whether it is a writable mount of a whole system directory.
    Mount { writable_system: bool },
    /// An added capability, normalised (`NET_ADMIN`).
    Capability(&'a str),
}

/// Capabilities the Baseline profile allows adding.
const BASELINE_ALLOWED: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Docker's default capability set: the Baseline list and `NET_RAW`.
fn docker_default(cap: &str) -> bool {
    cap == "NET_RAW" || BASELINE_ALLOWED.contains(&cap)
}

/// The row of rule `code`, if it maps to a profile.
pub fn control(code: &str) -> Option<&'static Control> {
    CONTROLS.iter().find(|c| c.code == code)
}

/// The profile that forbids a finding of rule `code` in a `kind` source, given what the rule
/// knows about it.
pub fn profile_of(code: &str, kind: SourceKind, fact: Fact<'_>) -> Option<Profile> {
    let c = control(code)?;
    let applies = match c.when {
        When::Always => true,
        When::Kubernetes => kind == SourceKind::Kubernetes,
        When::WritableSystemDirectory => matches!(
            fact,
            Fact::Mount {
                writable_system: true
            }
        ),
        When::BeyondDefaultCapabilities => match fact {
            Fact::Capability(cap) if kind == SourceKind::Kubernetes => {
                !BASELINE_ALLOWED.contains(&cap)
            }
            Fact::Capability(cap) => !docker_default(cap),
            _ => false,
        },
    };
    applies.then_some(c.profile)
}

/// The sentence the rule documentation carries for its row (checked by a test).
pub fn docs_line(c: &Control) -> String {
    let when = match c.when {
        When::Always => "",
        When::Kubernetes => " (Kubernetes manifests only)",
        When::WritableSystemDirectory => {
            " (writable mounts of a whole system directory or of /var/log)"
        }
        When::BeyondDefaultCapabilities => " (capabilities beyond the runtime's default set)",
    };
    format!("Pod Security Standards: {}{when}", c.profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_names_a_rule_once_and_its_docs_say_so() {
        let mut seen = std::collections::HashSet::new();
        for c in CONTROLS {
            assert!(seen.insert(c.code), "{} twice", c.code);
            let meta = crate::rules::METAS
                .iter()
                .find(|m| m.code == c.code)
                .unwrap_or_else(|| panic!("{} is no runtime rule", c.code));
            assert!(
                meta.docs.contains(&docs_line(c)),
                "{}: docs must say `{}`",
                c.code,
                docs_line(c)
            );
        }
        let readme = include_str!("../../../README.md");
        for c in CONTROLS {
            assert!(
                readme.contains(&format!("| {} | {} |", c.code, c.profile)),
                "README's Pod Security table lacks {}",
                c.code
            );
        }
    }

    #[test]
    fn conditions() {
        let k = SourceKind::Kubernetes;
        let c = SourceKind::Compose;
        assert_eq!(profile_of("SS2001", c, Fact::None), Some(Profile::Baseline));
        assert_eq!(
            profile_of("SS2015", k, Fact::None),
            Some(Profile::Restricted)
        );
        assert_eq!(profile_of("SS2024", k, Fact::None), None);
        let ro = Fact::Mount {
            writable_system: false,
        };
        let rw = Fact::Mount {
            writable_system: true,
        };
        assert_eq!(profile_of("SS2005", k, ro), None);
        assert_eq!(profile_of("SS2005", c, rw), Some(Profile::Baseline));
        assert_eq!(profile_of("SS2019", c, Fact::None), None);
        assert_eq!(profile_of("SS2019", k, Fact::None), Some(Profile::Baseline));
        let raw = Fact::Capability("NET_RAW");
        assert_eq!(profile_of("SS2002", c, raw), None);
        assert_eq!(profile_of("SS2002", k, raw), Some(Profile::Baseline));
        assert_eq!(
            profile_of("SS2002", c, Fact::Capability("SYS_ADMIN")),
            Some(Profile::Baseline)
        );
    }
}
