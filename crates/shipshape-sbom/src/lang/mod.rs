//! Language catalogers: lockfiles in source trees (and in images, where they were copied in).
//!
//! Each lockfile is read whole and parsed by its own format's rules; a file that does not parse
//! is an error naming it and, where the parser knows it, the line. Entries a lockfile marks as
//! local (workspace links, path dependencies) are left out: they are the project itself, not
//! a dependency anyone publishes.

pub(crate) mod cargo;
pub(crate) mod composer;
pub(crate) mod dotnet;
pub(crate) mod golang;
pub(crate) mod installed;
pub(crate) mod npm;
pub(crate) mod pnpm;
pub(crate) mod python;
pub(crate) mod ruby;
pub(crate) mod uv;
pub(crate) mod yarn;

use crate::catalog::CatalogError;
use crate::model::{Ecosystem, Package};

/// A package of a lockfile, its purl made from `namespace` (if any), name and version.
pub(crate) fn package(
    eco: Ecosystem,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    location: &str,
    layer: Option<&str>,
) -> Result<Package, CatalogError> {
    package_with(eco, namespace, name, version, &[], location, layer)
}

pub(crate) fn package_with(
    eco: Ecosystem,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
    location: &str,
    layer: Option<&str>,
) -> Result<Package, CatalogError> {
    let purl = crate::purl::language(eco, namespace, name, version, qualifiers)
        .map_err(|e| CatalogError::new(format!("package {name}: {e}")))?;
    let full = match namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_string(),
    };
    Ok(Package {
        id: String::new(),
        name: full,
        version: version.to_string(),
        ecosystem: eco,
        purl,
        licenses: Vec::new(),
        source: None,
        arch: None,
        location: location.to_string(),
        layer: layer.map(str::to_string),
        depends_on: Vec::new(),
    })
}

/// The file as UTF-8 text, or an error.
pub(crate) fn text(bytes: &[u8]) -> Result<&str, CatalogError> {
    std::str::from_utf8(bytes).map_err(|e| CatalogError::new(format!("not UTF-8 text ({e})")))
}

/// A JSON document, or an error at its line.
pub(crate) fn json(bytes: &[u8]) -> Result<serde_json::Value, CatalogError> {
    serde_json::from_slice(bytes)
        .map_err(|e| CatalogError::at(e.line(), format!("not valid JSON: {e}")))
}

/// A TOML document, or an error at its line.
pub(crate) fn toml_doc(text: &str) -> Result<toml::Table, CatalogError> {
    text.parse::<toml::Table>().map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let msg = format!("not valid TOML: {}", e.message());
        match line {
            Some(l) => CatalogError::at(l, msg),
            None => CatalogError::new(msg),
        }
    })
}

/// The `[[package]]` tables of a TOML lockfile (Cargo.lock, poetry.lock, uv.lock): none when
/// the file has no `package` key, an error when it is not an array.
pub(crate) fn toml_packages(doc: &toml::Table) -> Result<&[toml::Value], CatalogError> {
    match doc.get("package") {
        None => Ok(&[]),
        Some(list) => list
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| CatalogError::new("`package` is not an array of tables")),
    }
}

/// Directories that hold installed copies of dependencies (package caches, vendored trees):
/// a lockfile inside one is that dependency's own, not a record of what is installed here.
const DEPENDENCY_DIRS: [&str; 7] = [
    "/node_modules/",
    "/site-packages/",
    "/dist-packages/",
    "/go/pkg/mod/",
    "/.cargo/registry/",
    "/.cargo/git/",
    "/vendor/bundle/",
];

/// Whether `path` names a file called `name` (in any directory but a dependency cache).
pub(crate) fn named(path: &str, name: &str) -> bool {
    path.rsplit('/').next() == Some(name) && !in_dependency_dir(path)
}

pub(crate) fn in_dependency_dir(path: &str) -> bool {
    DEPENDENCY_DIRS.iter().any(|d| path.contains(d))
}

/// The documents of a YAML file as JSON values, every plain scalar kept as a string (a version
/// `1.10` must not become the number 1.1), or an error at its line.
pub(crate) fn yaml_docs(text: &str) -> Result<Vec<serde_json::Value>, CatalogError> {
    shipshape_yaml::documents(text).map_err(|e| match e.line {
        Some(line) => CatalogError::at(line, e.message),
        None => CatalogError::new(e.message),
    })
}
