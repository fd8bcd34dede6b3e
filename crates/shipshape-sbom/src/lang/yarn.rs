//! yarn.lock: Yarn 1's own format (`# yarn lockfile v1`: entries keyed by the comma-separated
//! `name@range` descriptors they satisfy, two-space indented fields, `dependencies:` blocks) and
//! Yarn 2+ ("berry"), which is YAML with a `__metadata` entry and `name@npm:range` descriptors.
//!
//! Workspace, link, portal and file entries are the project's own code and are left out. A
//! yarn.lock does not record which dependencies are development ones (only package.json does),
//! so every locked package is listed. The same name and version locked twice (an entry repeated,
//! or a berry `patch:` of an npm package) is listed once.

use super::npm::npm_package;
use super::{named, text, yaml_docs};
use crate::catalog::{CatalogError, Cataloger, Env, Found};
use serde_json::Value;
use std::collections::HashMap;

pub struct YarnLock;

impl Cataloger for YarnLock {
    fn id(&self) -> &'static str {
        "yarn-lock"
    }

    fn wants(&self, path: &str) -> bool {
        named(path, "yarn.lock")
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let text = text(bytes)?;
        let entries = if text.lines().any(|l| l.starts_with("__metadata:")) {
            berry(text)?
        } else {
            v1(text)?
        };
        build(entries, location, layer)
    }
}

/// One lockfile entry: the descriptors (`name@range`) it answers, the package's name and
/// version, and its dependencies as descriptors.
#[derive(Debug)]
struct Entry {
    descriptors: Vec<String>,
    name: String,
    version: String,
    deps: Vec<String>,
    local: bool,
}

/// Protocols of the project's own code rather than of published packages.
const LOCAL: [&str; 5] = ["workspace:", "link:", "portal:", "file:", "exec:"];

/// `name@range` → (`name`, `range`), the name possibly scoped (`@s/n@^1`).
pub(crate) fn split_descriptor(d: &str) -> Option<(&str, &str)> {
    let at = d.get(1..)?.find('@')? + 1;
    Some((&d[..at], &d[at + 1..]))
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

fn v1(text: &str) -> Result<Vec<Entry>, CatalogError> {
    let mut entries: Vec<Entry> = Vec::new();
    // Whether the current two-space field is a dependency block whose lines we keep.
    let mut in_deps = false;
    let mut open = false;
    let mut versioned: Vec<(usize, bool)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = line.trim();
        match indent {
            0 => {
                let Some(keys) = body.strip_suffix(':') else {
                    return Err(CatalogError::at(n, "entry header does not end with `:`"));
                };
                let mut descriptors = Vec::new();
                for k in keys.split(", ") {
                    let k = unquote(k);
                    if split_descriptor(k).is_none() {
                        return Err(CatalogError::at(
                            n,
                            format!("`{k}` is not a name@range descriptor"),
                        ));
                    }
                    descriptors.push(k.to_string());
                }
                let Some((alias, range)) = descriptors.first().and_then(|d| split_descriptor(d))
                else {
                    return Err(CatalogError::at(n, "entry header names no package"));
                };
                // An alias (`foo@npm:debug@^4`) installs the package it names.
                let name = match range.strip_prefix("npm:") {
                    Some(target) => split_descriptor(target).map_or(target, |(n, _)| n),
                    None => alias,
                };
                let local = descriptors.iter().all(|d| {
                    split_descriptor(d).is_some_and(|(_, r)| LOCAL.iter().any(|p| r.starts_with(p)))
                });
                entries.push(Entry {
                    name: name.to_string(),
                    descriptors,
                    version: String::new(),
                    deps: Vec::new(),
                    local,
                });
                versioned.push((n, false));
                open = true;
                in_deps = false;
            }
            2 if open => {
                let Some(e) = entries.last_mut() else {
                    return Err(CatalogError::at(n, "field outside an entry"));
                };
                in_deps = matches!(body, "dependencies:" | "optionalDependencies:");
                if in_deps || body.ends_with(':') {
                    continue;
                }
                let Some((key, value)) = body.split_once(' ') else {
                    return Err(CatalogError::at(n, format!("field `{body}` has no value")));
                };
                match key {
                    "version" => {
                        e.version = unquote(value).to_string();
                        if let Some(v) = versioned.last_mut() {
                            v.1 = true;
                        }
                    }
                    "resolved" if unquote(value).starts_with("file:") => e.local = true,
                    _ => {}
                }
            }
            4 if open => {
                if !in_deps {
                    continue;
                }
                let Some(e) = entries.last_mut() else {
                    return Err(CatalogError::at(n, "dependency outside an entry"));
                };
                let Some((dep, range)) = body.split_once(' ') else {
                    return Err(CatalogError::at(
                        n,
                        format!("dependency `{body}` has no range"),
                    ));
                };
                e.deps.push(format!("{}@{}", unquote(dep), unquote(range)));
            }
            _ => {
                return Err(CatalogError::at(
                    n,
                    "unexpected indentation for a yarn lockfile",
                ))
            }
        }
    }
    if let Some((n, _)) = versioned.iter().find(|(_, v)| !v) {
        return Err(CatalogError::at(*n, "entry has no version"));
    }
    Ok(entries)
}

