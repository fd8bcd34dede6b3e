//! The lockfile catalogers on the real lockfiles of `../shared/corpus/pkgdb/lockfiles-real`
//! (read in place): nothing fails, TOML lockfiles list exactly their `[[package]]` tables (but
//! Poetry's local ones), and
//! the damaged fixtures of `lockfiles/` are errors.

use shipshape_sbom::{catalog_bytes, catalog_dir, Ecosystem, Env};
use std::path::PathBuf;

fn pkgdb() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/pkgdb");
    if dir.join("lockfiles-real").is_dir() {
        return Some(dir);
    }
    if std::env::var("SHIPSHAPE_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!("../shared/corpus/pkgdb is required (SHIPSHAPE_REQUIRE_CORPUS=1) but missing");
    }
    eprintln!("SKIPPED: ../shared/corpus/pkgdb not found beside the repository");
    None
}

#[test]
fn real_lockfiles() {
    let Some(db) = pkgdb() else { return };
    let root = db.join("lockfiles-real");
    let (sbom, errors) = catalog_dir(&root, "lockfiles-real");
    assert!(errors.is_empty(), "{errors:#?}");
    let mut checked = 0;
    for eco in [
        Ecosystem::Cargo,
        Ecosystem::Pypi,
        Ecosystem::Npm,
        Ecosystem::Golang,
        Ecosystem::Gem,
        Ecosystem::Composer,
    ] {
        assert!(
            sbom.packages.iter().any(|p| p.ecosystem == eco),
            "no {eco} package found"
        );
    }
    let mut locations: Vec<&str> = sbom.packages.iter().map(|p| p.location.as_str()).collect();
    locations.dedup();
    for loc in locations {
        if !(loc.ends_with("Cargo.lock") || loc.ends_with("poetry.lock")) {
            continue;
        }
        let text = std::fs::read_to_string(root.join(loc)).unwrap();
        let tables = text.lines().filter(|l| l.trim() == "[[package]]").count();
        // Poetry's local (directory or file) packages are the project's own code.
        let local = text
            .lines()
            .filter(|l| matches!(l.trim(), "type = \"directory\"" | "type = \"file\""))
            .count();
        let tables = tables - local;
        let listed = sbom.packages.iter().filter(|p| p.location == loc).count();
        assert_eq!(listed, tables, "{loc}");
        checked += 1;
    }
    assert!(checked >= 5, "{checked}");
    // Every Cargo.lock edge points at a package of the same lockfile.
    let cargo: Vec<_> = sbom
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Cargo)
        .collect();
    assert!(cargo.iter().any(|p| !p.depends_on.is_empty()));
    for p in &cargo {
        for d in &p.depends_on {
            let target = sbom.packages.iter().find(|q| &q.id == d).unwrap();
            assert_eq!(target.location, p.location);
        }
    }
}

#[test]
fn damaged_lockfiles_are_errors() {
    let Some(db) = pkgdb() else { return };
    for (path, f) in [
        ("/package-lock.json", "lockfiles/anchore+syft/syft/pkg/cataloger/javascript/testdata/corrupt/package-lock.json"),
        ("/package-lock.json", "lockfiles/aquasecurity+trivy/pkg/fanal/analyzer/language/nodejs/npm/testdata/sad/package-lock.json"),
        ("/composer.lock", "lockfiles/aquasecurity+trivy/pkg/fanal/analyzer/language/php/composer/testdata/composer/sad/composer.lock"),
        ("/poetry.lock", "lockfiles/aquasecurity+trivy/pkg/fanal/analyzer/language/python/poetry/testdata/sad/poetry.lock"),
        ("/Cargo.lock", "lockfiles/anchore+syft/syft/pkg/cataloger/rust/testdata/glob-paths/src/Cargo.lock"),
    ] {
        let bytes = std::fs::read(db.join(f)).unwrap();
        assert!(catalog_bytes(path, f, None, &bytes, &Env::default()).is_err(), "{f} was read");
    }
}

