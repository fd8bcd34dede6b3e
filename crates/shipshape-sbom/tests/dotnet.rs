//! The .NET `*.deps.json` cataloger on the deps.json files of `../shared/corpus/pkgdb` (read in
//! place): each lists exactly its `package` and `runtimepack` libraries, the damaged ones are
//! errors, and a directory holding an application's deps.json is cataloged.

use shipshape_sbom::{catalog_bytes, catalog_dir, Ecosystem, Env};
use std::path::{Path, PathBuf};

fn pkgdb() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/pkgdb");
    if dir.join("lockfiles").is_dir() {
        return Some(dir);
    }
    if std::env::var("SHIPSHAPE_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!("../shared/corpus/pkgdb is required (SHIPSHAPE_REQUIRE_CORPUS=1) but missing");
    }
    eprintln!("SKIPPED: ../shared/corpus/pkgdb not found beside the repository");
    None
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.to_string_lossy().ends_with(".deps.json") {
            out.push(p);
        }
    }
}

/// Libraries of a type, counted on the text (not by the cataloger's JSON reading).
fn count_type(text: &str, ty: &str) -> usize {
    text.split(['\n', ','])
        .filter(|l| {
            let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            l.contains(&format!("\"type\":\"{ty}\""))
        })
        .count()
}

#[test]
fn every_deps_json_of_the_corpus() {
    let Some(db) = pkgdb() else { return };
    let mut files = Vec::new();
    for top in ["lockfiles", "mixed"] {
        collect(&db.join(top), &mut files);
    }
    assert!(files.len() >= 10, "{files:?}");
    let damaged = [
        "invalid.deps.json",
        "no-libraries.deps.json",
        "something.deps.json",
    ];
    let mut listed = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let loc = f.to_string_lossy().to_string();
        let res = catalog_bytes(&format!("/app/{name}"), &loc, None, &bytes, &Env::default());
        if damaged.contains(&name.as_str()) {
            assert!(res.is_err(), "{loc} should be refused");
            continue;
        }
        let found = res
            .unwrap_or_else(|e| panic!("{loc}: {e}"))
            .expect("a deps.json is wanted");
        let text = String::from_utf8_lossy(&bytes);
        let want = count_type(&text, "package") + count_type(&text, "runtimepack");
        assert_eq!(found.packages.len(), want, "{loc}");
        for p in &found.packages {
            assert_eq!(p.ecosystem, Ecosystem::Nuget);
            assert_eq!(
                p.purl,
                format!("pkg:nuget/{}@{}", p.name, p.version),
                "{loc}"
            );
            assert!(!p.name.starts_with("runtimepack."), "{loc}");
        }
        listed += found.packages.len();
    }
    assert!(listed >= 30, "{listed}");

    // invalid.deps.json is cut short: the error names the line.
    let f = files
        .iter()
        .find(|f| f.ends_with("core_deps/testdata/invalid.deps.json"))
        .unwrap();
    let bytes = std::fs::read(f).unwrap();
    let e =
        catalog_bytes("/app/invalid.deps.json", "x", None, &bytes, &Env::default()).unwrap_err();
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn a_real_library_build() {
    let Some(db) = pkgdb() else { return };
    // syft's fixture is the deps.json `dotnet build` wrote for a small library.
    let dir = db.join("lockfiles/anchore+syft/syft/pkg/cataloger/dotnet/testdata/dir-example-1");
    let (sbom, errors) = catalog_dir(&dir, "dir-example-1");
    assert!(errors.is_empty(), "{errors:?}");
    let names: Vec<&str> = sbom.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(sbom.packages.len(), 12, "{names:?}");
    // The library itself and its project reference are the root, not packages.
    assert!(!names.contains(&"TestLibrary") && !names.contains(&"TestCommon"));
    let by_name = |n: &str| sbom.packages.iter().find(|p| p.name == n).unwrap();
    let json = by_name("Newtonsoft.Json");
    assert_eq!(json.purl, "pkg:nuget/Newtonsoft.Json@13.0.1");
    assert_eq!(json.location, "TestLibrary.deps.json");
    // Microsoft.Extensions.DependencyInjection needs its Abstractions package.
    let di = by_name("Microsoft.Extensions.DependencyInjection");
    let abs = by_name("Microsoft.Extensions.DependencyInjection.Abstractions");
    assert!(di.depends_on.contains(&abs.id), "{:?}", di.depends_on);
}

#[test]
fn self_contained_application_lists_its_runtime() {
    let Some(db) = pkgdb() else { return };
    let f = db.join(
        "lockfiles/aquasecurity+trivy/pkg/dependency/parser/dotnet/core_deps/testdata/self-contained.deps.json",
    );
    let found = catalog_bytes(
        "/app/ExampleApp1.deps.json",
        "app/ExampleApp1.deps.json",
        None,
        &std::fs::read(f).unwrap(),
        &Env::default(),
    )
    .unwrap()
    .unwrap();
    let mut purls: Vec<&str> = found.packages.iter().map(|p| p.purl.as_str()).collect();
    purls.sort_unstable();
    assert_eq!(
        purls,
        [
            "pkg:nuget/Microsoft.AspNetCore.App.Runtime.linux-x64@8.0.0",
            "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@8.0.0",
            "pkg:nuget/Newtonsoft.Json@13.0.1",
        ]
    );
}
