//! Attestations attached to images: BuildKit attestation manifests in an image index, OCI 1.1
//! referrers in a layout's index.json and on a registry (Debian's `docker-registry`, started on
//! loopback: distribution 2.8 has no referrers API, so the `sha256-<hex>` tag schema is what is
//! exercised there), and sources that cannot carry any.

mod common;

use common::*;
use serde_json::json;
use shipshape_core::ChecklistItem;
use shipshape_image::build::{ImageBuilder, LayerBuilder};
use shipshape_image::{open, AttestationKind, AttestationSource, ErrorKind, ImageOptions};
use std::process::Command;

const SPDX: &str = "https://spdx.dev/Document";
const SLSA_V1: &str = "https://slsa.dev/provenance/v1";

fn plain_image() -> ImageBuilder {
    ImageBuilder::new()
        .user("10001")
        .layer(LayerBuilder::new().file("/app/main", b"\x7fELF"))
}

/// What `docker buildx build --sbom=true --provenance=mode=max` attaches (trimmed predicates).
fn buildkit_image() -> ImageBuilder {
    plain_image()
        .attestation(
            SPDX,
            json!({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "sbom", "packages": []}),
        )
        .attestation(
            SLSA_V1,
            json!({
                "buildDefinition": {"buildType": "https://mobyproject.org/buildkit@v1", "externalParameters": {}},
                "runDetails": {"builder": {"id": ""}}
            }),
        )
}

fn provenance_note(a: &shipshape_core::report::Analysis) -> Option<String> {
    a.evidence
        .iter()
        .find(|e| e.item == ChecklistItem::Provenance)
        .map(|e| e.note().to_string())
}

#[test]
fn buildkit_attestation_manifests_in_oci_layouts_and_archives() {
    let dir = tempfile::tempdir().expect("tmp");
    let layout = dir.path().join("layout");
    let written = buildkit_image()
        .write_oci_layout(&layout, "app")
        .expect("layout");
    let archive = dir.path().join("app.oci.tar");
    buildkit_image()
        .write_oci_archive(&archive, "app")
        .expect("archive");
    for r in [
        format!("oci:{}", layout.display()),
        format!("oci:{}:app", layout.display()),
        format!("oci-archive:{}", archive.display()),
    ] {
        let image = open(&r, &ImageOptions::default()).unwrap_or_else(|e| panic!("{r}: {e}"));
        assert_eq!(
            image.manifest_digest.as_deref(),
            Some(written.manifest_digest.as_str())
        );
        let at = image.attestations().expect("attestations");
        assert_eq!(at.not_carried, None);
        assert_eq!(
            at.subject.as_deref(),
            Some(written.manifest_digest.as_str())
        );
        assert_eq!(at.list.len(), 2, "{at:#?}");
        let kinds: Vec<AttestationKind> = at.list.iter().map(|a| a.kind).collect();
        assert_eq!(kinds, [AttestationKind::Sbom, AttestationKind::Provenance]);
        for a in &at.list {
            assert_eq!(a.source, AttestationSource::Index);
            assert_eq!(a.media_type, "application/vnd.in-toto+json");
            assert_eq!(Some(&a.manifest), written.attestation_manifest.as_ref());
        }
        assert_eq!(at.list[0].predicate_type.as_deref(), Some(SPDX));
        assert_eq!(at.list[1].predicate_type.as_deref(), Some(SLSA_V1));
        assert_eq!(
            at.summary(),
            "SBOM (SPDX, in-toto attestation) and SLSA provenance v1 (in-toto attestation)"
        );
        // The statement itself, verified, names the image manifest as its subject.
        let bytes = image
            .read_attestation(&at.list[0], 1 << 20)
            .expect("statement");
        assert_eq!(bytes.len() as u64, at.list[0].size);
        let st: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(st["predicateType"], SPDX);
        assert_eq!(
            format!(
                "sha256:{}",
                st["subject"][0]["digest"]["sha256"].as_str().unwrap()
            ),
            written.manifest_digest
        );
        let e = image
            .read_attestation(&at.list[0], 16)
            .expect_err("over the limit");
        assert_eq!(e.kind, ErrorKind::Limit);
        // The audit: no SS3020, and the provenance item passes on what the image carries.
        let a = audit(&image);
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        assert!(of(&a, "SS3020").is_empty());
        assert!(a.covers(ChecklistItem::Provenance));
        let note = provenance_note(&a).expect("provenance evidence");
        assert!(
            note.starts_with(
                "SBOM (SPDX, in-toto attestation) and SLSA provenance v1 (in-toto attestation)"
            ),
            "{note}"
        );
    }
}

