//! Matching packages against OSV records, and merging the records that describe one
//! vulnerability.
//!
//! Distribution advisories are per source package and release: a Debian binary package
//! (`libc6`) is matched through its source package (`glibc`) and version in `Debian:12`, an Alpine
//! package through its origin in `Alpine:v3.20`. Red Hat's records name binary rpm packages (and
//! source rpms) per product stream: a RHEL or UBI package is matched by its own name in the main
//! streams of its major release (`Red Hat:enterprise_linux:9::appstream`, `...::baseos`, keyed
//! `Red Hat:enterprise_linux:9`; see [`record_ecosystem_key`]). Ranges are evaluated as the OSV schema says:
//! events in version order, `introduced` opens an affected interval, `fixed` and
//! `last_affected` close it, `limit` bounds the range; an explicit `versions` list matches too.
//! Withdrawn records never match. Only `ECOSYSTEM` and `SEMVER` ranges are read (`GIT` ranges
//! need the source tree).

use crate::osv::{Affected, Event, Record};
use crate::severity::{assess, Assessment, Rating};
use crate::version::{semver as sv, Ecosystem, VersionError};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One installed or locked package to look up: the input of matching. The SBOM's package model
/// converts into this (`ecosystem`, `name`, `version`, the source package of a distribution
/// package, the distribution release, the purl).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageQuery {
    pub ecosystem: Ecosystem,
    /// The package name (a binary package for distributions).
    pub name: String,
    pub version: String,
    /// The source package (Debian, Ubuntu) or origin (Alpine), when it differs from the name.
    pub source_name: Option<String>,
    /// The source package's version (Debian binNMUs differ from it).
    pub source_version: Option<String>,
    /// The distribution release (`12`, `22.04`, `3.20.3`, `9.4`), required for distributions.
    pub release: Option<String>,
    pub purl: Option<String>,
}

/// Why a package could not be looked up or compared: reported, never a silent "not affected".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchError {
    /// A distribution package without its release.
    NoRelease {
        package: String,
        ecosystem: Ecosystem,
    },
    /// An ecosystem whose advisories shipshape cannot key yet.
    Unsupported { package: String, reason: String },
    /// The installed version does not parse in its ecosystem.
    Version {
        package: String,
        error: VersionError,
    },
    /// A record's range does not parse.
    Record { id: String, error: String },
}

impl fmt::Display for MatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchError::NoRelease { package, ecosystem } => write!(
                f,
                "{package}: {ecosystem} advisories are per release, and the package's release is unknown"
            ),
            MatchError::Unsupported { package, reason } => write!(f, "{package}: {reason}"),
            MatchError::Version { package, error } => write!(f, "{package}: {error}"),
            MatchError::Record { id, error } => write!(f, "advisory {id}: {error}"),
        }
    }
}

impl std::error::Error for MatchError {}

impl PackageQuery {
    /// A package with no source package or release (language ecosystems).
    pub fn new(ecosystem: Ecosystem, name: &str, version: &str) -> Self {
        PackageQuery {
            ecosystem,
            name: name.to_string(),
            version: version.to_string(),
            source_name: None,
            source_version: None,
            release: None,
            purl: None,
        }
    }

