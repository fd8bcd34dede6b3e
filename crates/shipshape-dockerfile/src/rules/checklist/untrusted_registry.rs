use super::common::advice;
use crate::rules::{Context, Out, Rule};
use crate::stages::BaseRef;
use shipshape_core::imageref::ImageRef;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1008",
    slug: "untrusted-registry",
    summary: "A base image comes from a registry outside `trusted_registries`",
    severity: Severity::Medium,
    checklist: ChecklistItem::BaseImage,
    source: SourceKind::Dockerfile,
    equivalents: &[("hadolint", "DL3026")],
    fix: None,
    docs: r#"## What it does
When `[dockerfile] trusted_registries` is set in `shipshape.toml`, reports every `FROM` whose
external image does not come from one of those registries. It does nothing when the list is
empty (the default).

An entry is a registry host (`ghcr.io`, `registry.example.com:5000`), a host and repository
prefix (`ghcr.io/acme`, `docker.io/library` for Docker Official Images only), or a wildcard host
(`*.example.com`). An image without a registry comes from `docker.io`. Build arguments are
expanded with their defaults; a `FROM $IMAGE` without a default is not judged. Every stage is
checked: a build stage on an untrusted image runs its code during the build.

## Why it matters
The base image is code you run with full trust. Restricting bases to a mirror or a curated
registry keeps typo-squatted and abandoned images out, and makes scanning and pinning
policies enforceable.

## How to fix
Pull the image through your trusted registry (a mirror or a re-published copy), or add its
registry to `trusted_registries` after review:

```toml
[dockerfile]
trusted_registries = ["registry.example.com", "docker.io/library"]
```

## Example
```dockerfile
# trusted_registries = ["registry.example.com"]
FROM randomuser/node-tools:1.0     # reported: docker.io is not trusted
FROM registry.example.com/base/python:3.12
```
"#,
};

fn normalise_host(host: &str) -> String {
    let h = host.to_ascii_lowercase();
    match h.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".into()
        }
        _ => h,
    }
}

/// `host/repository` of an image, with Docker Hub's implicit `docker.io` and `library/`.
pub fn full_name(image: &ImageRef<'_>) -> String {
    let host = normalise_host(image.registry.unwrap_or("docker.io"));
    let repo = if host == "docker.io" && !image.repository.contains('/') {
        format!("library/{}", image.repository)
    } else {
        image.repository.to_string()
    };
    format!("{host}/{repo}")
}

/// Whether `full` (`host/repo`) is covered by a trusted entry.
pub fn is_trusted(full: &str, entries: &[String]) -> bool {
    let host = full.split('/').next().unwrap_or(full);
    entries.iter().any(|entry| {
        let e = entry.trim().trim_end_matches('/');
        let e = e
            .strip_prefix("https://")
            .or_else(|| e.strip_prefix("http://"))
            .unwrap_or(e);
        if e.is_empty() {
            return false;
        }
        let (e_host, e_path) = match e.split_once('/') {
            Some((h, p)) => (normalise_host(h), Some(p)),
            None => (normalise_host(e), None),
        };
        let host_ok = match e_host.strip_prefix("*.") {
            Some(suffix) => host.ends_with(&format!(".{suffix}")),
            None => host == e_host,
        };
        host_ok
            && e_path.is_none_or(|p| {
                let rest = &full[host.len()..];
                let rest = rest.trim_start_matches('/');
                rest == p || rest.starts_with(&format!("{p}/"))
            })
    })
}

shipshape_core::declare_rule!(UntrustedRegistry);

impl Rule for UntrustedRegistry {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        let trusted = &ctx.options.trusted_registries;
        if trusted.is_empty() {
            return;
        }
        for stage in &ctx.graph.stages {
            let BaseRef::Image(reference) = &stage.base_ref else {
                continue;
            };
            if !stage.base.unresolved.is_empty() || stage.base.error.is_some() {
                continue;
            }
            let Ok(image) = ImageRef::parse(reference) else {
                continue;
            };
            let full = full_name(&image);
            if is_trusted(&full, trusted) {
                continue;
            }
            let host = full.split('/').next().unwrap_or("docker.io");
            out.push(
                ctx.finding(
                    &META,
                    stage.base.word.span,
                    format!(
                        "base image `{reference}` comes from `{host}`, which is not in trusted_registries ({})",
                        trusted.join(", ")
                    ),
                )
                .with_fix(advice(
                    "pull the image through a trusted registry, or add its registry to `trusted_registries` after review",
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(image: &str, entries: &[&str]) -> bool {
        let e: Vec<String> = entries.iter().map(|s| s.to_string()).collect();
        is_trusted(&full_name(&ImageRef::parse(image).expect("test input")), &e)
    }

    #[test]
    fn matching() {
        assert!(trusted("nginx:1.27", &["docker.io"]));
        assert!(trusted("nginx:1.27", &["docker.io/library"]));
        assert!(!trusted("bitnami/nginx:1.27", &["docker.io/library"]));
        assert!(trusted("ghcr.io/acme/app:1", &["ghcr.io/acme"]));
        assert!(!trusted("ghcr.io/acmevil/app:1", &["ghcr.io/acme"]));
        assert!(trusted(
            "reg.corp.example:5000/x:1",
            &["*.corp.example:5000"]
        ));
        assert!(!trusted("quay.io/x/y:1", &["ghcr.io"]));
        assert!(trusted("index.docker.io/library/alpine:3", &["docker.io"]));
    }
}
