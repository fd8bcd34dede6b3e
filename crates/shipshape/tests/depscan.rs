//! `shipshape check` looks the packages of a project's lockfiles up in the vulnerability
//! database, and `shipshape sbom` adds them to its documents: real PyPI advisories from the
//! corpus matched against a real lockfile of the corpus (read in place), the gate (`fail-on`,
//! ignores, the `vulnerabilities` item), the filters, path contexts and the database's age.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const PYPA: &str = "corpus/osv/PyPI/westonsteimel+advisory-database-pypa/vulns";
const EMAILSERVICE: &str =
    "corpus/pkgdb/lockfiles-real/GoogleCloudPlatform+microservices-demo/src/emailservice";

/// A cache holding the corpus's PyPI advisories of urllib3, pyasn1 and django (all of each
/// package's records: fixed and unfixed ranges alike).
fn cache() -> Option<tempfile::TempDir> {
    let root = shared_dir(PYPA)?;
    let cache = tempfile::tempdir().unwrap();
    for pkg in ["urllib3", "pyasn1", "django"] {
        let imported = store_import(cache.path(), &root.join(pkg));
        assert!(imported >= 5, "{pkg}: {imported} records imported");
    }
    Some(cache)
}

fn emailservice() -> Option<PathBuf> {
    shared_dir(EMAILSERVICE)
}

/// `check PATH` against the database of `cache`, secrets left out: exit code, report (checked
/// against the schema) and standard error.
fn check(path: &Path, cache: &Path, extra: &[&str]) -> (i32, Value, String) {
    let run = report(
        shipshape()
            .arg("check")
            .arg(path)
            .args(["--no-secrets", "--format", "json", "--cache-dir"])
            .arg(cache)
            .args(extra),
    );
    (run.code, run.doc, run.stderr)
}

fn item(doc: &Value) -> Value {
    checklist_item(doc, "vulnerabilities")
}

/// Asserts the `vulnerabilities` item has `status` and a note containing `note`.
fn assert_item(doc: &Value, status: &str, note: &str) {
    let it = item(doc);
    assert_eq!(it["status"], status, "{it}");
    assert!(
        it["note"].as_str().is_some_and(|n| n.contains(note)),
        "{it}"
    );
}

fn vulns(doc: &Value) -> Vec<&Value> {
    findings_of(doc, "SS5001")
}

