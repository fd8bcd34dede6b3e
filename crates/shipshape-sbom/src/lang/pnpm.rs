//! pnpm-lock.yaml: lockfile versions 5 (`/name/version_peers` keys), 6 (`/name@version(peers)`)
//! and 9 (`name@version(peers)` keys, dependencies in `snapshots`). A file may hold several
//! YAML documents (pnpm 10 writes its own environment first); each is read.
//!
//! Development dependencies are left out: in versions 5 and 6 by the packages' `dev: true`; in
//! version 9, which no longer marks them, a package is kept when it is reachable from an
//! importer's `dependencies` or `optionalDependencies` (not `devDependencies`, nor the package
//! manager's own `packageManagerDependencies`). Local packages (`file:`, `link:`, directories)
//! are the project's own code and left out; the same name and version with other peers is one
//! package.

use super::npm::npm_package;
use super::yarn::split_descriptor;
use super::{named, text, yaml_docs};
use crate::catalog::{CatalogError, Cataloger, Env, Found};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

pub struct PnpmLock;

impl Cataloger for PnpmLock {
    fn id(&self) -> &'static str {
        "pnpm-lock"
    }

    fn wants(&self, path: &str) -> bool {
        named(path, "pnpm-lock.yaml")
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let text = text(bytes)?;
        let docs = yaml_docs(text)?;
        let mut found = Found::default();
        let mut ids: HashMap<(String, String), usize> = HashMap::new();
        for doc in &docs {
            if doc.is_null() {
                continue;
            }
            let Some(doc) = doc.as_object() else {
                return Err(CatalogError::new("not a pnpm lockfile (not a mapping)"));
            };
            document(doc, text, location, layer, &mut found, &mut ids)?;
        }
        found.edges.sort_unstable();
        found.edges.dedup();
        Ok(found)
    }
}

/// The major lockfile version (`'9.0'`, `5.4`).
fn major(doc: &Map<String, Value>) -> Result<u32, CatalogError> {
    let v = match doc.get("lockfileVersion") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(CatalogError::at(1, "no lockfileVersion")),
    };
    v.split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| CatalogError::at(1, format!("lockfileVersion `{v}` is not a number")))
}

/// A package key without its leading `/` and peer suffix → (name, version).
fn parse_key(key: &str, major: u32) -> Option<(&str, &str)> {
    let k = key.strip_prefix('/').unwrap_or(key);
    if major < 6 {
        let (name, rest) = k.rsplit_once('/')?;
        let version = rest.split('_').next()?;
        (!name.is_empty() && !version.is_empty()).then_some((name, version))
    } else {
        let k = k.split('(').next()?;
        let (name, version) = split_descriptor(k)?;
        (!version.is_empty()).then_some((name, version))
    }
}

/// The line of `key` as a mapping key in `text` (for errors about one entry).
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches(['"', '\'']);
            t.strip_prefix(key)
                .is_some_and(|r| r.starts_with(':') || r.starts_with(['"', '\'']))
        })
        .map(|i| i + 1)
}

fn at(text: &str, key: &str, message: String) -> CatalogError {
    match line_of(text, key) {
        Some(l) => CatalogError::at(l, message),
        None => CatalogError::new(message),
    }
}

fn local(entry: &Value, version: &str) -> bool {
    let res = entry.get("resolution");
    ["file:", "link:"].iter().any(|p| version.starts_with(p))
        || res.and_then(|r| r.get("directory")).is_some()
        || res
            .and_then(|r| r.get("tarball"))
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("file:"))
}

/// The dependency map fields that ship (not `devDependencies`).
const RUNTIME: [&str; 2] = ["dependencies", "optionalDependencies"];

fn deps_of(entry: &Value) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    for f in RUNTIME {
        if let Some(m) = entry.get(f).and_then(Value::as_object) {
            for (name, v) in m {
                // Importers write `{specifier, version}`; packages and snapshots the version.
                let v = v.get("version").unwrap_or(v);
                if let Some(v) = v.as_str() {
                    out.push((name.as_str(), v));
                }
            }
        }
    }
    out
}

