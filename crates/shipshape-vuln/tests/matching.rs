//! OSV range evaluation, distribution keys and alias merging on small hand-written records.

use shipshape_vuln::matcher::{
    match_record, merge, record_ecosystem_key, MatchError, PackageQuery,
};
use shipshape_vuln::osv::{parse, Parsed, Record};
use shipshape_vuln::severity::Rating;
use shipshape_vuln::Ecosystem;

fn record(json: &str) -> Record {
    match parse(json, false).expect("valid test record") {
        Parsed::Record(r) => *r,
        Parsed::NotOsv => panic!("not a record"),
    }
}

fn npm_record(events: &str) -> Record {
    record(&format!(
        r#"{{"id":"GHSA-test","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-0001"],
        "affected":[{{"package":{{"ecosystem":"npm","name":"left-pad"}},
        "ranges":[{{"type":"SEMVER","events":{events}}}]}}]}}"#
    ))
}

fn npm(version: &str) -> PackageQuery {
    PackageQuery::new(Ecosystem::Npm, "left-pad", version)
}

fn hit_fixed(r: &Record, q: &PackageQuery) -> Option<Option<String>> {
    match_record(r, q).unwrap().map(|h| h.fixed)
}

#[test]
fn introduced_fixed_intervals() {
    let r = npm_record(
        r#"[{"introduced":"0"},{"fixed":"1.2.0"},{"introduced":"2.0.0"},{"fixed":"2.3.1"}]"#,
    );
    assert_eq!(hit_fixed(&r, &npm("1.0.0")), Some(Some("1.2.0".into())));
    assert_eq!(hit_fixed(&r, &npm("1.2.0")), None);
    assert_eq!(hit_fixed(&r, &npm("1.9.9")), None);
    assert_eq!(hit_fixed(&r, &npm("2.0.0")), Some(Some("2.3.1".into())));
    assert_eq!(hit_fixed(&r, &npm("2.3.0")), Some(Some("2.3.1".into())));
    assert_eq!(hit_fixed(&r, &npm("2.3.1")), None);
    // A pre-release of the fix is still affected.
    assert_eq!(
        hit_fixed(&r, &npm("2.3.1-rc.1")),
        Some(Some("2.3.1".into()))
    );
    // Unordered events are sorted first.
    let r = npm_record(r#"[{"fixed":"2.3.1"},{"introduced":"2.0.0"}]"#);
    assert_eq!(hit_fixed(&r, &npm("2.1.0")), Some(Some("2.3.1".into())));
    assert_eq!(hit_fixed(&r, &npm("1.0.0")), None);
}

#[test]
fn last_affected_and_limit() {
    let r = npm_record(r#"[{"introduced":"1.0.0"},{"last_affected":"1.4.2"}]"#);
    assert_eq!(hit_fixed(&r, &npm("1.4.2")), Some(None));
    assert_eq!(hit_fixed(&r, &npm("1.4.3")), None);
    assert_eq!(hit_fixed(&r, &npm("0.9.0")), None);
    let r = npm_record(r#"[{"introduced":"0"},{"limit":"3.0.0"}]"#);
    assert_eq!(hit_fixed(&r, &npm("2.9.9")), Some(None));
    assert_eq!(hit_fixed(&r, &npm("3.0.0")), None);
    // No upper bound: every version from `introduced` on.
    let r = npm_record(r#"[{"introduced":"1.0.0"}]"#);
    assert_eq!(hit_fixed(&r, &npm("99.0.0")), Some(None));
}

#[test]
fn explicit_versions_withdrawn_and_names() {
    let r = record(
        r#"{"id":"PYSEC-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":
        {"ecosystem":"PyPI","name":"Django_Thing"},"versions":["1.0","1.1"]}]}"#,
    );
    // PEP 503 names and PEP 440 equality (1.1 == 1.1.0).
    let q = PackageQuery::new(Ecosystem::PyPI, "django-thing", "1.1.0");
    assert_eq!(hit_fixed(&r, &q), Some(None));
    let q = PackageQuery::new(Ecosystem::PyPI, "django-thing", "1.2");
    assert_eq!(hit_fixed(&r, &q), None);
    // Another ecosystem with the same name does not match.
    let q = PackageQuery::new(Ecosystem::Npm, "django-thing", "1.1.0");
    assert_eq!(hit_fixed(&r, &q), None);
    let mut w = r.clone();
    w.withdrawn = Some("2024-02-01T00:00:00Z".into());
    let q = PackageQuery::new(Ecosystem::PyPI, "django-thing", "1.1");
    assert_eq!(hit_fixed(&w, &q), None);
    assert_eq!(hit_fixed(&r, &q), Some(None));
}

fn debian(name: &str, source: &str, version: &str, release: &str) -> PackageQuery {
    PackageQuery {
        source_name: Some(source.into()),
        release: Some(release.into()),
        ..PackageQuery::new(Ecosystem::Debian, name, version)
    }
}

const GLIBC_DEBIAN_CVE: &str = r#"{"id":"DEBIAN-CVE-2023-4911","modified":"2024-01-01T00:00:00Z",
  "upstream":["CVE-2023-4911"],
  "affected":[{"package":{"ecosystem":"Debian:12","name":"glibc"},
    "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.36-9+deb12u3"}]}],
    "ecosystem_specific":{"urgency":"high"}},
   {"package":{"ecosystem":"Debian:11","name":"glibc"},
    "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.31-13+deb11u7"}]}]}]}"#;

