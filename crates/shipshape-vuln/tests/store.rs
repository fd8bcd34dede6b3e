//! The store: imports from directories, zips and single records; corrupt input is an error
//! naming it and leaves the previous database working; readers keep their view during an import.

use shipshape_vuln::matcher::PackageQuery;
use shipshape_vuln::source::load;
use shipshape_vuln::store::{self, ImportMode, Store};
use shipshape_vuln::{Ecosystem, VulnError};
use std::io::Write;
use std::path::{Path, PathBuf};

fn rec(id: &str, name: &str, fixed: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","aliases":["CVE-{id}"],
        "affected":[{{"package":{{"ecosystem":"crates.io","name":"{name}"}},
        "ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
    )
}

fn write(dir: &Path, file: &str, text: &str) -> PathBuf {
    let p = dir.join(file);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

fn crate_query(name: &str, version: &str) -> PackageQuery {
    PackageQuery::new(Ecosystem::CratesIo, name, version)
}

fn ids(store: &Store, q: &PackageQuery) -> Vec<String> {
    let mut v: Vec<String> = store
        .query(q)
        .unwrap()
        .0
        .into_iter()
        .map(|h| h.id)
        .collect();
    v.sort();
    v
}

fn no_temp_files(db: &Path) {
    let dir = db.parent().unwrap();
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn import_directory_yaml_and_status() {
    let src = tempfile::tempdir().unwrap();
    write(
        src.path(),
        "a/RUSTSEC-1.json",
        &rec("RUSTSEC-1", "smallvec", "1.6.1"),
    );
    write(
        src.path(),
        "b/GHSA-2.yaml",
        "id: GHSA-2\nmodified: 2024-02-01T00:00:00Z\naffected:\n- package: {ecosystem: PyPI, name: Jinja2}\n  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: \"0\"}, {fixed: 3.1.3}]\n",
    );
    write(
        src.path(),
        "schema.json",
        r#"{"$schema":"http://json-schema.org/draft-07/schema#"}"#,
    );
    write(src.path(), "README.md", "not a record");
    let cache = tempfile::tempdir().unwrap();
    let db = store::db_path(cache.path());
    let s = store::import(&db, load(src.path()).unwrap(), &ImportMode::Merge).unwrap();
    assert_eq!((s.imported, s.not_osv.len(), s.other_files), (2, 1, 1));
    let store = Store::open(&db).unwrap();
    assert_eq!(
        ids(&store, &crate_query("smallvec", "1.6.0")),
        ["RUSTSEC-1"]
    );
    assert!(ids(&store, &crate_query("smallvec", "1.6.1")).is_empty());
    let q = PackageQuery::new(Ecosystem::PyPI, "jinja2", "3.1.2");
    assert_eq!(ids(&store, &q), ["GHSA-2"]);
    let status = store.status().unwrap();
    assert_eq!(status.records, 2);
    let ecos: Vec<_> = status
        .ecosystems
        .iter()
        .map(|e| (e.ecosystem.as_str(), e.records))
        .collect();
    assert_eq!(ecos, [("PyPI", 1), ("crates.io", 1)]);
    no_temp_files(&db);
}

#[test]
fn import_zip_and_single_record_merge() {
    let src = tempfile::tempdir().unwrap();
    let zip_path = src.path().join("all.zip");
    {
        let f = std::fs::File::create(&zip_path).unwrap();
        let mut z = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (id, name) in [("RUSTSEC-10", "time"), ("RUSTSEC-11", "chrono")] {
            z.start_file(format!("{id}.json"), opts).unwrap();
            z.write_all(rec(id, name, "0.2.23").as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    let cache = tempfile::tempdir().unwrap();
    let db = store::db_path(cache.path());
    store::import(&db, load(&zip_path).unwrap(), &ImportMode::Merge).unwrap();
    // One more record, and a new version of RUSTSEC-10 that fixes at another version.
    let one = write(
        src.path(),
        "RUSTSEC-12.json",
        &rec("RUSTSEC-12", "time", "0.1.0"),
    );
    store::import(&db, load(&one).unwrap(), &ImportMode::Merge).unwrap();
    let newer = write(
        src.path(),
        "RUSTSEC-10.json",
        &rec("RUSTSEC-10", "time", "0.2.0"),
    );
    store::import(&db, load(&newer).unwrap(), &ImportMode::Merge).unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(store.status().unwrap().records, 3);
    assert_eq!(ids(&store, &crate_query("time", "0.1.5")), ["RUSTSEC-10"]);
    assert_eq!(
        ids(&store, &crate_query("time", "0.0.1")),
        ["RUSTSEC-10", "RUSTSEC-12"]
    );
    assert_eq!(ids(&store, &crate_query("chrono", "0.2.0")), ["RUSTSEC-11"]);
    // A full snapshot of crates.io replaces every crates.io record.
    let snap = write(
        src.path(),
        "snap/RUSTSEC-20.json",
        &rec("RUSTSEC-20", "time", "9.0.0"),
    );
    store::import(
        &db,
        load(snap.parent().unwrap()).unwrap(),
        &ImportMode::ReplaceEcosystems(vec!["crates.io".into()]),
    )
    .unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(store.status().unwrap().records, 1);
    assert_eq!(ids(&store, &crate_query("time", "0.0.1")), ["RUSTSEC-20"]);
}

#[test]
fn corrupt_inputs_name_themselves_and_keep_the_old_database() {
    let src = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let db = store::db_path(cache.path());
    let good = write(
        src.path(),
        "good/RUSTSEC-1.json",
        &rec("RUSTSEC-1", "smallvec", "1.6.1"),
    );
    store::import(&db, load(&good).unwrap(), &ImportMode::Merge).unwrap();
    let before = std::fs::read(&db).unwrap();

    // A corrupt record in a directory.
    write(
        src.path(),
        "bad/RUSTSEC-2.json",
        &rec("RUSTSEC-2", "x", "1.0.0"),
    );
    let broken = write(
        src.path(),
        "bad/RUSTSEC-3.json",
        r#"{"id":"RUSTSEC-3","affected":[{"#,
    );
    let err = load(&src.path().join("bad")).unwrap_err();
    assert!(matches!(err, VulnError::CorruptRecord { .. }), "{err}");
    assert!(
        err.to_string().contains(&*broken.to_string_lossy()),
        "{err}"
    );

    // A corrupt zip.
    let zip = write(src.path(), "all.zip", "PK\u{3}\u{4} this is not a zip");
    let err = load(&zip).unwrap_err();
    assert!(matches!(err, VulnError::CorruptZip { .. }), "{err}");
    assert!(err.to_string().contains("all.zip"), "{err}");

    // A truncated zip.
    let full = src.path().join("full.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&full).unwrap());
        z.start_file("RUSTSEC-5.json", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(rec("RUSTSEC-5", "y", "1.0.0").as_bytes())
            .unwrap();
        z.finish().unwrap();
    }
    let bytes = std::fs::read(&full).unwrap();
    let cut = write(src.path(), "cut.zip", "");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert!(load(&cut).is_err());

    // A file that is JSON but not a record, given directly.
    let other = write(src.path(), "other.json", r#"{"hello":"world"}"#);
    assert!(matches!(
        load(&other).unwrap_err(),
        VulnError::NotOsv { .. }
    ));

    // Nothing above touched the database.
    assert_eq!(std::fs::read(&db).unwrap(), before);
    no_temp_files(&db);

    // A corrupt database is named, for reading and for importing on top of it.
    std::fs::write(&db, b"garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage").unwrap();
    let err = Store::open(&db).err().expect("corrupt database refused");
    assert!(matches!(err, VulnError::CorruptDatabase { .. }), "{err}");
    assert!(err.to_string().contains("osv.sqlite"), "{err}");
    let err = store::import(&db, load(&good).unwrap(), &ImportMode::Merge).unwrap_err();
    assert!(matches!(err, VulnError::CorruptDatabase { .. }), "{err}");
    no_temp_files(&db);

    // No database at all says how to get one.
    let err = Store::open(&cache.path().join("none.sqlite"))
        .err()
        .expect("missing");
    assert!(err.to_string().contains("shipshape db update"), "{err}");
}

#[test]
fn readers_keep_their_view_during_an_import_and_a_stale_temp_file_is_removed() {
    let src = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let db = store::db_path(cache.path());
    let first = write(
        src.path(),
        "RUSTSEC-1.json",
        &rec("RUSTSEC-1", "smallvec", "1.6.1"),
    );
    store::import(&db, load(&first).unwrap(), &ImportMode::Merge).unwrap();
    let reader = Store::open(&db).unwrap();
    assert_eq!(reader.status().unwrap().records, 1);

    // A killed writer's leftovers.
    let stale = db.parent().unwrap().join(".osv.sqlite.tmp-99999-1");
    std::fs::write(&stale, b"half-written").unwrap();

    let second = write(
        src.path(),
        "RUSTSEC-2.json",
        &rec("RUSTSEC-2", "smallvec", "1.6.1"),
    );
    let handle = {
        let db = db.clone();
        std::thread::spawn(move || store::import(&db, load(&second).unwrap(), &ImportMode::Merge))
    };
    // The reader works while and after the import runs, on the database it opened.
    for _ in 0..50 {
        assert_eq!(
            ids(&reader, &crate_query("smallvec", "1.0.0")),
            ["RUSTSEC-1"]
        );
    }
    handle.join().unwrap().unwrap();
    assert_eq!(
        ids(&reader, &crate_query("smallvec", "1.0.0")),
        ["RUSTSEC-1"]
    );
    let fresh = Store::open(&db).unwrap();
    assert_eq!(
        ids(&fresh, &crate_query("smallvec", "1.0.0")),
        ["RUSTSEC-1", "RUSTSEC-2"]
    );
    assert!(!stale.exists());
    no_temp_files(&db);
}

#[test]
fn a_record_with_an_unparseable_range_does_not_hide_the_others() {
    let src = tempfile::tempdir().unwrap();
    write(
        src.path(),
        "RUSTSEC-1.json",
        &rec("RUSTSEC-1", "smallvec", "1.6.1"),
    );
    write(
        src.path(),
        "RUSTSEC-2.json",
        &rec("RUSTSEC-2", "smallvec", "not-a-version"),
    );
    let cache = tempfile::tempdir().unwrap();
    let db = store::db_path(cache.path());
    store::import(&db, load(src.path()).unwrap(), &ImportMode::Merge).unwrap();
    let store = Store::open(&db).unwrap();
    let (hits, errors) = store.query(&crate_query("smallvec", "1.0.0")).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].to_string().contains("RUSTSEC-2"), "{}", errors[0]);
    let outcome = store.scan(&[crate_query("smallvec", "1.0.0")]).unwrap();
    assert_eq!(outcome.packages[0].vulnerabilities[0].id, "CVE-RUSTSEC-1");
    assert_eq!(outcome.errors.len(), 1);
}

const KEV: &str = r#"{"title": "CISA Catalog of Known Exploited Vulnerabilities",
 "catalogVersion": "2025.06.02", "dateReleased": "2025-06-02T17:00:00.0000Z", "count": 1,
 "vulnerabilities": [{"cveID": "CVE-A-1", "vendorProject": "x", "product": "y",
   "vulnerabilityName": "z", "dateAdded": "2025-01-10", "shortDescription": "s",
   "requiredAction": "r", "dueDate": "2025-01-31", "knownRansomwareCampaignUse": "Known", "notes": ""}]}"#;
const EPSS: &str = "#model_version:v2025.03.14,score_date:2025-06-02T00:00:00+0000\ncve,epss,percentile\nCVE-A-1,0.5,0.9\nCVE-A-2,0.7,0.95\n";

fn import_priority(db: &Path, file: &Path) {
    match shipshape_vuln::priority::detect(file).unwrap() {
        shipshape_vuln::priority::Detected::Kev(k) => {
            assert_eq!(store::import_kev(db, &k).unwrap(), 1);
        }
        shipshape_vuln::priority::Detected::Epss(e) => {
            assert_eq!(store::import_epss(db, &e).unwrap(), 2);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn kev_and_epss_are_stored_looked_up_and_an_old_database_is_migrated() {
    let src = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let db = store::db_path(cache.path());
    write(src.path(), "A-1.json", &rec("A-1", "foo", "1.0.0"));
    store::import(&db, load(src.path()).unwrap(), &ImportMode::Merge).unwrap();
    // Make it a version 1 database: no KEV or EPSS tables.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP TABLE kev; DROP TABLE epss; UPDATE meta SET value = '1' WHERE key = 'schema_version';",
        )
        .unwrap();
    }
    let old = Store::open(&db).unwrap();
    assert_eq!(
        ids(&old, &crate_query("foo", "0.9.0")),
        ["A-1"],
        "still read"
    );
    let ids_a = vec![
        "A-1".to_string(),
        "CVE-A-1".to_string(),
        "CVE-A-2".to_string(),
    ];
    assert_eq!(old.priorities(&ids_a).unwrap(), (None, None));
    let status = old.status().unwrap();
    assert!(status.kev.is_none() && status.epss.is_none());
    drop(old);
    let built = Store::open(&db).unwrap().meta("built_at").unwrap();

    import_priority(
        &db,
        &write(src.path(), "known_exploited_vulnerabilities.json", KEV),
    );
    import_priority(&db, &write(src.path(), "epss_scores-2025-06-02.csv", EPSS));
    no_temp_files(&db);
    let s = Store::open(&db).unwrap();
    assert_eq!(
        s.meta("schema_version").unwrap().as_deref(),
        Some("3"),
        "migrated"
    );
    assert_eq!(s.meta("built_at").unwrap(), built, "advisories' date kept");
    assert_eq!(
        ids(&s, &crate_query("foo", "0.9.0")),
        ["A-1"],
        "records kept"
    );
    let (kev, epss) = s.priorities(&ids_a).unwrap();
    let kev = kev.unwrap();
    assert_eq!(
        (kev.cve.as_str(), kev.date_added.as_str()),
        ("CVE-A-1", "2025-01-10")
    );
    assert!(kev.ransomware);
    let epss = epss.unwrap();
    assert_eq!(
        (epss.cve.as_str(), epss.score),
        ("CVE-A-2", 0.7),
        "the highest score"
    );
    assert_eq!(epss.date.as_deref(), Some("2025-06-02T00:00:00+0000"));
    let status = s.status().unwrap();
    assert_eq!(status.kev.as_ref().unwrap().cves, 1);
    assert_eq!(status.kev.unwrap().version.as_deref(), Some("2025.06.02"));
    assert_eq!(status.epss.unwrap().cves, 2);
    assert_eq!(status.records, 1);

    // A second catalog replaces the first; a damaged one changes nothing.
    let newer = KEV.replace("CVE-A-1", "CVE-A-2");
    import_priority(&db, &write(src.path(), "kev2.json", &newer));
    let s = Store::open(&db).unwrap();
    assert_eq!(s.priorities(&ids_a).unwrap().0.unwrap().cve, "CVE-A-2");
    let bad = write(
        src.path(),
        "bad.csv",
        "cve,epss,percentile\nCVE-A-1,2.0,0.5\n",
    );
    assert!(shipshape_vuln::priority::detect(&bad).is_err());
}

#[test]
fn an_older_database_gets_its_red_hat_records_indexed_by_its_next_write() {
    let src = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let db = store::db_path(cache.path());
    write(
        src.path(),
        "RHSA-2024_0001.json",
        r#"{"id":"RHSA-2024:0001","modified":"2024-01-01T00:00:00Z","affected":[
        {"package":{"ecosystem":"Red Hat:enterprise_linux:9::appstream","name":"git-lfs"},
         "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"0:3.4.1-2.el9_4"}]}]}]}"#,
    );
    store::import(&db, load(src.path()).unwrap(), &ImportMode::Merge).unwrap();
    let rhel = PackageQuery::from_purl("pkg:rpm/rhel/git-lfs@3.4.1-1.el9?distro=rhel-9.4").unwrap();
    assert_eq!(ids(&Store::open(&db).unwrap(), &rhel), ["RHSA-2024:0001"]);
    // What a version 2 database holds: the record without index rows.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DELETE FROM affected; UPDATE meta SET value = '2' WHERE key = 'schema_version';",
        )
        .unwrap();
    }
    let old = Store::open(&db).unwrap();
    assert!(!old.is_current());
    assert!(ids(&old, &rhel).is_empty());
    assert!(!old.has_ecosystem("Red Hat:enterprise_linux:9").unwrap());
    drop(old);
    // Any write (here an unrelated crates.io record) indexes it.
    let more = tempfile::tempdir().unwrap();
    write(more.path(), "A-1.json", &rec("A-1", "foo", "1.0.0"));
    store::import(&db, load(more.path()).unwrap(), &ImportMode::Merge).unwrap();
    let s = Store::open(&db).unwrap();
    assert!(s.is_current());
    assert_eq!(ids(&s, &rhel), ["RHSA-2024:0001"]);
    assert_eq!(ids(&s, &crate_query("foo", "0.9.0")), ["A-1"]);
    no_temp_files(&db);
}
