//! Installed packages' own metadata, as images (and virtual environments) hold them:
//!
//! - `node_modules/NAME/package.json` and `node_modules/@SCOPE/NAME/package.json`: one package
//!   each (a `package.json` deeper inside a package is its own test data or sub-build, not an
//!   installed package). Directory scans do not descend into `node_modules` (the lockfile is a
//!   source tree's record), so these come from images; an image holding both a lockfile and
//!   its installed tree lists each package twice, once per file, each with its location
//!   (merging them would hide which file says what).
//! - Python `NAME-VERSION.dist-info/METADATA` anywhere, and `*.egg-info/PKG-INFO` inside
//!   `site-packages` or `dist-packages` (elsewhere an egg-info is a project's own build output):
//!   the `Name`, `Version` and `License-Expression` (or `License`) headers.
//! - Ruby `specifications/NAME-VERSION.gemspec`: RubyGems writes these as Ruby code; rather
//!   than evaluate Ruby, the `s.name = "…"` and `s.version = "…"` lines RubyGems generates are
//!   read, and the file name (`NAME-VERSION[-PLATFORM].gemspec`) is the fallback.

use super::npm::npm_package;
use super::{json, package, text};
use crate::catalog::{CatalogError, Cataloger, Env, Found};
use crate::model::Ecosystem;
use serde_json::Value;

pub struct NodeModules;

/// Whether `path` is `…/node_modules/NAME/package.json` or `…/node_modules/@S/NAME/package.json`.
fn installed_package_json(path: &str) -> bool {
    let Some(dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let Some(k) = dir.rfind("/node_modules/") else {
        return false;
    };
    let rest = &dir[k + "/node_modules/".len()..];
    match rest.split_once('/') {
        None => !rest.is_empty() && !rest.starts_with('.'),
        Some((scope, name)) => scope.starts_with('@') && !name.is_empty() && !name.contains('/'),
    }
}

impl Cataloger for NodeModules {
    fn id(&self) -> &'static str {
        "node-modules"
    }

    fn wants(&self, path: &str) -> bool {
        installed_package_json(path)
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let doc = json(bytes)?;
        let field = |k: &str| doc.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let (Some(name), Some(version)) = (field("name"), field("version")) else {
            return Err(CatalogError::at(
                1,
                "installed package.json has no name or version",
            ));
        };
        let mut p = npm_package(name, version, location, layer)?;
        if let Some(l) = field("license") {
            p.licenses = vec![l.to_string()];
        }
        Ok(Found {
            packages: vec![p],
            edges: Vec::new(),
        })
    }
}

pub struct PythonInstalled;

impl Cataloger for PythonInstalled {
    fn id(&self) -> &'static str {
        "python-installed"
    }

    fn wants(&self, path: &str) -> bool {
        let parent = |suffix: &str, file: &str| {
            path.strip_suffix(file)
                .and_then(|d| d.strip_suffix('/'))
                .is_some_and(|d| d.ends_with(suffix))
        };
        parent(".dist-info", "METADATA")
            || (parent(".egg-info", "PKG-INFO")
                && (path.contains("/site-packages/") || path.contains("/dist-packages/")))
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let text = text(bytes)?;
        let (mut name, mut version, mut license, mut expression) = (None, None, None, None);
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                break; // the body (the description) follows the headers
            }
            if line.starts_with([' ', '\t']) {
                continue; // a folded header's continuation
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(CatalogError::at(i + 1, "not a metadata header (no `:`)"));
            };
            let value = value.trim();
            match key.to_ascii_lowercase().as_str() {
                "name" => name = Some(value),
                "version" => version = Some(value),
                "license" if !value.is_empty() && value != "UNKNOWN" => license = Some(value),
                "license-expression" => expression = Some(value),
                _ => {}
            }
        }
        let (Some(name), Some(version)) = (name, version) else {
            return Err(CatalogError::at(
                1,
                "metadata has no Name or Version header",
            ));
        };
        let mut p = package(Ecosystem::Pypi, None, name, version, location, layer)?;
        // A one-line License is an identifier or expression; a longer one is the license text.
        if let Some(l) = expression.or(license.filter(|l| l.len() <= 80)) {
            p.licenses = vec![l.to_string()];
        }
        Ok(Found {
            packages: vec![p],
            edges: Vec::new(),
        })
    }
}

pub struct Gemspecs;

/// `NAME-VERSION[-PLATFORM]` → (name, version): the version starts at the first `-digit`.
fn gem_file_name(stem: &str) -> Option<(&str, &str)> {
    let b = stem.as_bytes();
    let k = (1..b.len()).find(|&i| b[i - 1] == b'-' && b[i].is_ascii_digit())?;
    let name = &stem[..k - 1];
    let version = stem[k..].split('-').next()?;
    Some((name, version))
}

