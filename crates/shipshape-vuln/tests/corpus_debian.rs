//! Real data: the Debian:12 advisories of `../shared/corpus/osv/Debian` matched against real
//! package lists (the dpkg status files of `../shared/corpus/pkgdb/os` and the pinned bookworm
//! package set of `../shared/corpus/pkgdb/os/GoogleContainerTools+distroless`).
//!
//! The expectation is computed independently of the matcher: each advisory's range is evaluated
//! with `dpkg --compare-versions` as the version oracle. Skipped visibly without the corpus
//! (mandatory with SHIPSHAPE_REQUIRE_CORPUS=1) or without dpkg.

use shipshape_vuln::matcher::PackageQuery;
use shipshape_vuln::osv::Record;
use shipshape_vuln::store::{self, ImportMode, Store};
use shipshape_vuln::Ecosystem;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn shared(what: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.join(what).exists() {
        return Some(dir.join(what));
    }
    if std::env::var("SHIPSHAPE_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!("../shared/{what} is required (SHIPSHAPE_REQUIRE_CORPUS=1) but missing");
    }
    eprintln!("SKIPPED: ../shared/{what} not found beside the repository");
    None
}

fn dpkg_lt(a: &str, b: &str) -> bool {
    thread_local! {
        static SEEN: std::cell::RefCell<BTreeMap<(String, String), bool>> = Default::default();
    }
    let key = (a.to_string(), b.to_string());
    if let Some(v) = SEEN.with(|s| s.borrow().get(&key).copied()) {
        return v;
    }
    let v = Command::new("dpkg")
        .args(["--compare-versions", a, "lt", b])
        .status()
        .expect("run dpkg")
        .success();
    SEEN.with(|s| s.borrow_mut().insert(key, v));
    v
}

/// A package as a list gives it.
#[derive(Debug, Clone)]
struct Pkg {
    list: String,
    name: String,
    version: String,
    source: String,
    source_version: String,
}

/// A small dpkg status reader (the SBOM crate's cataloger will replace it): stanzas separated
/// by blank lines; `Source: name (version)` when the source differs; only installed packages.
fn read_status(path: &Path, list: &str, out: &mut Vec<Pkg>) {
    let text = std::fs::read_to_string(path).expect("status readable");
    for stanza in text.split("\n\n") {
        let field = |name: &str| {
            stanza.lines().find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|r| r.strip_prefix(':'))
                    .map(|v| v.trim().to_string())
            })
        };
        let (Some(name), Some(version)) = (field("Package"), field("Version")) else {
            continue;
        };
        if field("Status").is_some_and(|s| !s.ends_with(" installed")) {
            continue;
        }
        let (source, source_version) = match field("Source") {
            Some(s) => match s.split_once(" (") {
                Some((n, v)) => (n.to_string(), v.trim_end_matches(')').to_string()),
                None => (s, version.clone()),
            },
            None => (name.clone(), version.clone()),
        };
        out.push(Pkg {
            list: list.to_string(),
            name,
            version,
            source,
            source_version,
        });
    }
}

fn collect_status_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            collect_status_files(&p, out);
            continue;
        }
        let s = p.to_string_lossy();
        let is_status = s.ends_with("/dpkg/status")
            || s.contains("/dpkg/status.d/")
            || s.ends_with(".status")
            || s.contains("/testdata/dpkg/");
        if is_status && !s.ends_with(".md5sums") && !s.ends_with(".preinst") {
            out.push(p);
        }
    }
}

/// The bookworm lock: name, version, and the source package from the pool path
/// (`pool/main/g/glibc/libc6_...deb`); a binNMU suffix `+bN` is not part of the source version.
fn read_distroless_lock(path: &Path, out: &mut Vec<Pkg>) {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("lock readable")).expect("JSON");
    for p in v["packages"].as_array().expect("packages") {
        let name = p["name"].as_str().expect("name").to_string();
        let version = p["version"].as_str().expect("version").to_string();
        let url = p["urls"][0].as_str().expect("url");
        let pool: Vec<&str> = url
            .split("/pool/")
            .nth(1)
            .expect("pool url")
            .split('/')
            .collect();
        let source = pool[pool.len() - 2].to_string();
        let source_version = match version.rsplit_once("+b") {
            Some((base, n)) if n.bytes().all(|b| b.is_ascii_digit()) => base.to_string(),
            _ => version.clone(),
        };
        out.push(Pkg {
            list: "distroless bookworm".into(),
            name,
            version,
            source,
            source_version,
        });
    }
}

