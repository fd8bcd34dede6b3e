use crate::model::{MountKind, RuntimeSpec};
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2033",
    slug: "executable-tmpfs",
    summary: "a tmpfs mount allows executing files on a read-only container",
    severity: Severity::Low,
    checklist: ChecklistItem::ReadOnly,
    source: SourceKind::Runtime,
    equivalents: &[("compose-lint", "CL-0022")],
    fix: None,
    docs: "## What it does\nReports tmpfs mounts whose options re-enable execution (`exec`) on a container whose root filesystem is read-only: `docker run --tmpfs /x:exec`, Compose `tmpfs: [\"/x:exec\"]`, `HostConfig.Tmpfs` in `docker inspect`. The last of `exec`/`noexec` in the option list wins, as for `mount`.\n\n\
Not reported: tmpfs mounts that do not name `exec`. Docker and Podman mount every tmpfs `noexec,nosuid,nodev` unless told otherwise, so a missing `noexec` is not executable. Compose's long syntax (`type: tmpfs` with `size`/`mode`) and `--mount type=tmpfs` have no way to set `exec` and are never reported. Containers with a writable root are left to SS2011 (the tmpfs adds nothing there). Kubernetes `emptyDir` (also with `medium: Memory`) has no mount options at all and is not covered by this rule.\n\n\
## Why it matters\nA read-only root is meant to keep an attacker who gets code execution from dropping and running tools. A writable, executable tmpfs gives that back: download a binary to it, `chmod +x`, run it.\n\n\
## How to fix\nRemove `exec` (or write `noexec`) and keep executables in the image. If the application really runs files it writes (a JIT cache, a plugin unpacker), point only that path at the executable tmpfs and keep it small.\n\n\
## Example\n```yaml\nservices:\n  app:\n    read_only: true\n    tmpfs:\n      - /tmp:rw,noexec,nosuid,size=64m\n```\n",
};

/// Whether a tmpfs option list leaves the mount executable: the runtimes' default is `noexec`
/// and the last of `exec`/`noexec` wins.
pub fn tmpfs_executable(options: &str) -> bool {
    let mut exec = false;
    for o in options.split(',') {
        match o.trim().to_ascii_lowercase().as_str() {
            "exec" => exec = true,
            "noexec" => exec = false,
            _ => {}
        }
    }
    exec
}

shipshape_core::declare_rule!(TmpfsExec);

impl Rule for TmpfsExec {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        if !spec.read_only.as_ref().is_some_and(|r| r.value) {
            return;
        }
        for m in &spec.mounts {
            if m.kind == MountKind::Tmpfs && !m.read_only && tmpfs_executable(&m.options) {
                cx.report(
                &META,
                spec,
                &m.loc,
                format!(
                    "`{}` has a read-only root but mounts an executable tmpfs at `{}`: files written there can be run",
                    spec.name, m.target
                ),
            );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(fires("SS2033", &hard_with("--tmpfs /run:rw,exec,size=1m")));
        assert!(fires("SS2033", &hard_with("--tmpfs=/run:exec")));
        assert!(!fires("SS2033", &hard_with("--tmpfs /run")));
        assert!(!fires("SS2033", &hard_with("--tmpfs /run:rw,size=1m")));
        assert!(!fires("SS2033", &hard_with("--tmpfs /run:exec,noexec")));
        assert!(!fires(
            "SS2033",
            &hard_with("--mount type=tmpfs,destination=/run,tmpfs-size=1m")
        ));
        // a writable root is SS2011's finding, not this one
        assert!(!fires(
            "SS2033",
            &hard_with("--tmpfs /run:exec").replace("--read-only ", "")
        ));
        assert!(tmpfs_executable("rw,EXEC"));
        assert!(!tmpfs_executable(""));
    }
}