/// Berry's lockfile, read one top-level entry at a time: an entry repeated word for word (which
/// hand-edited and merged lockfiles have) is the same package, not a damaged file.
fn berry(text: &str) -> Result<Vec<Entry>, CatalogError> {
    let mut entries = Vec::new();
    for (start, block) in top_level_blocks(text) {
        let docs = yaml_docs(&block).map_err(|mut e| {
            e.line = e.line.map(|l| l + start as u32 - 1);
            e
        })?;
        let map = match docs.first() {
            None | Some(Value::Null) => continue,
            Some(Value::Object(map)) => map,
            Some(_) => {
                return Err(CatalogError::at(
                    start,
                    "not a yarn lockfile entry (not a mapping)",
                ))
            }
        };
        for (key, value) in map {
            if key == "__metadata" {
                continue;
            }
            entries.push(berry_entry(key, value, start)?);
        }
    }
    Ok(entries)
}

/// The text's top-level entries, each with its first line (1-based): a block starts at every
/// line that is neither indented, blank nor a comment.
fn top_level_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let top = !line.is_empty() && !line.starts_with([' ', '\t', '#']);
        if top || blocks.is_empty() {
            blocks.push((i + 1, String::new()));
        }
        if let Some((_, b)) = blocks.last_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    blocks
}

fn berry_entry(key: &str, value: &Value, line: usize) -> Result<Entry, CatalogError> {
    let err = |m: String| CatalogError::at(line, m);
    let Some(resolution) = value.get("resolution").and_then(Value::as_str) else {
        return Err(err(format!("entry `{key}` has no resolution")));
    };
    let Some(version) = value.get("version").and_then(Value::as_str) else {
        return Err(err(format!("entry `{key}` has no version")));
    };
    let Some((name, reference)) = split_descriptor(resolution) else {
        return Err(err(format!("resolution `{resolution}` names no package")));
    };
    let local = LOCAL.iter().any(|p| reference.starts_with(p));
    let mut deps = Vec::new();
    for field in ["dependencies", "optionalDependencies"] {
        if let Some(d) = value.get(field).and_then(Value::as_object) {
            for (dep, range) in d {
                deps.push(format!("{dep}@{}", range.as_str().unwrap_or_default()));
            }
        }
    }
    Ok(Entry {
        descriptors: key.split(", ").map(|d| d.trim().to_string()).collect(),
        name: name.to_string(),
        version: version.to_string(),
        deps,
        local,
    })
}

