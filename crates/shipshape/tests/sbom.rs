//! `shipshape sbom` end to end: documents checked by the official validators (CycloneDX by
//! cyclonedx-python-lib, SPDX by spdx-tools), the contents checked against the databases, and
//! damaged databases failing closed.

mod common;

use common::*;
use shipshape_image::build::{ImageBuilder, LayerBuilder};
use std::path::{Path, PathBuf};

const DPKG: &str = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u9\nDepends: libgcc-s1\n\nPackage: libgcc-s1\nStatus: install ok installed\nArchitecture: amd64\nSource: gcc-12 (12.2.0-14)\nVersion: 12.2.0-14\nDepends: libc6 (>= 2.35)\n\nPackage: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\nDepends: libc6 (>= 2.14)\n";

const APK: &str = "P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\np:so:libc.musl-x86_64.so.1=1\n\nP:busybox\nV:1.36.1-r15\nA:x86_64\nL:GPL-2.0-only\no:busybox\nD:so:libc.musl-x86_64.so.1\n\nP:ca-certificates-bundle\nV:20240226-r0\nA:x86_64\nL:MPL-2.0 AND MIT\no:ca-certificates\n\nP:libcrypto3\nV:3.1.4-r5\nA:x86_64\nL:Apache-2.0 license text\no:openssl\nD:so:libc.musl-x86_64.so.1\n\nP:old\nV:1\nA:x86_64\nL:MIT BSD GPL2+\n";

/// A two-layer Debian image and a one-layer Alpine image, as docker archives.
fn images(dir: &Path) -> (PathBuf, PathBuf) {
    let deb = dir.join("deb.tar");
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file(
                    "usr/lib/os-release",
                    b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
                )
                .symlink("etc/os-release", "../usr/lib/os-release")
                .file("var/lib/dpkg/status", DPKG.as_bytes()),
        )
        .layer(LayerBuilder::new().file("app/run.sh", b"#!/bin/sh\n"))
        .write_docker_archive(&deb, "deb:1")
        .unwrap();
    let apk = dir.join("apk.tar");
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file(
                    "etc/os-release",
                    b"ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n",
                )
                .file("lib/apk/db/installed", APK.as_bytes()),
        )
        .write_oci_archive(&apk, "apk:1")
        .unwrap();
    (deb, apk)
}

fn write(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, serde_json::Value) {
    let file = dir.join(name);
    let mut all = args.to_vec();
    let f = file.to_str().unwrap().to_string();
    all.extend(["--output", &f]);
    let (code, _, err) = sbom(&all);
    assert_eq!(code, 0, "{err}");
    let doc = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    (file, doc)
}

/// Every document this test writes: both images and, when present, the corpus's extracted
/// Alpine root filesystem.
fn documents(dir: &Path, format: &str) -> Vec<(PathBuf, serde_json::Value)> {
    let (deb, apk) = images(dir);
    let mut docs = vec![
        write(
            dir,
            &format!("deb.{format}.json"),
            &["-f", format, &format!("docker-archive:{}", deb.display())],
        ),
        write(
            dir,
            &format!("apk.{format}.json"),
            &["-f", format, &format!("oci-archive:{}", apk.display())],
        ),
    ];
    if let Some(root) =
        shared_dir("corpus/pkgdb/os/aquasecurity+trivy/image-extracted/alpine-3.11.5")
    {
        docs.push(write(
            dir,
            &format!("corpus.{format}.json"),
            &["-f", format, root.to_str().unwrap()],
        ));
    }
    docs
}

/// Writes `bad` to `file` and asserts the validator `cmd` rejects it: the validators' passes
/// are not vacuous.
fn assert_rejected(cmd: &[&str], file: &Path, bad: &serde_json::Value) {
    std::fs::write(file, bad.to_string()).unwrap();
    let out = std::process::Command::new(cmd[0])
        .args(&cmd[1..])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "an invalid document passed {}",
        cmd[0]
    );
}

#[test]
fn cyclonedx_documents_are_valid_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let docs = documents(dir.path(), "cyclonedx");
    let deb = &docs[0].1;
    assert_eq!(deb["specVersion"], "1.6");
    assert_eq!(deb["metadata"]["component"]["type"], "container");
    assert_eq!(deb["metadata"]["timestamp"], "2025-01-15T10:00:00Z");
    let purls: Vec<&str> = deb["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    assert_eq!(
        purls,
        [
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12",
            "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12",
            "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12",
        ]
    );
    assert_eq!(deb["components"][0]["type"], "operating-system");
    // The root depends on the OS and every package; zlib1g depends on libc6.
    let deps = deb["dependencies"].as_array().unwrap();
    assert_eq!(deps[0]["dependsOn"].as_array().unwrap().len(), 4);
    let zlib = deps
        .iter()
        .find(|d| d["ref"].as_str().unwrap().contains("zlib1g"))
        .unwrap();
    assert_eq!(zlib["dependsOn"][0], purls[0]);
    // Licenses: an SPDX id, an expression, and free text kept as a name.
    let apk = &docs[1].1;
    let lic = |name: &str| {
        apk["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["licenses"]
            .clone()
    };
    assert_eq!(lic("musl")[0]["license"]["id"], "MIT");
    assert_eq!(
        lic("ca-certificates-bundle")[0]["expression"],
        "MPL-2.0 AND MIT"
    );
    assert_eq!(lic("old")[0]["license"]["name"], "MIT BSD GPL2+");
    if tool("cdx-validate") {
        for (file, _) in &docs {
            run_validator(&["cdx-validate"], file);
        }
        // The validator does reject what the schema forbids (the check is not vacuous).
        let mut bad = docs[1].1.clone();
        bad["components"][1]["licenses"] =
            serde_json::json!([{ "license": { "id": "Not-A-License" } }]);
        assert_rejected(&["cdx-validate"], &dir.path().join("bad.cdx.json"), &bad);
    }
}

