//! The Berkeley DB rpm reader and the .NET deps.json cataloger inside an image's single pass:
//! an installed application's `App.deps.json` is cataloged, an rpm `Packages` database gets the
//! distribution from os-release, and a damaged one is an error naming the file and the layer.

mod common;

use common::sbom_of;
use shipshape_image::build::{ImageBuilder, LayerBuilder};
use std::path::PathBuf;

const DEPS: &[u8] = br#"{
  "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0"},
  "targets": {".NETCoreApp,Version=v8.0": {
    "App/1.0.0": {"dependencies": {"Serilog": "3.1.1"}},
    "Serilog/3.1.1": {}
  }},
  "libraries": {
    "App/1.0.0": {"type": "project"},
    "Serilog/3.1.1": {"type": "package"}
  }
}"#;

#[test]
fn installed_dotnet_application() {
    let img = ImageBuilder::new().layer(
        LayerBuilder::new()
            .file("app/App.deps.json", DEPS)
            .file("app/App.dll", b"MZ"),
    );
    let (sbom, errors) = sbom_of(img);
    assert!(errors.is_empty(), "{errors:?}");
    let sbom = sbom.unwrap();
    assert_eq!(sbom.packages.len(), 1);
    assert_eq!(sbom.packages[0].purl, "pkg:nuget/Serilog@3.1.1");
    assert_eq!(sbom.packages[0].location, "/app/App.deps.json");
    // A deps.json a later layer deleted yields nothing.
    let img = ImageBuilder::new()
        .layer(LayerBuilder::new().file("app/App.deps.json", DEPS))
        .layer(LayerBuilder::new().whiteout("app/App.deps.json"));
    let (sbom, errors) = sbom_of(img);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(sbom.is_none_or(|s| s.packages.is_empty()));
}

#[test]
fn rpm_berkeley_db_in_an_image() {
    let f = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/pkgdb/os/knqyf263+go-rpmdb/pkg/testdata/libuuid/Packages");
    let Ok(db) = std::fs::read(&f) else {
        if std::env::var("SHIPSHAPE_REQUIRE_CORPUS").as_deref() == Ok("1") {
            panic!("{} is required (SHIPSHAPE_REQUIRE_CORPUS=1)", f.display());
        }
        eprintln!("SKIPPED: ../shared/corpus/pkgdb not found beside the repository");
        return;
    };
    let os_release = b"NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"8.8\"\n";
    let img = ImageBuilder::new().layer(
        LayerBuilder::new()
            .file("etc/os-release", os_release)
            .file("var/lib/rpm/Packages", &db),
    );
    let (sbom, errors) = sbom_of(img);
    assert!(errors.is_empty(), "{errors:?}");
    let sbom = sbom.unwrap();
    assert_eq!(
        sbom.packages[0].purl,
        "pkg:rpm/rhel/libuuid@2.32.1-42.el8_8?arch=x86_64&distro=rhel-8.8"
    );
    assert_eq!(sbom.packages[0].source.as_ref().unwrap().name, "util-linux");

    // Cut short in a later layer: an error naming the file, never an empty list.
    let img = ImageBuilder::new()
        .layer(LayerBuilder::new().file("var/lib/rpm/Packages", &db))
        .layer(LayerBuilder::new().file("var/lib/rpm/Packages", &db[..db.len() / 2]));
    let (_, errors) = sbom_of(img);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("var/lib/rpm/Packages"), "{errors:?}");
    assert!(errors[0].contains("Berkeley DB"), "{errors:?}");
}