    /// The query for a package URL, as SBOMs name packages: `pkg:deb/debian/libc6@2.36-9+deb12u4?distro=debian-12&upstream=glibc`,
    /// `pkg:apk/alpine/libcrypto3@3.3.1-r3?distro=alpine-3.20.3&upstream=openssl`,
    /// `pkg:rpm/almalinux/openssl@3.0.7-27.el9?epoch=1&distro=almalinux-9.4`, `pkg:npm/%40scope/name@1.0.0`,
    /// `pkg:maven/group/artifact@1.0`, `pkg:golang/github.com/x/y@v1.2.3`, and the `cargo`,
    /// `pypi`, `gem`, `composer` and `nuget` types. The `upstream` qualifier (`name` or
    /// `name@version`) is the source package or origin.
    pub fn from_purl(purl: &str) -> Result<PackageQuery, String> {
        use std::str::FromStr;
        let p = packageurl::PackageUrl::from_str(purl).map_err(|e| format!("`{purl}`: {e}"))?;
        let version = p
            .version()
            .ok_or_else(|| format!("`{purl}`: no version"))?
            .to_string();
        let ns = p.namespace().map(str::to_string);
        let q = |k: &str| p.qualifiers().get(k).map(|v| v.to_string());
        let joined = |sep: &str| match &ns {
            Some(n) => format!("{n}{sep}{}", p.name()),
            None => p.name().to_string(),
        };
        // `distro=debian-12` gives `12`.
        let release = q("distro").map(|d| match d.rsplit_once('-') {
            Some((_, r)) => r.to_string(),
            None => d,
        });
        let (eco, name) = match p.ty() {
            "deb" => match ns.as_deref() {
                Some("debian") => (Ecosystem::Debian, p.name().to_string()),
                Some("ubuntu") => (Ecosystem::Ubuntu, p.name().to_string()),
                other => {
                    return Err(format!(
                        "`{purl}`: deb namespace {other:?} is not Debian or Ubuntu"
                    ))
                }
            },
            "apk" => (Ecosystem::Alpine, p.name().to_string()),
            "rpm" => match ns.as_deref() {
                Some("almalinux") => (Ecosystem::AlmaLinux, p.name().to_string()),
                Some("rocky") | Some("rockylinux") => (Ecosystem::RockyLinux, p.name().to_string()),
                Some("redhat") | Some("rhel") => (Ecosystem::RedHat, p.name().to_string()),
                other => {
                    return Err(format!(
                        "`{purl}`: rpm namespace {other:?} has no OSV ecosystem"
                    ))
                }
            },
            "cargo" => (Ecosystem::CratesIo, p.name().to_string()),
            "npm" => (Ecosystem::Npm, joined("/")),
            "pypi" => (Ecosystem::PyPI, p.name().to_string()),
            "golang" => (Ecosystem::Go, joined("/")),
            "maven" => (Ecosystem::Maven, joined(":")),
            "gem" => (Ecosystem::RubyGems, p.name().to_string()),
            "composer" => (Ecosystem::Packagist, joined("/")),
            "nuget" => (Ecosystem::NuGet, p.name().to_string()),
            other => {
                return Err(format!(
                    "`{purl}`: purl type `{other}` has no OSV ecosystem"
                ))
            }
        };
        let version = match (p.ty(), q("epoch")) {
            ("rpm", Some(e)) if !version.contains(':') => format!("{e}:{version}"),
            _ => version,
        };
        let (source_name, source_version) = match q("upstream") {
            Some(u) => match u.split_once('@') {
                Some((n, v)) => (Some(n.to_string()), Some(v.to_string())),
                None => (Some(u), None),
            },
            None => (None, None),
        };
        Ok(PackageQuery {
            ecosystem: eco,
            name,
            version,
            source_name,
            source_version,
            release: if eco.is_distro() { release } else { None },
            purl: Some(purl.to_string()),
        })
    }

    /// How the package is shown: `name@version`.
    pub fn display(&self) -> String {
        format!("{} {}@{}", self.ecosystem, self.name, self.version)
    }

    /// The name advisories use: the source package or origin for distributions.
    pub fn advisory_name(&self) -> String {
        let name = match self.ecosystem {
            Ecosystem::Debian | Ecosystem::Ubuntu | Ecosystem::Alpine => {
                self.source_name.as_deref().unwrap_or(&self.name)
            }
            _ => &self.name,
        };
        self.ecosystem.normalize_name(name)
    }

    /// The version advisories compare: the source version for Debian and Ubuntu.
    pub fn advisory_version(&self) -> &str {
        match self.ecosystem {
            Ecosystem::Debian | Ecosystem::Ubuntu => {
                self.source_version.as_deref().unwrap_or(&self.version)
            }
            _ => &self.version,
        }
    }

    /// The store key of the ecosystem: `Debian:12`, `Ubuntu:22.04`, `Alpine:v3.20`,
    /// `AlmaLinux:9`, or the ecosystem's name.
    pub fn ecosystem_key(&self) -> Result<String, MatchError> {
        let eco = self.ecosystem;
        if !eco.is_distro() {
            return Ok(eco.osv_name().to_string());
        }
        let no_release = || MatchError::NoRelease {
            package: self.display(),
            ecosystem: eco,
        };
        let release = self
            .release
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or_else(no_release)?;
        let release = release.strip_prefix('v').unwrap_or(release);
        let mut parts = release.split('.');
        let major = parts.next().unwrap_or_default();
        Ok(match eco {
            Ecosystem::Debian | Ecosystem::AlmaLinux | Ecosystem::RockyLinux => {
                format!("{}:{major}", eco.osv_name())
            }
            Ecosystem::Ubuntu => format!("Ubuntu:{release}"),
            Ecosystem::Alpine => {
                let minor = parts.next().ok_or_else(no_release)?;
                format!("Alpine:v{major}.{minor}")
            }
            Ecosystem::RedHat => {
                if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(MatchError::Unsupported {
                        package: self.display(),
                        reason: format!(
                            "Red Hat release `{release}` is not a RHEL release number (`9`, `9.4`)"
                        ),
                    });
                }
                format!("{}:{RHEL_STREAM}:{major}", eco.osv_name())
            }
            _ => {
                return Err(MatchError::Unsupported {
                    package: self.display(),
                    reason: format!("{eco} advisories cannot be keyed by release"),
                })
            }
        })
    }
}

