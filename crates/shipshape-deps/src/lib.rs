//! Dependencies and their known vulnerabilities, where the SBOM and the vulnerability store
//! meet.
//!
//! - [`DependenciesAnalyser`]: the analyser of `check`. The lockfiles (and package databases)
//!   that discovery found are cataloged with the SBOM crate's catalogers and looked up in the
//!   vulnerability store as SS5001 findings, located at the package's entry in the lockfile.
//! - [`queries`]: an SBOM's packages as vulnerability queries (`image` and `sbom` use it too).
//! - [`sbom_vulns`]: an SBOM's vulnerabilities for the `sbom` command's writers (CycloneDX
//!   `vulnerabilities`, JSON, table).
//! - [`quickview`]: the one-line count per rating (`0C 2H 10M 2L 1?`) of `image` and `check`.

mod analyser;
mod locate;
pub mod quickview;
pub mod sbom_vulns;

pub use analyser::DependenciesAnalyser;

use shipshape_sbom::Sbom;
use shipshape_vuln::matcher::PackageQuery;
use shipshape_vuln::scan::ScanPackage;

/// The SBOM's packages as vulnerability queries, through their purls (which carry the
/// distribution release); the source package recorded by the package database wins over the
/// purl's.
pub fn queries(sbom: &Sbom) -> Vec<ScanPackage> {
    sbom.packages
        .iter()
        .map(|p| ScanPackage {
            query: query(p),
            location: p.location.clone(),
            layer: p.layer.clone(),
        })
        .collect()
}

/// One package's query (see [`queries`]).
pub fn query(p: &shipshape_sbom::Package) -> Result<PackageQuery, String> {
    PackageQuery::from_purl(&p.purl).map(|mut q| {
        if let Some(src) = &p.source {
            q.source_name = Some(src.name.clone());
            if src.version.is_some() {
                q.source_version = src.version.clone();
            }
        }
        q
    })
}
