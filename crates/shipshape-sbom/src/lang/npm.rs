//! package-lock.json and npm-shrinkwrap.json: lockfile versions 1 (`dependencies`, nested) and
//! 2 and 3 (`packages`, keyed by install path). Dependencies resolve the way Node looks for a
//! module: in the package's own `node_modules`, then in each enclosing one. Development
//! dependencies (`"dev": true`) are left out: they are not part of what ships.

use super::{json, named, package};
use crate::catalog::{CatalogError, Cataloger, Env, Found};
use crate::model::{Ecosystem, Package};
use serde_json::Value;
use std::collections::HashMap;

pub struct PackageLock;

impl Cataloger for PackageLock {
    fn id(&self) -> &'static str {
        "npm-lock"
    }

    fn wants(&self, path: &str) -> bool {
        named(path, "package-lock.json") || named(path, "npm-shrinkwrap.json")
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let doc = json(bytes)?;
        if !doc.is_object() {
            return Err(CatalogError::new(
                "not a package-lock document (not an object)",
            ));
        }
        if let Some(packages) = doc.get("packages") {
            v2(packages, location, layer)
        } else if let Some(deps) = doc.get("dependencies") {
            let mut found = Found::default();
            v1(deps, &mut Vec::new(), &mut found, location, layer)?;
            Ok(found)
        } else {
            Ok(Found::default())
        }
    }
}

fn flag(entry: &Value, name: &str) -> bool {
    entry.get(name).and_then(Value::as_bool) == Some(true)
}

/// `@scope/name` → (`@scope`, `name`).
pub(crate) fn split_name(full: &str) -> (Option<&str>, &str) {
    match full.strip_prefix('@').and_then(|_| full.split_once('/')) {
        Some((scope, name)) => (Some(scope), name),
        None => (None, full),
    }
}

pub(crate) fn npm_package(
    full: &str,
    version: &str,
    location: &str,
    layer: Option<&str>,
) -> Result<Package, CatalogError> {
    let (scope, name) = split_name(full);
    let mut p = package(Ecosystem::Npm, scope, name, version, location, layer)?;
    p.name = full.to_string();
    Ok(p)
}

fn v2(packages: &Value, location: &str, layer: Option<&str>) -> Result<Found, CatalogError> {
    let map = packages
        .as_object()
        .ok_or_else(|| CatalogError::new("`packages` is not an object"))?;
    let mut found = Found::default();
    let mut by_path: HashMap<&str, usize> = HashMap::new();
    let mut wanted: Vec<(usize, &str, Vec<&str>)> = Vec::new();
    // Install-path order, whatever order the JSON map keeps (serde_json's depends on features).
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (path, entry) in entries {
        // "" is the project itself; entries outside node_modules are workspace sources.
        let Some(idx) = path.rfind("node_modules/") else {
            continue;
        };
        if flag(entry, "link") || flag(entry, "dev") {
            continue;
        }
        let full = entry
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(&path[idx + "node_modules/".len()..]);
        let Some(version) = entry.get("version").and_then(Value::as_str) else {
            return Err(CatalogError::new(format!("`{path}` has no version")));
        };
        let i = found.packages.len();
        found
            .packages
            .push(npm_package(full, version, location, layer)?);
        by_path.insert(path.as_str(), i);
        let mut deps = Vec::new();
        for field in ["dependencies", "optionalDependencies", "peerDependencies"] {
            if let Some(d) = entry.get(field).and_then(Value::as_object) {
                deps.extend(d.keys().map(String::as_str));
            }
        }
        wanted.push((i, path.as_str(), deps));
    }
    for (i, path, deps) in wanted {
        for d in deps {
            if let Some(j) = resolve(&by_path, path, d) {
                found.edges.push((i, j));
            }
        }
    }
    found.edges.sort_unstable();
    found.edges.dedup();
    Ok(found)
}

/// Where Node finds `dep` required from the package installed at `from`.
fn resolve(by_path: &HashMap<&str, usize>, from: &str, dep: &str) -> Option<usize> {
    let mut base = from.to_string();
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{dep}")
        } else {
            format!("{base}/node_modules/{dep}")
        };
        if let Some(&j) = by_path.get(candidate.as_str()) {
            return Some(j);
        }
        if base.is_empty() {
            return None;
        }
        base = match base.rfind("/node_modules/") {
            Some(k) => base[..k].to_string(),
            None => String::new(),
        };
    }
}

