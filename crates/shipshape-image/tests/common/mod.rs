//! Helpers shared by the integration tests.
#![allow(dead_code)]

use shipshape_core::report::Analysis;
use shipshape_core::Finding;
use shipshape_image::build::{ImageBuilder, LayerBuilder};
use shipshape_image::{AuditOptions, Image};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The example: layer 2 adds `/app/.env` with an AWS key, layer 3 deletes it.
pub fn deleted_env_image() -> ImageBuilder {
    ImageBuilder::new()
        .user("10001")
        .layer(
            LayerBuilder::new()
                .dir("/app")
                .file("/app/main.py", b"print('hi')\n")
                .file("/etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
        )
        .layer(LayerBuilder::new().file(
            "/app/.env",
            b"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        ))
        .layer(LayerBuilder::new().whiteout("/app/.env"))
}

pub fn opts() -> AuditOptions {
    AuditOptions {
        today: Some(jiff::civil::date(2025, 1, 15)),
        ..AuditOptions::default()
    }
}

pub fn audit(image: &Image) -> Analysis {
    shipshape_image::audit(image, &opts())
}

pub fn of<'a>(a: &'a Analysis, code: &str) -> Vec<&'a Finding> {
    a.findings.iter().filter(|f| f.rule == code).collect()
}

/// Asserts the deleted `.env` is reported with both layers.
pub fn assert_deleted_env_reported(image: &Image, a: &Analysis) {
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let f = of(a, "SS3018");
    assert_eq!(f.len(), 1, "{f:#?}");
    let f = f[0];
    assert!(f.message.contains("/app/.env"), "{}", f.message);
    assert!(f.message.contains("added by layer 2"), "{}", f.message);
    assert!(f.message.contains("deleted by layer 3"), "{}", f.message);
    assert!(
        f.message.contains("still recoverable from layer 2"),
        "{}",
        f.message
    );
    assert_eq!(
        f.location.layer.as_deref(),
        Some(image.layers[1].digest.as_str())
    );
    assert_eq!(
        f.related[0].layer.as_deref(),
        Some(image.layers[2].digest.as_str())
    );
    assert_eq!(f.location.path, format!("{}:/app/.env", image.reference));
}

/// Whether an external tool is on PATH; when missing, skip loudly unless required.
pub fn have_tools(tools: &[&str], require_var: &str) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| {
            std::process::Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .output()
                .map(|o| !o.status.success())
                .unwrap_or(true)
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var(require_var).as_deref() == Ok("1") {
        panic!("{require_var}=1 but {missing:?} not installed");
    }
    eprintln!("SKIPPED: {missing:?} not installed (set {require_var}=1 to make this a failure)");
    false
}

/// Debian's `docker-registry` serving on a loopback port, stopped when dropped.
pub struct Registry {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts a registry, with basic auth when `auth` is given.
pub fn start(auth: Option<(&str, &str)>) -> Registry {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let mut cfg = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
        dir.path().join("data").display()
    );
    if let Some((u, p)) = auth {
        let out = Command::new("htpasswd")
            .args(["-Bbn", u, p])
            .output()
            .expect("htpasswd");
        assert!(out.status.success());
        let pw = dir.path().join("htpasswd");
        std::fs::write(&pw, out.stdout).expect("write");
        cfg.push_str(&format!(
            "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
            pw.display()
        ));
    }
    let cfg_path = dir.path().join("config.yml");
    std::fs::write(&cfg_path, cfg).expect("write");
    let child = Command::new("docker-registry")
        .args(["serve", &cfg_path.display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start docker-registry");
    let reg = Registry {
        child,
        port,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "docker-registry did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    reg
}

/// Pushes tag `t` of an OCI layout with skopeo.
pub fn push(layout: &str, dest: &str, creds: Option<&str>) {
    let mut cmd = Command::new("skopeo");
    cmd.args(["--insecure-policy", "copy", "--dest-tls-verify=false"]);
    if let Some(c) = creds {
        cmd.args(["--dest-creds", c]);
    }
    cmd.args([&format!("oci:{layout}:t"), &format!("docker://{dest}")]);
    let out = cmd.output().expect("skopeo");
    assert!(
        out.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
