use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2011",
    slug: "writable-root-filesystem",
    summary: "the container's root filesystem is writable",
    severity: Severity::Medium,
    checklist: ChecklistItem::ReadOnly,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.12"), ("compose-lint", "CL-0007"), ("trivy", "KSV014"), ("checkov", "CKV_K8S_22")],
    fix: None,
    docs: "## What it does\nReports containers without `--read-only` (`read_only: true`, `readOnlyRootFilesystem: true`, `HostConfig.ReadonlyRootfs`).\n\n\
Pod Security Standards: restricted; control: (shipshape) read-only root filesystem. Reported under the default `baseline` profile without failing the run; fails it with `profile = \"restricted\"` (or `--profile restricted`).\n\n## Why it matters\nA writable root lets an attacker drop tools, replace binaries and persist changes for the container's life; a read-only root makes the image the only code that runs.\n\n\
## How to fix\nAdd `--read-only` and give the paths the application writes a `--tmpfs` (with `noexec,nosuid`) or a volume.\n\n\
## Example\n```sh\ndocker run --read-only --tmpfs /tmp:rw,noexec,nosuid,size=64m app:1.0\n```\n",
};

shipshape_core::declare_rule!(ReadOnly);

impl Rule for ReadOnly {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        match &spec.read_only {
            Some(v) if v.value => {}
            Some(v) => cx.report(
                &META,
                spec,
                &v.loc,
                format!(
                    "`{}` explicitly keeps a writable root filesystem",
                    spec.name
                ),
            ),
            None => cx.report(
                &META,
                spec,
                &spec.anchor,
                format!("`{}` has a writable root filesystem", spec.name),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(!fires("SS2011", HARD));
        assert!(fires("SS2011", &HARD.replace("--read-only", "")));
        assert!(fires(
            "SS2011",
            &HARD.replace("--read-only", "--read-only=false")
        ));
    }
}