/// The CPE product of Red Hat Enterprise Linux's main streams in Red Hat's OSV ecosystems.
const RHEL_STREAM: &str = "enterprise_linux";

/// The store key of an OSV ecosystem string, with its ecosystem, or `None` when shipshape does
/// not match that ecosystem (`Hackage`, Ubuntu Pro streams, Red Hat streams other than a RHEL
/// major release's main ones).
///
/// Red Hat's ecosystems are the CPE of a product stream after `Red Hat`:
/// `Red Hat:enterprise_linux:9::appstream` (product, version, empty update field, repository).
/// The main streams of a RHEL major release (`enterprise_linux:<major>`, any repository:
/// `baseos`, `appstream`, `crb`, ...) are keyed `Red Hat:enterprise_linux:<major>`, what an
/// installed RHEL or UBI package is looked up in. The extended-update streams of one minor
/// release (`rhel_aus:8.6`, `rhel_eus:9.2`, `rhel_e4s`, `rhel_tus`) and other products
/// (`openshift`, `rhel_els`, ...) are not matched: their fixes ship only to subscribers of that
/// stream, and the package does not say which stream it came from.
pub fn record_ecosystem_key(osv: &str) -> Option<(Ecosystem, String)> {
    let (eco, release) = Ecosystem::parse_osv(osv)?;
    match (eco, release) {
        (Ecosystem::RedHat, Some(stream)) => {
            let mut cpe = stream.split(':');
            let product = cpe.next()?;
            let version = cpe.next()?;
            let major = !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit());
            (product == RHEL_STREAM && major)
                .then(|| (eco, format!("{}:{RHEL_STREAM}:{version}", eco.osv_name())))
        }
        (e, Some(r)) if e.is_distro() => {
            if e == Ecosystem::Ubuntu {
                // `Ubuntu:22.04:LTS` and `Ubuntu:24.10`; Pro streams need a Pro subscription
                // shipshape cannot see, so they are not matched.
                let r = r.strip_suffix(":LTS").unwrap_or(r);
                let plain = r
                    .split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
                return plain.then(|| (e, format!("Ubuntu:{r}")));
            }
            Some((e, format!("{}:{r}", e.osv_name())))
        }
        (e, None) if e.is_distro() => None,
        (e, _) => Some((e, e.osv_name().to_string())),
    }
}

/// One record that affects one package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub aliases: Vec<String>,
    pub upstream: Vec<String>,
    /// The first version that fixes the interval the package is in, if the record knows one.
    pub fixed: Option<String>,
    pub summary: Option<String>,
    pub severity: Assessment,
}

/// Whether `record` affects `query`; `Ok(None)` when it does not (or is withdrawn).
pub fn match_record(record: &Record, query: &PackageQuery) -> Result<Option<Hit>, MatchError> {
    if record.withdrawn.is_some() {
        return Ok(None);
    }
    let key = query.ecosystem_key()?;
    let name = query.advisory_name();
    let version = query.advisory_version();
    query
        .ecosystem
        .validate(version)
        .map_err(|error| MatchError::Version {
            package: query.display(),
            error,
        })?;
    let mut best: Option<Hit> = None;
    for affected in &record.affected {
        let Some(pkg) = &affected.package else {
            continue;
        };
        let Some((eco, k)) = record_ecosystem_key(&pkg.ecosystem) else {
            continue;
        };
        if eco != query.ecosystem || k != key || eco.normalize_name(&pkg.name) != name {
            continue;
        }
        if let Some(fixed) = affected_by(record, affected, eco, version)? {
            let hit = Hit {
                id: record.id.clone(),
                aliases: record.aliases.clone(),
                upstream: record.upstream.clone(),
                fixed,
                summary: record.summary.clone(),
                severity: assess(record, Some(affected)),
            };
            // Several entries of one record for one package: keep the one with a fix.
            if best.as_ref().is_none_or(|b| b.fixed.is_none()) {
                best = Some(hit);
            }
        }
    }
    Ok(best)
}

