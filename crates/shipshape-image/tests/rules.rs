//! Rule fixtures: `tests/fixtures/rules/<CODE>/*.image.toml`, each a small image described in
//! TOML, built at test time with [`shipshape_image::build`], opened and audited with
//! [`shipshape_image::audit`] as of 2025-01-15.
//!
//! Header (leading `#` lines, see `shipshape-testkit`): one expected finding per `expect:` line,
//! `# expect: SS3018 /root/.ssh/id_rsa` — the code and where the finding is: a path in the image,
//! a configuration key (`config.User`, `config.Env[0]`, `history[2].created_by`, `reference`), or
//! `image` for the image as a whole; `# expect: SS3019` alone takes a finding wherever it is;
//! `# expect: none` — nothing. `# known-issue: ...` when the expectation records a misbehaviour.
//!
//! The body (every key optional):
//!
//! ```toml
//! format = "oci-layout"        # or "oci-archive", "docker-archive"
//! source = "registry"          # audit it as if pulled from a registry by `reference` (SS3009)
//! reference = "registry.example.com/team/app:1.0"
//! pinned = false               # with `source`: whether the reference named a digest
//! history = ["ARG TOKEN"]      # build steps that made no layer (listed before the layers' own)
//!
//! [config]
//! user = "10001"
//! env = ["PATH=/usr/bin"]
//! labels = { "org.opencontainers.image.source" = "https://example.com/app" }
//! exposed_ports = ["8080/tcp"]
//! healthcheck = ["CMD", "/app/health"]
//! cmd = ["/app"]
//! entrypoint = []
//!
//! [audit]                      # AuditOptions
//! large_image_bytes = 1000
//! large_layer_bytes = 1000
//!
//! [[attestation]]              # a BuildKit attestation manifest in an image index (OCI only)
//! predicate_type = "https://spdx.dev/Document"
//! predicate = { spdxVersion = "SPDX-2.3" }
//!
//! [[referrer]]                 # an OCI 1.1 referrer in the layout's index.json (OCI only)
//! artifact_type = "application/vnd.cyclonedx+json"
//! media_type = "application/vnd.cyclonedx+json"
//! content = "{}"
//!
//! [[layer]]
//! created_by = "COPY app /app" # its history entry (default: `shipshape build: layer N`)
//! [[layer.entry]]
//! path = "/app/start.sh"
//! kind = "file"                # file (default), dir, symlink, hardlink, whiteout, opaque
//! mode = 0o755                 # default 0o644 (files), 0o755 (directories)
//! uid = 0
//! gid = 0
//! content = "#!/bin/sh\n"     # or `size = 300000` bytes of filler
//! target = "/bin/busybox"      # links
//! ```
//!
//! The findings of the rule under test are snapshotted (path in the image or key, severity,
//! message), with the image's temporary path shown as `IMAGE` and digests as `sha256:<digest>`.
//! Every image rule needs a fixture that fires and one that does not.

