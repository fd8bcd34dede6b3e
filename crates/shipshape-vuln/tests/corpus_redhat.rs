//! Real data: the Red Hat OSV records converted by Red Hat's CSAF converter (the `tools/redhat`
//! test data of the OSV schema repository, under `../shared/corpus/osv/schema-and-samples`).
//!
//! Those two advisories name only extended-update streams of RHEL 8.6 (`rhel_aus`, `rhel_e4s`,
//! `rhel_tus`), which shipshape does not match: a RHEL 8 package must not match them as they
//! are. The same records with their streams renamed to RHEL 8's main stream
//! (`enterprise_linux:8::appstream`, the form Red Hat's RHEL 8 advisories use) must match every
//! package they name below its fixed version and none at it. Skipped visibly without the corpus
//! (mandatory with SHIPSHAPE_REQUIRE_CORPUS=1).

use shipshape_vuln::matcher::PackageQuery;
use shipshape_vuln::osv::Record;
use shipshape_vuln::source::load;
use shipshape_vuln::store::{self, ImportMode, Store};
use std::path::PathBuf;

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

const SAMPLES: &str = "corpus/osv/schema-and-samples/ossf+osv-schema/tools/redhat/testdata/OSV";

fn rpm(name: &str, version: &str, distro: &str) -> PackageQuery {
    // The purl form the SBOM's rpm cataloger gives RHEL and UBI packages.
    let (evr, epoch) = match version.split_once(':') {
        Some((e, v)) => (v, format!("&epoch={e}")),
        None => (version, String::new()),
    };
    PackageQuery::from_purl(&format!(
        "pkg:rpm/rhel/{name}@{evr}?arch=x86_64&distro={distro}{epoch}"
    ))
    .unwrap()
}

fn ids(store: &Store, q: &PackageQuery) -> Vec<(String, Option<String>)> {
    let (hits, errors) = store.query(q).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    hits.into_iter().map(|h| (h.id, h.fixed)).collect()
}

/// Every `(name, fixed)` of the records' RHEL 8.6 AUS entries.
fn named(records: &[Record]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for r in records {
        for a in &r.affected {
            let p = a.package.as_ref().unwrap();
            if p.ecosystem != "Red Hat:rhel_aus:8.6::appstream" {
                continue;
            }
            let fixed = a.ranges[0]
                .events
                .iter()
                .find_map(|e| e.fixed.clone())
                .unwrap();
            out.push((r.id.clone(), p.name.clone(), fixed));
        }
    }
    out
}

#[test]
fn red_hat_records_match_rhel_main_streams_only() {
    let Some(dir) = shared(SAMPLES) else { return };
    let loaded = load(&dir).unwrap();
    assert_eq!(loaded.records.len(), 2, "both sample advisories load");
    let records = loaded.records.clone();
    let entries = named(&records);
    assert!(entries.len() > 50, "the samples name many packages");

    // As published: extended-update streams of 8.6 only, never matched.
    let cache = tempfile::tempdir().unwrap();
    let db = store::db_path(cache.path());
    let s = store::import(&db, loaded, &ImportMode::Merge).unwrap();
    assert_eq!((s.imported, s.unsupported), (2, 2));
    let st = Store::open(&db).unwrap();
    assert!(!st.has_ecosystem("Red Hat:enterprise_linux:8").unwrap());
    for (_, name, _) in &entries {
        for distro in ["rhel-8.6", "rhel-8.10"] {
            assert!(
                ids(&st, &rpm(name, "0:0-0", distro)).is_empty(),
                "{name} ({distro}) must not match an AUS/E4S/TUS stream"
            );
        }
    }
    drop(st);

    // The same records on RHEL 8's main AppStream stream.
    let src = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(&dir).unwrap() {
        let f = f.unwrap().path();
        let text = std::fs::read_to_string(&f).unwrap().replace(
            "Red Hat:rhel_aus:8.6::appstream",
            "Red Hat:enterprise_linux:8::appstream",
        );
        std::fs::write(src.path().join(f.file_name().unwrap()), text).unwrap();
    }
    let s = store::import(&db, load(src.path()).unwrap(), &ImportMode::Merge).unwrap();
    assert_eq!((s.imported, s.unsupported), (2, 0));
    let st = Store::open(&db).unwrap();
    assert!(st.has_ecosystem("Red Hat:enterprise_linux:8").unwrap());
    for (id, name, fixed) in &entries {
        // Below the fix, on any RHEL 8 minor release: affected, with the fix named.
        for distro in ["rhel-8.6", "rhel-8.10"] {
            assert_eq!(
                ids(&st, &rpm(name, "0:0-0", distro)),
                [(id.clone(), Some(fixed.clone()))],
                "{name} ({distro}) below {fixed}"
            );
        }
        // At the fix: not affected. Another major release: never.
        assert!(
            ids(&st, &rpm(name, fixed, "rhel-8.6")).is_empty(),
            "{name} at {fixed}"
        );
        assert!(
            ids(&st, &rpm(name, "0:0-0", "rhel-9.4")).is_empty(),
            "{name} on RHEL 9"
        );
    }

    // Versions as rpm databases give them: no epoch means epoch 0.
    let git_lfs = |v: &str| ids(&st, &rpm("git-lfs", v, "rhel-8.6"));
    assert_eq!(
        git_lfs("2.13.3-3.el8_6"),
        [(
            "RHSA-2024:4546".to_string(),
            Some("0:2.13.3-3.el8_6.1".to_string())
        )]
    );
    assert!(git_lfs("2.13.3-3.el8_6.1").is_empty(), "0:V-R equals V-R");
    assert!(git_lfs("2.13.3-4.el8").is_empty());
    assert!(git_lfs("3.2.0-2.el8").is_empty());
    // `python39-wheel`'s fix has epoch 1: the same version-release with epoch 0 is older.
    let wheel = |v: &str| ids(&st, &rpm("python39-wheel", v, "rhel-8.6"));
    assert_eq!(
        wheel("0.35.1-4.module+el8.5.0+12204+54860423").len(),
        1,
        "epoch 0 < epoch 1"
    );
    assert!(wheel("1:0.35.1-4.module+el8.5.0+12204+54860423").is_empty());
    // Records name binary packages: a binary subpackage matches by its own name, whatever its
    // source rpm, and a binary the record does not name is not matched through its source.
    let libs = PackageQuery::from_purl(
        "pkg:rpm/rhel/python39-libs@3.9.7-1.module%2Bel8.6.0%2B13003%2B6bb2c488?arch=x86_64&distro=rhel-8.6&upstream=python39-3.9.7-1.module%2Bel8.6.0%2B13003%2B6bb2c488.src.rpm",
    )
    .unwrap();
    assert_eq!(ids(&st, &libs).len(), 1);
    let unnamed = PackageQuery::from_purl(
        "pkg:rpm/rhel/python39-unnamed@3.9.7-1.el8?arch=x86_64&distro=rhel-8.6&upstream=python39-3.9.7-1.el8.src.rpm",
    )
    .unwrap();
    assert!(ids(&st, &unnamed).is_empty());
}
