//! The Kubernetes Pod Security Standards profiles, as levels of the gate: a runtime finding says
//! which profile forbids what it reports (`Finding::profile`), `shipshape.toml` says which
//! profile the gate enforces (`profile`, default `baseline`). A finding the enforced profile
//! forbids fails the run whatever its severity; one that only a stricter profile forbids is
//! reported and does not decide the exit code.

use serde::Serialize;

/// A Pod Security Standards profile (`privileged` forbids nothing and is not a level here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Prevents known privilege escalations: privileged containers, host namespaces, host path
    /// mounts, added capabilities, unconfined seccomp/AppArmor, host ports, unsafe sysctls.
    #[default]
    Baseline,
    /// Hardened: non-root, all capabilities dropped, no privilege escalation, a seccomp profile;
    /// for shipshape also a read-only root filesystem and resource limits (the full production
    /// checklist).
    Restricted,
}

impl Profile {
    pub const ALL: [Profile; 2] = [Profile::Baseline, Profile::Restricted];

    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Baseline => "baseline",
            Profile::Restricted => "restricted",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown profile `{s}` (expected baseline or restricted)"))
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
