//! Gemfile.lock: the `specs:` of its `GEM` and `GIT` sections (`    name (version)` with
//! `      dependency (constraint)` lines under each). `PATH` gems are the project's own. A
//! platform-specific gem (`nokogiri (1.15.4-x86_64-linux)`) carries a `platform` qualifier.

use super::{named, package_with, text};
use crate::catalog::{CatalogError, Cataloger, Env, Found};
use crate::model::Ecosystem;

pub struct GemfileLock;

impl Cataloger for GemfileLock {
    fn id(&self) -> &'static str {
        "gemfile-lock"
    }

    fn wants(&self, path: &str) -> bool {
        named(path, "Gemfile.lock") || named(path, "gems.locked")
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let text = text(bytes)?;
        let mut found = Found::default();
        let mut deps: Vec<Vec<String>> = Vec::new();
        let mut section = String::new();
        let mut in_specs = false;
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            let body = line.trim();
            if indent == 0 {
                section = body.to_string();
                in_specs = false;
                continue;
            }
            if indent == 2 {
                in_specs = body == "specs:";
                continue;
            }
            if !in_specs || !matches!(section.as_str(), "GEM" | "GIT") {
                continue;
            }
            if indent == 4 {
                let Some((name, version)) = name_version(body) else {
                    return Err(CatalogError::at(
                        n,
                        format!("not `name (version)`: `{body}`"),
                    ));
                };
                let (version, platform) = match version.split_once('-') {
                    Some((v, p)) => (v, p),
                    None => (version, ""),
                };
                let pkg = package_with(
                    Ecosystem::Gem,
                    None,
                    name,
                    version,
                    &[("platform", platform)],
                    location,
                    layer,
                )?;
                found.packages.push(pkg);
                deps.push(Vec::new());
            } else if indent == 6 {
                let name = body.split_whitespace().next().unwrap_or_default();
                match deps.last_mut() {
                    Some(d) => d.push(name.to_string()),
                    None => return Err(CatalogError::at(n, "a dependency line before any gem")),
                }
            } else {
                return Err(CatalogError::at(
                    n,
                    format!("unexpected indentation: `{body}`"),
                ));
            }
        }
        for (i, names) in deps.iter().enumerate() {
            for d in names {
                if let Some(j) = found.packages.iter().position(|p| &p.name == d) {
                    found.edges.push((i, j));
                }
            }
        }
        Ok(found)
    }
}

/// `rack (3.0.8)` → (`rack`, `3.0.8`).
fn name_version(s: &str) -> Option<(&str, &str)> {
    let (name, rest) = s.split_once(" (")?;
    let version = rest.strip_suffix(')')?;
    (!name.is_empty() && !version.is_empty()).then_some((name, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockfile() {
        let lock = "PATH\n  remote: .\n  specs:\n    mine (0.1.0)\n\nGEM\n  remote: https://example.invalid/\n  specs:\n    nokogiri (1.15.4-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.7.3)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n\nBUNDLED WITH\n   2.4.10\n";
        let f = GemfileLock
            .catalog("Gemfile.lock", None, lock.as_bytes(), &Env::default())
            .unwrap();
        let purls: Vec<_> = f.packages.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:gem/nokogiri@1.15.4?platform=x86_64-linux",
                "pkg:gem/racc@1.7.3"
            ]
        );
        assert_eq!(f.edges, [(0, 1)]);
        let e = GemfileLock
            .catalog(
                "Gemfile.lock",
                None,
                b"GEM\n  specs:\n    broken\n",
                &Env::default(),
            )
            .unwrap_err();
        assert_eq!(e.line, Some(3));
    }
}
