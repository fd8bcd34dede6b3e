//! The cataloger trait and the list of catalogers.

use crate::model::Package;
use crate::osrelease::Distro;

/// What a cataloger needs besides the file: the distribution (for OS packages' purls).
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub distro: Option<Distro>,
}

/// A package database or lockfile that could not be read: names the file, and the line when
/// known. The caller adds the layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CatalogError {
    pub line: Option<u32>,
    pub message: String,
}

impl CatalogError {
    pub fn new(message: impl Into<String>) -> Self {
        CatalogError {
            line: None,
            message: message.into(),
        }
    }

    pub fn at(line: usize, message: impl Into<String>) -> Self {
        CatalogError {
            line: Some(u32::try_from(line).unwrap_or(u32::MAX)),
            message: message.into(),
        }
    }
}

/// What one file held: its packages and the dependency edges between them, as
/// `(from, to)` indexes into `packages`.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub packages: Vec<Package>,
    pub edges: Vec<(usize, usize)>,
}

/// Reads one kind of package database or lockfile.
pub trait Cataloger: Send + Sync {
    /// A short stable name (`dpkg`, `apk`, `rpm`).
    fn id(&self) -> &'static str;

    /// Whether this cataloger reads the file at `path`: absolute and `/`-separated, as in an
    /// image (`/var/lib/dpkg/status`). In a directory scan the path is the file's path below
    /// the scanned directory with a leading `/`, so a root filesystem anywhere below it is
    /// found too: catalogers match path endings. Called for every file: keep it cheap.
    fn wants(&self, path: &str) -> bool;

    /// The packages in `bytes`, the content of the file at `location` (the path shown in the
    /// SBOM). `layer` is the digest of the image layer holding it, if any.
    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        env: &Env,
    ) -> Result<Found, CatalogError>;
}

/// Every cataloger, in the order they run.
pub fn catalogers() -> &'static [&'static dyn Cataloger] {
    &[
        &crate::dpkg::DpkgCataloger,
        &crate::apk::ApkCataloger,
        &crate::rpm::RpmCataloger,
        &crate::lang::cargo::CargoLock,
        &crate::lang::npm::PackageLock,
        &crate::lang::yarn::YarnLock,
        &crate::lang::pnpm::PnpmLock,
        &crate::lang::python::Requirements,
        &crate::lang::python::PoetryLock,
        &crate::lang::python::PipfileLock,
        &crate::lang::uv::UvLock,
        &crate::lang::golang::GoMod,
        &crate::lang::ruby::GemfileLock,
        &crate::lang::composer::ComposerLock,
        &crate::lang::installed::NodeModules,
        &crate::lang::installed::PythonInstalled,
        &crate::lang::installed::Gemspecs,
        &crate::lang::dotnet::DepsJson,
    ]
}

/// Runs the first cataloger that wants `path` over `bytes`; `Ok(None)` when none does.
pub fn catalog_bytes(
    path: &str,
    location: &str,
    layer: Option<&str>,
    bytes: &[u8],
    env: &Env,
) -> Result<Option<Found>, CatalogError> {
    match catalogers().iter().find(|c| c.wants(path)) {
        Some(c) => c.catalog(location, layer, bytes, env).map(Some),
        None => Ok(None),
    }
}

/// Whether any cataloger, or the os-release reader, wants `path`.
pub(crate) fn wanted(path: &str) -> bool {
    crate::osrelease::PATHS.iter().any(|p| path.ends_with(p))
        || crate::dpkg::is_copyright(path)
        || catalogers().iter().any(|c| c.wants(path))
}

/// Resolves dependency names to package indexes: `requires[i]` are package `i`'s
/// requirements, each a list of alternatives (`a | b`); `provides[j]` the names package `j`
/// answers to (its own name included). A requirement becomes an edge to the provider of its
/// first alternative that some package of the same database provides (the first such package,
/// as a package manager settles on one).
pub(crate) fn resolve_edges(
    requires: &[Vec<Vec<String>>],
    provides: &[Vec<String>],
) -> Vec<(usize, usize)> {
    let mut by_name: std::collections::HashMap<&str, usize> = Default::default();
    for (j, names) in provides.iter().enumerate() {
        for n in names {
            by_name.entry(n.as_str()).or_insert(j);
        }
    }
    let mut edges = Vec::new();
    for (i, groups) in requires.iter().enumerate() {
        for alternatives in groups {
            if let Some(&j) = alternatives.iter().find_map(|n| by_name.get(n.as_str())) {
                if j != i {
                    edges.push((i, j));
                }
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    edges
}
