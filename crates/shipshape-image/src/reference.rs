//! Image references: transports (`docker-archive:`, `oci-archive:`, `oci:`, `docker:`,
//! `registry:`) and Docker-style names (`[host[:port]/]repo[:tag][@sha256:…]`).

use crate::error::{ErrorKind, ImageError, Result};
use shipshape_core::imageref::ImageRef;
use std::path::{Path, PathBuf};

/// Where an image comes from, once the reference is understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceRef {
    /// A `docker save` tarball; `select` picks an image by tag when it holds several.
    DockerArchive {
        file: PathBuf,
        select: Option<String>,
    },
    /// A tarred OCI layout; `select` is a ref name or digest from its `index.json`.
    OciArchive {
        file: PathBuf,
        select: Option<String>,
    },
    /// An OCI layout directory.
    OciLayout {
        dir: PathBuf,
        select: Option<String>,
    },
    /// An image in the local Docker Engine (name, name:tag, name@digest or an id).
    Engine { name: String },
    /// An image in a registry.
    Registry(RegistryRef),
    /// A bare name: the Engine first, then the registry.
    Name { name: String, registry: RegistryRef },
}

/// The kind of source an image was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceType {
    DockerArchive,
    OciArchive,
    OciLayout,
    Engine,
    Registry,
}

impl SourceType {
    /// The transport prefix naming this source.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceType::DockerArchive => "docker-archive",
            SourceType::OciArchive => "oci-archive",
            SourceType::OciLayout => "oci",
            SourceType::Engine => "docker",
            SourceType::Registry => "registry",
        }
    }
}