const GLIBC_DSA: &str = r#"{"id":"DSA-5514-1","modified":"2024-01-01T00:00:00Z",
  "upstream":["CVE-2023-4911","DEBIAN-CVE-2023-4911"],
  "affected":[{"package":{"ecosystem":"Debian:12","name":"glibc"},
    "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.36-9+deb12u3"}]}]}]}"#;

const GLIBC_MULTI: &str = r#"{"id":"DSA-9999-1","modified":"2024-01-01T00:00:00Z",
  "upstream":["CVE-2023-4911","CVE-2023-9999"],
  "affected":[{"package":{"ecosystem":"Debian:12","name":"glibc"},
    "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.36-9+deb12u4"}]}]}]}"#;

#[test]
fn debian_matches_source_package_and_release() {
    let r = record(GLIBC_DEBIAN_CVE);
    let vulnerable = debian("libc6", "glibc", "2.36-9+deb12u2", "12");
    assert_eq!(
        hit_fixed(&r, &vulnerable),
        Some(Some("2.36-9+deb12u3".into()))
    );
    // The binary name alone is not an advisory name.
    let mut no_source = vulnerable.clone();
    no_source.source_name = None;
    assert_eq!(hit_fixed(&r, &no_source), None);
    // Fixed version installed.
    assert_eq!(
        hit_fixed(&r, &debian("libc6", "glibc", "2.36-9+deb12u3", "12")),
        None
    );
    // Release 11 uses its own range.
    assert_eq!(
        hit_fixed(&r, &debian("libc6", "glibc", "2.31-13+deb11u6", "11")),
        Some(Some("2.31-13+deb11u7".into()))
    );
    // Release 13 has no entry.
    assert_eq!(
        hit_fixed(&r, &debian("libc6", "glibc", "2.36-9", "13")),
        None
    );
    // A binNMU is compared by its source version.
    let mut binnmu = debian("libc6", "glibc", "2.36-9+deb12u3+b1", "12");
    binnmu.source_version = Some("2.36-9+deb12u3".into());
    assert_eq!(hit_fixed(&r, &binnmu), None);
    // Without a release the lookup is an error, not a silent pass.
    let mut no_release = vulnerable;
    no_release.release = None;
    assert!(matches!(
        match_record(&r, &no_release),
        Err(MatchError::NoRelease { .. })
    ));
}

#[test]
fn alpine_matches_origin_and_branch() {
    let r = record(
        r#"{"id":"ALPINE-CVE-2024-1","modified":"2024-01-01T00:00:00Z","affected":[
        {"package":{"ecosystem":"Alpine:v3.20","name":"openssl"},
         "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.3.2-r0"}]}]}]}"#,
    );
    let q = |version: &str, release: &str| PackageQuery {
        source_name: Some("openssl".into()),
        release: Some(release.into()),
        ..PackageQuery::new(Ecosystem::Alpine, "libcrypto3", version)
    };
    assert_eq!(
        hit_fixed(&r, &q("3.3.1-r3", "3.20.3")),
        Some(Some("3.3.2-r0".into()))
    );
    assert_eq!(hit_fixed(&r, &q("3.3.2-r0", "3.20.3")), None);
    assert_eq!(hit_fixed(&r, &q("3.3.1-r3", "3.19.1")), None);
}

