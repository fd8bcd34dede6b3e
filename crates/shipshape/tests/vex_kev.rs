//! VEX documents and KEV/EPSS data applied to `shipshape image`: a Debian image built in the
//! test, a database of the corpus's real Debian advisories, and small OpenVEX, CycloneDX VEX,
//! CISA KEV and EPSS documents in their published formats.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// glibc 2.36-9+deb12u10: affected by CVE-2025-4802 (fixed in deb12u11, CVSS 7.8: high).
const LIBC6: &str = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u10\n";
const LIBC6_PURL: &str = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u10";

fn image(dir: &Path) -> String {
    debian_image(dir, "app", LIBC6)
}

/// `image REFERENCE` against the database of `cache`: its report, if it wrote one.
fn scan(reference: &str, cache: &Path, extra: &[&str]) -> Report {
    report_or_null(&mut image_json(reference, cache, extra))
}

/// [`scan`] with one flag naming a file: `FLAG FILE`.
fn scan_with(reference: &str, cache: &Path, flag: &str, file: &Path) -> Report {
    scan(reference, cache, &[flag, file.to_str().unwrap()])
}

fn of_rule<'a>(list: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn with_id<'a>(list: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
    list.as_array().unwrap().iter().find(|f| {
        f["vulnerability"]["id"] == id
            || f["vulnerability"]["aliases"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == id))
    })
}

fn openvex(statements: &[String]) -> String {
    format!(
        r#"{{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/app-1",
  "author": "Example Security Team",
  "timestamp": "2025-06-01T10:00:00Z",
  "version": 1,
  "statements": [
    {}
  ]
}}
"#,
        statements.join(",\n    ")
    )
}

