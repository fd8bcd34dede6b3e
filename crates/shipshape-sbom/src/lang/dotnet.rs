//! .NET `*.deps.json`: the dependency manifest `dotnet build`/`publish` writes beside an
//! application (`App.deps.json`) and that the runtime's host reads to load it.
//!
//! `libraries` maps `Name/Version` to an entry whose `type` says what it is:
//! - `package`: a NuGet package the application ships: listed, `pkg:nuget/Name@Version`;
//! - `runtimepack`: the .NET runtime a self-contained application carries
//!   (`runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0`): listed under the NuGet
//!   package it comes from (`Microsoft.NETCore.App.Runtime.linux-x64`), which is what .NET
//!   runtime advisories name;
//! - `project`, `msbuildproject`: the application and its own projects: the root, not listed;
//! - `reference`, `referenceassembly`: assemblies of the installed framework or a local DLL,
//!   not packages: not listed.
//!
//! Any other type is an error rather than a silently skipped entry. Dependency edges come from
//! `targets`: the runtime target (`runtimeTarget.name`) when it is there, else every target;
//! each `Name/Version` entry's `dependencies` map names the packages it needs.

use super::{json, package};
use crate::catalog::{CatalogError, Cataloger, Env, Found};
use crate::model::Ecosystem;
use serde_json::Value;
use std::collections::HashMap;

pub struct DepsJson;

impl Cataloger for DepsJson {
    fn id(&self) -> &'static str {
        "dotnet-deps"
    }

    fn wants(&self, path: &str) -> bool {
        path.rsplit('/')
            .next()
            .is_some_and(|n| n.len() > ".deps.json".len() && n.ends_with(".deps.json"))
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        _env: &Env,
    ) -> Result<Found, CatalogError> {
        let doc = json(bytes)?;
        // Structural errors name the line of the offending key (the JSON value has no spans).
        let text = String::from_utf8_lossy(bytes);
        let at = |key: &str, msg: String| match line_of(&text, key) {
            Some(l) => CatalogError::at(l, msg),
            None => CatalogError::new(msg),
        };
        let libraries = doc
            .get("libraries")
            .ok_or_else(|| CatalogError::new("not a .NET deps.json: no `libraries`"))?
            .as_object()
            .ok_or_else(|| at("libraries", "`libraries` is not an object".into()))?;

        let mut found = Found::default();
        // `Name/Version` (as `targets` spells it) → package index.
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (key, entry) in libraries {
            let ty = entry
                .get("type")
                .and_then(Value::as_str)
                .ok_or_else(|| at(key, format!("library `{key}` has no `type`")))?;
            let (name, version) = key
                .split_once('/')
                .filter(|(n, v)| !n.is_empty() && !v.is_empty())
                .ok_or_else(|| at(key, format!("library `{key}` is not `Name/Version`")))?;
            let name = match ty {
                "package" => name,
                "runtimepack" => name.strip_prefix("runtimepack.").unwrap_or(name),
                "project" | "msbuildproject" | "reference" | "referenceassembly" => continue,
                other => {
                    return Err(at(
                        key,
                        format!("library `{key}` has an unknown type `{other}`"),
                    ))
                }
            };
            let pkg = package(Ecosystem::Nuget, None, name, version, location, layer)?;
            index.insert(key.as_str(), found.packages.len());
            found.packages.push(pkg);
        }

        if let Some(targets) = doc.get("targets") {
            let targets = targets
                .as_object()
                .ok_or_else(|| at("targets", "`targets` is not an object".into()))?;
            let runtime = doc
                .get("runtimeTarget")
                .and_then(|t| t.get("name"))
                .and_then(Value::as_str)
                .filter(|n| targets.contains_key(*n));
            for (tname, target) in targets {
                if runtime.is_some_and(|r| r != tname) {
                    continue;
                }
                let target = target
                    .as_object()
                    .ok_or_else(|| at(tname, format!("target `{tname}` is not an object")))?;
                for (key, entry) in target {
                    let Some(&from) = index.get(key.as_str()) else {
                        continue;
                    };
                    let Some(deps) = entry.get("dependencies") else {
                        continue;
                    };
                    let deps = deps.as_object().ok_or_else(|| {
                        at(key, format!("`dependencies` of `{key}` is not an object"))
                    })?;
                    for (dep, version) in deps {
                        let version = version.as_str().ok_or_else(|| {
                            at(key, format!("dependency `{dep}` of `{key}` has no version"))
                        })?;
                        if let Some(&to) = index.get(format!("{dep}/{version}").as_str()) {
                            if to != from {
                                found.edges.push((from, to));
                            }
                        }
                    }
                }
            }
        }
        found.edges.sort_unstable();
        found.edges.dedup();
        Ok(found)
    }
}

