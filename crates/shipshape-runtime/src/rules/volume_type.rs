use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2037",
    slug: "volume-type-not-restricted",
    summary: "the pod uses a volume type the restricted profile does not allow",
    severity: Severity::Low,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Runtime,
    equivalents: &[("trivy", "KSV028")],
    fix: None,
    docs: "## What it does\nReports Kubernetes pod volumes of a type outside the Pod Security Standards' restricted set (`configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, `persistentVolumeClaim`, `projected`, `secret`): `nfs`, `iscsi`, `cephfs`, `gitRepo`, `flexVolume`, in-tree cloud disks and the like. `hostPath` is not reported here: sensitive host paths are SS2004's and SS2005's findings.\n\n\
Pod Security Standards: restricted; control: Volume Types. Reported under the default `baseline` profile without failing the run; fails it with `profile = \"restricted\"` (or `--profile restricted`).\n\n\
## Why it matters\nThese volume types are mounted by the node with the node's credentials and kernel drivers: the pod reaches storage the cluster's access control does not see (`gitRepo` even runs git on the node as root).\n\n\
## How to fix\nUse a `persistentVolumeClaim` (the storage class holds the NFS, iSCSI or cloud disk details) or a `csi` volume; clone repositories in an init container into an `emptyDir`.\n\n\
## Example\n```yaml\nvolumes:\n- name: data\n  nfs: {server: nas.internal, path: /export}   # flagged\n- name: cache\n  emptyDir: {}                                  # fine\n```\n",
};

/// Volume types the restricted profile allows (and `hostPath`, which other rules judge).
const ALLOWED: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
    "hostPath",
];

shipshape_core::declare_rule!(VolumeType);

impl Rule for VolumeType {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        for v in &spec.volume_types {
            if !ALLOWED.contains(&v.value.as_str()) {
                cx.report(
                    &META,
                    spec,
                    &v.loc,
                    format!(
                        "the pod of `{}` has a volume of type `{}`, outside the restricted profile's volume types",
                        spec.name, v.value
                    ),
                );
            }
        }
    }
}
