//! apk: `/lib/apk/db/installed` (Alpine, Wolfi, Chainguard).
//!
//! One record per package, records separated by blank lines, each line `X:value` with a
//! one-letter key (`P` name, `V` version, `A` arch, `L` license, `o` origin, `D` dependencies,
//! `p` provides; `F`, `R`, `Z`, … list files). A line of another shape, or a record without a
//! name or version, is an error.

use crate::catalog::{resolve_edges, CatalogError, Cataloger, Env, Found};
use crate::model::{Ecosystem, Package, SourcePackage};

pub struct ApkCataloger;

#[derive(Default)]
struct Record {
    line: usize,
    name: Option<String>,
    version: Option<String>,
    arch: Option<String>,
    license: Option<String>,
    origin: Option<String>,
    depends: Vec<String>,
    provides: Vec<String>,
}

impl Cataloger for ApkCataloger {
    fn id(&self) -> &'static str {
        "apk"
    }

    fn wants(&self, path: &str) -> bool {
        path.ends_with("/lib/apk/db/installed")
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        env: &Env,
    ) -> Result<Found, CatalogError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| CatalogError::new(format!("not UTF-8 text ({e})")))?;
        let mut records = Vec::new();
        let mut cur: Option<Record> = None;
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            if line.trim().is_empty() {
                records.extend(cur.take());
                continue;
            }
            let b = line.as_bytes();
            if b.len() < 2 || b[1] != b':' || !b[0].is_ascii_alphabetic() {
                let shown: String = line.chars().take(60).collect();
                return Err(CatalogError::at(
                    n,
                    format!("not a `X:value` line: `{shown}`"),
                ));
            }
            let value = &line[2..];
            let r = cur.get_or_insert_with(|| Record {
                line: n,
                ..Record::default()
            });
            match b[0] {
                b'P' => r.name = Some(value.trim().to_string()),
                b'V' => r.version = Some(value.trim().to_string()),
                b'A' => r.arch = Some(value.trim().to_string()),
                b'L' => r.license = Some(value.trim().to_string()),
                b'o' => r.origin = Some(value.trim().to_string()),
                b'D' => r.depends.extend(
                    value
                        .split_whitespace()
                        .filter(|d| !d.starts_with('!'))
                        .map(|d| strip_constraint(d).to_string()),
                ),
                b'p' => r.provides.extend(
                    value
                        .split_whitespace()
                        .map(|d| strip_constraint(d).to_string()),
                ),
                _ => {}
            }
        }
        records.extend(cur.take());

        let mut found = Found::default();
        let mut requires = Vec::new();
        let mut provides = Vec::new();
        for r in records {
            let name = match r.name.as_deref() {
                Some(n) if !n.is_empty() => n,
                _ => {
                    return Err(CatalogError::at(
                        r.line,
                        "a record has no package name (P:)",
                    ))
                }
            };
            let version = match r.version.as_deref() {
                Some(v) if !v.is_empty() => v,
                _ => {
                    return Err(CatalogError::at(
                        r.line,
                        format!("package {name} has no version (V:)"),
                    ))
                }
            };
            let arch = r.arch.as_deref().filter(|a| !a.is_empty());
            let purl = crate::purl::os_package(
                Ecosystem::Apk,
                env.distro.as_ref(),
                name,
                version,
                arch,
                None,
            )
            .map_err(|e| CatalogError::at(r.line, format!("package {name}: {e}")))?;
            requires.push(r.depends.iter().map(|d| vec![d.clone()]).collect());
            let mut prov = vec![name.to_string()];
            prov.extend(r.provides.iter().cloned());
            provides.push(prov);
            found.packages.push(Package {
                id: String::new(),
                name: name.to_string(),
                version: version.to_string(),
                ecosystem: Ecosystem::Apk,
                purl,
                licenses: r
                    .license
                    .iter()
                    .filter(|l| !l.is_empty())
                    .cloned()
                    .collect(),
                source: r
                    .origin
                    .as_ref()
                    .filter(|o| !o.is_empty())
                    .map(|o| SourcePackage {
                        name: o.clone(),
                        version: Some(version.to_string()),
                    }),
                arch: arch.map(str::to_string),
                location: location.to_string(),
                layer: layer.map(str::to_string),
                depends_on: Vec::new(),
            });
        }
        found.edges = resolve_edges(&requires, &provides);
        Ok(found)
    }
}

/// `so:libc.musl-x86_64.so.1=1`, `busybox>=1.36` → the name alone.
fn strip_constraint(dep: &str) -> &str {
    let end = dep.find(['=', '<', '>', '~']).unwrap_or(dep.len());
    &dep[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osrelease::Distro;

    const DB: &str = "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:libc.musl-x86_64.so.1\n\nC:Q1def=\nP:busybox\nV:1.36.1-r15\nA:x86_64\nL:GPL-2.0-only\no:busybox\nD:so:libc.musl-x86_64.so.1 !busybox-extras\n";

    #[test]
    fn installed_db() {
        let env = Env {
            distro: Some(Distro {
                id: "alpine".into(),
                version_id: Some("3.19".into()),
                ..Distro::default()
            }),
        };
        let f = ApkCataloger
            .catalog("/lib/apk/db/installed", None, DB.as_bytes(), &env)
            .unwrap();
        assert_eq!(f.packages.len(), 2);
        assert_eq!(
            f.packages[0].purl,
            "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19"
        );
        assert_eq!(f.packages[1].licenses, ["GPL-2.0-only"]);
        assert_eq!(f.packages[1].source.as_ref().unwrap().name, "busybox");
        assert_eq!(f.edges, [(1, 0)]);
    }

    #[test]
    fn damaged_db_is_an_error() {
        let env = Env::default();
        let e = ApkCataloger
            .catalog("x", None, b"P:musl\nV:1\nthis is not apk\n", &env)
            .unwrap_err();
        assert_eq!(e.line, Some(3));
        let e = ApkCataloger
            .catalog("x", None, b"P:musl\nA:x86_64\n", &env)
            .unwrap_err();
        assert!(e.message.contains("no version"), "{e}");
    }
}