fn build(entries: Vec<Entry>, location: &str, layer: Option<&str>) -> Result<Found, CatalogError> {
    let mut found = Found::default();
    let mut by_id: HashMap<(String, String), usize> = HashMap::new();
    let mut by_descriptor: HashMap<&str, usize> = HashMap::new();
    let mut index = Vec::with_capacity(entries.len());
    for e in &entries {
        if e.local {
            index.push(None);
            continue;
        }
        let key = (e.name.clone(), e.version.clone());
        let i = match by_id.get(&key) {
            Some(&i) => i,
            None => {
                let i = found.packages.len();
                found
                    .packages
                    .push(npm_package(&e.name, &e.version, location, layer)?);
                by_id.insert(key, i);
                i
            }
        };
        for d in &e.descriptors {
            by_descriptor.insert(d.as_str(), i);
        }
        index.push(Some(i));
    }
    for (e, i) in entries.iter().zip(index) {
        let Some(i) = i else { continue };
        for d in &e.deps {
            // Berry writes `npm:` into descriptors that the dependency lists leave out.
            let j = by_descriptor.get(d.as_str()).copied().or_else(|| {
                let (n, r) = split_descriptor(d)?;
                by_descriptor.get(format!("{n}@npm:{r}").as_str()).copied()
            });
            if let Some(j) = j {
                if j != i {
                    found.edges.push((i, j));
                }
            }
        }
    }
    found.edges.sort_unstable();
    found.edges.dedup();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Result<Found, CatalogError> {
        YarnLock.catalog("yarn.lock", None, s.as_bytes(), &Env::default())
    }

    fn names(f: &Found) -> Vec<(&str, &str)> {
        f.packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect()
    }

    const V1: &str = r#"# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
  version "7.10.4"
  resolved "https://example.invalid/code-frame-7.10.4.tgz#16"
  dependencies:
    "@babel/highlight" "^7.10.4"

"@babel/highlight@^7.10.4":
  version "7.10.4"
  optionalDependencies:
    js-tokens "^4.0.0"

js-tokens@^4.0.0:
  version "4.0.0"

js-tokens@^4.0.0:
  version "4.0.0"

"foo-ms@npm:ms", "other@npm:ms@^2":
  version "2.1.3"

mine@file:../mine:
  version "1.0.0"
"#;

    #[test]
    fn v1_entries_edges_and_local() {
        let f = run(V1).unwrap();
        assert_eq!(
            names(&f),
            [
                ("@babel/code-frame", "7.10.4"),
                ("@babel/highlight", "7.10.4"),
                ("js-tokens", "4.0.0"),
                ("ms", "2.1.3")
            ]
        );
        assert_eq!(f.packages[0].purl, "pkg:npm/%40babel/code-frame@7.10.4");
        assert_eq!(f.edges, [(0, 1), (1, 2)]);
    }

    #[test]
    fn v1_malformed_is_an_error_at_its_line() {
        let e = run("# yarn lockfile v1\n\na@^1:\n  version \"1.0.0\"\n   bad\n").unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        let e = run("a@^1:\n  resolved \"x\"\nb@^1:\n  version \"1\"\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        assert!(e.message.contains("no version"));
        let e = run("a@^1\n  version \"1\"\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        let e = run("noat:\n  version \"1\"\n").unwrap_err();
        assert!(e.message.contains("descriptor"), "{e}");
    }

    const BERRY: &str = r#"__metadata:
  version: 6
  cacheKey: 8

"@babel/code-frame@npm:7.10.4, @babel/code-frame@npm:^7.0.0":
  version: 7.10.4
  resolution: "@babel/code-frame@npm:7.10.4"
  dependencies:
    js-tokens: ^4.0.0
  languageName: node
  linkType: hard

"js-tokens@npm:^4.0.0":
  version: 4.0.0
  resolution: "js-tokens@npm:4.0.0"
  languageName: node
  linkType: hard

"resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>":
  version: 1.22.1
  resolution: "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1"
  languageName: node
  linkType: hard

"resolve@npm:1.22.1":
  version: 1.22.1
  resolution: "resolve@npm:1.22.1"
  languageName: node
  linkType: hard

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    js-tokens: ^4.0.0
  languageName: unknown
  linkType: soft
"#;

    #[test]
    fn berry_entries_edges_and_workspace() {
        let f = run(BERRY).unwrap();
        let mut n = names(&f);
        n.sort();
        assert_eq!(
            n,
            [
                ("@babel/code-frame", "7.10.4"),
                ("js-tokens", "4.0.0"),
                ("resolve", "1.22.1")
            ]
        );
        let cf = f
            .packages
            .iter()
            .position(|p| p.name == "@babel/code-frame")
            .unwrap();
        let js = f
            .packages
            .iter()
            .position(|p| p.name == "js-tokens")
            .unwrap();
        assert_eq!(f.edges, [(cf, js)]);
    }

    #[test]
    fn berry_malformed_is_an_error() {
        let e =
            run("__metadata:\n  version: 6\n\"a@npm:1\":\n  version: 1\n   x: [\n").unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
        let e = run("__metadata:\n  version: 6\n\n\"a@npm:1\":\n  resolution: \"a@npm:1\"\n")
            .unwrap_err();
        assert_eq!(e.line, Some(4), "{e:?}");
        assert!(e.message.contains("no version"));
    }
}