/// The key a dependency `name: version` refers to: `version` itself when it is a key (an alias
/// or a v5/v6 path), else `name@version` (v6 and v9) or `name/version` (v5).
fn dep_keys(name: &str, version: &str, major: u32) -> Vec<String> {
    let v = version.strip_prefix('/').unwrap_or(version);
    let mut keys = vec![v.to_string()];
    if major < 6 {
        keys.push(format!("{name}/{v}"));
    } else {
        keys.push(format!("{name}@{v}"));
    }
    keys
}

fn document(
    doc: &Map<String, Value>,
    text: &str,
    location: &str,
    layer: Option<&str>,
    found: &mut Found,
    ids: &mut HashMap<(String, String), usize>,
) -> Result<(), CatalogError> {
    let major = major(doc)?;
    let first_new = found.packages.len();
    let empty = Map::new();
    let packages = match doc.get("packages") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(at(text, "packages", "`packages` is not a mapping".into())),
    };
    let snapshots = match doc.get("snapshots") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => return Err(at(text, "snapshots", "`snapshots` is not a mapping".into())),
    };
    // Version 9: what the importers reach without development dependencies.
    let reachable: Option<HashSet<String>> = match snapshots {
        Some(snaps) if major >= 9 => {
            let mut roots: Vec<(&str, &str)> = Vec::new();
            if let Some(imp) = doc.get("importers").and_then(Value::as_object) {
                for importer in imp.values() {
                    roots.extend(deps_of(importer));
                }
            }
            let mut seen = HashSet::new();
            let mut stack: Vec<String> = roots
                .iter()
                .flat_map(|(n, v)| dep_keys(n, v, major))
                .collect();
            while let Some(k) = stack.pop() {
                let Some(snap) = snaps.get(&k) else { continue };
                if !seen.insert(k.clone()) {
                    continue;
                }
                stack.extend(
                    deps_of(snap)
                        .into_iter()
                        .flat_map(|(n, v)| dep_keys(n, v, major)),
                );
            }
            Some(seen)
        }
        _ => None,
    };
    // The index of each package key (and, in v9, each snapshot key) in `found.packages`.
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut entries: Vec<(&String, &Value)> = packages.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (key, entry) in &entries {
        let bad = |m: String| at(text, key, m);
        if !entry.is_object() && !entry.is_null() {
            return Err(bad(format!("package `{key}` is not a mapping")));
        }
        if entry.get("dev").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let parsed = parse_key(key, major);
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .or(parsed.map(|p| p.0));
        let version = entry
            .get("version")
            .and_then(Value::as_str)
            .or(parsed.map(|p| p.1));
        let (Some(name), Some(version)) = (name, version) else {
            return Err(bad(format!(
                "package key `{key}` names no name and version"
            )));
        };
        if local(entry, version) {
            continue;
        }
        let i = match ids.get(&(name.to_string(), version.to_string())) {
            Some(&i) => i,
            None => {
                let i = found.packages.len();
                found
                    .packages
                    .push(npm_package(name, version, location, layer)?);
                ids.insert((name.to_string(), version.to_string()), i);
                i
            }
        };
        by_key.insert(key.strip_prefix('/').unwrap_or(key).to_string(), i);
    }
    let mut keep: Option<HashSet<usize>> = None;
    if let (Some(snaps), Some(reach)) = (snapshots, &reachable) {
        let mut kept = HashSet::new();
        for key in snaps.keys() {
            let base = key.split('(').next().unwrap_or(key);
            if let Some(&i) = by_key.get(base) {
                by_key.insert(key.clone(), i);
                if reach.contains(key) {
                    kept.insert(i);
                }
            }
        }
        keep = Some(kept);
    }
    // Edges from packages (v5, v6) or snapshots (v9).
    let sources: Vec<(&String, &Value)> = match snapshots {
        Some(s) if major >= 9 => s.iter().collect(),
        _ => entries.clone(),
    };
    for (key, entry) in sources {
        let Some(&i) = by_key.get(key.strip_prefix('/').unwrap_or(key)) else {
            continue;
        };
        for (n, v) in deps_of(entry) {
            if let Some(&j) = dep_keys(n, v, major).iter().find_map(|k| by_key.get(k)) {
                if i != j {
                    found.edges.push((i, j));
                }
            }
        }
    }
    if let Some(kept) = keep {
        // Only packages this document added: an earlier document may keep the same one.
        let added = by_key
            .values()
            .copied()
            .filter(|&i| i >= first_new)
            .collect();
        drop_unkept(found, ids, &kept, added);
    }
    Ok(())
}