fn statement(cve: &str, product: &str, status: &str, extra: &str) -> String {
    format!(
        r#"{{"vulnerability": {{"name": "{cve}"}}, "products": [{{"@id": "{product}"}}], "status": "{status}"{extra}}}"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn vex_not_affected_suppresses_affected_keeps_and_unused_statements_are_reported() {
    let Some(cache) = debian_cache() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let reference = image(dir.path());
    let plain = scan(&reference, cache.path(), &[]);
    assert_eq!(plain.code, 1, "{}", plain.stderr);
    let found = &plain.doc["findings"];
    let cve = with_id(found, "CVE-2025-4802").expect("CVE-2025-4802 on libc6");
    assert_eq!(cve["severity"], "high");
    assert!(cve["vulnerability"]["purl"]
        .as_str()
        .unwrap()
        .starts_with("pkg:deb/debian/libc6@2.36-9%2Bdeb12u10"));
    assert!(cve["vulnerability"].get("vex").is_none());

    // not_affected for CVE-2025-4802 on the libc6 package, by its purl.
    let not_affected = statement(
        "CVE-2025-4802",
        LIBC6_PURL,
        "not_affected",
        r#", "justification": "vulnerable_code_not_in_execute_path", "impact_statement": "no setuid binaries in the image""#,
    );
    let unused = statement(
        "CVE-1999-0001",
        LIBC6_PURL,
        "not_affected",
        r#", "justification": "component_not_present""#,
    );
    let vex = write(
        dir.path(),
        "app.openvex.json",
        &openvex(&[not_affected, unused]),
    );
    let run = scan_with(&reference, cache.path(), "--vex", &vex);
    assert!(
        with_id(&run.doc["findings"], "CVE-2025-4802").is_none(),
        "suppressed"
    );
    let s = with_id(&run.doc["suppressed"], "CVE-2025-4802").expect("visible as suppressed");
    assert_eq!(s["suppressed_by"], "vex");
    assert_eq!(s["vulnerability"]["vex"]["status"], "not_affected");
    assert_eq!(
        s["vulnerability"]["vex"]["justification"],
        "vulnerable_code_not_in_execute_path"
    );
    assert_eq!(s["vulnerability"]["vex"]["source"], vex.to_str().unwrap());
    assert_eq!(s["vulnerability"]["vex"]["key"], "statements[0]");
    assert!(
        s["reason"].as_str().unwrap().contains("no setuid binaries"),
        "{s}"
    );
    let unused = of_rule(&run.doc["findings"], "SS5002");
    assert_eq!(unused.len(), 1, "{:#?}", run.doc["findings"]);
    assert_eq!(unused[0]["location"]["key"], "statements[1]");
    assert_eq!(unused[0]["location"]["path"], vex.to_str().unwrap());
    assert_eq!(unused[0]["location"]["line"], 9, "{}", unused[0]);
    assert!(unused[0]["message"]
        .as_str()
        .unwrap()
        .contains("CVE-1999-0001"));
    // The exit code follows what is left: every other high or critical finding.
    let other_high = of_rule(&run.doc["findings"], "SS5001")
        .iter()
        .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
        .count();
    assert_eq!(
        run.code,
        if other_high > 0 { 1 } else { 0 },
        "{}",
        run.stderr
    );

    // Every high or critical finding not affected (an image-level statement per CVE, by the
    // image's name): the scan passes, the item says why.
    let ids: Vec<String> = of_rule(found, "SS5001")
        .iter()
        .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
        .map(|f| f["vulnerability"]["id"].as_str().unwrap().to_string())
        .collect();
    let all: Vec<String> = ids
        .iter()
        .map(|id| {
            statement(
                id,
                "pkg:oci/app?tag=1",
                "not_affected",
                r#", "justification": "vulnerable_code_not_in_execute_path""#,
            )
        })
        .collect();
    let vex_all = write(dir.path(), "all.openvex.json", &openvex(&all));
    let run = scan_with(&reference, cache.path(), "--vex", &vex_all);
    assert_eq!(run.code, 0, "{:#?}", run.doc["findings"]);
    let vulns = checklist_item(&run.doc, "vulnerabilities");
    assert_ne!(vulns["status"], "fail", "{vulns}");

    // affected: kept, with the status shown; a later statement overrides an earlier one.
    let earlier = statement(
        "CVE-2025-4802",
        "pkg:deb/debian/libc6",
        "not_affected",
        r#", "justification": "vulnerable_code_not_present", "timestamp": "2025-05-01T00:00:00Z""#,
    );
    let later = statement(
        "CVE-2025-4802",
        "pkg:deb/debian/libc6",
        "affected",
        r#", "action_statement": "rebuild on deb12u11", "timestamp": "2025-06-02T00:00:00Z""#,
    );
    let vex2 = write(dir.path(), "affected.json", &openvex(&[later, earlier]));
    let run = scan_with(&reference, cache.path(), "--vex", &vex2);
    assert_eq!(run.code, 1);
    let f = with_id(&run.doc["findings"], "CVE-2025-4802").expect("kept");
    assert_eq!(f["vulnerability"]["vex"]["status"], "affected");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("; VEX: affected: rebuild on deb12u11, per VEX"),
        "{f}"
    );
    assert_eq!(
        checklist_item(&run.doc, "vulnerabilities")["status"],
        "fail"
    );
}

#[test]
fn cyclonedx_vex_and_config_listed_files_apply() {
    let Some(cache) = debian_cache() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let reference = image(dir.path());
    let bom = format!(
        r#"{{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "version": 1,
  "metadata": {{"timestamp": "2025-06-01T00:00:00Z",
    "component": {{"bom-ref": "app", "type": "container", "name": "app"}}}},
  "components": [{{"bom-ref": "libc6", "type": "library", "name": "libc6", "purl": "{LIBC6_PURL}?arch=amd64"}}],
  "vulnerabilities": [
    {{"id": "CVE-2025-4802", "source": {{"name": "NVD"}},
      "analysis": {{"state": "resolved", "detail": "patched in our build"}},
      "affects": [{{"ref": "libc6"}}]}}
  ]
}}
"#
    );
    write(dir.path(), "security/app.cdx.json", &bom);
    let config = write(
        dir.path(),
        "shipshape.toml",
        "vex = [\"security/app.cdx.json\"]\n",
    );
    let run = scan_with(&reference, cache.path(), "--config", &config);
    let s = with_id(&run.doc["suppressed"], "CVE-2025-4802").expect("suppressed");
    assert_eq!(s["vulnerability"]["vex"]["status"], "fixed");
    assert_eq!(s["vulnerability"]["vex"]["key"], "vulnerabilities[0]");
    assert!(s["vulnerability"]["vex"]["source"]
        .as_str()
        .unwrap()
        .ends_with("security/app.cdx.json"));
    // A config naming a VEX file that does not exist: the config line.
    let bad = write(
        dir.path(),
        "bad.toml",
        "fail-on = \"high\"\nvex = [\"nope.json\"]\n",
    );
    let run = scan_with(&reference, cache.path(), "--config", &bad);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad.toml:2:"), "{}", run.stderr);
}

