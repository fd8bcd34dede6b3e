//! uv.lock: TOML, one `[[package]]` table per locked distribution, `source` telling where it
//! comes from. The project's own packages (`virtual`, `editable`, `directory` and `path`
//! sources) are left out, and so is what only their `[package.dev-dependencies]` groups need:
//! a package is kept when the project's `dependencies` or `optional-dependencies` reach it
//! (every extra counts, whichever ones an install selects). A lockfile without a local
//! project lists every package. Names are PEP 503 normalised in purls.

use super::python::normalize;
use super::{named, package, text, toml_doc, toml_packages};
use crate::catalog::{CatalogError, Cataloger, Env, Found};
use crate::model::Ecosystem;
use std::collections::{HashMap, HashSet};

pub struct UvLock;

impl Cataloger for UvLock {
    fn id(&self) -> &'static str {
        "uv-lock"
    }

    fn wants(&self, path: &str) -> bool {
        named(path, "uv.lock")
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let text = text(bytes)?;
        let doc = toml_doc(text)?;
        let list = toml_packages(&doc)?;
        // The line of the n-th `[[package]]` header, for errors about one entry.
        let headers: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim() == "[[package]]")
            .map(|(i, _)| i + 1)
            .collect();
        let at = |i: usize, m: String| match headers.get(i) {
            Some(&l) => CatalogError::at(l, m),
            None => CatalogError::new(m),
        };
        struct Entry<'a> {
            name: String,
            version: Option<&'a str>,
            local: bool,
            deps: Vec<(String, Option<&'a str>)>,
        }
        let mut entries = Vec::new();
        for (i, p) in list.iter().enumerate() {
            let Some(name) = p.get("name").and_then(|v| v.as_str()) else {
                return Err(at(i, format!("package entry {} has no name", i + 1)));
            };
            let local = p.get("source").and_then(|s| s.as_table()).is_some_and(|s| {
                ["virtual", "editable", "directory", "path"]
                    .iter()
                    .any(|k| s.contains_key(*k))
            });
            let version = p.get("version").and_then(|v| v.as_str());
            if version.is_none() && !local {
                return Err(at(i, format!("package `{name}` has no version")));
            }
            let mut deps = Vec::new();
            let mut lists = vec![p.get("dependencies")];
            if let Some(t) = p.get("optional-dependencies").and_then(|t| t.as_table()) {
                lists.extend(t.values().map(Some));
            }
            for l in lists.into_iter().flatten() {
                let Some(items) = l.as_array() else {
                    return Err(at(i, format!("`{name}`: dependencies are not a list")));
                };
                for d in items {
                    let Some(n) = d.get("name").and_then(|v| v.as_str()) else {
                        return Err(at(i, format!("`{name}`: a dependency has no name")));
                    };
                    deps.push((normalize(n), d.get("version").and_then(|v| v.as_str())));
                }
            }
            entries.push(Entry {
                name: normalize(name),
                version,
                local,
                deps,
            });
        }
        // A dependency names a package, and its version when the lockfile has several.
        let find = |n: &str, v: Option<&str>| -> Option<usize> {
            entries
                .iter()
                .position(|e| e.name == n && (v.is_none() || e.version == v))
        };
        let keep: Option<HashSet<usize>> = if entries.iter().any(|e| e.local) {
            let mut seen = HashSet::new();
            let mut stack: Vec<usize> = entries
                .iter()
                .filter(|e| e.local)
                .flat_map(|e| e.deps.iter().filter_map(|(n, v)| find(n, *v)))
                .collect();
            while let Some(i) = stack.pop() {
                if seen.insert(i) {
                    stack.extend(entries[i].deps.iter().filter_map(|(n, v)| find(n, *v)));
                }
            }
            Some(seen)
        } else {
            None
        };
        let mut found = Found::default();
        let mut index: HashMap<usize, usize> = HashMap::new();
        for (i, (e, p)) in entries.iter().zip(list).enumerate() {
            let (Some(version), false) = (e.version, e.local) else {
                continue;
            };
            if keep.as_ref().is_some_and(|k| !k.contains(&i)) {
                continue;
            }
            let name = p.get("name").and_then(|v| v.as_str()).unwrap_or(&e.name);
            index.insert(i, found.packages.len());
            found.packages.push(package(
                Ecosystem::Pypi,
                None,
                name,
                version,
                location,
                layer,
            )?);
        }
        for (i, e) in entries.iter().enumerate() {
            let Some(&from) = index.get(&i) else { continue };
            for (n, v) in &e.deps {
                if let Some(to) = find(n, *v).and_then(|j| index.get(&j)) {
                    found.edges.push((from, *to));
                }
            }
        }
        found.edges.sort_unstable();
        found.edges.dedup();
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Result<Found, CatalogError> {
        UvLock.catalog("uv.lock", None, s.as_bytes(), &Env::default())
    }

    const LOCK: &str = r#"version = 1
requires-python = ">=3.11"

[[package]]
name = "Charset_Normalizer"
version = "3.4.1"
source = { registry = "https://pypi.invalid/simple" }

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.invalid/simple" }
dependencies = [
    { name = "charset-normalizer" },
]

[package.optional-dependencies]
socks = [
    { name = "pysocks" },
]

[[package]]
name = "pysocks"
version = "1.7.1"
source = { registry = "https://pypi.invalid/simple" }

[[package]]
name = "pytest"
version = "8.0.0"
source = { registry = "https://pypi.invalid/simple" }

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "requests", extra = ["socks"] },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
]
"#;

    #[test]
    fn project_dependencies_without_dev_or_local() {
        let f = run(LOCK).unwrap();
        let purls: Vec<_> = f.packages.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:pypi/charset-normalizer@3.4.1",
                "pkg:pypi/requests@2.32.3",
                "pkg:pypi/pysocks@1.7.1"
            ]
        );
        assert_eq!(f.edges, [(1, 0), (1, 2)]);
    }

    #[test]
    fn malformed_is_an_error_at_its_line() {
        let e = run("version = 1\n[[package]]\nname = \"a\"\nversion = \n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e:?}");
        let e = run("version = 1\n\n[[package]]\nname = \"a\"\nsource = { registry = \"r\" }\n")
            .unwrap_err();
        assert_eq!(e.line, Some(3), "{e:?}");
        assert!(e.message.contains("no version"));
    }
}
