//! The purls the rpm (Berkeley DB) and .NET catalogers write are accepted by the vulnerability
//! matcher (`PackageQuery::from_purl`) with the ecosystem, name, version and release it needs,
//! for every distribution that has an OSV ecosystem.

use shipshape_sbom::{catalog_bytes, Distro, Env};
use shipshape_vuln::matcher::PackageQuery;
use shipshape_vuln::Ecosystem as Osv;
use std::path::PathBuf;

fn env(id: &str, version: &str) -> Env {
    Env {
        distro: Some(Distro {
            id: id.into(),
            version_id: Some(version.into()),
            ..Distro::default()
        }),
    }
}

#[test]
fn rpm_berkeley_db_purls() {
    let f = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/corpus/pkgdb/os/google+osv-scalibr/extractor/filesystem/os/rpm/testdata/Packages_epoch",
    );
    let Ok(bytes) = std::fs::read(&f) else {
        if std::env::var("SHIPSHAPE_REQUIRE_CORPUS").as_deref() == Ok("1") {
            panic!("{} is required (SHIPSHAPE_REQUIRE_CORPUS=1)", f.display());
        }
        eprintln!("SKIPPED: ../shared/corpus/pkgdb not found beside the repository");
        return;
    };
    for (id, version, osv) in [
        ("rhel", "8.10", Osv::RedHat),
        ("almalinux", "8.10", Osv::AlmaLinux),
        ("rocky", "8.10", Osv::RockyLinux),
    ] {
        let found = catalog_bytes(
            "/var/lib/rpm/Packages",
            "x",
            None,
            &bytes,
            &env(id, version),
        )
        .unwrap()
        .unwrap();
        let purl = &found.packages[0].purl;
        assert_eq!(
            purl,
            &format!("pkg:rpm/{id}/hello@0.0.1-rls?arch=x86_64&distro={id}-{version}&epoch=1")
        );
        let q = PackageQuery::from_purl(purl).unwrap();
        assert_eq!(q.ecosystem, osv);
        assert_eq!(q.name, "hello");
        assert_eq!(q.version, "1:0.0.1-rls");
        assert_eq!(q.release.as_deref(), Some(version));
    }
    // OSV has no CentOS, Amazon Linux or SUSE ecosystem the matcher maps to: such packages are
    // refused by name (and the vulnerabilities item stays not analysed), never matched wrongly.
    for (id, version) in [("centos", "7"), ("amzn", "2"), ("sles", "15.3")] {
        let found = catalog_bytes(
            "/var/lib/rpm/Packages",
            "x",
            None,
            &bytes,
            &env(id, version),
        )
        .unwrap()
        .unwrap();
        let e = PackageQuery::from_purl(&found.packages[0].purl).unwrap_err();
        assert!(e.contains(id), "{e}");
    }
}

#[test]
fn nuget_purls() {
    let deps = br#"{"libraries": {
        "App/1.0.0": {"type": "project"},
        "Newtonsoft.Json/13.0.1": {"type": "package"},
        "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0": {"type": "runtimepack"}
    }}"#;
    let found = catalog_bytes("/app/App.deps.json", "x", None, deps, &Env::default())
        .unwrap()
        .unwrap();
    let mut got: Vec<(String, String)> = found
        .packages
        .iter()
        .map(|p| {
            let q = PackageQuery::from_purl(&p.purl).unwrap();
            assert_eq!(q.ecosystem, Osv::NuGet);
            assert_eq!(q.release, None);
            (q.name, q.version)
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "Microsoft.NETCore.App.Runtime.linux-x64".into(),
                "8.0.0".into()
            ),
            ("Newtonsoft.Json".into(), "13.0.1".into()),
        ]
    );
}