/// Lockfile version 1: nested `dependencies` with `requires`; `scopes` holds the name → index
/// maps of the enclosing levels, innermost last.
fn v1(
    deps: &Value,
    scopes: &mut Vec<HashMap<String, usize>>,
    found: &mut Found,
    location: &str,
    layer: Option<&str>,
) -> Result<HashMap<String, usize>, CatalogError> {
    let map = deps
        .as_object()
        .ok_or_else(|| CatalogError::new("`dependencies` is not an object"))?;
    let mut level = HashMap::new();
    let mut here = Vec::new();
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (name, entry) in entries {
        let Some(version) = entry.get("version").and_then(Value::as_str) else {
            return Err(CatalogError::new(format!(
                "dependency `{name}` has no version"
            )));
        };
        // Local (`file:`) dependencies are the project's own code; development dependencies
        // are not shipped.
        if version.starts_with("file:") || flag(entry, "dev") {
            continue;
        }
        let i = found.packages.len();
        found
            .packages
            .push(npm_package(name, version, location, layer)?);
        level.insert(name.clone(), i);
        here.push((i, entry));
    }
    scopes.push(level);
    for (i, entry) in here {
        // The package's own nested node_modules come first, then the enclosing levels.
        let own = match entry.get("dependencies") {
            Some(nested) => v1(nested, scopes, found, location, layer)?,
            None => HashMap::new(),
        };
        if let Some(req) = entry.get("requires").and_then(Value::as_object) {
            for dep in req.keys() {
                let j = own
                    .get(dep)
                    .or_else(|| scopes.iter().rev().find_map(|s| s.get(dep)));
                if let Some(&j) = j {
                    found.edges.push((i, j));
                }
            }
        }
    }
    Ok(scopes.pop().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_with_nested_and_scoped() {
        let lock = r#"{"name":"app","lockfileVersion":3,"packages":{
            "":{"name":"app","dependencies":{"a":"^1"}},
            "node_modules/a":{"version":"1.0.0","dependencies":{"b":"^2","@s/c":"*"}},
            "node_modules/a/node_modules/b":{"version":"2.0.0"},
            "node_modules/b":{"version":"1.0.0"},
            "node_modules/@s/c":{"version":"3.0.0","dependencies":{"b":"^1"}},
            "node_modules/w":{"resolved":"packages/w","link":true},
            "node_modules/jest":{"version":"29.0.0","dev":true},
            "packages/w":{"name":"w","version":"0.0.1"}}}"#;
        let f = PackageLock
            .catalog("package-lock.json", None, lock.as_bytes(), &Env::default())
            .unwrap();
        let names: Vec<_> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        // In install-path order.
        assert_eq!(
            names,
            [
                ("@s/c", "3.0.0"),
                ("a", "1.0.0"),
                ("b", "2.0.0"),
                ("b", "1.0.0")
            ]
        );
        assert_eq!(f.packages[0].purl, "pkg:npm/%40s/c@3.0.0");
        // @s/c -> the top-level b (1.0.0); a -> @s/c and its own b (2.0.0).
        assert_eq!(f.edges, [(0, 3), (1, 0), (1, 2)]);
    }

    #[test]
    fn v1_nested() {
        let lock = r#"{"lockfileVersion":1,"dependencies":{
            "a":{"version":"1.0.0","requires":{"b":"^2"},"dependencies":{"b":{"version":"2.0.0"}}},
            "b":{"version":"1.0.0"},
            "c":{"version":"1.0.0","requires":{"b":"^1"}}}}"#;
        let f = PackageLock
            .catalog("package-lock.json", None, lock.as_bytes(), &Env::default())
            .unwrap();
        let names: Vec<_> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("a", "1.0.0"),
                ("b", "1.0.0"),
                ("c", "1.0.0"),
                ("b", "2.0.0")
            ]
        );
        assert!(f.edges.contains(&(0, 3)), "{:?}", f.edges);
        assert!(f.edges.contains(&(2, 1)), "{:?}", f.edges);
        let e = PackageLock
            .catalog("p", None, b"{\n\"packages\": {\n,}", &Env::default())
            .unwrap_err();
        assert_eq!(e.line, Some(3));
    }
}
