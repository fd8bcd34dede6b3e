//! Baselines: accept the findings that exist today, fail on new ones.
//!
//! Our format is JSON: `{"version": 1, "findings": [{"fingerprint", "rule", "path", "line"}]}`.
//! Fingerprints hash the rule, the path and a SHA-256 of the secret, so the file holds no secret and
//! an entry survives edits that move the secret to another line. A gitleaks JSON report (an array of
//! objects with a `Fingerprint`) is accepted too, matched on `file:rule-id:line`.

use crate::SecretsError;
use serde::{Deserialize, Serialize};
use shipshape_core::finding::Finding;
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One accepted finding.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub path: String,
    #[serde(default)]
    pub line: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<BaselineEntry>,
}

#[derive(Debug, Deserialize)]
struct GitleaksRecord {
    #[serde(rename = "Fingerprint")]
    fingerprint: String,
}

/// A loaded baseline.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: HashSet<String>,
    /// gitleaks fingerprints (`[commit:]file:rule-id:line`).
    gitleaks: HashSet<String>,
    /// Findings accepted so far (scans run in parallel, so the count is atomic).
    accepted: AtomicUsize,
}

impl Baseline {
    /// Reads a baseline file (ours or a gitleaks JSON report).
    pub fn load(path: &Path) -> Result<Baseline, SecretsError> {
        let err = |message: String| SecretsError::Baseline {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Baseline::parse(&text).map_err(err)
    }

    /// Parses baseline text.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        if let Ok(file) = serde_json::from_str::<BaselineFile>(text) {
            if file.version != 1 {
                return Err(format!("unsupported baseline version {}", file.version));
            }
            return Ok(Baseline {
                fingerprints: file.findings.into_iter().map(|e| e.fingerprint).collect(),
                ..Baseline::default()
            });
        }
        match serde_json::from_str::<Vec<GitleaksRecord>>(text) {
            Ok(records) => Ok(Baseline {
                gitleaks: records.into_iter().map(|r| r.fingerprint).collect(),
                ..Baseline::default()
            }),
            Err(e) => Err(format!(
                "not a shipshape baseline nor a gitleaks JSON report: {e}"
            )),
        }
    }

    /// Number of accepted entries.
    pub fn len(&self) -> usize {
        self.fingerprints.len() + self.gitleaks.len()
    }

    /// Whether the baseline is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many findings [`Baseline::contains`] has accepted (what the baseline hid from a scan).
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Whether a finding is accepted (and counts it when it is).
    pub fn contains(&self, finding: &Finding) -> bool {
        let found = self.lookup(finding);
        if found {
            self.accepted.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    fn lookup(&self, finding: &Finding) -> bool {
        if self.fingerprints.contains(&finding.fingerprint) {
            return true;
        }
        if self.gitleaks.is_empty() {
            return false;
        }
        let line = finding.location.line().unwrap_or(0);
        finding
            .rule
            .equivalents
            .iter()
            .filter(|(tool, _)| *tool == "gitleaks")
            .any(|(_, id)| {
                let key = format!("{}:{id}:{line}", finding.location.path);
                self.gitleaks.contains(&key)
                    || self
                        .gitleaks
                        .iter()
                        .any(|g| g.ends_with(&format!(":{key}")))
            })
    }
}

/// Renders a baseline accepting `findings` (secrets findings only).
pub fn render_baseline(findings: &[Finding]) -> String {
    let mut entries: Vec<BaselineEntry> = findings
        .iter()
        .filter(|f| f.rule.code.starts_with("SS4"))
        .map(|f| BaselineEntry {
            fingerprint: f.fingerprint.clone(),
            rule: f.rule.code.to_string(),
            path: f.location.path.clone(),
            line: f.location.line().unwrap_or(0),
        })
        .collect();
    entries.sort_by(|a, b| (&a.path, a.line, &a.rule).cmp(&(&b.path, b.line, &b.rule)));
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let file = BaselineFile {
        version: 1,
        findings: entries,
    };
    let mut s = serde_json::to_string_pretty(&file).unwrap_or_else(|_| String::from("{}")); // ok: plain data, serialisation cannot fail
    s.push('\n');
    s
}

/// Writes a baseline file (`--write-baseline`): to a temporary file beside it, then renamed over
/// it, so an interrupted write never leaves a half-written baseline.
pub fn write_baseline(path: &Path, findings: &[Finding]) -> Result<(), SecretsError> {
    let err = |e: std::io::Error| SecretsError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "baseline".into());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, render_baseline(findings)).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}