#[test]
fn red_hat_streams_keys() {
    let key = |s: &str| record_ecosystem_key(s).map(|(_, k)| k);
    let el9 = Some("Red Hat:enterprise_linux:9".to_string());
    assert_eq!(key("Red Hat:enterprise_linux:9::appstream"), el9);
    assert_eq!(key("Red Hat:enterprise_linux:9::baseos"), el9);
    assert_eq!(key("Red Hat:enterprise_linux:9::crb"), el9);
    assert_eq!(key("Red Hat:enterprise_linux:9"), el9);
    assert_eq!(
        key("Red Hat:enterprise_linux:8::appstream").as_deref(),
        Some("Red Hat:enterprise_linux:8")
    );
    // Extended-update streams of one minor release, other products: not matched.
    for other in [
        "Red Hat:rhel_aus:8.4::appstream",
        "Red Hat:rhel_eus:9.2::baseos",
        "Red Hat:rhel_e4s:8.6::appstream",
        "Red Hat:rhel_tus:8.6::appstream",
        "Red Hat:enterprise_linux:9.2::appstream",
        "Red Hat:openshift:4.14::el9",
        "Red Hat:rhel_els:7",
        "Red Hat",
    ] {
        assert_eq!(key(other), None, "{other}");
    }
    let q = |release: Option<&str>| PackageQuery {
        release: release.map(str::to_string),
        ..PackageQuery::new(Ecosystem::RedHat, "openssl-libs", "1:3.0.7-27.el9")
    };
    assert_eq!(q(Some("9.4")).ecosystem_key().ok(), el9);
    assert_eq!(q(Some("9")).ecosystem_key().ok(), el9);
    assert!(matches!(
        q(None).ecosystem_key(),
        Err(MatchError::NoRelease { .. })
    ));
    assert!(matches!(
        q(Some("rawhide")).ecosystem_key(),
        Err(MatchError::Unsupported { .. })
    ));
}

#[test]
fn red_hat_matches_binary_package_in_major_release() {
    let r = record(
        r#"{"id":"RHSA-2024:0001","modified":"2024-01-01T00:00:00Z","upstream":["CVE-2024-0001"],
        "affected":[
        {"package":{"ecosystem":"Red Hat:enterprise_linux:9::baseos","name":"openssl-libs"},
         "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:3.0.7-28.el9_4"}]}]},
        {"package":{"ecosystem":"Red Hat:rhel_eus:9.2::baseos","name":"openssl-libs"},
         "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:3.0.7-20.el9_2.3"}]}]}]}"#,
    );
    let q = |purl: &str| PackageQuery::from_purl(purl).unwrap();
    let base = "pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm";
    assert_eq!(
        hit_fixed(&r, &q(&format!("{base}&distro=rhel-9.4"))),
        Some(Some("1:3.0.7-28.el9_4".into()))
    );
    // RHEL 9.2 reads the main stream too, not the 9.2 EUS stream.
    assert_eq!(
        hit_fixed(&r, &q(&format!("{base}&distro=rhel-9.2"))),
        Some(Some("1:3.0.7-28.el9_4".into()))
    );
    assert_eq!(
        hit_fixed(
            &r,
            &q("pkg:rpm/rhel/openssl-libs@3.0.7-28.el9_4?epoch=1&distro=rhel-9.4")
        ),
        None
    );
    // Without the epoch the installed version is epoch 0: older than any 1:.
    assert_eq!(
        hit_fixed(
            &r,
            &q("pkg:rpm/rhel/openssl-libs@3.0.7-28.el9_4?distro=rhel-9.4")
        ),
        Some(Some("1:3.0.7-28.el9_4".into()))
    );
    // RHEL 8 has no entry; the source name is not an advisory name.
    assert_eq!(hit_fixed(&r, &q(&format!("{base}&distro=rhel-8.10"))), None);
    assert_eq!(
        hit_fixed(
            &r,
            &q("pkg:rpm/rhel/openssl@3.0.7-27.el9?epoch=1&distro=rhel-9.4")
        ),
        None
    );
}

