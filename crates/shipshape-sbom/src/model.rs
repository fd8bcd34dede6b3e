//! The package model every cataloger fills and every writer reads.

use crate::osrelease::Distro;
use serde::Serialize;

/// Where a package comes from: its package manager. Decides the purl type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// Debian and derivatives (dpkg).
    Deb,
    /// Alpine and Wolfi (apk-tools).
    Apk,
    /// Red Hat, Fedora, SUSE, Mariner, … (rpm).
    Rpm,
    /// Rust crates (Cargo.lock).
    Cargo,
    /// npm packages (package-lock.json).
    Npm,
    /// Python packages (requirements.txt, poetry.lock).
    Pypi,
    /// Go modules (go.mod).
    Golang,
    /// Ruby gems (Gemfile.lock).
    Gem,
    /// PHP packages (composer.lock).
    Composer,
    /// Java archives (pom.properties, MANIFEST.MF).
    Maven,
    /// .NET packages (`*.deps.json`).
    Nuget,
}

impl Ecosystem {
    /// The purl type.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Golang => "golang",
            Ecosystem::Gem => "gem",
            Ecosystem::Composer => "composer",
            Ecosystem::Maven => "maven",
            Ecosystem::Nuget => "nuget",
        }
    }

    /// Whether the packages are operating-system packages (their purls carry the distribution).
    pub fn is_os(self) -> bool {
        matches!(self, Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm)
    }
}

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.purl_type())
    }
}

/// The source package a binary distribution package was built from (Debian advisories and
/// OSV's Debian and Alpine records are per source package).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcePackage {
    pub name: String,
    /// Empty when the database does not say (it is then the binary package's version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// Unique in its SBOM (the purl, made unique when two files hold the same package); what
    /// dependency edges and the documents' references use.
    pub id: String,
    pub name: String,
    pub version: String,
    pub ecosystem: Ecosystem,
    pub purl: String,
    /// Declared licenses as the database writes them (an SPDX expression or free text).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// The file the package was read from: the path in the image, or relative to the scanned
    /// directory.
    pub location: String,
    /// The digest of the layer that holds that file (images only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Ids of the packages this one depends on, where the database says.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// What an SBOM describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    Image,
    Directory,
}

/// The root component: the image or the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The reference or directory as the user named it.
    pub name: String,
    pub kind: SubjectKind,
    /// For images: the image's content digest (its configuration's, else its manifest's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// A bill of materials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sbom {
    pub subject: Subject,
    /// The operating system, from os-release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    /// Every package, in a stable order (location, then name, version).
    pub packages: Vec<Package>,
}

impl Sbom {
    /// An SBOM of `packages`: sorts them, gives each a unique id (its purl, with `#2`, `#3`…
    /// appended for the same purl found again in another file) and rewrites dependency edges,
    /// which catalogers give as indexes into their own file's packages, into those ids.
    pub fn new(subject: Subject, distro: Option<Distro>, found: Vec<crate::Found>) -> Sbom {
        let mut packages = Vec::new();
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for file in found {
            let ids: Vec<String> = file
                .packages
                .iter()
                .map(|p| {
                    let n = seen.entry(p.purl.clone()).or_insert(0);
                    *n += 1;
                    if *n == 1 {
                        p.purl.clone()
                    } else {
                        format!("{}#{}", p.purl, n)
                    }
                })
                .collect();
            let mut out: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
            for &(from, to) in &file.edges {
                if let Some(o) = out.get_mut(from) {
                    o.push(to);
                }
            }
            for (i, mut p) in file.packages.into_iter().enumerate() {
                p.id = ids[i].clone();
                let mut deps: Vec<String> = out[i]
                    .iter()
                    .filter(|&&to| to != i)
                    .filter_map(|&to| ids.get(to).cloned())
                    .collect();
                deps.sort();
                deps.dedup();
                p.depends_on = deps;
                packages.push(p);
            }
        }
        packages.sort_by(|a, b| {
            (&a.location, &a.name, &a.version, &a.id).cmp(&(
                &b.location,
                &b.name,
                &b.version,
                &b.id,
            ))
        });
        Sbom {
            subject,
            distro,
            packages,
        }
    }
}