/// Every yarn.lock of the corpus (v1 and berry): each lists one package per distinct locked
/// tarball (v1 `resolved` lines) or npm resolution (berry `resolution: "…@npm:…"` lines).
#[test]
fn yarn_lockfiles() {
    let Some(db) = pkgdb() else { return };
    let mut checked = 0;
    let mut files = Vec::new();
    for top in ["lockfiles", "lockfiles-real", "mixed"] {
        collect(&db.join(top), "yarn.lock", &mut files);
    }
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        // syft's glob-path fixtures are placeholders ("bogus yarn.lock"); trivy's
        // unsupported_protocol one starts indented: damaged files.
        let name = f.to_string_lossy();
        if name.contains("/glob-paths/") || name.contains("/unsupported_protocol/") {
            assert!(catalog_bytes("/yarn.lock", "y", None, &bytes, &Env::default()).is_err());
            continue;
        }
        let found = catalog_bytes("/yarn.lock", "yarn.lock", None, &bytes, &Env::default())
            .unwrap_or_else(|e| panic!("{}: {e:?}", f.display()))
            .unwrap();
        let mut markers: Vec<&str> = text
            .lines()
            .filter_map(|l| {
                let l = l.trim();
                l.strip_prefix("resolved ").or_else(|| {
                    l.strip_prefix("resolution: ")
                        .filter(|r| r.contains("@npm:"))
                })
            })
            .collect();
        markers.sort_unstable();
        markers.dedup();
        if markers.is_empty() {
            continue;
        }
        assert_eq!(found.packages.len(), markers.len(), "{}", f.display());
        assert!(found
            .packages
            .iter()
            .all(|p| p.purl.starts_with("pkg:npm/")));
        checked += 1;
    }
    assert!(checked >= 8, "{checked}");
}

fn collect(dir: &std::path::Path, name: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, name, out);
        } else if p.file_name().and_then(|n| n.to_str()) == Some(name) {
            out.push(p);
        }
    }
}

/// Every pnpm-lock.yaml of the corpus reads (but the damaged ones); a few are checked whole.
#[test]
fn pnpm_lockfiles() {
    let Some(db) = pkgdb() else { return };
    let mut files = Vec::new();
    for top in ["lockfiles", "lockfiles-real", "mixed"] {
        collect(&db.join(top), "pnpm-lock.yaml", &mut files);
    }
    let mut read = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let name = f.to_string_lossy();
        let got = catalog_bytes("/pnpm-lock.yaml", "p", None, &bytes, &Env::default());
        // syft's corrupt fixture is cut short, its glob-path one a placeholder; trivy's sad
        // one starts with `{broken}`.
        if ["/corrupt/", "/glob-paths/", "/pnpm/testdata/sad/"]
            .iter()
            .any(|d| name.contains(d))
        {
            assert!(got.is_err(), "{name} is damaged but was read");
            continue;
        }
        let found = got.unwrap_or_else(|e| panic!("{name}: {e:?}")).unwrap();
        let keys = String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
            .count();
        assert!(found.packages.len() <= keys, "{name}");
        read += 1;
    }
    assert!(read >= 6, "{read}");
    let js = db.join("lockfiles/anchore+syft/syft/pkg/cataloger/javascript/testdata");
    let list = |dir: &str| {
        let bytes = std::fs::read(js.join(dir).join("pnpm-lock.yaml")).unwrap();
        let f = catalog_bytes("/pnpm-lock.yaml", "p", None, &bytes, &Env::default())
            .unwrap()
            .unwrap();
        let mut v: Vec<String> = f
            .packages
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        v.sort();
        (v, f.edges.len())
    };
    // v9 with snapshots: cross-spawn and everything it needs, five edges.
    let (v, edges) = list("pnpm-v9-snapshots");
    assert_eq!(
        v,
        [
            "cross-spawn@7.0.6",
            "isexe@2.0.0",
            "path-key@3.1.1",
            "shebang-command@2.0.0",
            "shebang-regex@3.0.0",
            "which@2.0.2"
        ]
    );
    assert_eq!(edges, 5);
    // pnpm 10's two documents: pnpm itself (the package manager's environment) is left out.
    assert_eq!(list("pnpm-multi-doc").0, ["minimist@1.2.0"]);
}

