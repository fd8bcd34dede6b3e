//! A minimal in-test registry (std only) for what docker-registry cannot do without a token
//! server: bearer-token auth, a multi-platform index, and the OCI referrers API (paged).

mod common;

use common::*;
use shipshape_image::build::{ImageBuilder, LayerBuilder};
use shipshape_image::{open, ErrorKind, ImageOptions};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;

/// The referrers API's answer for one subject digest: the pages of its index.
struct Referrers {
    subject: String,
    pages: Vec<Vec<u8>>,
}

fn serve(listener: TcpListener, root: PathBuf, index: Vec<u8>, referrers: Referrers) {
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let mut reader = BufReader::new(match stream.try_clone() {
            Ok(s) => s,
            Err(_) => continue,
        });
        let mut first = String::new();
        if reader.read_line(&mut first).is_err() {
            continue;
        }
        let mut auth = String::new();
        let mut length = 0usize;
        loop {
            let mut l = String::new();
            if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                break;
            }
            let lower = l.to_ascii_lowercase();
            if lower.starts_with("authorization:") {
                auth = l[14..].trim().to_string();
            }
            if let Some(n) = lower.strip_prefix("content-length:") {
                length = n.trim().parse().unwrap_or(0);
            }
        }
        let mut form = vec![0u8; length];
        if std::io::Read::read_exact(&mut reader, &mut form).is_err() {
            continue;
        }
        let form = String::from_utf8_lossy(&form).into_owned();
        let post = first.starts_with("POST ");
        let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
        // `private/app` (the same image as `multi/app`) needs the token that only the OAuth2
        // refresh-token exchange gives.
        let (path, wanted) = match path.strip_prefix("/v2/private/app/") {
            Some(rest) => (format!("/v2/multi/app/{rest}"), "Bearer tok-456"),
            None => (path, "Bearer tok-123"),
        };
        let repo = if wanted.ends_with("456") {
            "private/app"
        } else {
            "multi/app"
        };
        let (status, ctype, body, extra): (&str, &str, Vec<u8>, String) = if path
            .starts_with("/token")
            && post
        {
            let fields: Vec<&str> = form.split('&').collect();
            if fields.contains(&"grant_type=refresh_token")
                && fields.contains(&"refresh_token=idtok-9")
                && fields.iter().any(|f| f.starts_with("client_id="))
                && fields.contains(&"service=fake")
            {
                (
                    "200 OK",
                    "application/json",
                    br#"{"access_token":"tok-456"}"#.to_vec(),
                    String::new(),
                )
            } else {
                (
                    "401 Unauthorized",
                    "application/json",
                    b"{}".to_vec(),
                    String::new(),
                )
            }
        } else if path.starts_with("/token") {
            (
                "200 OK",
                "application/json",
                br#"{"token":"tok-123"}"#.to_vec(),
                String::new(),
            )
        } else if auth != wanted && auth != "Bearer tok-456" {
            (
                "401 Unauthorized",
                "application/json",
                br#"{"errors":[{"code":"UNAUTHORIZED"}]}"#.to_vec(),
                format!("WWW-Authenticate: Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"fake\",scope=\"repository:{repo}:pull\"\r\n"),
            )
        } else if let Some(rest) = path.strip_prefix("/v2/multi/app/referrers/") {
            let (digest, query) = rest.split_once('?').unwrap_or((rest, ""));
            if digest == referrers.subject {
                let page: usize = query
                    .strip_prefix("page=")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                let link = if page + 1 < referrers.pages.len() {
                    format!(
                        "Link: </v2/{repo}/referrers/{digest}?page={}>; rel=\"next\"\r\n",
                        page + 1
                    )
                } else {
                    String::new()
                };
                (
                    "200 OK",
                    "application/vnd.oci.image.index.v1+json",
                    referrers.pages.get(page).cloned().unwrap_or_default(),
                    link,
                )
            } else {
                (
                    "200 OK",
                    "application/vnd.oci.image.index.v1+json",
                    br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#.to_vec(),
                    String::new(),
                )
            }
        } else if path == "/v2/multi/app/manifests/latest" {
            (
                "200 OK",
                "application/vnd.oci.image.index.v1+json",
                index.clone(),
                String::new(),
            )
        } else if let Some(d) = path
            .strip_prefix("/v2/multi/app/manifests/sha256:")
            .or_else(|| path.strip_prefix("/v2/multi/app/blobs/sha256:"))
        {
            match std::fs::read(root.join("blobs/sha256").join(d)) {
                Ok(b) => ("200 OK", "application/octet-stream", b, String::new()),
                Err(_) => (
                    "404 Not Found",
                    "text/plain",
                    b"nope".to_vec(),
                    String::new(),
                ),
            }
        } else {
            (
                "404 Not Found",
                "text/plain",
                b"nope".to_vec(),
                String::new(),
            )
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&body);
    }
}

