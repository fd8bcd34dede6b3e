use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2025",
    slug: "host-device",
    summary: "a host device is passed into the container",
    severity: Severity::Medium,
    checklist: ChecklistItem::Capabilities,
    source: SourceKind::Runtime,
    equivalents: &[("cis-docker", "5.17"), ("compose-lint", "CL-0016")],
    fix: None,
    docs: "## What it does\nReports `--device` / `devices:` entries (and device files mounted from the host in Kubernetes). Raw memory and disks (`/dev/mem`, `/dev/kmem`, `/dev/port`, `/dev/sd*`, `/dev/nvme*`, `/dev/vd*`, `/dev/xvd*`, `/dev/loop*`, `/dev/dm-*`, `/dev/mapper`) are critical; `/dev/kvm`, `/dev/fuse`, `/dev/net/tun` medium; other devices (GPUs, sound, serial) low.\n\n\
Pod Security Standards: baseline (Kubernetes manifests only); control: HostPath Volumes. A finding the enforced profile forbids fails the run whatever its severity (see `profile` in the README).\n\n## Why it matters\nA raw disk or memory device gives the container the host's data and kernel; other devices widen the kernel attack surface the container can reach.\n\n\
## How to fix\nPass only the device needed, with the least permissions (`--device /dev/ttyUSB0:/dev/ttyUSB0:r`).\n\n\
## Example\n```sh\ndocker run --device /dev/sda app:1.0   # flagged, critical\n```\n",
};

pub fn device_risk(host: &str) -> Severity {
    let h = host.trim();
    let raw = ["/dev/mem", "/dev/kmem", "/dev/port", "/dev/mapper"];
    let raw_prefix = [
        "/dev/sd",
        "/dev/nvme",
        "/dev/vd",
        "/dev/xvd",
        "/dev/hd",
        "/dev/loop",
        "/dev/dm-",
        "/dev/disk",
    ];
    if raw.contains(&h) || raw_prefix.iter().any(|p| h.starts_with(p)) {
        Severity::Critical
    } else if matches!(h, "/dev/kvm" | "/dev/fuse" | "/dev/net/tun") {
        Severity::Medium
    } else {
        Severity::Low
    }
}

shipshape_core::declare_rule!(HostDevice);

impl Rule for HostDevice {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        for d in &spec.devices {
            let host = d.value.split(':').next().unwrap_or("");
            cx.report_with(
                &META,
                spec,
                &d.loc,
                format!("`{}` gets host device `{host}`", spec.name),
                device_risk(host),
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
        assert!(run(&hard_with("--device /dev/sda:/dev/xvda:rwm"))
            .contains(&("SS2025".to_string(), Severity::Critical)));
        assert!(
            run(&hard_with("--device=/dev/snd")).contains(&("SS2025".to_string(), Severity::Low))
        );
        assert!(!fires("SS2025", HARD));
    }
}