/// Every uv.lock of the corpus reads (but the placeholder); without a local project every
/// `[[package]]` is listed, and syft's simple-deps fixture gives requests and what it needs.
#[test]
fn uv_lockfiles() {
    let Some(db) = pkgdb() else { return };
    let mut files = Vec::new();
    for top in ["lockfiles", "lockfiles-real", "mixed"] {
        collect(&db.join(top), "uv.lock", &mut files);
    }
    let mut read = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let name = f.to_string_lossy();
        let got = catalog_bytes("/uv.lock", "uv.lock", None, &bytes, &Env::default());
        // syft's glob-path fixture is a placeholder, trivy's broken-lock one damaged.
        if name.contains("/glob-paths/") || name.contains("/broken-lock/") {
            assert!(got.is_err(), "{name} is damaged but was read");
            continue;
        }
        let found = got.unwrap_or_else(|e| panic!("{name}: {e:?}")).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let tables = text.lines().filter(|l| l.trim() == "[[package]]").count();
        let local = ["virtual", "editable", "directory", "path"]
            .iter()
            .any(|k| text.contains(&format!("source = {{ {k} = ")));
        if local {
            assert!(found.packages.len() < tables, "{name}");
        } else {
            assert_eq!(found.packages.len(), tables, "{name}");
        }
        assert!(found
            .packages
            .iter()
            .all(|p| p.purl.starts_with("pkg:pypi/")));
        read += 1;
    }
    assert!(read >= 6, "{read}");
    let f = "lockfiles/anchore+syft/syft/pkg/cataloger/python/testdata/uv/simple-deps/uv.lock";
    let bytes = std::fs::read(db.join(f)).unwrap();
    let found = catalog_bytes("/uv.lock", f, None, &bytes, &Env::default())
        .unwrap()
        .unwrap();
    let mut names: Vec<&str> = found.packages.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "certifi",
            "charset-normalizer",
            "idna",
            "requests",
            "urllib3"
        ]
    );
    assert_eq!(found.edges.len(), 4);
}

/// Installed Python metadata in the corpus: each file is one package whose version is its
/// `Version:` header, or an error when it has none.
#[test]
fn installed_python_metadata() {
    let Some(db) = pkgdb() else { return };
    let mut files = Vec::new();
    for top in ["lockfiles", "mixed"] {
        collect(&db.join(top), "METADATA", &mut files);
        collect(&db.join(top), "PKG-INFO", &mut files);
    }
    let (mut read, mut refused) = (0, 0);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let name = f.to_string_lossy();
        // As an image would place it.
        let path = if name.ends_with("METADATA") {
            "/usr/lib/python3/site-packages/x-1.dist-info/METADATA"
        } else {
            "/usr/lib/python3/site-packages/x-1.egg-info/PKG-INFO"
        };
        let header = |h: &str| {
            text.lines()
                .take_while(|l| !l.trim().is_empty())
                .find_map(|l| l.strip_prefix(h))
                .map(str::trim)
        };
        match catalog_bytes(path, "m", None, &bytes, &Env::default()).map(Option::unwrap) {
            Ok(found) => {
                assert_eq!(found.packages.len(), 1, "{name}");
                assert_eq!(
                    Some(found.packages[0].version.as_str()),
                    header("Version:"),
                    "{name}"
                );
                read += 1;
            }
            Err(e) => {
                assert!(
                    header("Name:").is_none() || header("Version:").is_none() || e.line.is_some(),
                    "{name}: {e:?}"
                );
                refused += 1;
            }
        }
    }
    eprintln!("read {read}, refused {refused}");
    assert!(read >= 10, "{read}");
}
