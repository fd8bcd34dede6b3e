//! An SBOM's packages looked up in the vulnerability store, for `shipshape sbom`: the
//! CycloneDX `vulnerabilities` section, a `vulnerabilities` list in our JSON, and a section of
//! the table.

use serde_json::{json, Value};
use shipshape_core::config::VulnOptions;
use shipshape_sbom::Sbom;
use shipshape_vuln::matcher::Vulnerability;
use shipshape_vuln::scan::severity_of;
use shipshape_vuln::severity::Rating;
use shipshape_vuln::store::Store;
use shipshape_vuln::VulnError;
use std::path::Path;

/// One vulnerability of one package.
#[derive(Debug, Clone)]
pub struct Matched {
    /// Index into the SBOM's packages.
    pub package: usize,
    pub vulnerability: Vulnerability,
}

/// What the lookup found.
#[derive(Debug, Clone, Default)]
pub struct SbomVulns {
    /// In package order, the filters applied.
    pub matched: Vec<Matched>,
    /// Matches the filters hid.
    pub hidden: usize,
    /// Packages that could not be looked up, with the reason.
    pub unmatched: Vec<String>,
    /// When the database was built (RFC 3339).
    pub built_at: Option<String>,
}

/// Looks every package of `sbom` up in the database at `db`, keeping what `view` shows
/// (`--severity`, `--only-fixed`). `Ok(None)`: there is no database.
pub fn lookup(db: &Path, sbom: &Sbom, view: &VulnOptions) -> Result<Option<SbomVulns>, VulnError> {
    let store = match Store::open(db) {
        Ok(s) => s,
        Err(VulnError::NoDatabase { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut out = SbomVulns {
        built_at: store.meta("built_at")?,
        ..SbomVulns::default()
    };
    let mut known: std::collections::HashMap<String, bool> = Default::default();
    for (i, p) in sbom.packages.iter().enumerate() {
        let q = match crate::query(p) {
            Ok(q) => q,
            Err(why) => {
                out.unmatched.push(why);
                continue;
            }
        };
        // An ecosystem the database holds nothing of was not checked: said on stderr.
        if let Ok(key) = q.ecosystem_key() {
            let has = match known.get(&key) {
                Some(h) => *h,
                None => *known
                    .entry(key.clone())
                    .or_insert(store.has_ecosystem(&key)?),
            };
            if !has {
                out.unmatched.push(format!(
                    "{} {}: the database holds no {key} advisories",
                    q.name, q.version
                ));
                continue;
            }
        }
        // One package at a time: two files may lock the same package, and each is its own
        // component in the document.
        let outcome = store.scan(std::slice::from_ref(&q))?;
        out.unmatched.extend(outcome.errors);
        for pv in outcome.packages {
            for v in pv.vulnerabilities {
                let severity = severity_of(v.rating);
                let shown = (view.severities.is_empty() || view.severities.contains(&severity))
                    && (!view.only_fixed || v.fixed.is_some());
                if shown {
                    out.matched.push(Matched {
                        package: i,
                        vulnerability: v,
                    });
                } else {
                    out.hidden += 1;
                }
            }
        }
    }
    Ok(Some(out))
}

/// CycloneDX's severity word for a rating.
fn cdx_severity(r: Rating) -> &'static str {
    match r {
        Rating::Critical => "critical",
        Rating::High => "high",
        Rating::Medium => "medium",
        Rating::Low => "low",
        Rating::Negligible => "info",
        Rating::Unknown => "unknown",
    }
}

/// CycloneDX's scoring method for a CVSS version.
fn cdx_method(version: &str) -> &'static str {
    match version {
        "3.1" => "CVSSv31",
        "4.0" => "CVSSv4",
        _ => "CVSSv3",
    }
}

/// Adds the `vulnerabilities` section (CycloneDX 1.6) to `doc`, the document of `sbom`: one
/// entry per package and vulnerability, with its other ids as references, a rating per CVSS
/// vector (score, severity, vector) and the distribution's or database's own rating, the
/// affected component by its bom-ref (the version affected, and the fixed one as unaffected)
/// and the fixed version as the recommendation.
pub fn add_to_cyclonedx(doc: &mut Value, sbom: &Sbom, vulns: &SbomVulns) {
    let osv = json!({ "name": "OSV" });
    let mut list = Vec::new();
    for m in &vulns.matched {
        let Some(p) = sbom.packages.get(m.package) else {
            continue;
        };
        let v = &m.vulnerability;
        let mut ratings = Vec::new();
        let mut vectors = std::collections::BTreeSet::new();
        for a in &v.severity {
            for c in &a.cvss {
                if vectors.insert(c.vector.clone()) {
                    ratings.push(json!({
                        "source": osv,
                        "score": c.base_score,
                        "severity": cdx_severity(c.rating),
                        "method": cdx_method(&c.version),
                        "vector": c.vector,
                    }));
                }
            }
        }
        if let Some(word) = v.severity.iter().find_map(|a| a.vendor.clone()) {
            ratings.push(json!({
                "source": osv,
                "severity": cdx_severity(Rating::from_word(&word).unwrap_or(Rating::Unknown)),
                "method": "other",
                "justification": format!("rated `{word}` by the advisory"),
            }));
        }
        if ratings.is_empty() {
            ratings.push(
                json!({ "source": osv, "severity": cdx_severity(v.rating), "method": "other" }),
            );
        }
        let mut versions = vec![json!({ "version": p.version, "status": "affected" })];
        if let Some(f) = &v.fixed {
            versions.push(json!({ "version": f, "status": "unaffected" }));
        }
        let mut entry = json!({
            "bom-ref": format!("vulnerability:{}:{}", v.id, p.id),
            "id": v.id,
            "source": osv,
            "ratings": ratings,
            "affects": [{ "ref": p.id, "versions": versions }],
        });
        let refs: Vec<Value> = v
            .ids
            .iter()
            .filter(|i| **i != v.id)
            .map(|i| json!({ "id": i, "source": osv }))
            .collect();
        if !refs.is_empty() {
            entry["references"] = Value::Array(refs);
        }
        if let Some(s) = &v.summary {
            entry["description"] = json!(s);
        }
        if let Some(f) = &v.fixed {
            entry["recommendation"] = json!(format!("Upgrade {} to {f} or later", p.name));
        }
        list.push(entry);
    }
    doc["vulnerabilities"] = Value::Array(list);
}

/// Adds a `vulnerabilities` list to our JSON SBOM: the package's id and the vulnerability as
/// the matcher describes it (ids, rating, highest CVSS score, fixed version, CVSS details).
pub fn add_to_json(doc: &mut Value, sbom: &Sbom, vulns: &SbomVulns) {
    let list: Vec<Value> = vulns
        .matched
        .iter()
        .filter_map(|m| {
            let p = sbom.packages.get(m.package)?;
            let mut v = serde_json::to_value(&m.vulnerability).ok()?;
            v["package"] = json!(p.id);
            Some(v)
        })
        .collect();
    doc["vulnerabilities"] = Value::Array(list);
}

/// The table's vulnerabilities section.
pub fn table(sbom: &Sbom, vulns: &SbomVulns) -> String {
    let rows: Vec<[String; 5]> = vulns
        .matched
        .iter()
        .filter_map(|m| {
            let p = sbom.packages.get(m.package)?;
            let v = &m.vulnerability;
            Some([
                v.id.clone(),
                v.rating.as_str().to_string(),
                p.name.clone(),
                p.version.clone(),
                v.fixed.clone().unwrap_or_else(|| "-".into()),
            ])
        })
        .collect();
    let mut out = String::from("\n");
    if rows.is_empty() {
        out.push_str("no known vulnerabilities");
    } else {
        let head = [
            "VULNERABILITY",
            "SEVERITY",
            "PACKAGE",
            "VERSION",
            "FIXED IN",
        ];
        let mut width = head.map(str::len);
        for r in &rows {
            for (w, c) in width.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut line = |cells: [&str; 5]| {
            let mut l = String::new();
            for (i, c) in cells.iter().enumerate() {
                l.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(head);
        for r in &rows {
            line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
        }
        out.push_str(&format!(
            "{} known vulnerabilit{}",
            rows.len(),
            if rows.len() == 1 { "y" } else { "ies" }
        ));
    }
    if let Some(b) = &vulns.built_at {
        out.push_str(&format!(" (OSV database of {})", b.get(..10).unwrap_or(b)));
    }
    if vulns.hidden > 0 {
        out.push_str(&format!(
            "; {} hidden by --severity/--only-fixed",
            vulns.hidden
        ));
    }
    out.push('\n');
    if !vulns.unmatched.is_empty() {
        out.push_str(&format!(
            "{} package{} could not be looked up, e.g. {}\n",
            vulns.unmatched.len(),
            if vulns.unmatched.len() == 1 { "" } else { "s" },
            vulns.unmatched[0]
        ));
    }
    out
}
