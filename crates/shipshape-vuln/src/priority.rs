//! Prioritisation data imported beside the advisories: the CISA Known Exploited Vulnerabilities
//! catalog (`known_exploited_vulnerabilities.json`) and FIRST EPSS scores (`epss_scores-*.csv`,
//! optionally gzipped). `db import` tells them from OSV records by content ([`detect`]).
//!
//! KEV: `{"catalogVersion", "dateReleased", "vulnerabilities": [{"cveID", "dateAdded",
//! "dueDate", "knownRansomwareCampaignUse", ...}]}`. EPSS: a first comment line
//! `#model_version:v2025.03.14,score_date:2025-06-01T00:00:00+0000`, a header
//! `cve,epss,percentile`, then one row per CVE with two numbers between 0 and 1.

use crate::error::VulnError;
use serde::Deserialize;
use std::io::Read;
use std::path::Path;

/// Largest KEV or (uncompressed) EPSS file accepted; today's are about 1.5 and 10 MiB.
const MAX_BYTES: u64 = 512 << 20;

/// The CISA KEV catalog, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KevCatalog {
    pub catalog_version: String,
    pub date_released: String,
    pub entries: Vec<KevEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KevEntry {
    pub cve: String,
    pub date_added: String,
    pub due_date: Option<String>,
    pub ransomware: bool,
}

/// One day's EPSS scores.
#[derive(Debug, Clone, PartialEq)]
pub struct EpssScores {
    pub model_version: Option<String>,
    pub score_date: Option<String>,
    /// (cve, epss, percentile)
    pub scores: Vec<(String, f64, f64)>,
}

/// What `db import` was given.
#[derive(Debug)]
pub enum Detected {
    Kev(KevCatalog),
    Epss(EpssScores),
    /// Anything else: OSV records (a zip, a directory, a record file).
    Osv,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KevProbe {
    catalog_version: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKev {
    catalog_version: String,
    date_released: String,
    vulnerabilities: Vec<RawKevEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKevEntry {
    #[serde(rename = "cveID")]
    cve_id: String,
    date_added: String,
    due_date: Option<String>,
    known_ransomware_campaign_use: Option<String>,
}

/// `message` starts with the line (`12: …`) when there is one.
fn corrupt(path: &Path, message: String) -> VulnError {
    VulnError::CorruptPriority {
        path: path.display().to_string(),
        message,
    }
}

/// Reads `path` when it is a KEV catalog or an EPSS file; [`Detected::Osv`] for anything else
/// (directories, zips, files that are neither). A file that is one of them but damaged is an
/// error naming it (and the line).
pub fn detect(path: &Path) -> Result<Detected, VulnError> {
    let meta = std::fs::metadata(path).map_err(|e| VulnError::io(path, e))?;
    if !meta.is_file()
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        return Ok(Detected::Osv);
    }
    let file = std::fs::File::open(path).map_err(|e| VulnError::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| VulnError::io(path, e))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .take(MAX_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(|e| corrupt(path, format!(" gzip: {e}")))?;
        bytes = out;
    }
    if bytes.len() as u64 > MAX_BYTES {
        return Err(corrupt(
            path,
            format!(" larger than {} MiB", MAX_BYTES >> 20),
        ));
    }
    let head = &bytes[..bytes.len().min(64)];
    if head.starts_with(b"#model_version") || head.starts_with(b"cve,epss") {
        return parse_epss(path, &bytes).map(Detected::Epss);
    }
    let trimmed = bytes.trim_ascii_start();
    if trimmed.starts_with(b"{") {
        if let Ok(KevProbe {
            catalog_version: Some(_),
        }) = serde_json::from_slice::<KevProbe>(trimmed)
        {
            return parse_kev(path, trimmed).map(Detected::Kev);
        }
    }
    Ok(Detected::Osv)
}

fn parse_kev(path: &Path, bytes: &[u8]) -> Result<KevCatalog, VulnError> {
    let raw: RawKev = serde_json::from_slice(bytes).map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or("");
        corrupt(
            path,
            format!("{}:{}: KEV catalog: {message}", e.line(), e.column()),
        )
    })?;
    let mut entries = Vec::with_capacity(raw.vulnerabilities.len());
    for (i, v) in raw.vulnerabilities.into_iter().enumerate() {
        if !v.cve_id.starts_with("CVE-") {
            return Err(corrupt(
                path,
                format!(
                    " KEV catalog: vulnerabilities[{i}]: `{}` is not a CVE id",
                    v.cve_id
                ),
            ));
        }
        if v.date_added.parse::<jiff::civil::Date>().is_err() {
            return Err(corrupt(
                path,
                format!(
                    " KEV catalog: vulnerabilities[{i}] ({}): dateAdded `{}` is not a date",
                    v.cve_id, v.date_added
                ),
            ));
        }
        entries.push(KevEntry {
            cve: v.cve_id,
            date_added: v.date_added,
            due_date: v.due_date.filter(|d| !d.is_empty()),
            ransomware: v
                .known_ransomware_campaign_use
                .is_some_and(|k| k.eq_ignore_ascii_case("known")),
        });
    }
    Ok(KevCatalog {
        catalog_version: raw.catalog_version,
        date_released: raw.date_released,
        entries,
    })
}