#[test]
fn damaged_attestations_are_scan_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let written = buildkit_image()
        .write_oci_layout(dir.path(), "app")
        .expect("layout");
    let r = format!("oci:{}", dir.path().display());
    let blob = |d: &str| {
        dir.path()
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    // A statement whose bytes changed: digest mismatch, the item not decided, the scan fails.
    let image = open(&r, &ImageOptions::default()).expect("open");
    let statement = image.attestations().expect("list").list[0].digest.clone();
    let text = std::fs::read_to_string(blob(&statement)).expect("read");
    assert!(text.contains(r#""name":"sbom""#));
    std::fs::write(
        blob(&statement),
        text.replace(r#""name":"sbom""#, r#""name":"SBOM""#),
    )
    .expect("write");
    let image = open(&r, &ImageOptions::default()).expect("open");
    let e = image.attestations().expect_err("tampered statement");
    assert_eq!(e.kind, ErrorKind::Digest, "{e}");
    let a = audit(&image);
    assert!(
        a.errors
            .iter()
            .any(|e| e.message.contains("digest mismatch")),
        "{:?}",
        a.errors
    );
    assert!(!a.covers(ChecklistItem::Provenance));
    assert!(
        of(&a, "SS3020").is_empty(),
        "no guess when it cannot read them"
    );
    // A missing attestation manifest is an error too, not "no attestations".
    std::fs::remove_file(blob(written.attestation_manifest.as_deref().expect("att"))).expect("rm");
    let image = open(&r, &ImageOptions::default()).expect("open");
    let e = image.attestations().expect_err("missing manifest");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    assert!(e.message.contains("attestation manifest"), "{e}");
}

#[test]
fn referrers_in_an_oci_layout() {
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [],
        "predicateType": SLSA_V1,
        "predicate": {"buildDefinition": {}}
    });
    let dir = tempfile::tempdir().expect("tmp");
    let written = plain_image()
        .referrer(
            "application/vnd.cyclonedx+json",
            "application/vnd.cyclonedx+json",
            br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#.to_vec(),
        )
        .referrer(
            "application/vnd.openvex+json",
            "application/vnd.openvex+json",
            br#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[]}"#.to_vec(),
        )
        .referrer(
            "application/vnd.in-toto+json",
            "application/vnd.in-toto+json",
            serde_json::to_vec(&statement).expect("json"),
        )
        .write_oci_layout(dir.path(), "app")
        .expect("layout");
    // index.json lists the image and three artifacts: the image is still found without a tag.
    let image = open(
        &format!("oci:{}", dir.path().display()),
        &ImageOptions::default(),
    )
    .expect("open");
    let at = image.attestations().expect("attestations");
    assert_eq!(at.list.len(), 3, "{at:#?}");
    assert!(at
        .list
        .iter()
        .all(|a| a.source == AttestationSource::Referrer));
    let manifests: Vec<&str> = at.list.iter().map(|a| a.manifest.as_str()).collect();
    assert_eq!(
        manifests,
        written
            .referrers
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert_eq!(at.list[0].kind, AttestationKind::Sbom);
    assert_eq!(at.list[0].artifact_type, "application/vnd.cyclonedx+json");
    assert_eq!(at.list[1].kind, AttestationKind::Vex);
    assert_eq!(at.list[2].kind, AttestationKind::Provenance);
    assert_eq!(at.list[2].predicate_type.as_deref(), Some(SLSA_V1));
    let vex = image.read_attestation(&at.list[1], 4096).expect("vex");
    assert!(vex.starts_with(br#"{"@context":"https://openvex.dev"#));
    let a = audit(&image);
    assert!(of(&a, "SS3020").is_empty());
    assert!(provenance_note(&a)
        .expect("evidence")
        .starts_with("SBOM (CycloneDX, OCI referrer), SLSA provenance v1 (in-toto attestation, OCI referrer) and VEX (OpenVEX, OCI referrer)"));
}

#[test]
fn docker_archives_cannot_carry_attestations() {
    let dir = tempfile::tempdir().expect("tmp");
    let tar = dir.path().join("app.tar");
    // The builder drops attestations in this format, as `docker save` does.
    buildkit_image()
        .write_docker_archive(&tar, "app:1")
        .expect("archive");
    let image = open(
        &format!("docker-archive:{}", tar.display()),
        &ImageOptions::default(),
    )
    .expect("open");
    let at = image.attestations().expect("attestations");
    assert!(at.list.is_empty());
    assert!(at
        .not_carried
        .as_deref()
        .is_some_and(|w| w.contains("`docker save` archive")));
    let a = audit(&image);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    assert!(of(&a, "SS3020").is_empty(), "never a fail it cannot know");
    assert!(!a.covers(ChecklistItem::Provenance), "never a pass either");
    let note = a.notes.get(&ChecklistItem::Provenance).expect("note");
    assert!(
        note.starts_with("SBOM and provenance attestations not checked: a `docker save` archive"),
        "{note}"
    );
}

#[test]
fn docker_archives_with_an_oci_index() {
    let dir = tempfile::tempdir().expect("tmp");
    // Docker 25+ writes index.json into `docker save` archives; the containerd image store keeps
    // the attestations there.
    let kept = dir.path().join("kept.tar");
    let written = buildkit_image()
        .write_docker_archive_with_index(&kept, "app:1")
        .expect("archive");
    let image = open(
        &format!("docker-archive:{}", kept.display()),
        &ImageOptions::default(),
    )
    .expect("open");
    assert_eq!(image.manifest_digest, None, "read through manifest.json");
    let at = image.attestations().expect("attestations");
    assert_eq!(at.not_carried, None);
    assert_eq!(
        at.subject.as_deref(),
        Some(written.manifest_digest.as_str()),
        "by config digest"
    );
    assert_eq!(at.list.len(), 2);
    let a = audit(&image);
    assert!(a.covers(ChecklistItem::Provenance));
    assert!(of(&a, "SS3020").is_empty());
    // The classic store's archive has an index but no attestations: that says nothing.
    let dropped = dir.path().join("dropped.tar");
    plain_image()
        .write_docker_archive_with_index(&dropped, "app:1")
        .expect("archive");
    let image = open(
        &format!("docker-archive:{}", dropped.display()),
        &ImageOptions::default(),
    )
    .expect("open");
    let at = image.attestations().expect("attestations");
    assert!(at.list.is_empty());
    assert!(at.not_carried.is_some());
    let a = audit(&image);
    assert!(!a.covers(ChecklistItem::Provenance));
    assert!(of(&a, "SS3020").is_empty());
}

/// Uploads a blob with the distribution API (monolithic upload).
fn put_blob(base: &str, repo: &str, data: &[u8]) -> String {
    let digest = shipshape_image::build::sha256(data);
    let resp = ureq::post(&format!("{base}/v2/{repo}/blobs/uploads/"))
        .send_empty()
        .expect("start upload");
    let loc = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("upload location")
        .to_string();
    let loc = if loc.starts_with('/') {
        format!("{base}{loc}")
    } else {
        loc
    };
    let sep = if loc.contains('?') { '&' } else { '?' };
    ureq::put(&format!("{loc}{sep}digest={digest}"))
        .header("Content-Type", "application/octet-stream")
        .send(data)
        .expect("upload");
    digest
}

fn put_manifest(base: &str, repo: &str, reference: &str, media_type: &str, body: &[u8]) {
    ureq::put(&format!("{base}/v2/{repo}/manifests/{reference}"))
        .header("Content-Type", media_type)
        .send(body)
        .unwrap_or_else(|e| panic!("put manifest {reference}: {e}"));
}

#[test]
fn registry_attestation_manifests_and_referrers() {
    if !have_tools(&["docker-registry", "skopeo"], "SHIPSHAPE_REQUIRE_TOOLS") {
        return;
    }
    let reg = start(None);
    let base = format!("http://127.0.0.1:{}", reg.port);
    let name = format!("127.0.0.1:{}/team/app", reg.port);
    let dir = tempfile::tempdir().expect("tmp");
    let written = buildkit_image()
        .write_oci_layout(dir.path(), "t")
        .expect("layout");
    // `--all` copies the whole index, attestation manifest included, as `buildx --push` does.
    let out = Command::new("skopeo")
        .args([
            "--insecure-policy",
            "copy",
            "--all",
            "--dest-tls-verify=false",
        ])
        .arg(format!("oci:{}:t", dir.path().display()))
        .arg(format!("docker://{name}:1.0"))
        .output()
        .expect("skopeo");
    assert!(
        out.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let opts = ImageOptions {
        insecure: true,
        ..ImageOptions::default()
    };
    let image = open(&format!("registry:{name}:1.0"), &opts).expect("pull");
    assert_eq!(
        image.manifest_digest.as_deref(),
        Some(written.manifest_digest.as_str())
    );
    let at = image.attestations().expect("attestations");
    assert_eq!(at.list.len(), 2, "{at:#?}");
    assert!(at.list.iter().all(|a| a.source == AttestationSource::Index));
    // distribution 2.8 answers the referrers API with 404: the tag schema was used.
    assert_eq!(at.referrers_lookup, Some("tag-schema"));
    let a = audit(&image);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    assert!(of(&a, "SS3020").is_empty());
    assert!(provenance_note(&a)
        .expect("evidence")
        .starts_with("SBOM (SPDX"));

    // A VEX document attached as a referrer, listed under the `sha256-<hex>` tag.
    let repo = "team/app";
    let empty = put_blob(&base, repo, b"{}");
    let vex = br#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[]}"#;
    let vex_digest = put_blob(&base, repo, vex);
    let subject = &written.manifest_digest;
    let image_manifest = std::fs::read(
        dir.path()
            .join("blobs/sha256")
            .join(subject.trim_start_matches("sha256:")),
    )
    .expect("manifest");
    let referrer = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.openvex+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
        "layers": [{"mediaType": "application/vnd.openvex+json", "digest": vex_digest, "size": vex.len()}],
        "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject, "size": image_manifest.len()}
    }))
    .expect("json");
    let referrer_digest = shipshape_image::build::sha256(&referrer);
    put_manifest(
        &base,
        repo,
        &referrer_digest,
        "application/vnd.oci.image.manifest.v1+json",
        &referrer,
    );
    let tag_index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": referrer_digest,
            "size": referrer.len(),
            "artifactType": "application/vnd.openvex+json"
        }]
    }))
    .expect("json");
    let tag = format!("sha256-{}", subject.trim_start_matches("sha256:"));
    put_manifest(
        &base,
        repo,
        &tag,
        "application/vnd.oci.image.index.v1+json",
        &tag_index,
    );
    let image = open(&format!("registry:{name}@{subject}"), &opts).expect("pull by digest");
    let at = image.attestations().expect("attestations");
    assert_eq!(
        at.list.len(),
        1,
        "pulled by manifest digest: no index, the referrer only"
    );
    let v = &at.list[0];
    assert_eq!(
        (v.kind, v.source),
        (AttestationKind::Vex, AttestationSource::Referrer)
    );
    assert_eq!(v.manifest, referrer_digest);
    assert_eq!(image.read_attestation(v, 4096).expect("vex"), vex);
    let image = open(&format!("registry:{name}:1.0"), &opts).expect("pull");
    assert_eq!(image.attestations().expect("attestations").list.len(), 3);

    // An image pushed without attestations fails the rule.
    let plain = tempfile::tempdir().expect("tmp");
    // (another image: the one above is the VEX referrer's subject)
    plain_image()
        .user("10002")
        .write_oci_layout(plain.path(), "t")
        .expect("layout");
    push(
        &plain.path().display().to_string(),
        &format!("{name}:plain"),
        None,
    );
    let image = open(&format!("registry:{name}:plain"), &opts).expect("pull");
    let a = audit(&image);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let f = of(&a, "SS3020");
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].message,
        "the image carries neither an SBOM nor a provenance attestation"
    );

    // cosign without OCI 1.1 referrers keeps its attestations under `sha256-<hex>.att`: a
    // manifest of DSSE envelopes, each annotated with its predicate type.
    let plain_digest = image.manifest_digest.clone().expect("digest");
    let payload = br#"{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://slsa.dev/provenance/v0.2","subject":[],"predicate":{}}"#;
    let envelope = serde_json::to_vec(&json!({
        "payloadType": "application/vnd.in-toto+json",
        "payload": base64_standard(payload),
        "signatures": [{"keyid": "", "sig": "MEUCIQ=="}]
    }))
    .expect("json");
    let envelope_digest = put_blob(&base, repo, &envelope);
    let att = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": empty, "size": 2},
        "layers": [{
            "mediaType": "application/vnd.dsse.envelope.v1+json",
            "digest": envelope_digest,
            "size": envelope.len(),
            "annotations": {"dev.cosignproject.cosign/signature": "", "predicateType": "https://slsa.dev/provenance/v0.2"}
        }]
    }))
    .expect("json");
    let tag = format!("sha256-{}.att", plain_digest.trim_start_matches("sha256:"));
    put_manifest(
        &base,
        repo,
        &tag,
        "application/vnd.oci.image.manifest.v1+json",
        &att,
    );
    let image = open(&format!("registry:{name}:plain"), &opts).expect("pull");
    let at = image.attestations().expect("attestations");
    assert_eq!(at.list.len(), 1);
    assert_eq!(at.list[0].source, AttestationSource::CosignTag);
    assert_eq!(at.list[0].kind, AttestationKind::Provenance);
    let a = audit(&image);
    let f = of(&a, "SS3020");
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].message,
        "the image carries SLSA provenance v0.2 (cosign attestation) but no SBOM"
    );
}

fn base64_standard(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