use serde::Deserialize;
use shipshape_core::Finding;
use shipshape_image::build::{BuildCompression, ImageBuilder, LayerBuilder};
use shipshape_image::{AuditOptions, SourceType};
use shipshape_testkit::{redact_digests, render, Header, Suite};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A rule declaring a fix emits edits in some fixture; a rule declaring none emits no edits.
const CHECK_FIX_EDITS: bool = true;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    format: Option<String>,
    source: Option<String>,
    reference: Option<String>,
    #[serde(default)]
    pinned: bool,
    #[serde(default)]
    history: Vec<String>,
    #[serde(default)]
    config: Config,
    #[serde(default)]
    audit: Audit,
    #[serde(default)]
    layer: Vec<Layer>,
    #[serde(default)]
    attestation: Vec<AttestationSpec>,
    #[serde(default)]
    referrer: Vec<ReferrerSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttestationSpec {
    predicate_type: String,
    #[serde(default)]
    predicate: toml::Table,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferrerSpec {
    artifact_type: String,
    media_type: String,
    content: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    user: Option<String>,
    #[serde(default)]
    env: Vec<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    exposed_ports: Vec<String>,
    healthcheck: Option<Vec<String>>,
    #[serde(default)]
    cmd: Vec<String>,
    #[serde(default)]
    entrypoint: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Audit {
    large_image_bytes: Option<u64>,
    large_layer_bytes: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layer {
    created_by: Option<String>,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    path: String,
    kind: Option<String>,
    mode: Option<u32>,
    #[serde(default)]
    uid: u64,
    #[serde(default)]
    gid: u64,
    content: Option<String>,
    size: Option<usize>,
    target: Option<String>,
}

fn build(spec: &Spec) -> Result<ImageBuilder, String> {
    let mut b = ImageBuilder::new();
    let c = &spec.config;
    if let Some(u) = &c.user {
        b = b.user(u);
    }
    for e in &c.env {
        b = b.env(e);
    }
    for (k, v) in &c.labels {
        b = b.label(k, v);
    }
    for p in &c.exposed_ports {
        b = b.expose(p);
    }
    if let Some(test) = &c.healthcheck {
        let test: Vec<&str> = test.iter().map(String::as_str).collect();
        b = b.healthcheck(&test);
    }
    b.config.config.cmd = c.cmd.clone();
    b.config.config.entrypoint = c.entrypoint.clone();
    for h in &spec.history {
        b = b.history(h);
    }
    for a in &spec.attestation {
        let predicate = serde_json::to_value(&a.predicate).map_err(|e| e.to_string())?;
        b = b.attestation(&a.predicate_type, predicate);
    }
    for r in &spec.referrer {
        b = b.referrer(
            &r.artifact_type,
            &r.media_type,
            r.content.as_bytes().to_vec(),
        );
    }
    for l in &spec.layer {
        // Uncompressed: layer digests then depend on the entries only.
        let mut lb = LayerBuilder::new().compression(BuildCompression::None);
        if let Some(c) = &l.created_by {
            lb = lb.created_by(c);
        }
        for e in &l.entry {
            let content = match (&e.content, e.size) {
                (Some(c), None) => c.as_bytes().to_vec(),
                (None, Some(n)) => vec![b'x'; n],
                (None, None) => Vec::new(),
                (Some(_), Some(_)) => return Err(format!("{}: content or size, not both", e.path)),
            };
            let link = || {
                e.target
                    .clone()
                    .ok_or_else(|| format!("{}: a link needs `target`", e.path))
            };
            lb = match e.kind.as_deref().unwrap_or("file") {
                "file" => lb.file_with(&e.path, &content, e.mode.unwrap_or(0o644), e.uid, e.gid),
                "dir" => lb.dir_with(&e.path, e.mode.unwrap_or(0o755), e.uid, e.gid),
                "symlink" => lb.symlink(&e.path, &link()?),
                "hardlink" => lb.hardlink(&e.path, &link()?),
                "whiteout" => lb.whiteout(&e.path),
                "opaque" => lb.opaque(&e.path),
                k => return Err(format!("{}: unknown entry kind `{k}`", e.path)),
            };
        }
        b = b.layer(lb);
    }
    Ok(b)
}

/// Builds, opens and audits the image a fixture describes. Returns the findings, located by
/// their path in the image (empty for the image itself), with the temporary path of the image
/// shown as `IMAGE` and digests redacted in messages; and scan errors.
fn audit(spec: &Spec, dir: &Path) -> Result<(Vec<Finding>, Vec<String>), String> {
    let b = build(spec)?;
    let reference = match spec.format.as_deref().unwrap_or("oci-layout") {
        "oci-layout" => {
            let p = dir.join("layout");
            b.write_oci_layout(&p, "fixture")
                .map_err(|e| e.to_string())?;
            format!("oci:{}", p.display())
        }
        "oci-archive" => {
            let p = dir.join("image.oci.tar");
            b.write_oci_archive(&p, "fixture")
                .map_err(|e| e.to_string())?;
            format!("oci-archive:{}", p.display())
        }
        "docker-archive" => {
            let p = dir.join("image.docker.tar");
            b.write_docker_archive(&p, "fixture:1")
                .map_err(|e| e.to_string())?;
            format!("docker-archive:{}", p.display())
        }
        f => return Err(format!("unknown format `{f}`")),
    };
    let mut image =
        shipshape_image::open(&reference, &Default::default()).map_err(|e| e.to_string())?;
    match spec.source.as_deref() {
        None => {}
        // The archive stands in for what a registry would serve for `reference`; the audit reads
        // the source, the reference and whether it was pinned, never the network.
        Some("registry") => {
            image.source = SourceType::Registry;
            image.pinned = spec.pinned;
            if let Some(r) = &spec.reference {
                image.reference = r.clone();
            }
        }
        Some(s) => return Err(format!("unknown source `{s}` (registry)")),
    }
    let defaults = AuditOptions::default();
    let opts = AuditOptions {
        today: Some(jiff::civil::date(2025, 1, 15)),
        large_image_bytes: spec
            .audit
            .large_image_bytes
            .unwrap_or(defaults.large_image_bytes),
        large_layer_bytes: spec
            .audit
            .large_layer_bytes
            .unwrap_or(defaults.large_layer_bytes),
        ..defaults
    };
    let analysis = shipshape_image::audit(&image, &opts);
    // Locations are `REF` or `REF:/path`: keep the path. Messages may name the temporary path.
    let prefix = format!("{}:", image.reference);
    let findings = analysis
        .findings
        .into_iter()
        .map(|mut f| {
            f.location.path = match f.location.path.strip_prefix(&prefix) {
                Some(p) => p.to_string(),
                None if f.location.path == image.reference => String::new(),
                None => f.location.path.clone(),
            };
            f.message = redact_digests(&f.message.replace(&reference, "IMAGE"));
            f.location.layer = None;
            f
        })
        .collect();
    let errors = analysis.errors.iter().map(|e| format!("{e:?}")).collect();
    Ok((findings, errors))
}

/// Where a finding is, as `expect:` lines write it: the path in the image, else the config key,
/// else `image`.
fn place(f: &Finding) -> String {
    if !f.location.path.is_empty() {
        return f.location.path.clone();
    }
    f.location
        .key
        .clone()
        .unwrap_or_else(|| "image".to_string())
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

#[test]
fn rule_fixtures() {
    let mut suite = Suite::new(CHECK_FIX_EDITS);
    for (code, dir) in shipshape_testkit::rule_dirs(&fixtures_dir()) {
        let mut names = Vec::new();
        for path in shipshape_testkit::entries(&dir) {
            let name = shipshape_testkit::file_name(&path);
            if name == "snapshots" {
                continue;
            }
            names.push(name.clone());
            assert!(
                name.ends_with(".image.toml"),
                "{}: image fixtures are `*.image.toml`",
                path.display()
            );
            let fixture = format!("{code}/{name}");
            let text = shipshape_testkit::read(&path);
            let h = Header::parse(&text, &code, &[])
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let spec: Spec =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let tmp = tempfile::tempdir().expect("temp dir");
            let (findings, errors) =
                audit(&spec, tmp.path()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if !errors.is_empty() {
                suite.fail(format!("{fixture}: scan errors {errors:?}"));
            }
            let mine: Vec<&Finding> = findings.iter().filter(|f| f.rule == code).collect();
            suite.check(&fixture, "image", &code, &h, &mine, place);
            let rendered: Vec<String> = mine.iter().map(|f| render(f)).collect();
            insta::with_settings!({ snapshot_path => dir.join("snapshots"), prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!(name, rendered.join("\n"));
            });
        }
        suite.check_snapshots(&dir, &names);
    }
    suite.finish(shipshape_image::RULES.iter().copied());
}