/// The 1-based line of the first occurrence of `"key"` in the document.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let quoted = format!("\"{key}\"");
    text.find(&quoted)
        .map(|at| text[..at].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = r#"{
  "runtimeTarget": { "name": ".NETCoreApp,Version=v8.0/linux-x64", "signature": "" },
  "targets": {
    ".NETCoreApp,Version=v8.0": {
      "App/1.0.0": { "dependencies": { "Serilog": "3.1.1" } },
      "Serilog/3.1.1": { "dependencies": { "Newtonsoft.Json": "13.0.3" } }
    },
    ".NETCoreApp,Version=v8.0/linux-x64": {
      "App/1.0.0": {
        "dependencies": {
          "Newtonsoft.Json": "13.0.3",
          "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64": "8.0.4"
        }
      },
      "Newtonsoft.Json/13.0.3": { "runtime": { "lib/net6.0/Newtonsoft.Json.dll": {} } },
      "Microsoft.Extensions.Logging/8.0.0": {
        "dependencies": { "Newtonsoft.Json": "13.0.3", "Missing.Package": "1.0.0" }
      },
      "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.4": { "runtime": {} }
    }
  },
  "libraries": {
    "App/1.0.0": { "type": "project", "serviceable": false, "sha512": "" },
    "Newtonsoft.Json/13.0.3": { "type": "package", "serviceable": true, "path": "newtonsoft.json/13.0.3" },
    "Microsoft.Extensions.Logging/8.0.0": { "type": "package" },
    "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.4": { "type": "runtimepack" },
    "Microsoft.AspNetCore.DataProtection/8.0.0.0": { "type": "referenceassembly" },
    "Lib/1.0.0": { "type": "project" }
  }
}"#;

    fn run(text: &str) -> Result<Found, CatalogError> {
        DepsJson.catalog("app/App.deps.json", None, text.as_bytes(), &Env::default())
    }

    #[test]
    fn packages_and_runtime_target_edges() {
        let f = run(APP).unwrap();
        let name = |i: usize| f.packages[i].name.as_str();
        // The JSON map's key order depends on serde_json's features: compare sorted.
        let mut purls: Vec<&str> = f.packages.iter().map(|p| p.purl.as_str()).collect();
        purls.sort_unstable();
        assert_eq!(
            purls,
            [
                "pkg:nuget/Microsoft.Extensions.Logging@8.0.0",
                "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@8.0.4",
                "pkg:nuget/Newtonsoft.Json@13.0.3",
            ]
        );
        assert!(f.packages.iter().all(|p| p.ecosystem == Ecosystem::Nuget));
        // Only the runtime target's edges: Logging → Newtonsoft.Json (Serilog's edge is in
        // the other target, and Serilog is no library).
        let edges: Vec<(&str, &str)> = f.edges.iter().map(|&(a, b)| (name(a), name(b))).collect();
        assert_eq!(edges, [("Microsoft.Extensions.Logging", "Newtonsoft.Json")]);
    }

    #[test]
    fn which_files() {
        assert!(DepsJson.wants("/app/App.deps.json"));
        assert!(DepsJson.wants(
            "/usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.4/Microsoft.NETCore.App.deps.json"
        ));
        assert!(!DepsJson.wants("/app/.deps.json"));
        assert!(!DepsJson.wants("/app/App.runtimeconfig.json"));
        assert!(!DepsJson.wants("/app/deps.json"));
    }

    #[test]
    fn bad_documents_are_errors_with_lines() {
        let e = run("{\n  \"libraries\": {\n    \"A/1\": {\"type\": \"package\"},\n  }\n}")
            .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        let e =
            run("{\n  \"libraries\": {\n    \"A/1\": {\"type\": \"weird\"}\n  }\n}").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("weird"), "{e}");
        let e = run("{\n  \"libraries\": {\n    \"NoVersion\": {\"type\": \"package\"}\n  }\n}")
            .unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(run(r#"{"libraries": {"A/1": {}}}"#).is_err());
        assert!(run(r#"{"libraries": []}"#).is_err());
        assert!(run(r#"{"targets": {}}"#).is_err());
        assert!(run(r#"{"libraries": {"A/1": {"type":"package"}}, "targets": {"t": {"A/1": {"dependencies": []}}}}"#).is_err());
    }

    #[test]
    fn projects_only_is_empty() {
        let f = run(r#"{"libraries": {"App/1.0.0": {"type": "project"}}}"#).unwrap();
        assert!(f.packages.is_empty());
    }
}
