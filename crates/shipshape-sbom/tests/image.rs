//! The catalogers inside the image's single pass: deleted databases yield nothing, a database
//! rewritten in a later layer wins, and a damaged one is an error naming the file and layer.

mod common;

use common::sbom_of;
use shipshape_image::build::{ImageBuilder, LayerBuilder};

const OS_RELEASE: &[u8] =
    b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n";

fn para(name: &str, version: &str, extra: &str) -> String {
    format!(
        "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n{extra}\n"
    )
}

#[test]
fn later_layer_rewrite_wins_and_deleted_files_yield_nothing() {
    let status1 = para("libc6", "2.36-9", "Source: glibc")
        + "\n"
        + &para("curl", "7.88.1-10", "Depends: libc6 (>= 2.34)");
    let status2 = para("libc6", "2.36-9+deb12u9", "Source: glibc (2.36-9+deb12u9)");
    let img = ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .symlink("etc/os-release", "../usr/lib/os-release")
                .file("usr/lib/os-release", OS_RELEASE)
                .file("var/lib/dpkg/status", status1.as_bytes())
                .file(
                    "var/lib/dpkg/status.d/base-files",
                    para("base-files", "12.4", "").as_bytes(),
                )
                .file(
                    "var/lib/dpkg/status.d/tzdata",
                    para("tzdata", "2024a-0", "").as_bytes(),
                )
                .file(
                    "usr/share/doc/libc6/copyright",
                    b"Files: *\nLicense: LGPL-2.1+\n",
                )
                .file(
                    "usr/share/doc/base-files/copyright",
                    b"Files: *\nLicense: GPL-2+\n",
                ),
        )
        .layer(
            LayerBuilder::new()
                .file("var/lib/dpkg/status", status2.as_bytes())
                .whiteout("var/lib/dpkg/status.d/tzdata")
                .whiteout("usr/share/doc/base-files/copyright"),
        );
    let (sbom, errors) = sbom_of(img);
    assert!(errors.is_empty(), "{errors:?}");
    let sbom = sbom.unwrap();
    let got: Vec<(&str, &str)> = sbom
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    // curl was removed by the rewrite, tzdata by the whiteout; libc6 is the rewritten one.
    assert_eq!(got, [("libc6", "2.36-9+deb12u9"), ("base-files", "12.4")]);
    let libc = &sbom.packages[0];
    assert_eq!(
        libc.purl,
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12"
    );
    assert_eq!(
        libc.source.as_ref().unwrap().version.as_deref(),
        Some("2.36-9+deb12u9")
    );
    assert_eq!(libc.location, "/var/lib/dpkg/status");
    // Licenses from the copyright files still present: base-files' was deleted.
    assert_eq!(libc.licenses, ["LGPL-2.1+"]);
    assert!(sbom.packages[1].licenses.is_empty());
    // The layer that holds the rewritten database, not the first one.
    let image_layers: Vec<_> = sbom
        .packages
        .iter()
        .map(|p| p.layer.clone().unwrap())
        .collect();
    assert_ne!(image_layers[0], image_layers[1]);
    assert_eq!(sbom.distro.as_ref().unwrap().qualifier(), "debian-12");
}

#[test]
fn opaque_directory_hides_earlier_databases() {
    let img = ImageBuilder::new()
        .layer(
            LayerBuilder::new().file("lib/apk/db/installed", b"P:musl\nV:1.2.4-r2\nA:x86_64\n\n"),
        )
        .layer(LayerBuilder::new().dir("lib/apk/db").opaque("lib/apk/db"));
    let (sbom, errors) = sbom_of(img);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(sbom.unwrap().packages.is_empty());
}

#[test]
fn damaged_database_is_an_error_naming_file_and_layer() {
    let img = ImageBuilder::new()
        .layer(LayerBuilder::new().file("etc/os-release", b"ID=alpine\nVERSION_ID=3.19.1\n"))
        .layer(LayerBuilder::new().file("lib/apk/db/installed", b"P:musl\nV:1\ngarbage here\n"));
    let (_, errors) = sbom_of(img);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains(":/lib/apk/db/installed"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("layer 2"), "{}", errors[0]);
}

#[test]
fn deleted_damaged_database_is_no_error() {
    let img = ImageBuilder::new()
        .layer(LayerBuilder::new().file("lib/apk/db/installed", b"garbage\n"))
        .layer(LayerBuilder::new().whiteout("lib/apk/db/installed"));
    let (sbom, errors) = sbom_of(img);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(sbom.unwrap().packages.is_empty());
}