/// The oracle: is `version` inside this record's Debian:12 range for `source`?
fn oracle(record: &Record, source: &str, version: &str) -> bool {
    let mut affected = false;
    for a in &record.affected {
        let Some(p) = &a.package else { continue };
        if p.ecosystem != "Debian:12" || p.name != source {
            continue;
        }
        assert!(a.versions.is_empty(), "{}: explicit versions", record.id);
        for r in &a.ranges {
            assert_eq!(r.kind, "ECOSYSTEM", "{}", record.id);
            let intro: Vec<&str> = r
                .events
                .iter()
                .filter_map(|e| e.introduced.as_deref())
                .collect();
            let fixed: Vec<&str> = r.events.iter().filter_map(|e| e.fixed.as_deref()).collect();
            let other = r
                .events
                .iter()
                .any(|e| e.last_affected.is_some() || e.limit.is_some());
            assert!(
                intro.len() == 1 && fixed.len() <= 1 && !other,
                "{}: a range shape this oracle does not evaluate",
                record.id
            );
            let after_intro = intro[0] == "0" || !dpkg_lt(version, intro[0]);
            let before_fix = fixed.first().is_none_or(|f| dpkg_lt(version, f));
            affected |= after_intro && before_fix;
        }
    }
    affected
}

#[test]
fn debian_advisories_match_real_package_lists() {
    let (Some(osv), Some(pkgdb)) = (shared("corpus/osv/Debian"), shared("corpus/pkgdb/os")) else {
        return;
    };
    if Command::new("dpkg").arg("--version").output().is_err() {
        eprintln!("SKIPPED: dpkg is not installed, no version oracle");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = store::db_path(tmp.path());
    let loaded = shipshape_vuln::source::load(&osv).expect("corpus loads");
    let records = loaded.records.clone();
    assert_eq!(records.len(), 157, "the corpus has 157 Debian records");
    let summary = store::import(&db, loaded, &ImportMode::Merge).expect("import");
    assert_eq!(summary.imported, 157);
    let store = Store::open(&db).expect("open");

    let mut pkgs = Vec::new();
    let mut files = Vec::new();
    collect_status_files(&pkgdb, &mut files);
    for f in &files {
        read_status(
            f,
            &f.strip_prefix(&pkgdb).unwrap_or(f).to_string_lossy(),
            &mut pkgs,
        );
    }
    read_distroless_lock(
        &pkgdb.join("GoogleContainerTools+distroless/private/repos/deb/bookworm.lock.json"),
        &mut pkgs,
    );
    assert!(pkgs.len() > 300, "only {} packages read", pkgs.len());

    let by_source: BTreeMap<&str, Vec<&Record>> = {
        let mut m: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
        for r in &records {
            for a in &r.affected {
                if let Some(p) = a.package.as_ref().filter(|p| p.ecosystem == "Debian:12") {
                    let list = m.entry(p.name.as_str()).or_default();
                    if !list.iter().any(|x| x.id == r.id) {
                        list.push(r);
                    }
                }
            }
        }
        m
    };

    let mut expected = BTreeSet::new();
    let mut got = BTreeSet::new();
    let mut considered = 0;
    let mut errors = Vec::new();
    for p in &pkgs {
        let q = PackageQuery {
            source_name: Some(p.source.clone()),
            source_version: Some(p.source_version.clone()),
            release: Some("12".into()),
            ..PackageQuery::new(Ecosystem::Debian, &p.name, &p.version)
        };
        let key = (p.list.clone(), p.name.clone(), p.version.clone());
        for r in by_source.get(p.source.as_str()).into_iter().flatten() {
            considered += 1;
            if oracle(r, &p.source, &p.source_version) {
                expected.insert((key.clone(), r.id.clone()));
            }
        }
        match store.query(&q) {
            Ok((hits, record_errors)) => {
                errors.extend(record_errors.iter().map(|e| e.to_string()));
                got.extend(hits.into_iter().map(|h| (key.clone(), h.id)));
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    assert!(errors.is_empty(), "lookups failed: {errors:#?}");
    let missed: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(missed.is_empty(), "affected but not reported: {missed:#?}");
    assert!(extra.is_empty(), "reported but not affected: {extra:#?}");
    // Both outcomes occur, so the comparison above tests something.
    let matched = expected.len();
    assert!(
        matched > 10 && considered > matched + 10,
        "{matched} of {considered}"
    );

    // On the current bookworm set: unfixed advisories of glibc match, fixed ones do not.
    let bookworm: Vec<_> = got
        .iter()
        .filter(|((l, n, _), _)| l == "distroless bookworm" && n == "libc6")
        .collect();
    assert!(
        bookworm
            .iter()
            .any(|(_, id)| id == "DEBIAN-CVE-2019-1010022"),
        "the unfixed glibc advisory must match libc6: {bookworm:?}"
    );
    assert!(
        !bookworm
            .iter()
            .any(|(_, id)| id == "DEBIAN-CVE-2023-4911" || id == "DSA-5514-1"),
        "CVE-2023-4911 is fixed in current bookworm: {bookworm:?}"
    );
    eprintln!(
        "{} packages from {} lists, {considered} package/advisory pairs, {matched} affected",
        pkgs.len(),
        files.len() + 1
    );
}
