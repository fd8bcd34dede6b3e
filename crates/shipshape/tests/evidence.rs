//! Every checklist `pass` names the evidence it rests on; where nothing could tell, the item is
//! `n/a` (with the reason) or not analysed, never `pass`. One test per item and pass reason.

mod common;

use common::*;
use std::collections::BTreeMap;

/// The checklist of `check DIR --format json`: id → (status, note), and the whole document.
fn checklist(dir: &tempfile::TempDir) -> (BTreeMap<String, (String, String)>, serde_json::Value) {
    let (_, doc) = check_json(dir.path(), &[]);
    let items = doc["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            // The note, then every piece of evidence behind it (one per line).
            let mut notes = vec![c["note"].as_str().unwrap_or("").to_string()];
            for e in c["evidence"].as_array().into_iter().flatten() {
                notes.push(e["note"].as_str().unwrap_or("").to_string());
            }
            (
                c["id"].as_str().unwrap().to_string(),
                (c["status"].as_str().unwrap().to_string(), notes.join("\n")),
            )
        })
        .collect();
    (items, doc)
}

/// Asserts `item` has `status` and a note containing `note`.
fn expect(files: &[(&str, &str)], item: &str, status: &str, note: &str) {
    let dir = project(files);
    let (items, doc) = checklist(&dir);
    let (s, n) = &items[item];
    assert_eq!(
        (s.as_str(), n.contains(note)),
        (status, true),
        "{item}: got {s} `{n}`, want {status} with `{note}`"
    );
    // Every pass, in every run, carries a note; the JSON follows the schema.
    for (id, (s, n)) in &items {
        if s == "pass" {
            assert!(!n.is_empty(), "{id} passes without a note");
        }
    }
    assert_report_schema(&doc);
}

const DIGEST: &str = "sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1";

