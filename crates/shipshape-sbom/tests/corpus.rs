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

/// The rpm databases of `dir` as `rpm` itself lists them (`NAME EPOCH VERSION-RELEASE ARCH`,
/// sorted), read with its read-only Berkeley DB backend; `None` (skipped visibly) when rpm is
/// not installed, unless SHIPSHAPE_REQUIRE_TOOLS=1.
fn rpm_oracle(dir: &std::path::Path) -> Option<Vec<String>> {
    let out = std::process::Command::new("rpm")
        .args(["-qa", "--dbpath"])
        .arg(dir)
        .args([
            "--define",
            "_db_backend bdb_ro",
            "--qf",
            "%{NAME} %{EPOCH} %{VERSION}-%{RELEASE} %{ARCH}\\n",
        ])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let mut lines: Vec<String> = String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_string)
                .collect();
            lines.sort();
            Some(lines)
        }
        other => {
            if std::env::var("SHIPSHAPE_REQUIRE_TOOLS").as_deref() == Ok("1") {
                panic!("rpm is required (SHIPSHAPE_REQUIRE_TOOLS=1): {other:?}");
            }
            eprintln!(
                "SKIPPED: rpm not installed, the Berkeley DB databases are not compared with it"
            );
            None
        }
    }
}

/// Our packages in the oracle's shape.
fn rpm_lines(found: &shipshape_sbom::Found) -> Vec<String> {
    let mut lines: Vec<String> = found
        .packages
        .iter()
        .map(|p| {
            let (epoch, vr) = match p.version.split_once(':') {
                Some((e, vr)) => (e.to_string(), vr.to_string()),
                None => ("(none)".to_string(), p.version.clone()),
            };
            format!(
                "{} {epoch} {vr} {}",
                p.name,
                p.arch.as_deref().unwrap_or("")
            )
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn rpm_berkeley_db_databases() {
    let Some(os) = corpus() else { return };
    for (f, want) in [
        (
            "knqyf263+go-rpmdb/pkg/testdata/libuuid/Packages",
            "libuuid (none) 2.32.1-42.el8_8 x86_64",
        ),
        (
            "anchore+syft/syft/pkg/cataloger/redhat/testdata/Packages",
            "dive (none) 0.9.2-1 x86_64",
        ),
        (
            "google+osv-scalibr/extractor/filesystem/os/rpm/testdata/Packages_epoch",
            "hello 1 0.0.1-rls x86_64",
        ),
    ] {
        let path = os.join(f);
        let found = catalog_bytes(
            "/var/lib/rpm/Packages",
            f,
            None,
            &read(&path),
            &Env::default(),
        )
        .unwrap_or_else(|e| panic!("{f}: {e}"))
        .unwrap();
        let ours = rpm_lines(&found);
        assert_eq!(ours, [want], "{f}");
        // rpm reads only a file called Packages.
        if path.file_name().is_some_and(|n| n == "Packages") {
            if let Some(theirs) = rpm_oracle(path.parent().unwrap()) {
                assert_eq!(ours, theirs, "{f}");
            }
        }
    }
}

#[test]
fn rpm_ndb_database() {
    let Some(os) = corpus() else { return };
    let f = "knqyf263+go-rpmdb/pkg/testdata/sle15-bci/Packages.db";
    let bytes = read(&os.join(f));
    let found = catalog_bytes(
        "/usr/lib/sysimage/rpm/Packages.db",
        f,
        None,
        &bytes,
        &Env::default(),
    )
    .unwrap_or_else(|e| panic!("{f}: {e}"))
    .unwrap();
    // Counted without the reader: blob heads on 16-byte blocks after the slot page (rpm zeroes
    // the blocks of a removed package).
    let heads = bytes[4096..]
        .chunks_exact(16)
        .filter(|b| b.starts_with(b"BlbS"))
        .count();
    assert_eq!(heads, 35);
    assert_eq!(found.packages.len(), heads);
    let lines = rpm_lines(&found);
    for want in [
        "bash (none) 4.4-19.6.1 x86_64",
        "glibc (none) 2.31-9.3.2 x86_64",
        "ca-certificates-mozilla-prebuilt (none) 2.44-21.1 noarch",
        "rpm-ndb (none) 4.14.3-40.1 x86_64",
    ] {
        assert!(lines.iter().any(|l| l == want), "{want} missing: {lines:?}");
    }
    let bash = found.packages.iter().find(|p| p.name == "bash").unwrap();
    assert_eq!(bash.source.as_ref().unwrap().name, "bash");
    assert_eq!(bash.licenses, ["GPL-3.0-or-later"]);
    assert!(!found.edges.is_empty());
}

#[test]
fn damaged_rpm_databases_are_errors() {
    let Some(os) = corpus() else { return };
    let ndb = read(&os.join("knqyf263+go-rpmdb/pkg/testdata/sle15-bci/Packages.db"));
    let bdb = read(&os.join("knqyf263+go-rpmdb/pkg/testdata/libuuid/Packages"));
    let catalog = |path: &str, bytes: &[u8]| {
        catalog_bytes(path, path, None, bytes, &Env::default()).map(|f| f.unwrap().packages.len())
    };
    // Every truncation of the real databases is an error (or, for a cut in the Berkeley DB's
    // unused tail pages, the same list), never a shorter list and never a panic.
    for (path, bytes) in [
        ("/var/lib/rpm/Packages.db", &ndb),
        ("/var/lib/rpm/Packages", &bdb),
    ] {
        let whole = catalog(path, bytes).unwrap();
        // About 100 cuts and 300 flips per database (a debug build checksums the NDB's 1.3 MB
        // each time).
        for cut in (0..bytes.len()).step_by(bytes.len() / 97 + 1).chain(0..600) {
            if let Ok(n) = catalog(path, &bytes[..cut]) {
                assert_eq!(n, whole, "{path} cut at {cut}");
            }
        }
        // A flipped byte anywhere either leaves a package list of the same length (a byte
        // the readers do not use) or is an error.
        for at in (0..bytes.len())
            .step_by(bytes.len() / 293 + 1)
            .chain((0..600).step_by(3))
        {
            let mut b = bytes.clone();
            b[at] ^= 0x5a;
            if let Ok(n) = catalog(path, &b) {
                assert!(n <= whole, "{path} flipped at {at}");
            }
        }
    }
}

/// Whether `tool` runs; else `false` (skipped visibly) unless SHIPSHAPE_REQUIRE_TOOLS=1.
fn have_tool(tool: &str) -> bool {
    let ok = std::process::Command::new(tool)
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("SHIPSHAPE_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("{tool} is required (SHIPSHAPE_REQUIRE_TOOLS=1) but does not run");
        }
        eprintln!("SKIPPED: {tool} not installed (scripts/test.sh installs it)");
    }
    ok
}

/// Large Berkeley DB package databases written by libdb itself (`db5.3_load`) from the 129
/// header blobs of a real rpm SQLite database: many buckets over several hash-table
/// doublings, chained hash pages, overflow chains, both byte orders and two page sizes. The
/// package list must equal the SQLite database's, and rpm's own (`bdb_ro`) when rpm runs.
#[test]
fn rpm_berkeley_db_written_by_libdb() {
    let Some(os) = corpus() else { return };
    if !have_tool("db5.3_load") {
        return;
    }
    let src = os.join("knqyf263+go-rpmdb/pkg/testdata/cbl-mariner-2.0/rpmdb.sqlite");
    let sqlite = catalog_bytes(
        "/var/lib/rpm/rpmdb.sqlite",
        "s",
        None,
        &read(&src),
        &Env::default(),
    )
    .unwrap()
    .unwrap();
    let want = rpm_lines(&sqlite);
    assert_eq!(want.len(), 129);
    let conn = rusqlite::Connection::open_with_flags(
        format!("file:{}?immutable=1", src.display()),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .unwrap();
    let mut stmt = conn.prepare("SELECT hnum, blob FROM Packages").unwrap();
    let rows: Vec<(u32, Vec<u8>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    for (page_size, fill, order) in [(4096, 8, 1234), (512, 2, 4321), (1024, 40, 1234)] {
        // db_load's "bytevalue" dump format: options, then key and value lines in hex.
        let mut dump = format!(
            "VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize={page_size}\nh_ffactor={fill}\n\
             db_lorder={order}\nHEADER=END\n"
        );
        for (hnum, blob) in &rows {
            dump.push_str(&format!(" {}\n {}\n", hex(&hnum.to_le_bytes()), hex(blob)));
        }
        dump.push_str("DATA=END\n");
        let dir = tempfile::tempdir().unwrap();
        let dump_path = dir.path().join("dump.txt");
        std::fs::write(&dump_path, dump).unwrap();
        let db = dir.path().join("Packages");
        let st = std::process::Command::new("db5.3_load")
            .arg("-f")
            .arg(&dump_path)
            .arg(&db)
            .status()
            .unwrap();
        assert!(st.success());
        let bytes = read(&db);
        let found = catalog_bytes(
            "/var/lib/rpm/Packages",
            "Packages",
            None,
            &bytes,
            &Env::default(),
        )
        .unwrap_or_else(|e| panic!("page size {page_size}, order {order}: {e}"))
        .unwrap();
        let label = format!("page size {page_size}, fill {fill}, byte order {order}");
        assert_eq!(rpm_lines(&found), want, "{label}");
        assert_eq!(found.edges.len(), sqlite.edges.len(), "{label}");
        std::fs::remove_file(&dump_path).unwrap();
        if let Some(theirs) = rpm_oracle(dir.path()) {
            assert_eq!(want, theirs, "{label}");
        }
    }
}