#[test]
fn one_cve_is_reported_once_with_all_its_ids() {
    let q = debian("libc6", "glibc", "2.36-9+deb12u1", "12");
    let hits: Vec<_> = [GLIBC_DEBIAN_CVE, GLIBC_DSA, GLIBC_MULTI]
        .iter()
        .filter_map(|j| match_record(&record(j), &q).unwrap())
        .collect();
    assert_eq!(hits.len(), 3);
    let vulns = merge(&q, hits);
    assert_eq!(vulns.len(), 1, "{vulns:#?}");
    let v = &vulns[0];
    assert_eq!(v.id, "CVE-2023-4911");
    assert_eq!(
        v.ids,
        vec![
            "CVE-2023-4911",
            "DEBIAN-CVE-2023-4911",
            "DSA-5514-1",
            "DSA-9999-1"
        ]
    );
    // The fix covering every record is the highest.
    assert_eq!(v.fixed.as_deref(), Some("2.36-9+deb12u4"));
    assert_eq!(v.rating, Rating::High);
}

#[test]
fn unparseable_versions_are_errors() {
    let r = npm_record(r#"[{"introduced":"0"},{"fixed":"1.2.0"}]"#);
    assert!(matches!(
        match_record(&r, &npm("not-a-version")),
        Err(MatchError::Version { .. })
    ));
    let bad = npm_record(r#"[{"introduced":"0"},{"fixed":"one"}]"#);
    assert!(matches!(
        match_record(&bad, &npm("1.0.0")),
        Err(MatchError::Record { .. })
    ));
}

#[test]
fn queries_from_purls() {
    let q = PackageQuery::from_purl(
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc",
    )
    .unwrap();
    assert_eq!(
        (q.ecosystem, q.name.as_str(), q.version.as_str()),
        (Ecosystem::Debian, "libc6", "2.36-9+deb12u4")
    );
    assert_eq!(q.source_name.as_deref(), Some("glibc"));
    assert_eq!(q.ecosystem_key().unwrap(), "Debian:12");
    let r = record(GLIBC_DEBIAN_CVE);
    assert_eq!(hit_fixed(&r, &q), None);
    let old = PackageQuery::from_purl(
        "pkg:deb/debian/libc6@2.36-9?distro=debian-12&upstream=glibc@2.36-9",
    )
    .unwrap();
    assert_eq!(hit_fixed(&r, &old), Some(Some("2.36-9+deb12u3".into())));

    let q = PackageQuery::from_purl(
        "pkg:apk/alpine/libcrypto3@3.3.1-r3?distro=alpine-3.20.3&upstream=openssl",
    )
    .unwrap();
    assert_eq!(q.ecosystem_key().unwrap(), "Alpine:v3.20");
    assert_eq!(q.advisory_name(), "openssl");
    let q = PackageQuery::from_purl(
        "pkg:rpm/almalinux/openssl@3.0.7-27.el9?epoch=1&distro=almalinux-9.4",
    )
    .unwrap();
    assert_eq!(
        (q.version.as_str(), q.ecosystem_key().unwrap().as_str()),
        ("1:3.0.7-27.el9", "AlmaLinux:9")
    );
    let q = PackageQuery::from_purl("pkg:npm/%40babel/core@7.0.0").unwrap();
    assert_eq!(q.name, "@babel/core");
    let q =
        PackageQuery::from_purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1").unwrap();
    assert_eq!(q.name, "org.apache.logging.log4j:log4j-core");
    let q = PackageQuery::from_purl("pkg:golang/github.com/gin-gonic/gin@v1.9.0").unwrap();
    assert_eq!(
        (q.ecosystem, q.name.as_str()),
        (Ecosystem::Go, "github.com/gin-gonic/gin")
    );
    assert!(PackageQuery::from_purl("pkg:npm/left-pad").is_err());
    assert!(PackageQuery::from_purl("pkg:hackage/x@1").is_err());
}