#[test]
fn spdx_documents_are_valid_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let docs = documents(dir.path(), "spdx");
    let deb = &docs[0].1;
    assert_eq!(deb["spdxVersion"], "SPDX-2.3");
    let pkgs = deb["packages"].as_array().unwrap();
    // Root, operating system, three packages.
    assert_eq!(pkgs.len(), 5);
    assert_eq!(pkgs[0]["primaryPackagePurpose"], "CONTAINER");
    let libgcc = pkgs.iter().find(|p| p["name"] == "libgcc-s1").unwrap();
    assert_eq!(
        libgcc["sourceInfo"],
        "built from source package gcc-12 12.2.0-14"
    );
    let rels = deb["relationships"].as_array().unwrap();
    let count = |t: &str| rels.iter().filter(|r| r["relationshipType"] == t).count();
    assert_eq!(count("DESCRIBES"), 1);
    assert_eq!(count("CONTAINS"), 4);
    assert_eq!(count("DEPENDS_ON"), 3);
    let apk = &docs[1].1;
    let declared = |name: &str| {
        apk["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["licenseDeclared"]
            .clone()
    };
    assert_eq!(declared("ca-certificates-bundle"), "MPL-2.0 AND MIT");
    assert_eq!(declared("old"), "NOASSERTION");
    if tool("pyspdxtools") {
        for (file, _) in &docs {
            run_validator(&["pyspdxtools", "-i"], file);
        }
        let mut bad = docs[1].1.clone();
        bad["packages"][2]["SPDXID"] = serde_json::json!("not an id");
        assert_rejected(
            &["pyspdxtools", "-i"],
            &dir.path().join("bad.spdx.json"),
            &bad,
        );
    }
}

#[test]
fn table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let (deb, _) = images(dir.path());
    let (code, out, err) = sbom(&[deb.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("NAME"), "{out}");
    assert!(out.contains("libgcc-s1  12.2.0-14"), "{out}");
    assert!(out.ends_with("(Debian GNU/Linux 12 (bookworm))\n"), "{out}");
    let (code, out, _) = sbom(&["-f", "json", deb.to_str().unwrap()]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["distro"]["id"], "debian");
    assert_eq!(doc["packages"][0]["source"]["name"], "glibc");
    assert_eq!(doc["packages"][0]["location"], "/var/lib/dpkg/status");
    assert!(doc["packages"][0]["layer"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
}

#[test]
fn damaged_database_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("bad.tar");
    ImageBuilder::new()
        .layer(LayerBuilder::new().file("var/lib/dpkg/status", b"Package: a\nVersion: 1\n"))
        .layer(LayerBuilder::new().file(
            "var/lib/dpkg/status",
            b"Package: a\nVersion: 1\nbroken line\n",
        ))
        .write_docker_archive(&img, "bad:1")
        .unwrap();
    let out_file = dir.path().join("out.json");
    let (code, out, err) = sbom(&[
        "-f",
        "cyclonedx",
        "-o",
        out_file.to_str().unwrap(),
        img.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains(":/var/lib/dpkg/status:3:"), "{err}");
    assert!(err.contains("(layer 2, sha256:"), "{err}");
    assert!(!out_file.exists(), "a partial SBOM was written");

    // A directory too.
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("lib/apk/db")).unwrap();
    std::fs::write(tree.join("lib/apk/db/installed"), "P:musl\nno colon\n").unwrap();
    let (code, _, err) = sbom(&[tree.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("lib/apk/db/installed:2:"), "{err}");
}

#[test]
fn damaged_lockfiles_fail_closed() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, line) in [
        (
            "yarn.lock",
            "# yarn lockfile v1\n\na@^1:\n  version \"1\"\n   x\n",
            5,
        ),
        (
            "yarn.lock",
            "__metadata:\n  version: 6\n\n\"a@npm:1\":\n  resolution: \"a@npm:1\"\n",
            4,
        ),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '6.0'\npackages:\n  /noversion:\n    dev: false\n",
            3,
        ),
        (
            "uv.lock",
            "version = 1\n\n[[package]]\nname = \"a\"\nsource = { registry = \"r\" }\n",
            3,
        ),
        ("x-1.dist-info/METADATA", "Name: x\nbroken\n", 2),
    ] {
        let tree = dir.path().join(format!("t{line}-{}", text.len()));
        let file = tree.join("app").join(name);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
        let (code, out, err) = sbom(&[tree.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(err.contains(&format!("app/{name}:{line}:")), "{err}");
    }
}