#[test]
fn bearer_token_and_platform_selection() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut manifests = Vec::new();
    let mut amd64 = Default::default();
    for arch in ["amd64", "arm64"] {
        let mut b = ImageBuilder::new()
            .layer(LayerBuilder::new().file(&format!("/arch-{arch}"), arch.as_bytes()));
        b.config.architecture = arch.into();
        if arch == "amd64" {
            // Two referrers of the amd64 image, served by the referrers API in two pages.
            b = b
                .referrer(
                    "application/spdx+json",
                    "application/spdx+json",
                    br#"{"spdxVersion":"SPDX-2.3"}"#.to_vec(),
                )
                .referrer(
                    "application/vnd.in-toto+json",
                    "application/vnd.in-toto+json",
                    br#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}"#.to_vec(),
                );
        }
        let w = b.write_oci_layout(dir.path(), arch).expect("layout");
        if arch == "amd64" {
            amd64 = w.clone();
        }
        let size = std::fs::metadata(
            dir.path()
                .join("blobs/sha256")
                .join(w.manifest_digest.trim_start_matches("sha256:")),
        )
        .expect("manifest")
        .len();
        manifests.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": w.manifest_digest,
            "size": size,
            "platform": {"os": "linux", "architecture": arch}
        }));
    }
    manifests.push(serde_json::json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "size": 1,
        "platform": {"os": "unknown", "architecture": "unknown"}
    }));
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests
    }))
    .expect("json");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let root = dir.path().to_path_buf();
    let page = |digest: &str| {
        let size = std::fs::metadata(
            dir.path()
                .join("blobs/sha256")
                .join(digest.trim_start_matches("sha256:")),
        )
        .expect("referrer")
        .len();
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": size}]
        }))
        .expect("json")
    };
    let referrers = Referrers {
        subject: amd64.manifest_digest.clone(),
        pages: amd64.referrers.iter().map(|d| page(d)).collect(),
    };
    std::thread::spawn(move || serve(listener, root, index, referrers));

    let pulled = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let opts = |p: &str| {
        let sink = std::sync::Arc::clone(&pulled);
        ImageOptions {
            insecure: true,
            no_engine: true,
            platform: Some(p.to_string()),
            docker_config: Some(PathBuf::from("/nonexistent")),
            progress: shipshape_image::Progress::new(move |what, done, total| {
                if what.starts_with("pulling") {
                    sink.lock().expect("lock").push((done, total));
                }
            }),
            ..ImageOptions::default()
        }
    };
    for arch in ["amd64", "arm64"] {
        let image = open(
            &format!("registry:127.0.0.1:{port}/multi/app"),
            &opts(&format!("linux/{arch}")),
        )
        .expect("pull");
        assert_eq!(image.config.architecture, arch);
        let ix = image.index().expect("index");
        assert!(ix.get(format!("/arch-{arch}").as_bytes()).is_some());
        let a = audit(&image);
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        // The referrers API answered (both pages for amd64; an empty list for arm64).
        let at = image.attestations().expect("attestations");
        assert_eq!(at.referrers_lookup, Some("referrers-api"));
        if arch == "amd64" {
            assert_eq!(at.list.len(), 2, "{at:#?}");
            assert_eq!(
                at.summary(),
                "SBOM (SPDX, OCI referrer) and SLSA provenance v1 (in-toto attestation, OCI referrer)"
            );
            assert!(of(&a, "SS3020").is_empty());
        } else {
            assert!(at.list.is_empty());
            assert_eq!(of(&a, "SS3020").len(), 1);
        }
        let last = pulled.lock().expect("lock").last().copied();
        assert!(
            last.is_some_and(|(done, total)| total > 0 && done == total),
            "the pull reported its bytes: {last:?}"
        );
        pulled.lock().expect("lock").clear();
    }
    // An identity token (as `docker login` stores it for OAuth registries) is exchanged at the
    // token service; the anonymous token does not open `private/app`.
    let cfg = tempfile::tempdir().expect("tmp");
    std::fs::write(
        cfg.path().join("config.json"),
        format!(r#"{{"auths":{{"127.0.0.1:{port}":{{"identitytoken":"idtok-9"}}}}}}"#),
    )
    .expect("config");
    let private = |docker_config: PathBuf| ImageOptions {
        insecure: true,
        no_engine: true,
        platform: Some("linux/amd64".into()),
        docker_config: Some(docker_config),
        ..ImageOptions::default()
    };
    let image = open(
        &format!("registry:127.0.0.1:{port}/private/app"),
        &private(cfg.path().to_path_buf()),
    )
    .expect("pull with the identity token");
    assert_eq!(image.config.architecture, "amd64");
    let e = open(
        &format!("registry:127.0.0.1:{port}/private/app"),
        &private(PathBuf::from("/nonexistent")),
    )
    .expect_err("no credentials, no access");
    assert_eq!(e.kind, ErrorKind::Auth, "{e}");
    std::fs::write(
        cfg.path().join("config.json"),
        format!(r#"{{"auths":{{"127.0.0.1:{port}":{{"identitytoken":"wrong"}}}}}}"#),
    )
    .expect("config");
    let e = open(
        &format!("registry:127.0.0.1:{port}/private/app"),
        &private(cfg.path().to_path_buf()),
    )
    .expect_err("a wrong identity token is refused");
    assert!(e.message.contains("identity token"), "{e}");

    let e = open(
        &format!("registry:127.0.0.1:{port}/multi/app"),
        &opts("linux/s390x"),
    )
    .expect_err("no such platform");
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(
        e.message.contains("linux/amd64") && e.message.contains("linux/arm64"),
        "{e}"
    );
    assert!(
        !e.message.contains("unknown"),
        "attestations are not platforms: {e}"
    );
}
