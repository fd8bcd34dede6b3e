//! composer.lock: `packages` and `packages-dev`, each with `name` (`vendor/package`),
//! `version`, `require` and `license`.

use super::{json, named, package};
use crate::catalog::{CatalogError, Cataloger, Env, Found};
use crate::model::Ecosystem;
use serde_json::Value;

pub struct ComposerLock;

impl Cataloger for ComposerLock {
    fn id(&self) -> &'static str {
        "composer-lock"
    }

    fn wants(&self, path: &str) -> bool {
        named(path, "composer.lock")
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
                "not a composer.lock document (not an object)",
            ));
        }
        let mut found = Found::default();
        let mut deps: Vec<Vec<String>> = Vec::new();
        for list in ["packages", "packages-dev"] {
            let Some(items) = doc.get(list) else { continue };
            let items = items
                .as_array()
                .ok_or_else(|| CatalogError::new(format!("`{list}` is not an array")))?;
            for (i, p) in items.iter().enumerate() {
                let field = |k: &str| p.get(k).and_then(Value::as_str);
                let (Some(full), Some(version)) = (field("name"), field("version")) else {
                    return Err(CatalogError::new(format!(
                        "`{list}` entry {} has no name or version",
                        i + 1
                    )));
                };
                let (vendor, name) = match full.split_once('/') {
                    Some((v, n)) => (Some(v), n),
                    None => (None, full),
                };
                let mut pkg = package(Ecosystem::Composer, vendor, name, version, location, layer)?;
                pkg.licenses = p
                    .get("license")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                found.packages.push(pkg);
                deps.push(
                    p.get("require")
                        .and_then(Value::as_object)
                        .map(|m| m.keys().map(|k| k.to_ascii_lowercase()).collect())
                        .unwrap_or_default(),
                );
            }
        }
        for (i, names) in deps.iter().enumerate() {
            for d in names {
                if let Some(j) = found
                    .packages
                    .iter()
                    .position(|p| p.name.eq_ignore_ascii_case(d))
                {
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
    fn lockfile() {
        let lock = r#"{"packages":[{"name":"symfony/console","version":"v6.4.1","license":["MIT"],"require":{"php":">=8.1","psr/log":"^3"}}],
            "packages-dev":[{"name":"psr/log","version":"3.0.0"}]}"#;
        let f = ComposerLock
            .catalog("composer.lock", None, lock.as_bytes(), &Env::default())
            .unwrap();
        assert_eq!(f.packages[0].purl, "pkg:composer/symfony/console@v6.4.1");
        assert_eq!(f.packages[0].licenses, ["MIT"]);
        assert_eq!(f.edges, [(0, 1)]);
        assert!(ComposerLock
            .catalog(
                "composer.lock",
                None,
                br#"{"packages":[{"name":"a/b"}]}"#,
                &Env::default()
            )
            .is_err());
    }
}