/// `Some(fixed)` when this affected entry covers `version` (`fixed` being the version that
/// ends the interval, if known), `None` when it does not.
fn affected_by(
    record: &Record,
    affected: &Affected,
    eco: Ecosystem,
    version: &str,
) -> Result<Option<Option<String>>, MatchError> {
    let rec_err = |error: String| MatchError::Record {
        id: record.id.clone(),
        error,
    };
    let mut hit: Option<Option<String>> = None;
    for v in &affected.versions {
        if v == version || eco.compare(v, version) == Ok(Ordering::Equal) {
            hit = Some(None);
        }
    }
    for range in &affected.ranges {
        let semver = match range.kind.as_str() {
            "ECOSYSTEM" => false,
            "SEMVER" => true,
            _ => continue,
        };
        let cmp = |a: &str, b: &str| -> Result<Ordering, VersionError> {
            if semver {
                Ok(sv::cmp(&sv::parse_go(a)?, &sv::parse_go(b)?))
            } else {
                eco.compare(a, b)
            }
        };
        let inside = in_range(&range.events, version, &cmp).map_err(|e| rec_err(e.to_string()))?;
        // Prefer an interval that knows its fix.
        if let Some(fixed) = inside {
            if hit.as_ref().is_none_or(|h| h.is_none()) {
                hit = Some(fixed);
            }
        }
    }
    Ok(hit)
}

/// The OSV evaluation of one range: `Some(fixed)` when `version` is inside.
fn in_range(
    events: &[Event],
    version: &str,
    cmp: &dyn Fn(&str, &str) -> Result<Ordering, VersionError>,
) -> Result<Option<Option<String>>, VersionError> {
    #[derive(Clone, Copy, PartialEq)]
    enum K {
        Introduced,
        Fixed,
        LastAffected,
        Limit,
    }
    let mut list: Vec<(K, &str)> = Vec::new();
    for e in events {
        if let Some(v) = &e.introduced {
            list.push((K::Introduced, v));
        }
        if let Some(v) = &e.fixed {
            list.push((K::Fixed, v));
        }
        if let Some(v) = &e.last_affected {
            list.push((K::LastAffected, v));
        }
        if let Some(v) = &e.limit {
            list.push((K::Limit, v));
        }
    }
    // "0" as `introduced` is the start of time; `*` as a limit is no limit.
    let is_zero = |k: K, v: &str| k == K::Introduced && v == "0";
    for (k, v) in &list {
        let no_limit = *k == K::Limit && *v == "*";
        if !is_zero(*k, v) && !no_limit {
            cmp(v, v)?;
        }
    }
    let order = |a: &(K, &str), b: &(K, &str)| -> Ordering {
        match (is_zero(a.0, a.1), is_zero(b.0, b.1)) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => cmp(a.1, b.1).unwrap_or(Ordering::Equal),
        }
    };
    list.sort_by(order);
    let mut affected = false;
    for (k, v) in &list {
        match k {
            K::Introduced => {
                if is_zero(*k, v) || cmp(version, v)? != Ordering::Less {
                    affected = true;
                }
            }
            K::Fixed => {
                if cmp(version, v)? != Ordering::Less {
                    affected = false;
                }
            }
            K::LastAffected => {
                if cmp(version, v)? == Ordering::Greater {
                    affected = false;
                }
            }
            K::Limit => {}
        }
    }
    if !affected {
        return Ok(None);
    }
    let limits: Vec<&str> = list
        .iter()
        .filter(|(k, v)| *k == K::Limit && *v != "*")
        .map(|(_, v)| *v)
        .collect();
    if !limits.is_empty() {
        let mut below_any = false;
        for l in limits {
            if cmp(version, l)? == Ordering::Less {
                below_any = true;
            }
        }
        if !below_any {
            return Ok(None);
        }
    }
    // The fix of the interval the version is in: the first `fixed` above it.
    let mut fixed = None;
    for (k, v) in &list {
        if *k == K::Fixed && cmp(version, v)? == Ordering::Less {
            fixed = Some(v.to_string());
            break;
        }
    }
    Ok(Some(fixed))
}

/// One vulnerability of one package, with every record id that describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vulnerability {
    /// The id shown: the CVE when there is one, else the first record's id.
    pub id: String,
    /// Every id: records, their aliases and the upstream CVE.
    pub ids: Vec<String>,
    /// The records that matched.
    pub records: Vec<String>,
    /// The version that fixes every matched record, if all of them name one.
    pub fixed: Option<String>,
    pub summary: Option<String>,
    pub rating: Rating,
    pub max_cvss: Option<f64>,
    pub severity: Vec<Assessment>,
}