/// The string of a generated `s.FIELD = "…"` or `s.FIELD = "…".freeze` line.
fn gemspec_field<'a>(text: &'a str, field: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let l = l.trim();
        let rest = l.strip_prefix("s.")?.strip_prefix(field)?.trim_start();
        let rest = rest.strip_prefix('=')?.trim_start();
        let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let rest = &rest[1..];
        Some(&rest[..rest.find(q)?])
    })
}

impl Cataloger for Gemspecs {
    fn id(&self) -> &'static str {
        "gemspec"
    }

    fn wants(&self, path: &str) -> bool {
        path.ends_with(".gemspec")
            && path
                .rsplit('/')
                .nth(1)
                .is_some_and(|d| d == "specifications")
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let text = text(bytes)?;
        let stem = location
            .rsplit('/')
            .next()
            .and_then(|f| f.strip_suffix(".gemspec"))
            .unwrap_or_default();
        let from_name = gem_file_name(stem);
        let name = gemspec_field(text, "name").or(from_name.map(|n| n.0));
        let version = gemspec_field(text, "version").or(from_name.map(|n| n.1));
        let (Some(name), Some(version)) = (name, version) else {
            return Err(CatalogError::new(
                "gemspec has no `s.name`/`s.version` line and its file name is not NAME-VERSION.gemspec",
            ));
        };
        let p = package(Ecosystem::Gem, None, name, version, location, layer)?;
        Ok(Found {
            packages: vec![p],
            edges: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_modules_paths_and_packages() {
        let n = NodeModules;
        assert!(n.wants("/app/node_modules/a/package.json"));
        assert!(n.wants("/app/node_modules/@s/a/package.json"));
        assert!(n.wants("/app/node_modules/a/node_modules/b/package.json"));
        assert!(!n.wants("/app/node_modules/a/lib/package.json"));
        assert!(!n.wants("/app/node_modules/.bin/package.json"));
        assert!(!n.wants("/app/package.json"));
        let f = n
            .catalog(
                "/app/node_modules/@s/a/package.json",
                None,
                br#"{"name":"@s/a","version":"1.2.3","license":"MIT"}"#,
                &Env::default(),
            )
            .unwrap();
        assert_eq!(f.packages[0].purl, "pkg:npm/%40s/a@1.2.3");
        assert_eq!(f.packages[0].licenses, ["MIT"]);
        let e = n
            .catalog("p", None, br#"{"name":"a"}"#, &Env::default())
            .unwrap_err();
        assert!(e.message.contains("no name or version"));
        let e = n
            .catalog("p", None, b"{\n\"name\": \n}", &Env::default())
            .unwrap_err();
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn python_metadata() {
        let c = PythonInstalled;
        assert!(c.wants("/usr/lib/python3/dist-packages/Foo_Bar-1.0.dist-info/METADATA"));
        assert!(c.wants("/usr/lib/python3.11/site-packages/foo-1.0-py3.11.egg-info/PKG-INFO"));
        assert!(!c.wants("/src/foo.egg-info/PKG-INFO"));
        assert!(!c.wants("/x/METADATA"));
        let m = "Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0\nLicense: MIT\nSummary: x\n  continued\n\nName: body\n";
        let f = c
            .catalog("/m/METADATA", None, m.as_bytes(), &Env::default())
            .unwrap();
        assert_eq!(f.packages[0].purl, "pkg:pypi/foo-bar@1.0");
        assert_eq!(f.packages[0].licenses, ["MIT"]);
        let e = c
            .catalog("/m/METADATA", None, b"Name: a\nbroken\n", &Env::default())
            .unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = c
            .catalog("/m/METADATA", None, b"Name: a\n", &Env::default())
            .unwrap_err();
        assert!(e.message.contains("no Name or Version"));
    }

    #[test]
    fn gemspecs() {
        let c = Gemspecs;
        assert!(c.wants("/usr/local/bundle/specifications/rack-3.0.8.gemspec"));
        assert!(!c.wants("/app/rack.gemspec"));
        let spec = "# stub: rack 3.0.8 ruby lib\nGem::Specification.new do |s|\n  s.name = \"rack\".freeze\n  s.version = \"3.0.8\".freeze\nend\n";
        let f = c
            .catalog(
                "/s/specifications/rack-3.0.8.gemspec",
                None,
                spec.as_bytes(),
                &Env::default(),
            )
            .unwrap();
        assert_eq!(f.packages[0].purl, "pkg:gem/rack@3.0.8");
        // From the file name when the lines are not there.
        let f = c
            .catalog(
                "/s/specifications/nokogiri-1.15.4-x86_64-linux.gemspec",
                None,
                b"Gem::Specification.new do |spec|\nend\n",
                &Env::default(),
            )
            .unwrap();
        assert_eq!(
            (f.packages[0].name.as_str(), f.packages[0].version.as_str()),
            ("nokogiri", "1.15.4")
        );
        assert!(c
            .catalog(
                "/s/specifications/weird.gemspec",
                None,
                b"",
                &Env::default()
            )
            .is_err());
    }
}
