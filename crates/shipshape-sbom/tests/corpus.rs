//! The catalogers on the package databases of `../shared/corpus/pkgdb/os` (read in place):
//! package counts are checked against the databases' own record markers, identifiers against
//! the records, and every damaged database must be an error.

use shipshape_sbom::{catalog_bytes, catalog_dir, Env};
use std::path::PathBuf;

/// `../shared/corpus/pkgdb/os`, or `None` (skipped visibly) unless the corpus is required.
fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/pkgdb/os");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("SHIPSHAPE_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!("../shared/corpus/pkgdb/os is required (SHIPSHAPE_REQUIRE_CORPUS=1) but missing");
    }
    eprintln!("SKIPPED: ../shared/corpus/pkgdb/os not found beside the repository");
    None
}

fn read(path: &PathBuf) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Records of an apk database: its `P:` lines.
fn apk_records(text: &str) -> usize {
    text.lines().filter(|l| l.starts_with("P:")).count()
}

/// Installed packages of a dpkg status file: paragraphs naming a package whose Status, if
/// any, leaves files on disk (a paragraph without one is counted, as in distroless status.d).
fn dpkg_installed(text: &str) -> usize {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .filter(|p| p.lines().any(|l| l.starts_with("Package:") && l.len() > 9))
        .filter(|p| {
            !p.lines().any(|l| {
                l.starts_with("Status:")
                    && (l.ends_with(" config-files") || l.ends_with(" not-installed"))
            })
        })
        .count()
}

#[test]
fn extracted_alpine_root_filesystems() {
    let Some(os) = corpus() else { return };
    for (dir, distro, musl) in [
        ("alpine-3.10.4", "alpine-3.10.4", "1.1.22-r3"),
        ("alpine-3.11.5", "alpine-3.11.5", "1.1.24-r2"),
    ] {
        let root = os.join("aquasecurity+trivy/image-extracted").join(dir);
        let (sbom, errors) = catalog_dir(&root, dir);
        assert!(errors.is_empty(), "{errors:?}");
        let db = String::from_utf8(read(&root.join("lib/apk/db/installed"))).unwrap();
        assert_eq!(sbom.packages.len(), apk_records(&db), "{dir}");
        assert_eq!(sbom.distro.as_ref().unwrap().qualifier(), distro);
        let m = sbom.packages.iter().find(|p| p.name == "musl").unwrap();
        assert_eq!(
            m.purl,
            format!("pkg:apk/alpine/musl@{musl}?arch=x86_64&distro={distro}")
        );
        assert_eq!(m.licenses, ["MIT"]);
        // busybox's subpackage ssl_client comes from the busybox origin.
        let ssl = sbom
            .packages
            .iter()
            .find(|p| p.name == "ssl_client")
            .unwrap();
        assert_eq!(ssl.source.as_ref().unwrap().name, "busybox");
        // Every package but musl itself needs musl's shared library, directly or not.
        assert!(
            sbom.packages
                .iter()
                .filter(|p| !p.depends_on.is_empty())
                .count()
                >= 10
        );
    }
}

#[test]
fn apk_fixtures() {
    let Some(os) = corpus() else { return };
    let env = Env::default();
    for f in [
        "google+osv-scalibr/extractor/filesystem/os/apk/testdata/installed",
        "google+osv-scalibr/extractor/filesystem/os/apk/testdata/single",
        "google+osv-scalibr/extractor/filesystem/os/apk/testdata/no-origin",
        "google+osv-scalibr/extractor/filesystem/os/apk/testdata/different-arch",
        "google+osv-scalibr/extractor/filesystem/os/apk/testdata/empty",
        "anchore+syft/syft/pkg/cataloger/alpine/testdata/multiple-2/lib/apk/db/installed",
        "anchore+syft/syft/pkg/cataloger/alpine/testdata/extra-file-attributes",
        "anchore+syft/syft/pkg/cataloger/alpine/testdata/empty-deps-and-provides",
        "anchore+syft/syft/pkg/cataloger/alpine/testdata/base",
    ] {
        let bytes = read(&os.join(f));
        let found = catalog_bytes("/lib/apk/db/installed", f, None, &bytes, &env)
            .unwrap_or_else(|e| panic!("{f}: {e:?}"))
            .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(found.packages.len(), apk_records(&text), "{f}");
    }
    for f in [
        "google+osv-scalibr/extractor/filesystem/os/apk/testdata/invalid",
        "anchore+syft/syft/pkg/cataloger/alpine/testdata/corrupt/lib/apk/db/installed",
    ] {
        let bytes = read(&os.join(f));
        assert!(
            catalog_bytes("/lib/apk/db/installed", f, None, &bytes, &env).is_err(),
            "{f} is damaged but was read"
        );
    }
}

