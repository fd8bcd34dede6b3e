//! A scan's packages looked up in the store: findings of SS5001, and what the `vulnerabilities`
//! checklist item is decided on.
//!
//! - No database: the item stays not analysed, with a note naming the commands that make one.
//! - A database that cannot be read: a scan error (exit 2), never "no vulnerabilities".
//! - Packages that cannot be looked up (no release, a version their ecosystem refuses, a
//!   purl with no OSV ecosystem, an ecosystem the database holds no advisory of): the item is
//!   not passed; the note names them.
//! - Otherwise every match is a finding, and the evidence says how many packages were checked
//!   against the database of which date.

use crate::matcher::PackageQuery;
use crate::rules::package_vulnerable::META;
use crate::severity::Rating;
use crate::store::Store;
use crate::VulnError;
use shipshape_core::report::Analysis;
use shipshape_core::vulnerability::VulnerabilityInfo;
use shipshape_core::{
    ChecklistItem, Evidence, Finding, Fix, FixApplicability, Location, ScanError, Severity,
};
use std::path::Path;

/// One package to check, and where it was found.
#[derive(Debug, Clone)]
pub struct ScanPackage {
    /// The query, or why the package has none (a purl with no OSV ecosystem).
    pub query: Result<PackageQuery, String>,
    /// The file the package was read from (a path in the image).
    pub location: String,
    /// The layer digest holding that file.
    pub layer: Option<String>,
}

/// The note of the `vulnerabilities` item when there is no database at `db`.
pub fn no_database_note(db: &Path) -> String {
    format!(
        "no vulnerability database at {}: run `shipshape db update` (or `shipshape db import PATH` with OSV records, offline), then scan again",
        db.display()
    )
}

/// The finding severity of a rating; a vulnerability no record rates is `medium`.
pub fn severity_of(rating: Rating) -> Severity {
    match rating {
        Rating::Critical => Severity::Critical,
        Rating::High => Severity::High,
        Rating::Medium | Rating::Unknown => Severity::Medium,
        Rating::Low => Severity::Low,
        Rating::Negligible => Severity::Info,
    }
}

/// Looks `packages` up in the database at `db` (`store::db_path`). `subject` names what was
/// scanned in errors (the image reference).
pub fn analyse(db: &Path, subject: &str, packages: &[ScanPackage]) -> Analysis {
    lookup(db, subject, packages).analysis
}

/// What [`lookup`] gives: the analysis, and the rating of each finding by fingerprint (the
/// finding's severity cannot tell an unrated vulnerability, reported as medium, from a medium
/// one; the quick view counts them apart).
#[derive(Debug, Default)]
pub struct Scanned {
    pub analysis: Analysis,
    pub ratings: std::collections::HashMap<String, Rating>,
}

/// [`analyse`], keeping each finding's rating.
pub fn lookup(db: &Path, subject: &str, packages: &[ScanPackage]) -> Scanned {
    let mut ratings = std::collections::HashMap::new();
    let analysis = analyse_rated(db, subject, packages, &mut ratings);
    Scanned { analysis, ratings }
}

