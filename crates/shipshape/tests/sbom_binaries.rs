//! `shipshape sbom` on packages embedded in binaries, with real artefacts built here: a Go
//! program (module mode, dependencies from a local file-system module proxy, one replaced), a
//! Java web archive (javac and jar: a pom.properties jar and a manifest-only jar in WEB-INF/lib)
//! and an ELF executable from `cc` carrying a `.dep-v0` section written as cargo-auditable writes
//! it (its own serde types, zlib, a section added with objcopy). Each is cataloged in an image
//! (a deleted copy is not) and in a directory; corrupt ones fail closed.

mod common;

use common::*;
use shipshape_image::build::{ImageBuilder, LayerBuilder};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn zip_file(path: &Path, entries: &[(&str, &str)]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, text) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap();
}

/// Serves `module` at `version` from the file-system proxy at `proxy`, its go.mod declaring
/// `declared` (a replacement declares the path it replaces).
fn proxy_module(proxy: &Path, module: &str, version: &str, declared: &str, file: (&str, &str)) {
    let dir = proxy.join(module).join("@v");
    std::fs::create_dir_all(&dir).unwrap();
    let gomod = format!("module {declared}\n\ngo 1.19\n");
    std::fs::write(dir.join("list"), format!("{version}\n")).unwrap();
    std::fs::write(
        dir.join(format!("{version}.info")),
        format!("{{\"Version\":\"{version}\",\"Time\":\"2024-01-01T00:00:00Z\"}}"),
    )
    .unwrap();
    std::fs::write(dir.join(format!("{version}.mod")), &gomod).unwrap();
    let prefix = format!("{module}@{version}");
    zip_file(
        &dir.join(format!("{version}.zip")),
        &[
            (&format!("{prefix}/go.mod"), &gomod),
            (&format!("{prefix}/{}", file.0), file.1),
        ],
    );
}

/// A Go program built offline in module mode: example.com/lib v1.0.0, and example.com/old
/// v1.0.0 replaced by example.com/new v1.1.0.
fn go_binary(dir: &Path) -> Option<PathBuf> {
    if !tool("go") {
        return None;
    }
    let proxy = dir.join("proxy");
    proxy_module(
        &proxy,
        "example.com/lib",
        "v1.0.0",
        "example.com/lib",
        (
            "lib.go",
            "package lib\n\nfunc Hello() string { return \"hello\" }\n",
        ),
    );
    proxy_module(
        &proxy,
        "example.com/new",
        "v1.1.0",
        "example.com/old",
        ("old.go", "package old\n\nconst Name = \"old\"\n"),
    );
    let app = dir.join("goapp");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("go.mod"),
        "module example.com/app\n\ngo 1.19\n\nrequire (\n\texample.com/lib v1.0.0\n\texample.com/old v1.0.0\n)\n\nreplace example.com/old v1.0.0 => example.com/new v1.1.0\n",
    )
    .unwrap();
    std::fs::write(
        app.join("main.go"),
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n\t\"example.com/old\"\n)\n\nfunc main() { fmt.Println(lib.Hello(), old.Name) }\n",
    )
    .unwrap();
    let out = dir.join("goapp-bin");
    // The build cache is shared between runs (the standard library builds once).
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gocache");
    run(Command::new("go")
        .args(["build", "-trimpath", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(&app)
        .env("GOPROXY", format!("file://{}", proxy.display()))
        .env("GOSUMDB", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPATH", dir.join("gopath"))
        .env("GOCACHE", cache)
        .env("GOTOOLCHAIN", "local")
        .env("CGO_ENABLED", "0")
        .env("GO111MODULE", "on"));
    Some(out)
}

/// `app.war` holding WEB-INF/lib/hello-1.4.2.jar (pom.properties com.example:hello:1.4.2) and
/// WEB-INF/lib/util.jar (a manifest only: org.util, 3.0.1).
fn war(dir: &Path) -> Option<PathBuf> {
    if !tool("javac") || !tool("jar") {
        return None;
    }
    let src = dir.join("java/src/com/example");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("Hello.java"),
        "package com.example;\npublic class Hello { public static void main(String[] a) { System.out.println(\"hi\"); } }\n",
    )
    .unwrap();
    let classes = dir.join("java/classes");
    run(Command::new("javac")
        .arg("-d")
        .arg(&classes)
        .arg(src.join("Hello.java")));
    let lib = dir.join("java/war/WEB-INF/lib");
    std::fs::create_dir_all(&lib).unwrap();
    run(Command::new("jar")
        .arg("--create")
        .arg("--file")
        .arg(lib.join("util.jar"))
        .arg("--manifest")
        .arg({
            let m = dir.join("java/manifest.txt");
            std::fs::write(
                &m,
                "Implementation-Title: Util Library\nImplementation-Version: 3.0.1\nImplementation-Vendor-Id: org.util\n",
            )
            .unwrap();
            m
        })
        .arg("-C")
        .arg(&classes)
        .arg("."));
    let pom = classes.join("META-INF/maven/com.example/hello");
    std::fs::create_dir_all(&pom).unwrap();
    std::fs::write(
        pom.join("pom.properties"),
        "#Generated by Maven\ngroupId=com.example\nartifactId=hello\nversion=1.4.2\n",
    )
    .unwrap();
    run(Command::new("jar")
        .arg("--create")
        .arg("--file")
        .arg(lib.join("hello-1.4.2.jar"))
        .arg("-C")
        .arg(&classes)
        .arg("."));
    std::fs::write(dir.join("java/war/index.html"), "<p>hi</p>\n").unwrap();
    let war = dir.join("app.war");
    run(Command::new("jar")
        .arg("--create")
        .arg("--file")
        .arg(&war)
        .arg("-C")
        .arg(dir.join("java/war"))
        .arg("."));
    Some(war)
}

/// A C program from `cc` (no section: not a package source) and a copy carrying a `.dep-v0`
/// section: the JSON cargo-auditable writes (through its own `auditable-serde` types),
/// zlib-compressed as the tool does.
fn elves(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    if !tool("cc") || !tool("objcopy") {
        return None;
    }
    let c = dir.join("main.c");
    std::fs::write(&c, "int main(void) { return 0; }\n").unwrap();
    let plain = dir.join("plain");
    std::fs::create_dir_all(dir.join("bad")).unwrap();
    run(Command::new("cc").arg("-o").arg(&plain).arg(&c));
    let info: auditable_serde::VersionInfo = serde_json::from_str(
        r#"{"packages":[
            {"name":"rsapp","version":"0.3.0","source":"local","dependencies":[1,2,3],"root":true},
            {"name":"serde","version":"1.0.200","source":"crates.io"},
            {"name":"helper","version":"0.1.0","source":"local"},
            {"name":"cc","version":"1.0.90","source":"crates.io","kind":"build"}
        ]}"#,
    )
    .unwrap();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&serde_json::to_vec(&info).unwrap()).unwrap();
    let section = dir.join("dep-v0.z");
    std::fs::write(&section, z.finish().unwrap()).unwrap();
    let audited = dir.join("rsapp");
    run(Command::new("objcopy")
        .arg(format!("--add-section=.dep-v0={}", section.display()))
        .arg("--set-section-flags=.dep-v0=noload,readonly")
        .arg(&plain)
        .arg(&audited));
    // A section that is not zlib data: corrupt, an error.
    let garbage = dir.join("garbage");
    std::fs::write(&garbage, b"not zlib at all").unwrap();
    run(Command::new("objcopy")
        .arg(format!("--add-section=.dep-v0={}", garbage.display()))
        .arg(&plain)
        .arg(dir.join("bad").join("broken-rsapp")));
    Some((plain, audited))
}