/// Merges the hits of one package so that one vulnerability is reported once: records linked by
/// aliases are one vulnerability, and so is a record with the single upstream CVE it derives from
/// (`DEBIAN-CVE-2023-4911`, `DSA-5514-1` and `CVE-2023-4911`). A record that derives from several
/// CVEs (an advisory fixing many) joins each of those that matched on their own, or stands alone.
pub fn merge(query: &PackageQuery, hits: Vec<Hit>) -> Vec<Vulnerability> {
    let eco = query.ecosystem;
    let mut uf = UnionFind::default();
    let is_cve = |s: &str| s.starts_with("CVE-");
    for h in &hits {
        uf.add(&h.id);
        for a in &h.aliases {
            uf.union(&h.id, a);
        }
        let cves: Vec<&String> = h.upstream.iter().filter(|u| is_cve(u)).collect();
        if cves.len() <= 1 {
            for u in &h.upstream {
                uf.union(&h.id, u);
            }
        }
    }
    // Group hits by their root; multi-CVE records join the groups of their CVEs.
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, h) in hits.iter().enumerate() {
        let multi: Vec<&String> = h.upstream.iter().filter(|u| is_cve(u)).collect();
        if multi.len() > 1 {
            continue;
        }
        groups.entry(uf.find(&h.id)).or_default().push(i);
    }
    for (i, h) in hits.iter().enumerate() {
        let cves: Vec<&String> = h.upstream.iter().filter(|u| is_cve(u)).collect();
        if cves.len() <= 1 {
            continue;
        }
        let mut joined = false;
        for c in cves {
            if uf.contains(c) {
                let root = uf.find(c);
                if let Some(g) = groups.get_mut(&root) {
                    g.push(i);
                    joined = true;
                }
            }
        }
        if !joined {
            groups.entry(h.id.clone()).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for members in groups.values() {
        let mut ids = BTreeSet::new();
        let mut records = BTreeSet::new();
        for &i in members {
            let h = &hits[i];
            ids.insert(h.id.clone());
            records.insert(h.id.clone());
            ids.extend(h.aliases.iter().cloned());
            if h.upstream.iter().filter(|u| is_cve(u)).count() <= 1 {
                ids.extend(h.upstream.iter().cloned());
            }
        }
        let id = ids
            .iter()
            .find(|s| is_cve(s))
            .or_else(|| ids.iter().find(|s| s.starts_with("GHSA-")))
            .or_else(|| records.iter().next())
            .cloned()
            .unwrap_or_default();
        // The fix: the highest fixed version, only when every matched record names one.
        let mut fixed: Option<String> = None;
        let mut all_fixed = true;
        for &i in members {
            match &hits[i].fixed {
                None => all_fixed = false,
                Some(f) => {
                    let newer = match &fixed {
                        None => true,
                        Some(cur) => eco.compare(f, cur).is_ok_and(|o| o == Ordering::Greater),
                    };
                    if newer {
                        fixed = Some(f.clone());
                    }
                }
            }
        }
        let severity: Vec<Assessment> = members.iter().map(|&i| hits[i].severity.clone()).collect();
        let rating = severity
            .iter()
            .map(Assessment::rating)
            .max()
            .unwrap_or(Rating::Unknown);
        let max_cvss = severity
            .iter()
            .filter_map(Assessment::max_score)
            .reduce(f64::max);
        let summary = members.iter().find_map(|&i| hits[i].summary.clone());
        out.push(Vulnerability {
            id,
            ids: ids.into_iter().collect(),
            records: records.into_iter().collect(),
            fixed: if all_fixed { fixed } else { None },
            summary,
            rating,
            max_cvss,
            severity,
        });
    }
    out.sort_by(|a, b| b.rating.cmp(&a.rating).then(a.id.cmp(&b.id)));
    out
}

#[derive(Default)]
struct UnionFind {
    parent: BTreeMap<String, String>,
}

impl UnionFind {
    fn add(&mut self, x: &str) {
        self.parent
            .entry(x.to_string())
            .or_insert_with(|| x.to_string());
    }
    fn contains(&self, x: &str) -> bool {
        self.parent.contains_key(x)
    }
    fn find(&mut self, x: &str) -> String {
        self.add(x);
        let mut root = x.to_string();
        while let Some(p) = self.parent.get(&root) {
            if *p == root {
                break;
            }
            root = p.clone();
        }
        // Path compression.
        let mut cur = x.to_string();
        while cur != root {
            let next = self
                .parent
                .get(&cur)
                .cloned()
                .unwrap_or_else(|| root.clone());
            self.parent.insert(cur, root.clone());
            cur = next;
        }
        root
    }
    fn union(&mut self, a: &str, b: &str) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller id becomes the root, so roots do not depend on insertion order.
            let (keep, child) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(child, keep);
        }
    }
}