fn analyse_rated(
    db: &Path,
    subject: &str,
    packages: &[ScanPackage],
    ratings: &mut std::collections::HashMap<String, Rating>,
) -> Analysis {
    let mut a = Analysis::default();
    if packages.is_empty() {
        a.notes.insert(
            ChecklistItem::Vulnerabilities,
            format!("no package database or lockfile found in {subject}: nothing to check against the vulnerability database"),
        );
        return a;
    }
    let store = match Store::open(db) {
        Ok(s) => s,
        Err(VulnError::NoDatabase { .. }) => {
            a.notes
                .insert(ChecklistItem::Vulnerabilities, no_database_note(db));
            return a;
        }
        Err(e) => {
            a.errors.push(ScanError::new(
                db.display().to_string(),
                format!("cannot read the vulnerability database: {e}"),
            ));
            return a;
        }
    };
    let mut unmatched: Vec<String> = Vec::new();
    let mut queries = Vec::new();
    let mut places = Vec::new();
    for p in packages {
        match &p.query {
            Ok(q) => {
                queries.push(q.clone());
                places.push(p);
            }
            Err(why) => unmatched.push(why.clone()),
        }
    }
    let outcome = match store.scan(&queries) {
        Ok(o) => o,
        Err(e) => {
            a.errors.push(ScanError::new(
                db.display().to_string(),
                format!("cannot match the packages of {subject}: {e}"),
            ));
            return a;
        }
    };
    a.evaluated_by([&META]);
    unmatched.extend(outcome.errors.iter().cloned());
    // A database without any advisory of a package's ecosystem (only PyPI imported, an npm
    // lockfile scanned) did not check it: said, never passed as "no vulnerabilities".
    let mut known: std::collections::BTreeMap<String, bool> = Default::default();
    for q in &queries {
        let Ok(key) = q.ecosystem_key() else {
            continue; // already an error of the lookup
        };
        let has = match known.get(&key) {
            Some(h) => *h,
            None => match store.has_ecosystem(&key) {
                Ok(h) => *known.entry(key.clone()).or_insert(h),
                Err(e) => {
                    a.errors.push(ScanError::new(
                        db.display().to_string(),
                        format!("cannot read the vulnerability database: {e}"),
                    ));
                    return a;
                }
            },
        };
        if !has {
            unmatched.push(format!(
                "{} {}: the database holds no {key} advisories",
                q.name, q.version
            ));
        }
    }
    for pv in &outcome.packages {
        let q = &pv.package;
        // The place of the package: the first input entry with this query.
        let place = queries.iter().position(|x| x == q).map(|i| places[i]);
        for v in &pv.vulnerabilities {
            let others: Vec<&str> = v
                .ids
                .iter()
                .map(String::as_str)
                .filter(|i| *i != v.id)
                .collect();
            let source = match (&q.source_name, q.ecosystem.is_distro()) {
                (Some(s), true) if *s != q.name => format!(" (source {s})"),
                _ => String::new(),
            };
            let fixed = match &v.fixed {
                Some(f) => format!("fixed in {f}"),
                None => "no fixed version yet".to_string(),
            };
            let rating = match v.max_cvss {
                Some(s) => format!("{}, CVSS {s:.1}", v.rating.as_str()),
                None => v.rating.as_str().to_string(),
            };
            let message = format!(
                "{} {}{source} is affected by {}{} ({rating}); {fixed}",
                q.name,
                q.version,
                v.id,
                if others.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", others.join(", "))
                },
            );
            let mut location = Location::path(place.map_or("", |p| p.location.as_str()))
                .with_key(format!("{}@{}", q.name, q.version));
            location.layer = place.and_then(|p| p.layer.clone());
            let context = format!("{} {}", q.name, v.id);
            let (kev, epss) = match store.priorities(&v.ids) {
                Ok(p) => p,
                Err(e) => {
                    a.errors.push(ScanError::new(
                        db.display().to_string(),
                        format!("cannot read the KEV and EPSS data: {e}"),
                    ));
                    (None, None)
                }
            };
            let message = format!("{message}{}", crate::priority::describe(&kev, &epss));
            let mut finding = Finding::new(&META, location, message, &context)
                .with_severity(severity_of(v.rating))
                .with_vulnerability(VulnerabilityInfo {
                    id: v.id.clone(),
                    aliases: others.iter().map(|s| s.to_string()).collect(),
                    purl: q.purl.clone(),
                    kev,
                    epss,
                    vex: None,
                });
            // The fixed version as advice (no edits): what `--only-fixed` keeps.
            if let Some(f) = &v.fixed {
                finding = finding.with_fix(Fix {
                    description: format!("upgrade {} to {f} or later", q.name),
                    applicability: FixApplicability::DisplayOnly,
                    edits: Vec::new(),
                });
            }
            ratings.insert(finding.fingerprint.clone(), v.rating);
            a.findings.push(finding);
        }
    }
    let date = store
        .meta("built_at")
        .ok()
        .flatten()
        .map(|d| d.get(..10).unwrap_or(&d).to_string())
        .unwrap_or_else(|| "unknown date".to_string());
    let checked = queries.len();
    if unmatched.is_empty() {
        a.add_evidence(Evidence::pass(
            ChecklistItem::Vulnerabilities,
            "",
            format!(
                "{checked} package{} checked against the OSV database of {date}: no critical or high",
                if checked == 1 { "" } else { "s" }
            ),
        ));
    } else {
        let shown: Vec<&str> = unmatched.iter().take(3).map(String::as_str).collect();
        a.notes.insert(
            ChecklistItem::Vulnerabilities,
            format!(
                "{} package{} could not be looked up in the vulnerability database, e.g. {}",
                unmatched.len(),
                if unmatched.len() == 1 { "" } else { "s" },
                shown.join("; ")
            ),
        );
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(query: Result<PackageQuery, String>) -> ScanPackage {
        ScanPackage {
            query,
            location: "/var/lib/dpkg/status".into(),
            layer: None,
        }
    }

    #[test]
    fn ratings_map_to_severities() {
        assert_eq!(severity_of(Rating::Critical), Severity::Critical);
        assert_eq!(severity_of(Rating::High), Severity::High);
        assert_eq!(severity_of(Rating::Unknown), Severity::Medium);
        assert_eq!(severity_of(Rating::Negligible), Severity::Info);
    }

    #[test]
    fn no_database_is_a_note_not_a_pass() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::store::db_path(dir.path());
        let q = PackageQuery::from_purl("pkg:deb/debian/libc6@2.36-9?distro=debian-12").unwrap();
        let a = analyse(&db, "img", &[package(Ok(q))]);
        assert!(a.findings.is_empty() && a.evidence.is_empty() && a.errors.is_empty());
        assert!(a.evaluated.is_empty());
        let note = &a.notes[&ChecklistItem::Vulnerabilities];
        assert!(note.contains("shipshape db update"), "{note}");
        // No packages at all: nothing checked, nothing passed.
        let a = analyse(&db, "img", &[]);
        assert!(a.notes[&ChecklistItem::Vulnerabilities].contains("no package database"));
    }

    #[test]
    fn packages_that_cannot_be_looked_up_pass_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::store::db_path(dir.path());
        let record = r#"{"id":"A-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]}"#;
        let file = dir.path().join("A-1.json");
        std::fs::write(&file, record).unwrap();
        let loaded = crate::source::load(&file).unwrap();
        crate::store::import(&db, loaded, &crate::store::ImportMode::Merge).unwrap();
        let hit = PackageQuery::new(crate::Ecosystem::Npm, "left-pad", "0.9.0");
        let a = analyse(
            &db,
            "img",
            &[
                package(Ok(hit.clone())),
                package(Err("`pkg:generic/x@1`: no OSV ecosystem".into())),
            ],
        );
        assert_eq!(a.findings.len(), 1);
        assert!(
            a.findings[0].message.contains("A-1"),
            "{}",
            a.findings[0].message
        );
        assert!(a.findings[0].message.contains("fixed in 1.0.0"));
        assert_eq!(
            a.findings[0].severity,
            Severity::Medium,
            "unrated is medium"
        );
        assert!(a.evidence.is_empty());
        assert!(
            a.notes[&ChecklistItem::Vulnerabilities].contains("1 package could not be looked up")
        );
        // A package of an ecosystem the database holds nothing of was not checked.
        let other = PackageQuery::new(crate::Ecosystem::PyPI, "requests", "2.0.0");
        let a = analyse(&db, "img", &[package(Ok(hit.clone())), package(Ok(other))]);
        assert!(a.evidence.is_empty());
        let note = &a.notes[&ChecklistItem::Vulnerabilities];
        assert!(
            note.contains("the database holds no PyPI advisories"),
            "{note}"
        );
        // All looked up: the evidence names the count.
        let a = analyse(&db, "img", &[package(Ok(hit))]);
        assert_eq!(a.evidence.len(), 1);
        assert!(a.evidence[0]
            .note()
            .starts_with("1 package checked against the OSV database of "));
    }
}
