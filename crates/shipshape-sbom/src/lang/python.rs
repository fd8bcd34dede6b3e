//! Python: pinned requirements files (`name==version`), poetry.lock and Pipfile.lock.
//!
//! In requirements files only pinned requirements name a version: ranges, URLs, paths, editable
//! installs and options are not packages with a known version and are passed over; a line that
//! is none of these and not a requirement is an error.

use super::{named, package, text, toml_doc, toml_packages};
use crate::catalog::{CatalogError, Cataloger, Env, Found};
use crate::model::Ecosystem;
use std::collections::HashMap;

pub struct Requirements;
pub struct PoetryLock;
pub struct PipfileLock;

/// PEP 503 normalisation: lower case, runs of `-`, `_`, `.` as one `-`.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

impl Cataloger for Requirements {
    fn id(&self) -> &'static str {
        "python-requirements"
    }

    fn wants(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or_default();
        name.starts_with("requirements")
            && name.ends_with(".txt")
            && !super::in_dependency_dir(path)
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        // pip reads UTF-16 files that start with a byte-order mark.
        let decoded;
        let text = match bytes {
            [0xff, 0xfe, rest @ ..] | [0xfe, 0xff, rest @ ..] => {
                let le = bytes[0] == 0xff;
                let units: Vec<u16> = rest
                    .chunks_exact(2)
                    .map(|c| {
                        if le {
                            u16::from_le_bytes([c[0], c[1]])
                        } else {
                            u16::from_be_bytes([c[0], c[1]])
                        }
                    })
                    .collect();
                decoded = String::from_utf16(&units)
                    .map_err(|_| CatalogError::new("not valid UTF-16 text"))?;
                decoded.as_str()
            }
            _ => text(bytes)?.trim_start_matches('\u{feff}'),
        };
        let mut found = Found::default();
        let mut joined = String::new();
        let mut start = 0;
        for (i, raw) in text.lines().enumerate() {
            if joined.is_empty() {
                start = i + 1;
            }
            // A backslash at the end continues the line.
            if let Some(head) = raw.strip_suffix('\\') {
                joined.push_str(head);
                joined.push(' ');
                continue;
            }
            joined.push_str(raw);
            let line = std::mem::take(&mut joined);
            if let Some((name, version)) =
                requirement(&line).map_err(|e| CatalogError::at(start, e))?
            {
                found.packages.push(package(
                    Ecosystem::Pypi,
                    None,
                    &name,
                    &version,
                    location,
                    layer,
                )?);
            }
        }
        Ok(found)
    }
}

/// One logical line: `Some((name, version))` for a pinned requirement, `None` for what names
/// no version, an error for what is not a requirement at all.
fn requirement(line: &str) -> Result<Option<(String, String)>, String> {
    // Comments start at `#` at the line start or after whitespace.
    let line = match line
        .find(" #")
        .or_else(|| line.starts_with('#').then_some(0))
    {
        Some(i) => &line[..i],
        None => line,
    };
    let line = line.trim();
    if line.is_empty()
        || line.starts_with('-')
        || line.starts_with('.')
        || line.starts_with('/')
        || line.contains("://")
    {
        return Ok(None);
    }
    // Drop the environment marker and per-requirement options (`--hash=…`).
    let line = line.split(';').next().unwrap_or_default();
    let line = line.split(" --").next().unwrap_or_default().trim();
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    let name = &line[..end];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!("not a requirement: `{line}`"));
    }
    let mut rest = line[end..].trim_start();
    if rest.starts_with('[') {
        match rest.find(']') {
            Some(close) => rest = rest[close + 1..].trim_start(),
            None => return Err(format!("unclosed extras in `{line}`")),
        }
    }
    if rest.starts_with('@') {
        return Ok(None); // a direct reference (URL)
    }
    let spec = rest.trim_start_matches('(').trim_end_matches(')').trim();
    if spec.contains(',') {
        return Ok(None);
    }
    let pinned = spec
        .strip_prefix("===")
        .or_else(|| spec.strip_prefix("=="))
        .map(str::trim);
    match pinned {
        Some(v) if !v.is_empty() && !v.contains('*') => Ok(Some((name.to_string(), v.to_string()))),
        _ if spec.is_empty()
            || spec.starts_with(['<', '>', '!', '~', '='])
            || spec.starts_with("==") =>
        {
            Ok(None)
        }
        _ => Err(format!("not a requirement: `{line}`")),
    }
}