/// (purl, location) of every package of a `-f json` SBOM.
fn packages(json: &str) -> Vec<(String, String)> {
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["purl"].as_str().unwrap().to_string(),
                p["location"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(pkgs: &[(String, String)], purl: &str, location: &str) -> bool {
    pkgs.iter().any(|(p, l)| p == purl && l == location)
}

#[test]
fn binaries_in_an_image_and_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let go = go_binary(d);
    let war = war(d);
    let elves = elves(d);
    let read = |p: &Option<PathBuf>| p.as_ref().map(|p| std::fs::read(p).unwrap());
    let (go_bytes, war_bytes) = (read(&go), read(&war));
    let (plain, rs) = match &elves {
        Some((a, b)) => (
            Some(std::fs::read(a).unwrap()),
            Some(std::fs::read(b).unwrap()),
        ),
        None => (None, None),
    };
    let mut first = LayerBuilder::new();
    let mut second = LayerBuilder::new().file("etc/motd", b"hi\n");
    let tree = d.join("tree");
    for (bytes, path, deleted) in [
        (&go_bytes, "app/server", "app/old-server"),
        (&war_bytes, "srv/app.war", "srv/old.war"),
        (&rs, "usr/bin/rsapp", "usr/bin/old-rsapp"),
        (&plain, "usr/bin/plain", "usr/bin/old-plain"),
    ] {
        if let Some(b) = bytes {
            first = first.file_with(path, b, 0o755, 0, 0).file(deleted, b);
            second = second.whiteout(deleted);
            let f = tree.join(path);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, b).unwrap();
        }
    }
    let img = d.join("img.tar");
    ImageBuilder::new()
        .layer(first)
        .layer(second)
        .write_docker_archive(&img, "bins:1")
        .unwrap();
    let image = format!("docker-archive:{}", img.display());
    let (code, out, err) = sbom(&["-f", "json", &image]);
    assert_eq!(code, 0, "{err}");
    let pkgs = packages(&out);
    let (code, out, err) = sbom(&["-f", "json", tree.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let in_dir = packages(&out);
    assert!(
        pkgs.iter()
            .all(|(_, l)| !l.contains("/old-") && !l.contains("old.war")),
        "a deleted file was cataloged: {pkgs:?}"
    );
    if go.is_some() {
        for (root, set) in [("/", &pkgs), ("", &in_dir)] {
            let loc = format!("{root}app/server");
            for purl in [
                "pkg:golang/example.com/app",
                "pkg:golang/example.com/lib@v1.0.0",
                "pkg:golang/example.com/new@v1.1.0",
            ] {
                assert!(has(set, purl, &loc), "{purl} at {loc} missing: {set:?}");
            }
            assert!(
                set.iter()
                    .any(|(p, l)| p.starts_with("pkg:golang/stdlib@1.") && *l == loc),
                "{set:?}"
            );
            assert!(
                !set.iter().any(|(p, _)| p.contains("example.com/old")),
                "{set:?}"
            );
        }
    }
    if war.is_some() {
        for (root, set) in [("/", &pkgs), ("", &in_dir)] {
            let war = format!("{root}srv/app.war");
            for (purl, loc) in [
                ("pkg:maven/app", war.clone()),
                (
                    "pkg:maven/com.example/hello@1.4.2",
                    format!("{war}:WEB-INF/lib/hello-1.4.2.jar"),
                ),
                (
                    "pkg:maven/org.util/util@3.0.1",
                    format!("{war}:WEB-INF/lib/util.jar"),
                ),
            ] {
                assert!(has(set, purl, &loc), "{purl} at {loc} missing: {set:?}");
            }
        }
    }
    if rs.is_some() {
        for (root, set) in [("/", &pkgs), ("", &in_dir)] {
            let loc = format!("{root}usr/bin/rsapp");
            for purl in [
                "pkg:cargo/rsapp@0.3.0",
                "pkg:cargo/serde@1.0.200",
                "pkg:cargo/cc@1.0.90",
            ] {
                assert!(has(set, purl, &loc), "{purl} at {loc} missing: {set:?}");
            }
            assert!(!set.iter().any(|(p, _)| p.contains("helper")), "{set:?}");
            assert!(
                !set.iter().any(|(_, l)| l.ends_with("usr/bin/plain")),
                "{set:?}"
            );
        }
        // The dependency tree's edges.
        let (_, out, _) = sbom(&["-f", "json", &image]);
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let app = doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["purl"] == "pkg:cargo/rsapp@0.3.0")
            .unwrap();
        assert_eq!(
            app["depends_on"],
            serde_json::json!(["pkg:cargo/cc@1.0.90", "pkg:cargo/serde@1.0.200"])
        );
        assert!(app["layer"].as_str().unwrap().starts_with("sha256:"));
        let (code, _, err) = sbom(&[d.join("bad").to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("broken-rsapp") && err.contains("corrupt cargo-auditable data"),
            "{err}"
        );
    }
    // The documents stay valid with the new package types.
    for (format, validator, args) in [
        ("cyclonedx", "cdx-validate", &[][..]),
        ("spdx", "pyspdxtools", &["-i"][..]),
    ] {
        let file = d.join(format!("bins.{format}.json"));
        let (code, _, err) = sbom(&["-f", format, "-o", file.to_str().unwrap(), &image]);
        assert_eq!(code, 0, "{err}");
        if tool(validator) {
            run(Command::new(validator).args(args).arg(&file));
        }
    }
}

#[test]
fn corrupt_binaries_fail_closed() {
    let dir = tempfile::tempdir().unwrap();
    let mut go = b"\x7fELF\x02\x01\x01\0".to_vec();
    go.resize(8192, 0);
    // A Go 1.18+ header whose module list claims 4 GiB.
    go.extend_from_slice(b"\xff Go buildinf:\x08\x02");
    go.resize(8192 + 32, 0);
    go.extend_from_slice(b"\x08go1.22.1\xff\xff\xff\xff\x0f");
    go.resize(16384, 0);
    for (path, bytes, says) in [
        ("srv/broken.jar", b"PK\x03\x04 not really".to_vec(), "zip"),
        ("app/gobin", go, "Go build information"),
    ] {
        let img = dir.path().join("bad.tar");
        ImageBuilder::new()
            .layer(LayerBuilder::new().file("etc/motd", b"hi\n"))
            .layer(LayerBuilder::new().file(path, &bytes))
            .write_docker_archive(&img, "bad:1")
            .unwrap();
        let (code, out, err) = sbom(&["-f", "json", &format!("docker-archive:{}", img.display())]);
        assert_eq!(code, 2, "{out}{err}");
        assert!(
            err.contains(&format!(":/{path}")) && err.contains(says),
            "{err}"
        );
        assert!(err.contains("(layer 2, sha256:"), "{err}");
        // Deleted by a later layer: not read, no error.
        let img2 = dir.path().join("gone.tar");
        ImageBuilder::new()
            .layer(LayerBuilder::new().file(path, &bytes))
            .layer(LayerBuilder::new().whiteout(path))
            .write_docker_archive(&img2, "gone:1")
            .unwrap();
        let (code, _, err) = sbom(&["-f", "json", &format!("docker-archive:{}", img2.display())]);
        assert_eq!(code, 0, "{err}");
    }
}
