//! Severity: CVSS v3.x and v4.0 base scores computed from the record's vectors (the `cvss`
//! crate, RustSec's, implements both specifications including v4.0's macro-vector table), and
//! the distribution's own rating where the record gives one.

use crate::osv::{Affected, Record, Severity as OsvSeverity};
use serde::Serialize;
use std::str::FromStr;

/// A qualitative rating, from the CVSS score or the distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    Unknown,
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

impl Rating {
    /// Reads a rating word (`HIGH`, `moderate`, Debian's `unimportant`).
    pub fn from_word(w: &str) -> Option<Rating> {
        Some(match w.trim().to_ascii_lowercase().as_str() {
            "critical" => Rating::Critical,
            "high" | "important" => Rating::High,
            "medium" | "moderate" => Rating::Medium,
            "low" => Rating::Low,
            "unimportant" | "negligible" | "none" => Rating::Negligible,
            _ => return None,
        })
    }

    /// The CVSS qualitative rating of a base score (the same bands in v3.x and v4.0).
    pub fn from_score(score: f64) -> Rating {
        if score >= 9.0 {
            Rating::Critical
        } else if score >= 7.0 {
            Rating::High
        } else if score >= 4.0 {
            Rating::Medium
        } else if score > 0.0 {
            Rating::Low
        } else {
            Rating::Negligible
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Unknown => "unknown",
            Rating::Negligible => "negligible",
            Rating::Low => "low",
            Rating::Medium => "medium",
            Rating::High => "high",
            Rating::Critical => "critical",
        }
    }
}

/// A CVSS base score computed from its vector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvssScore {
    /// `3.0`, `3.1` or `4.0`.
    pub version: String,
    pub vector: String,
    pub base_score: f64,
    pub rating: Rating,
}

/// Computes the base score of a CVSS v3.x or v4.0 vector.
pub fn cvss_score(vector: &str) -> Result<CvssScore, String> {
    let v = vector.trim();
    let parsed = cvss::Cvss::from_str(v).map_err(|e| format!("invalid CVSS vector `{v}`: {e}"))?;
    let version = match &parsed {
        cvss::Cvss::CvssV30(_) => "3.0",
        cvss::Cvss::CvssV31(_) => "3.1",
        cvss::Cvss::CvssV40(_) => "4.0",
        _ => return Err(format!("unsupported CVSS version in `{v}`")),
    };
    let base_score = parsed.score();
    Ok(CvssScore {
        version: version.to_string(),
        vector: v.to_string(),
        base_score,
        rating: Rating::from_score(base_score),
    })
}

/// Everything a record says about severity.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Assessment {
    /// CVSS v3.x and v4.0 scores, from the record and the affected entry.
    pub cvss: Vec<CvssScore>,
    /// The distribution's or database's own word (`unimportant`, `HIGH`), if any.
    pub vendor: Option<String>,
    /// Vectors that could not be read (reported, never a silent zero).
    pub invalid: Vec<String>,
}

impl Assessment {
    /// The rating shown: the distribution's or database's own word when it has one (a
    /// distribution rates a CVE for the package as it ships it: Debian calls CVE-2019-1010022
    /// `unimportant` while its CVSS base score is 9.8; trivy prefers the vendor rating too),
    /// else the newest CVSS version's score.
    pub fn rating(&self) -> Rating {
        if let Some(r) = self.vendor.as_deref().and_then(Rating::from_word) {
            return r;
        }
        let best = self
            .cvss
            .iter()
            .max_by(|a, b| {
                a.version
                    .cmp(&b.version)
                    .then(a.base_score.total_cmp(&b.base_score))
            })
            .map(|s| s.rating);
        best.or_else(|| self.vendor.as_deref().and_then(Rating::from_word))
            .unwrap_or(Rating::Unknown)
    }

    /// The highest CVSS base score, if any.
    pub fn max_score(&self) -> Option<f64> {
        self.cvss.iter().map(|s| s.base_score).reduce(f64::max)
    }
}

/// Reads the severity of a record for one of its affected entries.
pub fn assess(record: &Record, affected: Option<&Affected>) -> Assessment {
    let mut out = Assessment::default();
    let mut add = |list: &[OsvSeverity]| {
        for s in list {
            if s.kind.starts_with("CVSS_V3") || s.kind == "CVSS_V4" {
                match cvss_score(&s.score) {
                    Ok(c) if !out.cvss.contains(&c) => out.cvss.push(c),
                    Ok(_) => {}
                    Err(e) => out.invalid.push(e),
                }
            } else if s.kind == "Ubuntu" {
                out.vendor.get_or_insert_with(|| s.score.clone());
            }
        }
    };
    add(&record.severity);
    if let Some(a) = affected {
        add(&a.severity);
        // Debian's urgency and other per-package words.
        for field in [&a.ecosystem_specific, &a.database_specific] {
            if let Some(w) = field
                .as_ref()
                .and_then(|v| v.get("urgency").or_else(|| v.get("severity")))
                .and_then(|v| v.as_str())
            {
                out.vendor.get_or_insert_with(|| w.to_string());
            }
        }
    }
    if out.vendor.is_none() {
        if let Some(w) = record
            .database_specific
            .as_ref()
            .and_then(|v| v.get("severity"))
            .and_then(|v| v.as_str())
        {
            out.vendor = Some(w.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distribution_rating_wins_over_cvss() {
        let a = Assessment {
            cvss: vec![cvss_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap()],
            vendor: Some("unimportant".into()),
            invalid: Vec::new(),
        };
        assert_eq!(a.rating(), Rating::Negligible);
        // a word that rates nothing (`not yet assigned`) leaves the score
        let a = Assessment {
            vendor: Some("not yet assigned".into()),
            ..a
        };
        assert_eq!(a.rating(), Rating::Critical);
    }

    #[test]
    fn v3_base_scores() {
        // CVE-2021-44228 (Log4Shell) and CVE-2014-0160 (Heartbleed) as NVD scored them.
        let s = cvss_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H").unwrap();
        assert_eq!((s.base_score, s.rating), (10.0, Rating::Critical));
        let s = cvss_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N").unwrap();
        assert_eq!((s.base_score, s.rating), (7.5, Rating::High));
        let s = cvss_score("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!((s.base_score, s.version.as_str()), (7.8, "3.0"));
        let s = cvss_score("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N").unwrap();
        assert_eq!((s.base_score, s.rating), (3.1, Rating::Low));
    }

    #[test]
    fn v4_base_scores() {
        // Examples from the CVSS v4.0 calculator (FIRST).
        let s =
            cvss_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!((s.base_score, s.rating), (9.3, Rating::Critical));
        let s =
            cvss_score("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!(s.base_score, 8.5);
        // No impact at all scores 0.0.
        let s =
            cvss_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N").unwrap();
        assert_eq!((s.base_score, s.rating), (0.0, Rating::Negligible));
    }

    #[test]
    fn bad_vectors_are_errors() {
        assert!(cvss_score("CVSS:3.1/AV:X").is_err());
        assert!(cvss_score("nonsense").is_err());
    }
}
