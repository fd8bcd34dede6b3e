//! The production checklist: every finding maps to exactly one item.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One item of the production checklist. The kebab-case ids are a stable contract (output, config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChecklistItem {
    NonRoot,
    ReadOnly,
    ResourceLimits,
    Capabilities,
    NoNewPrivileges,
    Vulnerabilities,
    BaseImage,
    Healthcheck,
    LogRotation,
    ImageTag,
    Secrets,
    Network,
    MinimalImage,
    BuildContext,
    Provenance,
}

impl ChecklistItem {
    /// Every item, in the order the checklist is printed.
    pub const ALL: [ChecklistItem; 15] = [
        ChecklistItem::NonRoot,
        ChecklistItem::ReadOnly,
        ChecklistItem::ResourceLimits,
        ChecklistItem::Capabilities,
        ChecklistItem::NoNewPrivileges,
        ChecklistItem::Vulnerabilities,
        ChecklistItem::BaseImage,
        ChecklistItem::Healthcheck,
        ChecklistItem::LogRotation,
        ChecklistItem::ImageTag,
        ChecklistItem::Secrets,
        ChecklistItem::Network,
        ChecklistItem::MinimalImage,
        ChecklistItem::BuildContext,
        ChecklistItem::Provenance,
    ];

    /// The stable kebab-case id.
    pub fn id(self) -> &'static str {
        match self {
            ChecklistItem::NonRoot => "non-root",
            ChecklistItem::ReadOnly => "read-only",
            ChecklistItem::ResourceLimits => "resource-limits",
            ChecklistItem::Capabilities => "capabilities",
            ChecklistItem::NoNewPrivileges => "no-new-privileges",
            ChecklistItem::Vulnerabilities => "vulnerabilities",
            ChecklistItem::BaseImage => "base-image",
            ChecklistItem::Healthcheck => "healthcheck",
            ChecklistItem::LogRotation => "log-rotation",
            ChecklistItem::ImageTag => "image-tag",
            ChecklistItem::Secrets => "secrets",
            ChecklistItem::Network => "network",
            ChecklistItem::MinimalImage => "minimal-image",
            ChecklistItem::BuildContext => "build-context",
            ChecklistItem::Provenance => "provenance",
        }
    }

    /// A one-line description of what passing the item means.
    pub fn title(self) -> &'static str {
        match self {
            ChecklistItem::NonRoot => "runs as a non-root user",
            ChecklistItem::ReadOnly => "read-only root filesystem",
            ChecklistItem::ResourceLimits => "memory, CPU and PID limits",
            ChecklistItem::Capabilities => "capabilities dropped, not privileged",
            ChecklistItem::NoNewPrivileges => "no-new-privileges, confined by seccomp/AppArmor",
            ChecklistItem::Vulnerabilities => "no known vulnerable packages",
            ChecklistItem::BaseImage => "supported base image from a trusted registry",
            ChecklistItem::Healthcheck => "health check defined",
            ChecklistItem::LogRotation => "logs rotated",
            ChecklistItem::ImageTag => "image pinned by tag and digest",
            ChecklistItem::Secrets => "no secrets in files, layers or settings",
            ChecklistItem::Network => "ports and networks exposed deliberately",
            ChecklistItem::MinimalImage => {
                "no shells, package managers or tools in the final image"
            }
            ChecklistItem::BuildContext => "build context excludes secrets and VCS data",
            ChecklistItem::Provenance => {
                "labelled with source, revision and version; images carry an SBOM and provenance"
            }
        }
    }
}

impl fmt::Display for ChecklistItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for ChecklistItem {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChecklistItem::ALL
            .into_iter()
            .find(|i| i.id() == s)
            .ok_or_else(|| {
                let ids: Vec<_> = ChecklistItem::ALL.iter().map(|i| i.id()).collect();
                format!(
                    "unknown checklist item `{s}` (expected one of: {})",
                    ids.join(", ")
                )
            })
    }
}

/// The verdict on one checklist item for a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChecklistStatus {
    /// Analysed, and no finding of severity low or above.
    Pass,
    /// At least one finding of severity low or above.
    Fail,
    /// Nothing that was scanned could tell (no analyser for it yet, or no input of the right kind).
    NotAnalysed,
    /// The item does not apply to what was scanned.
    NotApplicable,
}

impl ChecklistStatus {
    /// The kebab-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            ChecklistStatus::Pass => "pass",
            ChecklistStatus::Fail => "fail",
            ChecklistStatus::NotAnalysed => "not-analysed",
            ChecklistStatus::NotApplicable => "not-applicable",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for item in ChecklistItem::ALL {
            assert!(seen.insert(item.id()));
            assert_eq!(item.id().parse::<ChecklistItem>(), Ok(item));
            let json = serde_json::to_string(&item).unwrap();
            assert_eq!(json, format!("\"{}\"", item.id()));
        }
        assert!("rootless".parse::<ChecklistItem>().is_err());
    }
}