#[test]
fn cyclonedx_versions_limit_a_statement_about_an_unversioned_component() {
    let Some(cache) = debian_cache() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let reference = image(dir.path());
    // The component's purl has no version; `versions` says which versions are unaffected.
    let bom = |range: &str| {
        format!(
            r#"{{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "version": 1,
  "components": [{{"bom-ref": "libc6", "type": "library", "name": "libc6", "purl": "pkg:deb/debian/libc6?arch=amd64"}}],
  "vulnerabilities": [
    {{"id": "CVE-2025-4802",
      "analysis": {{"state": "not_affected", "justification": "code_not_reachable"}},
      "affects": [{{"ref": "libc6", "versions": [{{"range": "{range}", "status": "unaffected"}}]}}]}}
  ]
}}
"#
        )
    };
    // Only the fixed versions are said to be unaffected: the installed deb12u10 stays a finding.
    let outside = write(
        dir.path(),
        "outside.cdx.json",
        &bom("vers:deb/>=2.36-9+deb12u11"),
    );
    let run = scan_with(&reference, cache.path(), "--vex", &outside);
    let f = with_id(&run.doc["findings"], "CVE-2025-4802").expect("not suppressed");
    assert!(f["vulnerability"].get("vex").is_none(), "{f}");
    assert!(with_id(&run.doc["suppressed"], "CVE-2025-4802").is_none());
    let unused = of_rule(&run.doc["findings"], "SS5002");
    assert_eq!(unused.len(), 1, "the statement applied to nothing");
    assert_eq!(unused[0]["location"]["key"], "vulnerabilities[0]");
    // A range that holds deb12u10 (dpkg order: above 2.36-9, below deb12u11) suppresses it.
    let inside = write(
        dir.path(),
        "inside.cdx.json",
        &bom("vers:deb/>=2.36-9|<2.36-9+deb12u11"),
    );
    let run = scan_with(&reference, cache.path(), "--vex", &inside);
    assert!(with_id(&run.doc["findings"], "CVE-2025-4802").is_none());
    let s = with_id(&run.doc["suppressed"], "CVE-2025-4802").expect("suppressed");
    assert_eq!(s["vulnerability"]["vex"]["status"], "not_affected");
    // A malformed range: exit 2, naming the file and the statement.
    let bad = write(dir.path(), "bad.cdx.json", &bom("vers:deb/>=2.36|>=2.37"));
    let run = scan_with(&reference, cache.path(), "--vex", &bad);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{}:7:5: ", bad.display()))
            && run
                .stderr
                .contains("vulnerabilities[0]: affects[0].versions[0]: range"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_malformed_vex_document_exits_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let reference = image(dir.path());
    // `not_affected` without a justification or impact statement: invalid OpenVEX.
    let vex = write(
        dir.path(),
        "bad.json",
        &openvex(&[statement("CVE-2025-4802", LIBC6_PURL, "not_affected", "")]),
    );
    let run = scan_with(&reference, cache.path(), "--vex", &vex);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let expected = format!("error: {}:8:5: ", vex.display());
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(
        run.stderr.contains("needs a `justification`"),
        "{}",
        run.stderr
    );
    // Broken JSON: the line of the syntax error.
    let vex = write(
        dir.path(),
        "broken.json",
        "{\n  \"@context\": \"https://openvex.dev/ns/v0.2.0\",\n  \"statements\": [,]\n}\n",
    );
    let run = scan_with(&reference, cache.path(), "--vex", &vex);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!("{}:3:", vex.display())),
        "{}",
        run.stderr
    );
}