/// A registry image reference, normalised the way Docker does (`nginx` is
/// `docker.io/library/nginx:latest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRef {
    /// `host[:port]` as written (`docker.io` for Docker Hub).
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl RegistryRef {
    /// Parses `[host[:port]/]repo[:tag][@digest]` with the core grammar
    /// (`shipshape_core::imageref`); Docker Hub names get `docker.io` and `library/`.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |why: &str| {
            ImageError::new(
                ErrorKind::Reference,
                format!("invalid image reference `{s}`: {why}"),
            )
        };
        let s = s.strip_prefix("//").unwrap_or(s);
        let r = ImageRef::parse(s).map_err(|e| bad(&e.to_string()))?;
        if r.has_variables {
            return Err(bad("variables are not expanded here"));
        }
        if let Some(d) = r.digest {
            // the store takes the digest apart again to name blobs
            crate::store::split_digest(d).map_err(|_| bad("malformed digest"))?;
        }
        Ok(RegistryRef {
            registry: r.registry.unwrap_or("docker.io").to_string(),
            repository: r.path().into_owned(),
            tag: r.tag.map(str::to_string),
            digest: r.digest.map(str::to_string),
        })
    }

    /// The host to talk to (`registry-1.docker.io` for Docker Hub).
    pub fn api_host(&self) -> &str {
        if self.registry == "docker.io" || self.registry == "index.docker.io" {
            "registry-1.docker.io"
        } else {
            &self.registry
        }
    }

    /// The tag or digest to ask the registry for.
    pub fn reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// Canonical text form.
    pub fn canonical(&self) -> String {
        let mut s = format!("{}/{}", self.registry, self.repository);
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

/// The Docker-style name an Engine or registry reference gives (`docker:app:1` is `app:1`,
/// `registry:ghcr.io/a/b:1` is `ghcr.io/a/b:1`), without its transport; `None` for archives and
/// layouts, which are not pulled by name.
pub fn image_name(reference: &str) -> Option<&str> {
    let r = reference.trim();
    if ["docker-archive:", "oci-archive:", "oci:"]
        .iter()
        .any(|p| r.starts_with(p))
    {
        return None;
    }
    let name = ["docker://", "docker-daemon:", "docker:", "registry:"]
        .iter()
        .find_map(|p| r.strip_prefix(p))
        .unwrap_or(r);
    Some(name.strip_prefix("//").unwrap_or(name))
}

/// Understands a reference. Paths are checked against the filesystem for auto-detection.
pub fn parse(reference: &str) -> Result<SourceRef> {
    let r = reference.trim();
    if let Some(rest) = r.strip_prefix("docker-archive:") {
        let (file, select) = split_path_select(rest, false);
        return Ok(SourceRef::DockerArchive { file, select });
    }
    if let Some(rest) = r.strip_prefix("oci-archive:") {
        let (file, select) = split_path_select(rest, false);
        return Ok(SourceRef::OciArchive { file, select });
    }
    if let Some(rest) = r.strip_prefix("oci:") {
        let (dir, select) = split_path_select(rest, true);
        return Ok(SourceRef::OciLayout { dir, select });
    }
    if let Some(rest) = r.strip_prefix("docker://") {
        return Ok(SourceRef::Registry(RegistryRef::parse(rest)?));
    }
    if let Some(rest) = r
        .strip_prefix("docker-daemon:")
        .or_else(|| r.strip_prefix("docker:"))
    {
        if rest.is_empty() {
            return Err(ImageError::new(
                ErrorKind::Reference,
                "empty image name after `docker:`",
            ));
        }
        return Ok(SourceRef::Engine {
            name: rest.to_string(),
        });
    }
    if let Some(rest) = r.strip_prefix("registry:") {
        return Ok(SourceRef::Registry(RegistryRef::parse(rest)?));
    }
    // A path on disk?
    if let Some((path, select)) = existing_path(r) {
        if path.is_dir() {
            return Ok(SourceRef::OciLayout { dir: path, select });
        }
        return match sniff_archive(&path) {
            Some(SourceType::OciArchive) => Ok(SourceRef::OciArchive { file: path, select }),
            _ => Ok(SourceRef::DockerArchive { file: path, select }),
        };
    }
    if looks_like_path(r) {
        return Err(ImageError::new(
            ErrorKind::NotFound,
            format!("no such file or directory: `{r}`"),
        ));
    }
    let registry = RegistryRef::parse(r)?;
    Ok(SourceRef::Name {
        name: r.to_string(),
        registry,
    })
}

/// Whether a reference that names nothing on disk was meant as a path (`/…`, `./…`, `~/…`, an
/// archive name): then "no such file" is the useful error, not a reference syntax error.
fn looks_like_path(r: &str) -> bool {
    let lower = r.to_ascii_lowercase();
    ["/", "./", "../", "~/", ".\\"]
        .iter()
        .any(|p| r.starts_with(p))
        || [".tar", ".tar.gz", ".tgz", ".tar.zst"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// `PATH` or `PATH:SELECT`, preferring the longest prefix that exists.
fn existing_path(r: &str) -> Option<(PathBuf, Option<String>)> {
    if r.is_empty() {
        return None;
    }
    if Path::new(r).exists() {
        return Some((PathBuf::from(r), None));
    }
    // The longest prefix before a `:` that exists: `img.tar:app:v1` selects `app:v1`.
    r.match_indices(':').rev().find_map(|(i, _)| {
        let (p, sel) = (&r[..i], &r[i + 1..]);
        (!p.is_empty() && !sel.is_empty() && Path::new(p).exists())
            .then(|| (PathBuf::from(p), Some(sel.to_string())))
    })
}

fn split_path_select(rest: &str, _dir: bool) -> (PathBuf, Option<String>) {
    if Path::new(rest).exists() {
        return (PathBuf::from(rest), None);
    }
    match existing_path(rest) {
        Some(found) => found,
        None => match rest.split_once(':') {
            // Nothing exists: keep the whole text as the path, so the error names it.
            Some((p, s)) if !p.is_empty() && !s.contains('/') => {
                (PathBuf::from(p), Some(s.to_string()))
            }
            _ => (PathBuf::from(rest), None),
        },
    }
}

/// Tells a docker-archive from an OCI archive by its members (`manifest.json` vs `oci-layout`).
fn sniff_archive(path: &Path) -> Option<SourceType> {
    let f = std::fs::File::open(path).ok()?;
    let mut a = tar::Archive::new(f);
    let mut oci = false;
    for e in a.entries_with_seek().ok()?.take(100_000) {
        let e = e.ok()?;
        let p = e.path_bytes();
        let p = p.strip_prefix(b"./").unwrap_or(&p);
        if p == b"manifest.json" {
            return Some(SourceType::DockerArchive);
        }
        if p == b"oci-layout" {
            oci = true;
        }
    }
    oci.then_some(SourceType::OciArchive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_names() {
        let r = RegistryRef::parse("nginx").expect("valid");
        assert_eq!(
            (
                r.registry.as_str(),
                r.repository.as_str(),
                r.tag.as_deref(),
                r.reference()
            ),
            ("docker.io", "library/nginx", None, "latest")
        );
        assert_eq!(r.api_host(), "registry-1.docker.io");
        let r = RegistryRef::parse("127.0.0.1:5000/team/app:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").expect("valid");
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert!(r.reference().starts_with("sha256:"));
        let r = RegistryRef::parse("localhost/app").expect("valid");
        assert_eq!(r.registry, "localhost");
        assert!(RegistryRef::parse("Bad/Name").is_err());
        assert!(RegistryRef::parse("app:bad tag").is_err());
        assert!(RegistryRef::parse("app@sha256:nothex").is_err());
        assert!(RegistryRef::parse("app:${TAG}").is_err());
        assert!(RegistryRef::parse("").is_err());
        let r = RegistryRef::parse("index.docker.io/nginx:1.27").expect("valid");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.api_host()),
            ("index.docker.io", "library/nginx", "registry-1.docker.io")
        );
        assert_eq!(r.canonical(), "index.docker.io/library/nginx:1.27");
    }

    #[test]
    fn names_without_transport() {
        assert_eq!(image_name("docker:app:1"), Some("app:1"));
        assert_eq!(image_name("docker://ghcr.io/a/b:1"), Some("ghcr.io/a/b:1"));
        assert_eq!(image_name("registry:ghcr.io/a/b:1"), Some("ghcr.io/a/b:1"));
        assert_eq!(image_name(" nginx "), Some("nginx"));
        assert_eq!(image_name("oci:/tmp/layout:v1"), None);
        assert_eq!(image_name("docker-archive:/tmp/a.tar"), None);
    }

    #[test]
    fn missing_paths_are_not_found_not_bad_names() {
        for r in [
            "/nope.tar",
            "./img",
            "../x/oci",
            "build/app.tar",
            "app.tar.gz",
        ] {
            let e = parse(r).expect_err(r);
            assert_eq!(e.kind, ErrorKind::NotFound, "{r}: {e}");
            assert!(e.message.contains("no such file"), "{r}: {e}");
        }
        assert!(matches!(parse("nginx:1.27"), Ok(SourceRef::Name { .. })));
        assert!(matches!(parse("ghcr.io/a/b:1"), Ok(SourceRef::Name { .. })));
    }

    #[test]
    fn transports() {
        assert!(matches!(parse("docker:app:1"), Ok(SourceRef::Engine { name }) if name == "app:1"));
        assert!(
            matches!(parse("registry:ghcr.io/a/b:1"), Ok(SourceRef::Registry(r)) if r.registry == "ghcr.io")
        );
        assert!(
            matches!(parse("oci:/nonexistent/dir:v1"), Ok(SourceRef::OciLayout { select: Some(s), .. }) if s == "v1")
        );
        assert!(matches!(
            parse("docker-archive:/nonexistent.tar"),
            Ok(SourceRef::DockerArchive { select: None, .. })
        ));
        assert!(matches!(parse("alpine:3.20"), Ok(SourceRef::Name { .. })));
        assert!(parse("docker:").is_err());
    }
}
