//! Cargo.lock: `[[package]]` tables with `name`, `version`, `source` and `dependencies`
//! (`"name"`, `"name version"` or `"name version (source)"`).

use super::{named, package, text, toml_doc, toml_packages};
use crate::catalog::{CatalogError, Cataloger, Env, Found};
use crate::model::Ecosystem;

pub struct CargoLock;

impl Cataloger for CargoLock {
    fn id(&self) -> &'static str {
        "cargo-lock"
    }

    fn wants(&self, path: &str) -> bool {
        named(path, "Cargo.lock")
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let doc = toml_doc(text(bytes)?)?;
        let list = toml_packages(&doc)?;
        let mut found = Found::default();
        let mut deps: Vec<Vec<String>> = Vec::new();
        for (i, p) in list.iter().enumerate() {
            let field = |k: &str| p.get(k).and_then(|v| v.as_str());
            let (Some(name), Some(version)) = (field("name"), field("version")) else {
                return Err(CatalogError::new(format!(
                    "package entry {} has no name or version",
                    i + 1
                )));
            };
            let mut pkg = package(Ecosystem::Cargo, None, name, version, location, layer)?;
            if let Some(src) = field("source") {
                pkg.source = None;
                if src.starts_with("git+") {
                    pkg.purl = crate::purl::language(
                        Ecosystem::Cargo,
                        None,
                        name,
                        version,
                        &[("vcs_url", src)],
                    )
                    .map_err(CatalogError::new)?;
                }
            }
            deps.push(
                p.get("dependencies")
                    .and_then(|d| d.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            );
            found.packages.push(pkg);
        }
        for (i, list) in deps.iter().enumerate() {
            for d in list {
                let mut parts = d.split_whitespace();
                let name = parts.next().unwrap_or_default();
                let version = parts.next();
                let target = found
                    .packages
                    .iter()
                    .position(|p| p.name == name && version.is_none_or(|v| p.version == v));
                // A dependency the lockfile does not list loses no package: only the edge.
                if let Some(j) = target {
                    found.edges.push((i, j));
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockfile_with_edges() {
        let lock = "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"serde\", \"rand 0.8.5\"]\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"registry+https://example.invalid/index\"\n\n[[package]]\nname = \"rand\"\nversion = \"0.8.5\"\nsource = \"registry+https://example.invalid/index\"\n\n[[package]]\nname = \"rand\"\nversion = \"0.9.0\"\n";
        let f = CargoLock
            .catalog("Cargo.lock", None, lock.as_bytes(), &Env::default())
            .unwrap();
        assert_eq!(f.packages.len(), 4);
        assert_eq!(f.packages[1].purl, "pkg:cargo/serde@1.0.200");
        assert_eq!(f.edges, [(0, 1), (0, 2)]);
        let e = CargoLock
            .catalog(
                "Cargo.lock",
                None,
                b"[[package]]\nname = \"a\"\nversion = \n",
                &Env::default(),
            )
            .unwrap_err();
        assert_eq!(e.line, Some(3));
    }
}