fn messages(doc: &Value) -> Vec<String> {
    vulns(doc)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lockfile_packages_are_matched_at_their_line() {
    let (Some(cache), Some(project)) = (cache(), emailservice()) else {
        return;
    };
    let (code, doc, _) = check(&project, cache.path(), &[]);
    let found = vulns(&doc);
    let all = messages(&doc);
    // Must match: urllib3 2.6.3 is before the fix of CVE-2026-44432 (2.7.0), rated high.
    let hit = found
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("CVE-2026-44432"))
        .unwrap_or_else(|| panic!("no CVE-2026-44432 in {all:#?}"));
    let msg = hit["message"].as_str().unwrap();
    assert!(
        msg.starts_with("urllib3 2.6.3 is affected by CVE-2026-44432"),
        "{msg}"
    );
    assert!(
        msg.contains("PYSEC-2026-142") && msg.contains("fixed in 2.7.0"),
        "{msg}"
    );
    assert_eq!(hit["severity"], "high", "{hit}");
    let text = std::fs::read_to_string(project.join("requirements.txt")).unwrap();
    let line = text.lines().position(|l| l == "urllib3==2.6.3").unwrap() + 1;
    assert!(
        hit["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("emailservice/requirements.txt"),
        "{hit}"
    );
    assert_eq!(hit["location"]["line"], line, "{hit}");
    assert_eq!(
        hit["fix"]["description"],
        "upgrade urllib3 to 2.7.0 or later"
    );
    // Must not match: PYSEC-2021-108 is fixed in urllib3 1.26.5, long before 2.6.3; django is
    // not in this lockfile at all.
    assert!(
        !all.iter().any(|m| m.contains("PYSEC-2021-108")),
        "{all:#?}"
    );
    assert!(!all.iter().any(|m| m.contains("django")), "{all:#?}");
    // The gate: a high finding fails the default `fail-on = "high"` and the item.
    assert_eq!(code, 1);
    assert_eq!(item(&doc)["status"], "fail");
}

#[test]
fn fail_on_and_ignores_decide_the_gate() {
    let (Some(cache), Some(project)) = (cache(), emailservice()) else {
        return;
    };
    // Only criticals fail the run; the item still fails on a high.
    let (code, doc, _) = check(&project, cache.path(), &["--fail-on", "critical"]);
    assert_eq!(code, 0);
    assert_eq!(item(&doc)["status"], "fail");
    // Accepted with an ignore: nothing fails, the item passes on the accepted risk.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("shipshape.toml");
    std::fs::write(
        &config,
        "[[ignore]]\nrules = [\"SS5001\"]\nreason = \"not reachable in this service\"\n",
    )
    .unwrap();
    let (code, doc, _) = check(
        &project,
        cache.path(),
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{:#?}", item(&doc));
    assert!(vulns(&doc).is_empty());
    assert!(doc["suppressed"].as_array().unwrap().len() > 3);
    assert_item(&doc, "pass", "accepted by an ignore");
}

#[test]
fn filters_hide_findings_but_never_pass_the_item() {
    let (Some(cache), Some(project)) = (cache(), emailservice()) else {
        return;
    };
    let (_, all, _) = check(&project, cache.path(), &[]);
    let total = vulns(&all).len();
    // Only medium shown: the highs are hidden and no longer fail the run...
    let (code, doc, _) = check(&project, cache.path(), &["--severity", "medium"]);
    let shown = vulns(&doc);
    assert!(
        !shown.is_empty() && shown.len() < total,
        "{} of {total}",
        shown.len()
    );
    assert!(shown.iter().all(|f| f["severity"] == "medium"));
    assert_eq!(code, 0);
    // ...but the item, decided on every finding, still fails and says why.
    assert_item(&doc, "fail", "hidden by the vulnerability filters");
    // The same from the configuration file.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("shipshape.toml");
    std::fs::write(&config, "[vulnerabilities]\nseverity = [\"critical\"]\n").unwrap();
    let (code, doc, _) = check(&project, cache.path(), &["-c", config.to_str().unwrap()]);
    assert!(vulns(&doc).is_empty());
    assert_eq!(code, 0);
    assert_eq!(item(&doc)["status"], "fail");
    // `--only-fixed`: every finding here has a fixed version, so nothing is hidden.
    let (code, doc, _) = check(&project, cache.path(), &["--only-fixed"]);
    assert_eq!(vulns(&doc).len(), total);
    assert!(vulns(&doc).iter().all(|f| f["fix"].is_object()));
    assert_eq!(code, 1);
}

#[test]
fn lockfiles_under_tests_do_not_gate_and_no_database_is_not_a_pass() {
    let Some(cache) = cache() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tests")).unwrap();
    std::fs::write(
        dir.path().join("tests/requirements.txt"),
        "urllib3==2.6.3\n",
    )
    .unwrap();
    let (code, doc, _) = check(dir.path(), cache.path(), &[]);
    let found = vulns(&doc);
    assert!(!found.is_empty());
    assert!(found.iter().all(|f| f["context"] == "test"), "{found:#?}");
    assert_eq!(code, 0);
    // Its evidence is in the test context too: the item is not passed.
    assert_eq!(item(&doc)["status"], "not-analysed", "{}", item(&doc));
    // The same lockfile at the top gates.
    std::fs::write(dir.path().join("requirements.txt"), "urllib3==2.6.3\n").unwrap();
    let (code, _, _) = check(dir.path(), cache.path(), &[]);
    assert_eq!(code, 1);
    // No database: not analysed, with the command that makes one.
    let empty = tempfile::tempdir().unwrap();
    let (code, doc, _) = check(dir.path(), empty.path(), &[]);
    assert_eq!(code, 0);
    assert_item(&doc, "not-analysed", "shipshape db update");
    // A fixed version passes on evidence naming the lockfile.
    let clean = project(&[("requirements.txt", "urllib3==2.7.0\n")]);
    let (code, doc, _) = check(clean.path(), cache.path(), &[]);
    assert_eq!(code, 0);
    let it = item(&doc);
    assert_eq!(it["status"], "pass", "{it}");
    assert!(
        it["note"]
            .as_str()
            .unwrap()
            .starts_with("1 package checked against the OSV database of "),
        "{it}"
    );
}

#[test]
fn an_old_database_warns() {
    let Some(cache) = cache() else {
        return;
    };
    let dir = project(&[("requirements.txt", "urllib3==2.7.0\n")]);
    // Built seconds ago: within the default 7 days, older than 0 days.
    let (_, doc, err) = check(dir.path(), cache.path(), &[]);
    assert!(!err.contains("vulnerability database was built"), "{err}");
    assert!(!item(&doc)["note"].as_str().unwrap().contains("db-max-age"));
    let (code, doc, err) = check(dir.path(), cache.path(), &["--db-max-age", "0"]);
    assert!(
        err.contains("warning: the vulnerability database was built")
            && err.contains("db-max-age of 0"),
        "{err}"
    );
    assert_eq!(code, 0);
    assert_item(&doc, "pass", "db-max-age of 0");
    // The configuration key does the same.
    let config = dir.path().join("shipshape.toml");
    std::fs::write(&config, "[vulnerabilities]\ndb-max-age = 0\n").unwrap();
    let (_, _, err) = check(dir.path(), cache.path(), &[]);
    assert!(err.contains("db-max-age of 0"), "{err}");
}

#[test]
fn sbom_documents_carry_the_vulnerabilities() {
    let (Some(cache), Some(project)) = (cache(), emailservice()) else {
        return;
    };
    let c = cache.path().to_str().unwrap();
    let p = project.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bom.json");
    let f = file.to_str().unwrap();
    let (code, _, err) = sbom(&["-f", "cyclonedx", "--cache-dir", c, "-o", f, p]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let list = doc["vulnerabilities"].as_array().unwrap();
    let v = list
        .iter()
        .find(|v| v["id"] == "CVE-2026-44432")
        .unwrap_or_else(|| panic!("{list:#?}"));
    // affects names the urllib3 component by its bom-ref.
    let target = v["affects"][0]["ref"].as_str().unwrap();
    let component = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["bom-ref"] == target)
        .unwrap();
    assert_eq!(component["name"], "urllib3");
    assert_eq!(v["affects"][0]["versions"][1]["version"], "2.7.0");
    assert_eq!(v["recommendation"], "Upgrade urllib3 to 2.7.0 or later");
    let rating = &v["ratings"][0];
    assert!(
        rating["vector"].as_str().unwrap().starts_with("CVSS:3"),
        "{rating}"
    );
    assert_eq!(rating["score"], 7.5);
    assert_eq!(rating["severity"], "high");
    assert!(v["references"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "PYSEC-2026-142"));
    assert!(!list.iter().any(|v| v["references"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r["id"] == "PYSEC-2021-108"))));
    validate_cyclonedx(&file);
    // Filters apply to the document too.
    let (_, out, _) = sbom(&[
        "-f",
        "cyclonedx",
        "--cache-dir",
        c,
        "--severity",
        "critical",
        p,
    ]);
    let filtered: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(filtered["vulnerabilities"].as_array().unwrap().len(), 0);
    // Table and JSON.
    let (_, table, _) = sbom(&["-f", "table", "--cache-dir", c, p]);
    assert!(
        table.contains("VULNERABILITY") && table.contains("CVE-2026-44432"),
        "{table}"
    );
    let (_, json, _) = sbom(&["-f", "json", "--cache-dir", c, p]);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert!(json["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["id"] == "CVE-2026-44432" && v["fixed"] == "2.7.0"));
    // Without a database, or with --no-vulns: the SBOM alone.
    let empty = tempfile::tempdir().unwrap();
    let (code, out, err) = sbom(&[
        "-f",
        "cyclonedx",
        "--cache-dir",
        empty.path().to_str().unwrap(),
        p,
    ]);
    assert_eq!(code, 0);
    assert!(err.contains("shipshape db update"), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert!(doc.get("vulnerabilities").is_none());
    let (_, out, _) = sbom(&["-f", "cyclonedx", "--cache-dir", c, "--no-vulns", p]);
    assert!(serde_json::from_str::<Value>(&out)
        .unwrap()
        .get("vulnerabilities")
        .is_none());
}

#[test]
fn check_writes_the_project_sbom() {
    let (Some(cache), Some(project)) = (cache(), emailservice()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("project.cdx.json");
    let (_, _, err) = check(&project, cache.path(), &["--sbom", file.to_str().unwrap()]);
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}: {err}")),
    )
    .unwrap();
    assert_eq!(doc["bomFormat"], "CycloneDX");
    assert!(doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "urllib3" && c["version"] == "2.6.3"));
    assert!(doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["id"] == "CVE-2026-44432"));
    validate_cyclonedx(&file);
    let spdx = dir.path().join("project.spdx.json");
    check(
        &project,
        cache.path(),
        &["--sbom", spdx.to_str().unwrap(), "--sbom-format", "spdx"],
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&spdx).unwrap()).unwrap();
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
}

/// The quick view of `image` counts every vulnerability finding once, by rating, and leaves the
/// base image's share out when the history does not say where the base ends.
#[test]
fn image_quick_view_counts_the_findings() {
    let Some(cache) = debian_cache() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // glibc 2.36-9+deb12u10: affected by CVE-2025-4802 (fixed in deb12u11).
    let status = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u10\n";
    let reference = debian_image(dir.path(), "img", status);
    let run = |format: &str| {
        shipshape()
            .args(["image", &reference, "--format", format, "--cache-dir"])
            .arg(cache.path())
            .output()
            .unwrap()
    };
    let json: Value = serde_json::from_slice(&run("json").stdout).unwrap();
    let n = vulns(&json).len();
    assert!(n > 0);
    let err = String::from_utf8_lossy(&run("human").stderr).into_owned();
    let line = err
        .lines()
        .find(|l| l.starts_with("vulnerabilities: "))
        .unwrap_or_else(|| panic!("no quick view in {err}"));
    let counts: Vec<usize> = line["vulnerabilities: ".len()..]
        .split(' ')
        .map(|c| c[..c.len() - 1].parse().unwrap())
        .collect();
    assert_eq!(counts.len(), 5, "{line}");
    assert_eq!(counts.iter().sum::<usize>(), n, "{line}");
    // One layer, no history naming a base: no share.
    assert!(!line.contains("base image"), "{line}");
    // The JSON report carries the same counts in its image section.
    let q = &json["image"]["vulnerabilities"];
    let in_json: Vec<usize> = ["critical", "high", "medium", "low", "unrated"]
        .iter()
        .map(|k| q[k].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(in_json, counts, "{q}");
    assert!(q.get("from_base_image").is_none(), "{q}");
    assert_eq!(json["image"]["os"], "Debian GNU/Linux 12 (bookworm)");
}

#[test]
fn vex_applies_to_lockfile_findings_and_sbom_refuses_it() {
    let (Some(cache), Some(project)) = (cache(), emailservice()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let vex = dir.path().join("app.openvex.json");
    std::fs::write(
        &vex,
        r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/emailservice",
  "author": "Example Security Team",
  "timestamp": "2026-06-01T00:00:00Z",
  "version": 1,
  "statements": [
    {"vulnerability": {"name": "CVE-2026-44432"},
     "products": [{"@id": "pkg:pypi/urllib3@2.6.3"}],
     "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}
  ]
}
"#,
    )
    .unwrap();
    let (_, plain, _) = check(&project, cache.path(), &[]);
    assert!(messages(&plain)
        .iter()
        .any(|m| m.contains("CVE-2026-44432")));
    let (_, doc, stderr) = check(&project, cache.path(), &["--vex", vex.to_str().unwrap()]);
    assert!(
        !messages(&doc).iter().any(|m| m.contains("CVE-2026-44432")),
        "{stderr}"
    );
    let suppressed = doc["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .unwrap_or("")
                .contains("CVE-2026-44432")
        })
        .expect("listed as suppressed");
    assert_eq!(suppressed["suppressed_by"], "vex");
    assert_eq!(suppressed["vulnerability"]["vex"]["status"], "not_affected");
    // `sbom` lists every vulnerability and takes no `--vex`: refused, not silently ignored.
    let (code, _, err) = sbom(&[project.to_str().unwrap(), "--vex", vex.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--vex"), "{err}");
}
