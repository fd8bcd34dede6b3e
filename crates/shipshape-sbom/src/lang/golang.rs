//! go.mod: the `require` directives (single lines and blocks), with `replace` directives
//! applied. A module replaced by a local directory is the project's own code and is left out.
//! go.mod records no graph between modules, so there are no dependency edges.

use super::{named, package, text};
use crate::catalog::{CatalogError, Cataloger, Env, Found};
use crate::model::Ecosystem;
use std::collections::BTreeMap;

pub struct GoMod;

impl Cataloger for GoMod {
    fn id(&self) -> &'static str {
        "go-mod"
    }

    fn wants(&self, path: &str) -> bool {
        named(path, "go.mod")
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let text = text(bytes)?;
        let mut requires: Vec<(String, String)> = Vec::new();
        // old path (and version, if the replacement is for one version) → new path, version
        let mut replaces: BTreeMap<(String, Option<String>), (String, Option<String>)> =
            BTreeMap::new();
        let mut block: Option<String> = None;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.split("//").next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let (verb, args) = match &block {
                Some(v) if line == ")" => {
                    let _ = v;
                    block = None;
                    continue;
                }
                Some(v) => (v.clone(), line.to_string()),
                None => {
                    let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                    let rest = rest.trim();
                    if rest == "(" {
                        block = Some(verb.to_string());
                        continue;
                    }
                    (verb.to_string(), rest.to_string())
                }
            };
            let words: Vec<&str> = args.split_whitespace().collect();
            match verb.as_str() {
                "require" => match words.as_slice() {
                    [path, version] => requires.push((unquote(path), unquote(version))),
                    _ => {
                        return Err(CatalogError::at(
                            n,
                            format!("not `require PATH VERSION`: `{line}`"),
                        ))
                    }
                },
                "replace" => {
                    let Some(arrow) = words.iter().position(|w| *w == "=>") else {
                        return Err(CatalogError::at(
                            n,
                            format!("`replace` without `=>`: `{line}`"),
                        ));
                    };
                    let (old, new) = (&words[..arrow], &words[arrow + 1..]);
                    let key = match old {
                        [p] => (unquote(p), None),
                        [p, v] => (unquote(p), Some(unquote(v))),
                        _ => return Err(CatalogError::at(n, format!("bad `replace`: `{line}`"))),
                    };
                    let value = match new {
                        [p] => (unquote(p), None),
                        [p, v] => (unquote(p), Some(unquote(v))),
                        _ => return Err(CatalogError::at(n, format!("bad `replace`: `{line}`"))),
                    };
                    replaces.insert(key, value);
                }
                "module" | "go" | "toolchain" | "exclude" | "retract" | "godebug" | "tool" => {}
                other => return Err(CatalogError::at(n, format!("unknown directive `{other}`"))),
            }
        }
        if block.is_some() {
            return Err(CatalogError::new("a `(` block is never closed"));
        }
        let mut found = Found::default();
        for (path, version) in requires {
            let rep = replaces
                .get(&(path.clone(), Some(version.clone())))
                .or_else(|| replaces.get(&(path.clone(), None)));
            let (path, version) = match rep {
                Some((new, _)) if new.starts_with('.') || new.starts_with('/') => continue,
                Some((new, Some(v))) => (new.clone(), v.clone()),
                Some((new, None)) => (new.clone(), version),
                None => (path, version),
            };
            let (ns, name) = match path.rsplit_once('/') {
                Some((ns, name)) => (Some(ns), name),
                None => (None, path.as_str()),
            };
            let mut p = package(Ecosystem::Golang, ns, name, &version, location, layer)?;
            p.name = path.clone();
            found.packages.push(p);
        }
        Ok(found)
    }
}

fn unquote(s: &str) -> String {
    s.trim_matches(|c| c == '"' || c == '`').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_and_replaces() {
        let m = "module example.com/app\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n\nrequire (\n\tgolang.org/x/net v0.20.0 // indirect\n\texample.com/local v1.0.0\n\tgithub.com/old/x v1.0.0\n)\n\nreplace example.com/local => ../local\nreplace github.com/old/x v1.0.0 => github.com/new/x v1.1.0\n";
        let f = GoMod
            .catalog("go.mod", None, m.as_bytes(), &Env::default())
            .unwrap();
        let purls: Vec<_> = f.packages.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:golang/github.com/google/uuid@v1.6.0",
                "pkg:golang/golang.org/x/net@v0.20.0",
                "pkg:golang/github.com/new/x@v1.1.0"
            ]
        );
        let e = GoMod
            .catalog("go.mod", None, b"module a\nrequire b\n", &Env::default())
            .unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(GoMod
            .catalog("go.mod", None, b"require (\n a v1\n", &Env::default())
            .is_err());
    }
}