fn parse_epss(path: &Path, bytes: &[u8]) -> Result<EpssScores, VulnError> {
    let (mut model_version, mut score_date) = (None, None);
    let mut body = bytes;
    let mut first_line = 1;
    if bytes.starts_with(b"#") {
        let end = bytes
            .iter()
            .position(|b| *b == b'\n')
            .unwrap_or(bytes.len());
        let comment = String::from_utf8_lossy(&bytes[1..end]);
        for part in comment.trim().split(',') {
            match part.split_once(':') {
                Some(("model_version", v)) => model_version = Some(v.trim().to_string()),
                Some(("score_date", v)) => score_date = Some(v.trim().to_string()),
                _ => {}
            }
        }
        body = bytes.get(end + 1..).unwrap_or(&[]);
        first_line = 2;
    }
    // The csv crate: quoting and line endings as RFC 4180 has them, positions for errors.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body);
    let at = |line: u64, message: String| {
        corrupt(
            path,
            format!("{}: EPSS scores: {message}", line + first_line - 1),
        )
    };
    let headers = reader.headers().map_err(|e| at(1, e.to_string()))?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                at(
                    1,
                    format!("no `{name}` column (expected cve,epss,percentile)"),
                )
            })
    };
    let (c_cve, c_epss, c_pct) = (column("cve")?, column("epss")?, column("percentile")?);
    let mut scores = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            at(line, e.to_string())
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("").trim();
        let cve = field(c_cve);
        if !cve.starts_with("CVE-") {
            return Err(at(line, format!("`{cve}` is not a CVE id")));
        }
        let number = |i: usize| {
            field(i)
                .parse::<f64>()
                .ok()
                .filter(|x| (0.0..=1.0).contains(x))
                .ok_or_else(|| {
                    at(
                        line,
                        format!("`{}` is not a number between 0 and 1", field(i)),
                    )
                })
        };
        scores.push((cve.to_string(), number(c_epss)?, number(c_pct)?));
    }
    if scores.is_empty() {
        return Err(at(2, "no scores".to_string()));
    }
    Ok(EpssScores {
        model_version,
        score_date,
        scores,
    })
}

