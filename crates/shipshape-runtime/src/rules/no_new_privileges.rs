use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2010",
    slug: "no-new-privileges-missing",
    summary: "processes can gain privileges through setuid binaries (no `no-new-privileges`)",
    severity: Severity::Medium,
    checklist: ChecklistItem::NoNewPrivileges,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.25"), ("compose-lint", "CL-0003"), ("trivy", "KSV001"), ("checkov", "CKV_K8S_20")],
    fix: None,
    docs: "## What it does\nReports containers without `--security-opt no-new-privileges` (`security_opt: [no-new-privileges:true]` in Compose, `allowPrivilegeEscalation: false` in Kubernetes), or with it explicitly false.\n\n\
Pod Security Standards: restricted; control: Privilege Escalation. Reported under the default `baseline` profile without failing the run; fails it with `profile = \"restricted\"` (or `--profile restricted`).\n\n## Why it matters\nWithout the flag a process can regain privileges through setuid or file-capability binaries (`su`, `sudo`, `ping` in older images), undoing `--user` and dropped capabilities.\n\n\
## How to fix\nAdd `--security-opt no-new-privileges:true` (Compose: `security_opt: [\"no-new-privileges:true\"]`; Kubernetes: `allowPrivilegeEscalation: false`).\n\n\
## Example\n```sh\ndocker run --security-opt no-new-privileges:true app:1.0\n```\n",
};

shipshape_core::declare_rule!(NoNewPrivileges);

impl Rule for NoNewPrivileges {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        match &spec.no_new_privileges {
            Some(v) if v.value => {}
            Some(v) => cx.report(
                &META,
                spec,
                &v.loc,
                format!("`{}` explicitly allows privilege escalation", spec.name),
            ),
            None => cx.report(
                &META,
                spec,
                &spec.anchor,
                format!("`{}` does not set no-new-privileges", spec.name),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(!fires("SS2010", HARD));
        assert!(fires(
            "SS2010",
            &HARD.replace("--security-opt no-new-privileges", "")
        ));
        assert!(fires(
            "SS2010",
            &HARD.replace(
                "--security-opt no-new-privileges",
                "--security-opt no-new-privileges=false"
            )
        ));
        assert!(!fires(
            "SS2010",
            &HARD.replace(
                "--security-opt no-new-privileges",
                "--security-opt=no-new-privileges:true"
            )
        ));
    }
}
