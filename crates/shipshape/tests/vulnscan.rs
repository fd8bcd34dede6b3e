//! `shipshape image` checks the image's packages against the local vulnerability database:
//! real Debian advisories from the corpus, a package version they mark affected and one they mark
//! fixed, and the `vulnerabilities` checklist item with and without a database.

mod common;

use common::*;
use shipshape_image::build::{ImageBuilder, LayerBuilder};
use std::path::Path;

/// glibc 2.36-9+deb12u10: after the fix of CVE-2023-4911 (deb12u3), before that of
/// CVE-2025-4802 (deb12u11).
const LIBC6: &str = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u10\n";
/// xz-utils 5.4.1-1: the version that fixes CVE-2025-31115 (and, long before, CVE-2022-1271).
const LIBLZMA5: &str = "Package: liblzma5\nStatus: install ok installed\nArchitecture: amd64\nSource: xz-utils\nVersion: 5.4.1-1\n";

fn scan(reference: &str, cache: &Path) -> (i32, serde_json::Value) {
    let run = report(&mut image_json(reference, cache, &[]));
    (run.code, run.doc)
}

#[test]
fn affected_package_is_reported_and_fixed_one_is_not() {
    let Some(cache) = debian_cache() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let both = debian_image(dir.path(), "both", &format!("{LIBC6}\n{LIBLZMA5}"));
    let (code, doc) = scan(&both, cache.path());
    let found = findings_of(&doc, "SS5001");
    let messages: Vec<&str> = found
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    // CVE-2025-4802: affected, fixed in deb12u11; its Debian record id is named too.
    let cve = found
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("CVE-2025-4802"))
        .unwrap_or_else(|| panic!("no CVE-2025-4802 in {messages:#?}"));
    let msg = cve["message"].as_str().unwrap();
    assert!(
        msg.starts_with("libc6 2.36-9+deb12u10 (source glibc) is affected by CVE-2025-4802"),
        "{msg}"
    );
    assert!(msg.contains("DEBIAN-CVE-2025-4802"), "{msg}");
    assert!(msg.contains("fixed in 2.36-9+deb12u11"), "{msg}");
    assert_eq!(
        cve["location"]["path"],
        format!("{both}:/var/lib/dpkg/status"),
        "{cve}"
    );
    // Fixed before the installed version: never reported.
    for fixed in [
        "CVE-2023-4911",
        "CVE-2024-2961",
        "CVE-2025-31115",
        "CVE-2022-1271",
    ] {
        assert!(
            !messages.iter().any(|m| m.contains(fixed)),
            "{fixed} reported: {messages:#?}"
        );
    }
    assert!(
        !messages.iter().any(|m| m.starts_with("liblzma5")),
        "{messages:#?}"
    );
    // CVSS 7.8 in the record: high, which fails the item and the scan.
    assert_eq!(cve["severity"], "high", "{cve}");
    let vulns = checklist_item(&doc, "vulnerabilities");
    assert_eq!(vulns["status"], "fail", "{vulns}");
    assert_eq!(code, 1);

    // Only the fixed package: the item passes, saying what was checked against what.
    let fixed = debian_image(dir.path(), "fixed", LIBLZMA5);
    let (code, doc) = scan(&fixed, cache.path());
    assert!(findings_of(&doc, "SS5001").is_empty(), "{doc}");
    let vulns = checklist_item(&doc, "vulnerabilities");
    assert_eq!(vulns["status"], "pass", "{vulns}");
    let note = vulns["note"].as_str().unwrap();
    assert!(
        note.starts_with("1 package checked against the OSV database of 20")
            && note.ends_with(": no critical or high"),
        "{note}"
    );
    assert_eq!(code, 0, "{doc}");
}

#[test]
fn no_database_leaves_the_item_not_analysed_and_says_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let reference = debian_image(dir.path(), "app", LIBC6);
    let (_, doc) = scan(&reference, cache.path());
    assert!(findings_of(&doc, "SS5001").is_empty());
    let vulns = checklist_item(&doc, "vulnerabilities");
    assert_eq!(vulns["status"], "not-analysed", "{vulns}");
    let note = vulns["note"].as_str().unwrap();
    assert!(note.contains("no vulnerability database at"), "{note}");
    assert!(note.contains("`shipshape db update`"), "{note}");
    assert!(note.contains("`shipshape db import PATH`"), "{note}");
}