/// What a finding's message adds: `; known exploited (CISA KEV since 2023-11-21, due
/// 2023-12-12)`, `; EPSS 0.794 (percentile 0.990)`. Empty when there is neither.
pub fn describe(
    kev: &Option<shipshape_core::vulnerability::Kev>,
    epss: &Option<shipshape_core::vulnerability::Epss>,
) -> String {
    let mut s = String::new();
    if let Some(k) = kev {
        s.push_str(&format!(
            "; known exploited (CISA KEV since {}",
            k.date_added
        ));
        if let Some(d) = &k.due_date {
            s.push_str(&format!(", due {d}"));
        }
        if k.ransomware {
            s.push_str(", used in ransomware campaigns");
        }
        s.push(')');
    }
    if let Some(e) = epss {
        s.push_str(&format!(
            "; EPSS {:.3} (percentile {:.3})",
            e.score, e.percentile
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const KEV: &str = r#"{
  "title": "CISA Catalog of Known Exploited Vulnerabilities",
  "catalogVersion": "2025.06.02",
  "dateReleased": "2025-06-02T17:00:00.0000Z",
  "count": 2,
  "vulnerabilities": [
    {"cveID": "CVE-2023-4911", "vendorProject": "GNU", "product": "GNU C Library",
     "vulnerabilityName": "GNU C Library Buffer Overflow Vulnerability", "dateAdded": "2023-11-21",
     "shortDescription": "x", "requiredAction": "Apply mitigations per vendor instructions.",
     "dueDate": "2023-12-12", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": ["CWE-122"]},
    {"cveID": "CVE-2021-44228", "vendorProject": "Apache", "product": "Log4j2",
     "vulnerabilityName": "Log4Shell", "dateAdded": "2021-12-10", "shortDescription": "x",
     "requiredAction": "x", "dueDate": "2021-12-24", "knownRansomwareCampaignUse": "Known", "notes": ""}
  ]
}"#;

    const EPSS: &str = "#model_version:v2025.03.14,score_date:2025-06-02T12:55:00Z\ncve,epss,percentile\nCVE-2023-4911,0.79384,0.99018\nCVE-2025-4802,0.00021,0.04257\n";

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn kev_and_epss_are_detected_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let Detected::Kev(k) = detect(&write(dir.path(), "a.json", KEV.as_bytes())).unwrap() else {
            panic!("not KEV")
        };
        assert_eq!(k.catalog_version, "2025.06.02");
        assert_eq!(k.entries.len(), 2);
        assert!(!k.entries[0].ransomware && k.entries[1].ransomware);
        assert_eq!(k.entries[0].due_date.as_deref(), Some("2023-12-12"));
        let Detected::Epss(e) = detect(&write(dir.path(), "scores", EPSS.as_bytes())).unwrap()
        else {
            panic!("not EPSS")
        };
        assert_eq!(e.model_version.as_deref(), Some("v2025.03.14"));
        assert_eq!(e.scores[0], ("CVE-2023-4911".to_string(), 0.79384, 0.99018));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(EPSS.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let Detected::Epss(z) = detect(&write(dir.path(), "e.csv.gz", &gz)).unwrap() else {
            panic!("not EPSS")
        };
        assert_eq!(z.scores.len(), 2);
        // An OSV record and a directory are left to the OSV loader.
        let osv = r#"{"id":"A-1","modified":"2024-01-01T00:00:00Z"}"#;
        assert!(matches!(
            detect(&write(dir.path(), "A-1.json", osv.as_bytes())).unwrap(),
            Detected::Osv
        ));
        assert!(matches!(detect(dir.path()).unwrap(), Detected::Osv));
    }

    #[test]
    fn damaged_files_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let bad = EPSS.replace("0.00021", "high");
        let e = detect(&write(dir.path(), "e.csv", bad.as_bytes()))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("e.csv:4: EPSS scores: ") && e.contains("`high`"),
            "{e}"
        );
        let bad = KEV.replace("\"dateAdded\": \"2023-11-21\"", "\"dateAdded\": 5");
        let e = detect(&write(dir.path(), "k.json", bad.as_bytes()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("k.json:8:87: KEV catalog: invalid type"), "{e}");
        let e = detect(&write(dir.path(), "t.gz", &[0x1f, 0x8b, 8, 0, 1, 2]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("gzip"), "{e}");
    }
}
