use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2003",
    slug: "capabilities-not-dropped",
    summary: "the default capability set is not dropped (`--cap-drop ALL`)",
    severity: Severity::Medium,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.3"), ("compose-lint", "CL-0006"), ("trivy", "KSV003"), ("checkov", "CKV_K8S_37")],
    fix: None,
    docs: "## What it does\nReports containers that keep the runtime's default capabilities: no `--cap-drop ALL`, `cap_drop: [ALL]` or `capabilities.drop: [ALL]`.\n\n\
Pod Security Standards: restricted; control: Capabilities (drop ALL). Reported under the default `baseline` profile without failing the run; fails it with `profile = \"restricted\"` (or `--profile restricted`).\n\n## Why it matters\nDocker's default set still includes `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `SETUID`, `SETGID`, `NET_RAW`, `MKNOD` and more. Most services need none of them, and each one widens what an attacker can do after a compromise.\n\n\
## How to fix\nDrop everything and add back what is needed, typically only `NET_BIND_SERVICE` for ports below 1024.\n\n\
## Example\n```sh\ndocker run --cap-drop ALL --cap-add NET_BIND_SERVICE web:1.4\n```\n",
};

shipshape_core::declare_rule!(CapDropMissing);

impl Rule for CapDropMissing {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if spec.is_privileged() || spec.drops("ALL") {
            return;
        }
        let loc = spec
            .cap_drop
            .first()
            .map(|c| c.loc.clone())
            .unwrap_or_else(|| spec.anchor.clone());
        let msg = if spec.cap_drop.is_empty() {
            format!(
                "`{}` keeps the default capability set: drop ALL and add back only what is needed",
                spec.name
            )
        } else {
            format!("`{}` drops some capabilities but not ALL", spec.name)
        };
        cx.report(&META, spec, &loc, msg);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(!fires("SS2003", HARD));
        assert!(fires(
            "SS2003",
            &HARD.replace("--cap-drop ALL", "--cap-drop NET_RAW")
        ));
        assert!(fires("SS2003", &HARD.replace("--cap-drop ALL", "")));
    }
}