#[test]
fn the_issue_case_passes_nothing_it_cannot_show() {
    // `FROM ubuntu:latest` + `CMD ["true"]`: no health check (not a service), a base whose
    // support nothing can tell, and nothing copied from the context.
    let dir = project(&[("Dockerfile", "FROM ubuntu:latest\nCMD [\"true\"]\n")]);
    let (items, _) = checklist(&dir);
    assert_eq!(items["healthcheck"].0, "not-applicable");
    assert!(items["healthcheck"].1.contains("not a service"));
    assert_eq!(items["base-image"].0, "not-analysed");
    assert!(items["base-image"].1.contains("no end-of-life data"));
    assert_eq!(items["build-context"].0, "pass");
    assert!(items["build-context"]
        .1
        .starts_with("nothing is copied from the build context"));
    let human = shipshape().arg("check").arg(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(!text.contains("pass  healthcheck"), "{text}");
    assert!(!text.contains("pass  base-image"), "{text}");
    assert!(
        text.contains("not a service (") && text.contains("no health check needed"),
        "{text}"
    );
    assert!(
        text.contains("build-context      nothing is copied from the build context"),
        "{text}"
    );
}

#[test]
fn non_root_by_user_instruction() {
    expect(
        &[(
            "Dockerfile",
            "FROM alpine:3.22\nRUN adduser -D app\nUSER app\n",
        )],
        "non-root",
        "pass",
        "USER app (line 3)",
    );
}

#[test]
fn non_root_by_base_image() {
    expect(
        &[(
            "Dockerfile",
            "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\n",
        )],
        "non-root",
        "pass",
        "base gcr.io/distroless/static-debian12:nonroot runs as",
    );
}

#[test]
fn hardened_base_runs_as_nonroot_and_is_minimal() {
    // Docker Hardened Images' runtime variant: no "runs as root", no "full language image".
    let text = "FROM dhi.io/python:3.13@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nCOPY app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n";
    let files = [("Dockerfile", text)];
    expect(
        &files,
        "non-root",
        "pass",
        "base dhi.io/python:3.13 runs as nonroot (uid 65532)",
    );
    expect(
        &files,
        "minimal-image",
        "pass",
        "Docker Hardened Images runtime variant, no shell or package manager",
    );
    // Its development variant is a full image that runs as root.
    let dev = [(
        "Dockerfile",
        "FROM dhi.io/python:3.13-dev\nCOPY app.py /app/\n",
    )];
    expect(&dev, "non-root", "fail", "");
    expect(&dev, "minimal-image", "fail", "");
}

#[test]
fn base_image_supported_release() {
    expect(
        &[("Dockerfile", "FROM python:3.12-slim\nUSER 10001\n")],
        "base-image",
        "pass",
        "base python:3.12-slim: supported (Python 3.12 until",
    );
    expect(
        &[("Dockerfile", "FROM python:3.12-slim\nUSER 10001\n")],
        "base-image",
        "pass",
        "slim variant",
    );
}

#[test]
fn base_image_scratch() {
    expect(
        &[("Dockerfile", "FROM scratch\nCOPY app /app\nUSER 10001\n")],
        "base-image",
        "pass",
        "FROM scratch: no base image to go out of support",
    );
}

#[test]
fn healthcheck_defined() {
    expect(
        &[(
            "Dockerfile",
            "FROM nginx:1.27-alpine\nHEALTHCHECK CMD wget -q --spider http://localhost/\nEXPOSE 80\n",
        )],
        "healthcheck",
        "pass",
        "HEALTHCHECK (line 2)",
    );
}

#[test]
fn healthcheck_not_a_service() {
    expect(
        &[("Dockerfile", "FROM alpine:3.22\nCMD [\"true\"]\n")],
        "healthcheck",
        "not-applicable",
        "no health check needed",
    );
}

#[test]
fn image_tag_digest_and_tag() {
    expect(
        &[(
            "Dockerfile",
            &format!("FROM alpine:3.22@{DIGEST}\nUSER 1\n"),
        )],
        "image-tag",
        "pass",
        "base alpine pinned by tag `3.22` and digest",
    );
    expect(
        &[("Dockerfile", "FROM scratch\nCOPY app /app\n")],
        "image-tag",
        "pass",
        "FROM scratch: no base image to pin",
    );
}

#[test]
fn minimal_image_variant() {
    expect(
        &[("Dockerfile", "FROM node:22-alpine\nUSER node\n")],
        "minimal-image",
        "pass",
        "base node:22-alpine: Alpine variant",
    );
    expect(
        &[(
            "Dockerfile",
            "FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
        )],
        "minimal-image",
        "pass",
        "multi-stage build, FROM scratch",
    );
}

#[test]
fn build_context_named_paths_and_dockerignore() {
    expect(
        &[(
            "Dockerfile",
            "FROM alpine:3.22\nCOPY requirements.txt app.py /app/\n",
        )],
        "build-context",
        "pass",
        "copies named paths only (`requirements.txt`, `app.py`)",
    );
    expect(
        &[
            ("Dockerfile", "FROM alpine:3.22\nCOPY . /app\n"),
            (
                ".dockerignore",
                ".git\n**/.env*\n**/*.pem\n**/*.key\n**/id_rsa*\n**/id_ed25519*\n.aws\n.ssh\n**/.npmrc\n**/.pypirc\n**/.netrc\n**/.git-credentials\n.docker\n",
            ),
            (".env", "A=1\n"),
        ],
        "build-context",
        "pass",
        ".dockerignore excludes the 1 sensitive file of the context (.env)",
    );
}

#[test]
fn provenance_labels() {
    expect(
        &[(
            "Dockerfile",
            "FROM alpine:3.22\nLABEL org.opencontainers.image.source=https://x org.opencontainers.image.revision=abc org.opencontainers.image.version=1\n",
        )],
        "provenance",
        "pass",
        "OCI labels source, revision, version (line 2)",
    );
}

#[test]
fn secrets_scanned_files() {
    expect(
        &[
            ("Dockerfile", "FROM alpine:3.22\n"),
            ("app.py", "print('hello')\n"),
        ],
        "secrets",
        "pass",
        "no secrets found in 2 files",
    );
}

const COMPOSE: &str = r#"services:
  web:
    image: nginx:1.27-alpine
    user: "101"
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    mem_limit: 256m
    cpus: 0.5
    pids_limit: 100
    ports: ["127.0.0.1:8080:80"]
    restart: unless-stopped
    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://localhost/"]
    logging:
      driver: json-file
      options: { max-size: 10m }
"#;

#[test]
fn runtime_items_name_their_settings() {
    let files = [("compose.yaml", COMPOSE)];
    expect(&files, "non-root", "pass", "web: user 101");
    expect(
        &files,
        "read-only",
        "pass",
        "web: read-only root filesystem",
    );
    expect(
        &files,
        "resource-limits",
        "pass",
        "web: memory 256m, cpus 0.5, pids 100",
    );
    expect(
        &files,
        "capabilities",
        "pass",
        "web: not privileged, drops ALL",
    );
    expect(
        &files,
        "no-new-privileges",
        "pass",
        "web: no-new-privileges",
    );
    expect(
        &files,
        "log-rotation",
        "pass",
        "web: logging json-file max-size 10m",
    );
    expect(
        &files,
        "network",
        "pass",
        "web: ports bound to the loopback address only",
    );
    expect(
        &files,
        "healthcheck",
        "pass",
        "web: health check defined, restart unless-stopped",
    );
}

#[test]
fn kubernetes_log_rotation_is_not_applicable() {
    let manifest = r#"apiVersion: v1
kind: Pod
metadata: { name: app }
spec:
  containers:
    - name: app
      image: nginx:1.27-alpine
"#;
    expect(
        &[("pod.yaml", manifest)],
        "log-rotation",
        "not-applicable",
        "the kubelet rotates container logs",
    );
}

#[test]
fn required_item_without_evidence_fails() {
    // The Dockerfile rules of base-image ran and found nothing, but the base's support is not
    // known: a required base-image fails the run.
    let dir = project(&[
        ("Dockerfile", "FROM myorg/base:1\nUSER 10001\n"),
        ("shipshape.toml", "require = [\"base-image\"]\n"),
    ]);
    let (code, doc) = check_json(dir.path(), &[]);
    assert_eq!(checklist_item(&doc, "base-image")["status"], "not-analysed");
    assert_eq!(code, Some(1));
}

#[test]
fn evidence_from_tests_passes_nothing() {
    // Findings in tests do not fail production items; their evidence does not pass them either.
    let dir = project(&[("tests/fixtures/Dockerfile", "FROM alpine:3.22\nUSER app\n")]);
    let (items, _) = checklist(&dir);
    assert_eq!(
        items["non-root"].0, "not-analysed",
        "{:?}",
        items["non-root"]
    );
}

#[test]
fn runtime_image_secrets_and_ports() {
    let compose = format!(
        "services:\n  api:\n    image: ghcr.io/acme/api:1.4.2@{DIGEST}\n    environment:\n      LOG_LEVEL: info\n      PORT: \"8080\"\n    logging:\n      driver: journald\n"
    );
    let files = [("compose.yaml", compose.as_str())];
    expect(
        &files,
        "image-tag",
        "pass",
        "api: image ghcr.io/acme/api:1.4.2@sha256:",
    );
    expect(&files, "image-tag", "pass", "pinned by digest");
    expect(
        &files,
        "secrets",
        "pass",
        "api: no secret in its 2 literal environment values",
    );
    expect(
        &files,
        "network",
        "pass",
        "api: publishes no ports on the host",
    );
    expect(&files, "log-rotation", "pass", "api: log driver journald");
}

#[test]
fn kubernetes_probes_and_run_as_non_root() {
    let manifest = r#"apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      securityContext: { runAsNonRoot: true }
      containers:
        - name: web
          image: nginx:1.27-alpine
          livenessProbe: { httpGet: { path: /, port: 8080 } }
"#;
    let files = [("deploy.yaml", manifest)];
    expect(&files, "non-root", "pass", "web: runAsNonRoot: true");
    expect(&files, "healthcheck", "pass", "web: probes defined");
}

#[test]
fn one_off_containers_need_no_health_check() {
    let script = "#!/bin/sh\ndocker run --rm -v \"$PWD:/src\" alpine:3.22 sh -c 'ls /src'\n";
    expect(
        &[("migrate.sh", script)],
        "healthcheck",
        "not-applicable",
        "runs once: no health check needed",
    );
}

#[test]
fn base_pinned_by_tag_only() {
    expect(
        &[("Dockerfile", "FROM alpine:3.22\nUSER 1\n")],
        "image-tag",
        "fail",
        "",
    );
    // A complete .dockerignore over a context with no sensitive file.
    expect(
        &[
            ("Dockerfile", "FROM alpine:3.22\nCOPY . /app\n"),
            (
                ".dockerignore",
                ".git\n**/.env*\n**/*.pem\n**/*.key\n**/id_rsa*\n**/id_ed25519*\n.aws\n.ssh\n**/.npmrc\n**/.pypirc\n**/.netrc\n**/.git-credentials\n.docker\n",
            ),
        ],
        "build-context",
        "pass",
        ".dockerignore excludes VCS data, .env files and keys; no sensitive file in the context",
    );
}