#[test]
fn dpkg_fixtures() {
    let Some(os) = corpus() else { return };
    let env = Env::default();
    let mut total = 0;
    // (claircore's vcpkg.status is vcpkg's database in dpkg's syntax, never at a dpkg path.)
    for f in [
        "quay+claircore/dpkg/testdata/texlive.status",
        "quay+claircore/dpkg/testdata/debian-only.status",
        "quay+claircore/dpkg/testdata/postgresql.status",
        "aquasecurity+trivy-7a6594c/pkg/fanal/analyzer/pkg/dpkg/testdata/dpkg",
        "aquasecurity+trivy-7a6594c/pkg/fanal/analyzer/pkg/dpkg/testdata/dpkg_apt",
        "aquasecurity+trivy-7a6594c/pkg/fanal/analyzer/pkg/dpkg/testdata/dpkg-third-party",
        "google+osv-scalibr/extractor/filesystem/os/dpkg/testdata/dpkg/valid",
        "google+osv-scalibr/extractor/filesystem/os/dpkg/testdata/dpkg/statusfield",
        "google+osv-scalibr/extractor/filesystem/os/dpkg/testdata/dpkg/trailingnewlines",
        "google+osv-scalibr/extractor/filesystem/os/dpkg/testdata/dpkg/empty",
        "anchore+syft/syft/pkg/cataloger/debian/testdata/var/lib/dpkg/status.d/coreutils-relationships",
        "anchore+syft/syft/pkg/cataloger/debian/testdata/var/lib/dpkg/status.d/single",
    ] {
        let bytes = read(&os.join(f));
        let found = catalog_bytes("/var/lib/dpkg/status", f, None, &bytes, &env)
            .unwrap_or_else(|e| panic!("{f}: {e:?}"))
            .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(found.packages.len(), dpkg_installed(&text), "{f}");
        total += found.packages.len();
        // Every package whose paragraph names a source has one.
        let with_source = found.packages.iter().filter(|p| p.source.is_some()).count();
        let source_lines = text.lines().filter(|l| l.starts_with("Source:")).count();
        assert!(with_source <= source_lines, "{f}");
    }
    assert!(total > 400, "{total}");
    for f in [
        "aquasecurity+trivy-7a6594c/pkg/fanal/analyzer/pkg/dpkg/testdata/corrupsed",
        "google+osv-scalibr/extractor/filesystem/os/dpkg/testdata/dpkg/invalid",
        "google+osv-scalibr/extractor/filesystem/os/dpkg/testdata/dpkg/nopackage",
        "google+osv-scalibr/extractor/filesystem/os/dpkg/testdata/dpkg/noversion",
        "anchore+syft/syft/pkg/cataloger/debian/testdata/var/lib/dpkg/status.d/corrupt",
    ] {
        let bytes = read(&os.join(f));
        assert!(
            catalog_bytes("/var/lib/dpkg/status", f, None, &bytes, &env).is_err(),
            "{f} is damaged but was read"
        );
    }
}

#[test]
fn dpkg_root_filesystems_with_source_versions() {
    let Some(os) = corpus() else { return };
    let root = os.join("anchore+syft/syft/pkg/cataloger/debian/testdata/image-dpkg");
    let (sbom, errors) = catalog_dir(&root, "image-dpkg");
    assert!(errors.is_empty(), "{errors:?}");
    let p = &sbom.packages[0];
    assert_eq!(
        (p.name.as_str(), p.version.as_str()),
        ("libpam-runtime", "1.1.8-3.6")
    );
    assert_eq!(p.source.as_ref().unwrap().name, "pam");
    assert_eq!(
        p.purl,
        "pkg:deb/debian/libpam-runtime@1.1.8-3.6?arch=all&distro=debian-12"
    );
    let root = os.join("anchore+syft/syft/pkg/cataloger/debian/testdata/image-distroless-deb");
    let (sbom, errors) = catalog_dir(&root, "distroless");
    assert!(errors.is_empty(), "{errors:?}");
    let names: Vec<_> = sbom.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["libsqlite3-0"]);
    assert_eq!(
        sbom.packages[0].location,
        "var/lib/dpkg/status.d/libsqlite3-0"
    );
}

#[test]
fn rpm_sqlite_database() {
    let Some(os) = corpus() else { return };
    let f = "knqyf263+go-rpmdb/pkg/testdata/cbl-mariner-2.0/rpmdb.sqlite";
    let bytes = read(&os.join(f));
    let found = catalog_bytes(
        "/var/lib/rpm/rpmdb.sqlite",
        f,
        None,
        &bytes,
        &Env::default(),
    )
    .unwrap()
    .unwrap();
    // The database's Packages table has 129 rows, none of them a signing key.
    assert_eq!(found.packages.len(), 129);
    let bash = found.packages.iter().find(|p| p.name == "bash").unwrap();
    assert_eq!(bash.version, "5.1.8-1.cm2");
    assert_eq!(bash.purl, "pkg:rpm/bash@5.1.8-1.cm2?arch=x86_64");
    assert_eq!(bash.source.as_ref().unwrap().name, "bash");
    assert!(!bash.licenses.is_empty());
    assert!(!found.edges.is_empty());
    // Berkeley DB and NDB databases are refused, not read as empty.
    for f in [
        "google+osv-scalibr/extractor/filesystem/os/rpm/testdata/Packages_epoch",
        "knqyf263+go-rpmdb/pkg/testdata/sle15-bci/Packages.db",
    ] {
        let bytes = read(&os.join(f));
        let path = format!(
            "/var/lib/rpm/{}",
            if f.ends_with(".db") {
                "Packages.db"
            } else {
                "Packages"
            }
        );
        assert!(
            catalog_bytes(&path, f, None, &bytes, &Env::default()).is_err(),
            "{f}"
        );
    }
    for f in [
        "google+osv-scalibr/extractor/filesystem/os/rpm/testdata/empty.sqlite",
        "google+osv-scalibr/extractor/filesystem/os/rpm/testdata/invalid",
    ] {
        let bytes = read(&os.join(f));
        assert!(
            catalog_bytes(
                "/var/lib/rpm/rpmdb.sqlite",
                f,
                None,
                &bytes,
                &Env::default()
            )
            .is_err(),
            "{f}"
        );
    }
}