#[test]
fn a_damaged_database_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let db = shipshape_vuln::store::db_path(cache.path());
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    std::fs::write(&db, b"not a database").unwrap();
    let reference = debian_image(dir.path(), "app", LIBC6);
    let (code, doc) = scan(&reference, cache.path());
    assert_eq!(code, 2, "{doc}");
    let errors = doc["errors"].to_string();
    assert!(errors.contains("osv.sqlite"), "{errors}");
}

/// A Red Hat advisory for `libuuid` in `stream`, fixed in `fixed`.
fn rhsa(id: &str, cve: &str, stream: &str, fixed: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","upstream":["{cve}"],
        "severity":[{{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}],
        "affected":[{{"package":{{"ecosystem":"Red Hat:{stream}","name":"libuuid","purl":"pkg:rpm/redhat/libuuid"}},
        "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
    )
}

#[test]
fn a_rhel_image_is_matched_against_its_major_releases_main_streams() {
    // A real RHEL 8.8 rpm database: libuuid 2.32.1-42.el8_8 (source util-linux).
    let Some(rpmdb) = shared_dir("corpus/pkgdb/os/knqyf263+go-rpmdb/pkg/testdata/libuuid/Packages")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("rhel.tar");
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file(
                    "etc/os-release",
                    b"NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"8.8\"\n",
                )
                .file("var/lib/rpm/Packages", &std::fs::read(rpmdb).unwrap()),
        )
        .user("10001")
        .write_docker_archive(&archive, "rhel:1")
        .unwrap();
    let reference = format!("docker-archive:{}", archive.display());
    let records = tempfile::tempdir().unwrap();
    for (file, text) in [
        // Main BaseOS stream of RHEL 8, fixed later: affected.
        (
            "RHSA-2099_0001.json",
            rhsa(
                "RHSA-2099:0001",
                "CVE-2099-0001",
                "enterprise_linux:8::baseos",
                "0:2.32.1-43.el8",
            ),
        ),
        // Fixed in the installed version ("0:" is the absent epoch): not affected.
        (
            "RHSA-2099_0002.json",
            rhsa(
                "RHSA-2099:0002",
                "CVE-2099-0002",
                "enterprise_linux:8::baseos",
                "0:2.32.1-42.el8_8",
            ),
        ),
        // Only an extended-update stream of 8.8, and RHEL 9: not this image's streams.
        (
            "RHSA-2099_0003.json",
            rhsa(
                "RHSA-2099:0003",
                "CVE-2099-0003",
                "rhel_eus:8.8::baseos",
                "0:2.32.1-44.el8_8",
            ),
        ),
        (
            "RHSA-2099_0004.json",
            rhsa(
                "RHSA-2099:0004",
                "CVE-2099-0004",
                "enterprise_linux:9::baseos",
                "0:2.37.4-1.el9",
            ),
        ),
    ] {
        std::fs::write(records.path().join(file), text).unwrap();
    }
    let cache = tempfile::tempdir().unwrap();
    db_import(records.path(), cache.path());
    let (code, doc) = scan(&reference, cache.path());
    let found = findings_of(&doc, "SS5001");
    let messages: Vec<&str> = found
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let msg = messages[0];
    assert!(
        msg.starts_with("libuuid 2.32.1-42.el8_8") && msg.contains("CVE-2099-0001"),
        "{msg}"
    );
    assert!(msg.contains("RHSA-2099:0001"), "{msg}");
    assert!(msg.contains("fixed in 0:2.32.1-43.el8"), "{msg}");
    assert_eq!(found[0]["severity"], "critical", "{}", found[0]);
    assert_eq!(checklist_item(&doc, "vulnerabilities")["status"], "fail");
    assert_eq!(code, 1);
}