impl Cataloger for PoetryLock {
    fn id(&self) -> &'static str {
        "poetry-lock"
    }

    fn wants(&self, path: &str) -> bool {
        named(path, "poetry.lock")
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
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut deps = Vec::new();
        for (i, p) in list.iter().enumerate() {
            let field = |k: &str| p.get(k).and_then(|v| v.as_str());
            let (Some(name), Some(version)) = (field("name"), field("version")) else {
                return Err(CatalogError::new(format!(
                    "package entry {} has no name or version",
                    i + 1
                )));
            };
            let local = p
                .get("source")
                .and_then(|s| s.get("type"))
                .and_then(|t| t.as_str())
                .is_some_and(|t| matches!(t, "directory" | "file"));
            if local {
                continue;
            }
            index.insert(normalize(name), found.packages.len());
            deps.push(
                p.get("dependencies")
                    .and_then(|d| d.as_table())
                    .map(|t| t.keys().map(|k| normalize(k)).collect::<Vec<_>>())
                    .unwrap_or_default(),
            );
            found.packages.push(package(
                Ecosystem::Pypi,
                None,
                name,
                version,
                location,
                layer,
            )?);
        }
        for (i, names) in deps.iter().enumerate() {
            for n in names {
                if let Some(&j) = index.get(n) {
                    found.edges.push((i, j));
                }
            }
        }
        Ok(found)
    }
}

impl Cataloger for PipfileLock {
    fn id(&self) -> &'static str {
        "pipfile-lock"
    }

    fn wants(&self, path: &str) -> bool {
        named(path, "Pipfile.lock")
    }

    /// The `default` section (`develop` holds development packages, which do not ship); each
    /// entry's `version` is `==X`. Entries without one (VCS or path requirements) name no
    /// version and are passed over.
    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let doc = super::json(bytes)?;
        if !doc.is_object() {
            return Err(CatalogError::new(
                "not a Pipfile.lock document (not an object)",
            ));
        }
        let mut found = Found::default();
        let Some(default) = doc.get("default") else {
            return Ok(found);
        };
        let map = default
            .as_object()
            .ok_or_else(|| CatalogError::new("`default` is not an object"))?;
        let mut names: Vec<&String> = map.keys().collect();
        names.sort();
        for name in names {
            let Some(v) = map[name.as_str()].get("version") else {
                continue;
            };
            let v = v
                .as_str()
                .ok_or_else(|| CatalogError::new(format!("`{name}`: version is not a string")))?;
            let version = v.strip_prefix("==").unwrap_or(v).trim();
            found.packages.push(package(
                Ecosystem::Pypi,
                None,
                name,
                version,
                location,
                layer,
            )?);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_lines() {
        assert_eq!(
            requirement("Django==4.2.1").unwrap(),
            Some(("Django".into(), "4.2.1".into()))
        );
        assert_eq!(
            requirement("requests[socks] == 2.31.0 ; python_version > '3.7' --hash=sha256:ab")
                .unwrap(),
            Some(("requests".into(), "2.31.0".into()))
        );
        assert_eq!(requirement("flask>=2").unwrap(), None);
        assert_eq!(requirement("flask").unwrap(), None);
        assert_eq!(requirement("-r base.txt").unwrap(), None);
        assert_eq!(requirement("# c").unwrap(), None);
        assert_eq!(requirement("pkg @ https://x.invalid/p.whl").unwrap(), None);
        assert!(requirement("<<<<<<< HEAD").is_err());
        assert!(requirement("foo bar").is_err());
        let f = Requirements
            .catalog(
                "requirements.txt",
                None,
                b"a==1 \\\n  --hash=sha256:x\nb>=2\nC_D==3.0\n",
                &Env::default(),
            )
            .unwrap();
        let purls: Vec<_> = f.packages.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(purls, ["pkg:pypi/a@1", "pkg:pypi/c-d@3.0"]);
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("x==1.0\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let f = Requirements
            .catalog("requirements.txt", None, &utf16, &Env::default())
            .unwrap();
        assert_eq!(f.packages[0].purl, "pkg:pypi/x@1.0");
        let e = Requirements
            .catalog(
                "requirements.txt",
                None,
                b"a==1\n=======\n",
                &Env::default(),
            )
            .unwrap_err();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn poetry() {
        let lock = "[[package]]\nname = \"Flask\"\nversion = \"3.0.0\"\n\n[package.dependencies]\nWerkzeug = \">=3.0.0\"\n\n[[package]]\nname = \"werkzeug\"\nversion = \"3.0.1\"\n";
        let f = PoetryLock
            .catalog("poetry.lock", None, lock.as_bytes(), &Env::default())
            .unwrap();
        assert_eq!(f.packages[0].purl, "pkg:pypi/flask@3.0.0");
        assert_eq!(f.edges, [(0, 1)]);
        assert_eq!(normalize("Foo__Bar.baz"), "foo-bar-baz");
        let pipfile = br#"{"_meta":{},"default":{"requests":{"version":"==2.31.0"},"mine":{"path":"."}},"develop":{"pytest":{"version":"==8.0.0"}}}"#;
        let f = PipfileLock
            .catalog("Pipfile.lock", None, pipfile, &Env::default())
            .unwrap();
        let purls: Vec<_> = f.packages.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(purls, ["pkg:pypi/requests@2.31.0"]);
        assert!(PipfileLock
            .catalog("Pipfile.lock", None, b"{\"default\": 1}", &Env::default())
            .is_err());
        assert!(Requirements.wants("/app/requirements-dev.txt"));
        assert!(!Requirements.wants("/usr/lib/python3/site-packages/x/requirements.txt"));
        assert!(!PoetryLock.wants("/usr/lib/python3/dist-packages/x/poetry.lock"));
    }
}