/// Removes the packages this document added (`added`) that `kept` does not hold, renumbering
/// the edges.
fn drop_unkept(
    found: &mut Found,
    ids: &mut HashMap<(String, String), usize>,
    kept: &HashSet<usize>,
    added: HashSet<usize>,
) {
    let drop: HashSet<usize> = added.difference(kept).copied().collect();
    if drop.is_empty() {
        return;
    }
    let mut map = vec![None; found.packages.len()];
    let mut packages = Vec::new();
    for (i, p) in std::mem::take(&mut found.packages).into_iter().enumerate() {
        if !drop.contains(&i) {
            map[i] = Some(packages.len());
            packages.push(p);
        }
    }
    found.packages = packages;
    found.edges = found
        .edges
        .iter()
        .filter_map(|&(a, b)| Some((map[a]?, map[b]?)))
        .collect();
    ids.retain(|_, i| match map[*i] {
        Some(n) => {
            *i = n;
            true
        }
        None => false,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Result<Found, CatalogError> {
        PnpmLock.catalog("pnpm-lock.yaml", None, s.as_bytes(), &Env::default())
    }

    fn names(f: &Found) -> Vec<(&str, &str)> {
        let mut v: Vec<_> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn v9_importers_snapshots_and_dev() {
        let lock = "lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      '@s/a':
        specifier: ^1
        version: 1.0.0(react@18.0.0)
      mine:
        specifier: link:../mine
        version: link:../mine
    devDependencies:
      jest:
        specifier: ^29
        version: 29.0.0
packages:
  '@s/a@1.0.0':
    resolution: {integrity: sha512-x}
  b@2.10.0:
    resolution: {integrity: sha512-y}
  react@18.0.0:
    resolution: {integrity: sha512-z}
  jest@29.0.0:
    resolution: {integrity: sha512-j}
  local@1.0.0:
    resolution: {directory: ../local, type: directory}
snapshots:
  '@s/a@1.0.0(react@18.0.0)':
    dependencies:
      b: 2.10.0
      react: 18.0.0
  b@2.10.0: {}
  react@18.0.0: {}
  jest@29.0.0:
    dependencies:
      b: 2.10.0
";
        let f = run(lock).unwrap();
        assert_eq!(
            names(&f),
            [("@s/a", "1.0.0"), ("b", "2.10.0"), ("react", "18.0.0")]
        );
        let a = f.packages.iter().position(|p| p.name == "@s/a").unwrap();
        assert_eq!(f.packages[a].purl, "pkg:npm/%40s/a@1.0.0");
        assert_eq!(f.edges.iter().filter(|e| e.0 == a).count(), 2);
    }

    #[test]
    fn v6_and_v5_keys_with_dev_flags() {
        let v6 = "lockfileVersion: '6.0'
dependencies:
  a:
    specifier: ^1
    version: 1.0.0(b@2.0.0)
packages:
  /a@1.0.0(b@2.0.0):
    resolution: {integrity: sha512-x}
    dependencies:
      b: 2.0.0
    dev: false
  /b@2.0.0:
    resolution: {integrity: sha512-y}
    dev: false
  /jest@29.0.0:
    resolution: {integrity: sha512-j}
    dev: true
";
        let f = run(v6).unwrap();
        assert_eq!(names(&f), [("a", "1.0.0"), ("b", "2.0.0")]);
        assert_eq!(f.edges.len(), 1);
        let v5 = "lockfileVersion: 5.4
packages:
  /@s/acorn-jsx/5.3.2_acorn@8.8.0:
    resolution: {integrity: sha512-x}
    dependencies:
      acorn: 8.8.0
  /acorn/8.8.0:
    resolution: {integrity: sha512-y}
";
        let f = run(v5).unwrap();
        assert_eq!(names(&f), [("@s/acorn-jsx", "5.3.2"), ("acorn", "8.8.0")]);
        assert_eq!(f.edges.len(), 1);
    }

    #[test]
    fn malformed_is_an_error_at_its_line() {
        let e = run("lockfileVersion: '9.0'\npackages:\n  a@1: {\n").unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
        let e =
            run("lockfileVersion: '6.0'\npackages:\n  /noversion:\n    dev: false\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e:?}");
        let e = run("packages: {}\n").unwrap_err();
        assert!(e.message.contains("lockfileVersion"), "{e:?}");
    }
}
