//! The hardening baseline of one workload: the seven settings every unhardened service lacks
//! (capabilities dropped, no-new-privileges, a read-only root filesystem, memory, CPU and PID
//! limits, a user). Each stays its own rule (each decides its checklist item and can be turned
//! off alone), but a workload missing several gets one fix listing all of them in the syntax of
//! its source, so that it costs one block and one change in the human output (which shows
//! findings on one subject together and each fix once).

use crate::model::RuntimeSpec;
use shipshape_core::{Finding, Fix, FixApplicability, SourceKind};

/// The rules of the baseline, in the order the fix lists them.
pub const RULES: [&str; 7] = [
    "SS2015", "SS2003", "SS2010", "SS2011", "SS2012", "SS2013", "SS2014",
];

/// How each setting is written in a source.
fn setting(code: &str, kind: SourceKind) -> Option<&'static str> {
    Some(match (kind, code) {
        (SourceKind::Compose, "SS2015") => "`user: \"10001:10001\"`",
        (SourceKind::Compose, "SS2003") => "`cap_drop: [ALL]`",
        (SourceKind::Compose, "SS2010") => "`security_opt: [\"no-new-privileges:true\"]`",
        (SourceKind::Compose, "SS2011") => "`read_only: true`",
        (SourceKind::Compose, "SS2012") => "`mem_limit: 512m`",
        (SourceKind::Compose, "SS2013") => "`cpus: \"1.0\"`",
        (SourceKind::Compose, "SS2014") => "`pids_limit: 200`",
        (SourceKind::Kubernetes, "SS2015") => {
            "`securityContext.runAsNonRoot: true` (and `runAsUser: 10001`)"
        }
        (SourceKind::Kubernetes, "SS2003") => "`securityContext.capabilities.drop: [ALL]`",
        (SourceKind::Kubernetes, "SS2010") => "`securityContext.allowPrivilegeEscalation: false`",
        (SourceKind::Kubernetes, "SS2011") => "`securityContext.readOnlyRootFilesystem: true`",
        (SourceKind::Kubernetes, "SS2012") => "`resources.limits.memory: 512Mi`",
        (SourceKind::Kubernetes, "SS2013") => "`resources.limits.cpu: \"1\"`",
        (SourceKind::Kubernetes, "SS2014") => return None,
        (_, "SS2015") => "`--user 10001:10001`",
        (_, "SS2003") => "`--cap-drop ALL`",
        (_, "SS2010") => "`--security-opt no-new-privileges`",
        (_, "SS2011") => "`--read-only`",
        (_, "SS2012") => "`--memory 512m`",
        (_, "SS2013") => "`--cpus 1`",
        (_, "SS2014") => "`--pids-limit 200`",
        _ => return None,
    })
}

/// Gives the baseline findings of `spec` (among `findings`, those its rules just reported) one
/// shared fix when two or more settings are missing.
pub fn one_fix(spec: &RuntimeSpec, findings: &mut [Finding]) {
    let kind = spec.kind();
    let mut missing: Vec<&'static str> = RULES
        .iter()
        .filter(|code| findings.iter().any(|f| f.rule.code == **code))
        .filter_map(|code| setting(code, kind))
        .collect();
    missing.dedup();
    if missing.len() < 2 {
        return;
    }
    let description = format!(
        "harden `{}` in one change: add {}",
        spec.name,
        missing.join(", ")
    );
    for f in findings
        .iter_mut()
        .filter(|f| RULES.contains(&f.rule.code) && f.fix.is_none())
    {
        f.fix = Some(Fix {
            description: description.clone(),
            applicability: FixApplicability::DisplayOnly,
            edits: Vec::new(),
        });
    }
}