const KEV: &str = r#"{
  "title": "CISA Catalog of Known Exploited Vulnerabilities",
  "catalogVersion": "2025.06.02",
  "dateReleased": "2025-06-02T17:01:03.1234Z",
  "count": 1,
  "vulnerabilities": [
    {
      "cveID": "CVE-2025-4802",
      "vendorProject": "GNU",
      "product": "GNU C Library",
      "vulnerabilityName": "GNU C Library Untrusted Search Path Vulnerability",
      "dateAdded": "2025-05-30",
      "shortDescription": "A statically linked setuid binary may load libraries from LD_LIBRARY_PATH.",
      "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
      "dueDate": "2025-06-20",
      "knownRansomwareCampaignUse": "Unknown",
      "notes": "",
      "cwes": ["CWE-426"]
    }
  ]
}
"#;

const EPSS: &str = "#model_version:v2025.03.14,score_date:2025-06-02T12:55:00Z\ncve,epss,percentile\nCVE-2025-4802,0.00021,0.04257\nCVE-2023-4911,0.79384,0.99018\n";

#[test]
fn kev_listed_vulnerabilities_gate_with_fail_on_kev_and_carry_epss() {
    let Some(cache) = debian_cache() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let reference = image(dir.path());
    let kev = write(dir.path(), "known_exploited_vulnerabilities.json", KEV);
    let epss = dir.path().join("epss_scores-2025-06-02.csv.gz");
    {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&epss).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(EPSS.as_bytes()).unwrap();
        gz.finish().unwrap();
    }
    for (file, says) in [
        (&kev, "imported the CISA KEV catalog 2025.06.02 (1 CVEs)"),
        (
            &epss,
            "imported EPSS scores of 2025-06-02T12:55:00Z (2 CVEs)",
        ),
    ] {
        let out = shipshape()
            .args(["db", "import"])
            .arg(file)
            .arg("--cache-dir")
            .arg(cache.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && stdout.contains(says), "{stdout}");
    }
    let out = shipshape()
        .args(["db", "status", "--cache-dir"])
        .arg(cache.path())
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout);
    assert!(
        status.contains("CISA KEV catalog: 1 CVEs, version 2025.06.02"),
        "{status}"
    );
    assert!(
        status.contains("EPSS scores: 2 CVEs, version v2025.03.14"),
        "{status}"
    );

    // Only critical fails: the high CVE-2025-4802 does not, unless it is known exploited
    // and --fail-on-kev is given.
    let critical = of_rule(
        &scan(&reference, cache.path(), &[]).doc["findings"],
        "SS5001",
    )
    .iter()
    .filter(|f| f["severity"] == "critical")
    .count();
    assert_eq!(critical, 0, "the test needs no critical finding on libc6");
    let run = scan(&reference, cache.path(), &["--fail-on", "critical"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let f = with_id(&run.doc["findings"], "CVE-2025-4802").unwrap();
    assert_eq!(f["vulnerability"]["kev"]["date_added"], "2025-05-30");
    assert_eq!(f["vulnerability"]["kev"]["due_date"], "2025-06-20");
    assert_eq!(f["vulnerability"]["epss"]["score"], 0.00021);
    assert_eq!(f["vulnerability"]["epss"]["percentile"], 0.04257);
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("; known exploited (CISA KEV since 2025-05-30, due 2025-06-20)"),
        "{msg}"
    );
    assert!(msg.contains("; EPSS 0.000 (percentile 0.043)"), "{msg}");
    // Findings of CVEs that are not listed carry no KEV field.
    for other in of_rule(&run.doc["findings"], "SS5001") {
        if other["vulnerability"]["id"] != "CVE-2025-4802" {
            assert!(other["vulnerability"].get("kev").is_none(), "{other}");
        }
    }
    let run = scan(
        &reference,
        cache.path(),
        &["--fail-on", "critical", "--fail-on-kev"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The config key does the same.
    let config = write(
        dir.path(),
        "shipshape.toml",
        "fail-on = \"critical\"\nfail-on-kev = true\n",
    );
    let run = scan_with(&reference, cache.path(), "--config", &config);
    assert_eq!(run.code, 1);
    assert_eq!(
        checklist_item(&run.doc, "vulnerabilities")["status"],
        "fail"
    );
    // A damaged KEV catalog: exit 2, the file and line named, the database unchanged.
    let bad = write(
        dir.path(),
        "kev-bad.json",
        &KEV.replace("\"dateAdded\": \"2025-05-30\"", "\"dateAdded\": 20250530"),
    );
    let out = shipshape()
        .args(["db", "import"])
        .arg(&bad)
        .arg("--cache-dir")
        .arg(cache.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:12:", bad.display())),
        "{stderr}"
    );
    let run = scan(
        &reference,
        cache.path(),
        &["--fail-on", "critical", "--fail-on-kev"],
    );
    assert_eq!(run.code, 1, "the previous catalog still applies");
}

/// The Debian image as an OCI layout, with the given VEX documents attached: as a BuildKit-style
/// in-toto attestation (`attested`) and as an OCI referrer (`referred`).
fn layout_with_vex(
    dir: &Path,
    attested: Option<serde_json::Value>,
    referred: Option<&str>,
) -> String {
    let layout = dir.join("layout");
    let mut b = debian_builder(LIBC6);
    if let Some(predicate) = attested {
        b = b.attestation("https://openvex.dev/ns/v0.2.0", predicate);
    }
    if let Some(doc) = referred {
        b = b.referrer(
            "application/vnd.openvex+json",
            "application/vnd.openvex+json",
            doc.as_bytes().to_vec(),
        );
    }
    b.write_oci_layout(&layout, "app").unwrap();
    format!("oci:{}", layout.display())
}

#[test]
fn vex_attached_to_the_image_applies_naming_its_source() {
    let Some(cache) = debian_cache() else {
        return;
    };
    let not_affected = statement(
        "CVE-2025-4802",
        LIBC6_PURL,
        "not_affected",
        r#", "justification": "vulnerable_code_not_in_execute_path""#,
    );
    // The publisher's VEX covers CVEs of packages this image does not have: not reported.
    let other = statement(
        "CVE-1999-0001",
        "pkg:deb/debian/openssl",
        "not_affected",
        r#", "justification": "component_not_present""#,
    );
    let doc = openvex(&[not_affected, other]);
    // As an OCI referrer and as an in-toto attestation in the index: the same verdict.
    for (name, attested, referred) in [
        ("referrer", None, Some(doc.as_str())),
        (
            "attestation",
            Some(serde_json::from_str::<serde_json::Value>(&doc).unwrap()),
            None,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let reference = layout_with_vex(dir.path(), attested, referred);
        let run = scan(&reference, cache.path(), &[]);
        assert!(run.doc.is_object(), "{name}: {}", run.stderr);
        assert!(
            with_id(&run.doc["findings"], "CVE-2025-4802").is_none(),
            "{name}: suppressed by the image's own VEX"
        );
        let s = with_id(&run.doc["suppressed"], "CVE-2025-4802").expect("visible as suppressed");
        assert_eq!(s["suppressed_by"], "vex", "{name}");
        let source = s["vulnerability"]["vex"]["source"].as_str().unwrap();
        assert!(
            source.contains("@sha256:") && source.contains("OpenVEX"),
            "{name}: the attestation is named: {source}"
        );
        assert!(
            of_rule(&run.doc["findings"], "SS5002").is_empty(),
            "{name}: the publisher's unused statements are not the user's: {:#?}",
            run.doc["findings"]
        );
    }
    // Without the attachment, the finding is there.
    let dir = tempfile::tempdir().unwrap();
    let run = scan(&layout_with_vex(dir.path(), None, None), cache.path(), &[]);
    assert!(with_id(&run.doc["findings"], "CVE-2025-4802").is_some());
    // An attached VEX that is not a VEX document: exit 2 naming the attestation.
    let dir = tempfile::tempdir().unwrap();
    let run = scan(
        &layout_with_vex(dir.path(), None, Some(r#"{"statements": "no"}"#)),
        cache.path(),
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("@sha256:") && run.stderr.contains("not a VEX document"),
        "{}",
        run.stderr
    );
}
