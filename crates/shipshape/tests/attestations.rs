//! Attestations end to end: the `provenance` checklist item of `shipshape image` on images that
//! carry BuildKit attestations, none, or come from a source that cannot carry them; and
//! `shipshape sbom --format in-toto`, its predicate checked by the official validators.

mod common;

use common::*;
use serde_json::{json, Value};
use shipshape_image::build::ImageBuilder;

const DPKG: &str = "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n";

/// A labelled Debian-like image (so only the attestations decide `provenance`).
fn image() -> ImageBuilder {
    debian_builder(DPKG)
        .label("org.opencontainers.image.source", "https://example.com/app")
        .label("org.opencontainers.image.revision", "0123abc")
        .label("org.opencontainers.image.version", "1.0.0")
}

fn with_attestations(b: ImageBuilder) -> ImageBuilder {
    b.attestation(
        "https://spdx.dev/Document",
        json!({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"}),
    )
    .attestation(
        "https://slsa.dev/provenance/v1",
        json!({"buildDefinition": {"buildType": "https://mobyproject.org/buildkit@v1"}}),
    )
}

/// `shipshape image REF --format json`: the exit code and the report (checked against the
/// schema).
fn scan(reference: &str) -> (i32, Value) {
    let run = report(shipshape().args(["image", reference, "--format", "json"]));
    (run.code, run.doc)
}

#[test]
fn provenance_item_follows_the_attestations() {
    let dir = tempfile::tempdir().unwrap();
    let with = dir.path().join("with");
    with_attestations(image())
        .write_oci_layout(&with, "app")
        .unwrap();
    let (_, doc) = scan(&format!("oci:{}", with.display()));
    let p = checklist_item(&doc, "provenance");
    assert_eq!(p["status"], "pass", "{p}");
    // The report's image section lists them, and names the image it scanned.
    let errors = schema_errors(
        &repo_root().join("schemas/shipshape-report-v1.schema.json"),
        &doc,
    );
    assert!(errors.is_empty(), "{errors:#?}");
    let subject = &doc["image"];
    assert_eq!(subject["source"], "oci");
    assert!(subject["manifest_digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    let mut kinds: Vec<&str> = subject["attestations"]
        .as_array()
        .unwrap_or_else(|| panic!("{subject:#}"))
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["provenance", "sbom"], "{subject:#}");
    let note = p["note"].as_str().unwrap();
    assert!(
        note.starts_with(
            "SBOM (SPDX, in-toto attestation) and SLSA provenance v1 (in-toto attestation); labelled with"
        ),
        "{note}"
    );

    let without = dir.path().join("without");
    image().write_oci_layout(&without, "app").unwrap();
    let (code, doc) = scan(&format!("oci:{}", without.display()));
    assert_eq!(checklist_item(&doc, "provenance")["status"], "fail");
    let f: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "SS3020")
        .collect();
    assert_eq!(f.len(), 1, "{doc:#}");
    assert_eq!(f[0]["severity"], "low");
    assert_eq!(code, 0, "low: below the default --fail-on high");
    // `require = ["provenance"]` makes it gate.
    let config = dir.path().join("shipshape.toml");
    std::fs::write(&config, "require = [\"provenance\"]\n").unwrap();
    let out = shipshape()
        .args(["image", &format!("oci:{}", without.display())])
        .arg("--config")
        .arg(&config)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    // A docker-archive drops attestations: not analysed, and the note says why.
    let tar = dir.path().join("app.tar");
    with_attestations(image())
        .write_docker_archive(&tar, "app:1")
        .unwrap();
    let (_, doc) = scan(&format!("docker-archive:{}", tar.display()));
    let p = checklist_item(&doc, "provenance");
    assert_eq!(p["status"], "not-analysed", "{p}");
    assert!(doc["image"]["attestations"].is_null(), "{:#}", doc["image"]);
    assert!(
        p["note"]
            .as_str()
            .unwrap()
            .contains("`docker save` archive"),
        "{p}"
    );
    assert!(!doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "SS3020"));
}

#[test]
fn sbom_as_an_in_toto_statement() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let written = image().write_oci_layout(&layout, "app").unwrap();
    let reference = format!("oci:{}", layout.display());
    let hex = written.manifest_digest.trim_start_matches("sha256:");
    for (predicate, predicate_type, check) in [
        (
            "cyclonedx",
            "https://cyclonedx.org/bom",
            ["cdx-validate", ""],
        ),
        ("spdx", "https://spdx.dev/Document", ["pyspdxtools", "-i"]),
    ] {
        let (code, out, err) = sbom(&[&reference, "--format", "in-toto", "--predicate", predicate]);
        assert_eq!(code, 0, "{err}");
        let st: Value = serde_json::from_str(&out).unwrap();
        // The Statement v1 layer: exactly these four fields, one subject with a sha256 digest.
        let keys: Vec<&str> = st.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
        assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(st["predicateType"], predicate_type);
        let subject = st["subject"].as_array().unwrap();
        assert_eq!(subject.len(), 1);
        assert_eq!(subject[0]["digest"]["sha256"], hex, "the manifest digest");
        assert_eq!(subject[0]["name"], "app");
        // The predicate is the same document `--format cyclonedx|spdx` writes.
        let (_, plain, _) = sbom(&[&reference, "--format", predicate]);
        assert_eq!(
            st["predicate"],
            serde_json::from_str::<Value>(&plain).unwrap()
        );
        let names: Vec<&str> = if predicate == "cyclonedx" {
            st["predicate"]["components"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c["name"].as_str())
                .collect()
        } else {
            st["predicate"]["packages"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c["name"].as_str())
                .collect()
        };
        assert!(names.contains(&"zlib1g"), "{names:?}");
        if tool("intoto-validate") {
            let file = dir.path().join(format!("statement.{predicate}.json"));
            std::fs::write(&file, &out).unwrap();
            run_validator(&["intoto-validate"], &file);
            // The validator is not a rubber stamp: a subject without a digest is refused.
            let mut bad = st.clone();
            bad["subject"][0]["digest"] = json!({});
            let file = dir.path().join("bad-statement.json");
            std::fs::write(&file, serde_json::to_vec(&bad).unwrap()).unwrap();
            let out = std::process::Command::new("intoto-validate")
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                !out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        if tool(check[0]) {
            let file = dir.path().join(format!("predicate.{predicate}.json"));
            std::fs::write(&file, serde_json::to_vec(&st["predicate"]).unwrap()).unwrap();
            let cmd: Vec<&str> = check.iter().copied().filter(|a| !a.is_empty()).collect();
            run_validator(&cmd, &file);
        }
    }
    // A docker-archive has no manifest digest: the subject is the image ID, and stderr says so.
    let tar = dir.path().join("app.tar");
    let w = image().write_docker_archive(&tar, "app:1").unwrap();
    let (code, out, err) = sbom(&[
        &format!("docker-archive:{}", tar.display()),
        "-f",
        "in-toto",
    ]);
    assert_eq!(code, 0, "{err}");
    let st: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        st["subject"][0]["digest"]["sha256"],
        w.config_digest.trim_start_matches("sha256:")
    );
    assert!(err.contains("image ID"), "{err}");
    // A directory has no digest to name: refused, exit 2, nothing written.
    let (code, out, err) = sbom(&[dir.path().to_str().unwrap(), "-f", "in-toto"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("directory has none"), "{err}");
    let (code, _, err) = sbom(&[&reference, "--predicate", "spdx"]);
    assert_eq!(code, 2, "{err}");
}
