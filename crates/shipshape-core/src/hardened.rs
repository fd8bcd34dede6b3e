//! Hardened base-image families, as data: who publishes them, which tags are development
//! variants, and what each variant ships (its default user, a shell, a package manager). The
//! Dockerfile rules read this one table: a runtime variant of Docker Hardened Images runs as a
//! non-root user with no shell or package manager, so `FROM dhi.io/python:3.13` neither runs as
//! root nor is a full language image; its `-dev` variant has both, like a full image.
//!
//! It also names the hardened equivalents of well-known full images, for fix texts.

use crate::imageref::ImageRef;

/// What one variant of a family ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    /// The user the image runs as by default (`None`: root).
    pub user: Option<&'static str>,
    /// A shell is present.
    pub shell: bool,
    /// A package manager is present.
    pub package_manager: bool,
}

/// A family of hardened images.
#[derive(Debug)]
pub struct Family {
    /// How it is called in messages.
    pub name: &'static str,
    /// Familiar-name prefixes of its images (`dhi.io/`, `cgr.dev/chainguard/`).
    pub prefixes: &'static [&'static str],
    /// Tag markers of development variants (`-dev`, `-sdk`, `dev`).
    pub dev_markers: &'static [&'static str],
    /// Tag markers of variants that run as a non-root user where the default is root
    /// (distroless `:nonroot`), and that user.
    pub nonroot_marker: Option<(&'static str, &'static str)>,
    /// Only tags holding this marker belong to the family (`-chiseled` for .NET).
    pub tag_marker: Option<&'static str>,
    pub runtime: Variant,
    pub dev: Variant,
    /// Whether its runtime variants count as minimal images.
    pub minimal: bool,
}

/// Every known family. Sources: the families' own documentation of their default users and
/// contents (Docker Hardened Images: runtime variants run as `nonroot` (65532) without shell or
/// package manager, `-dev`/`-sdk` variants run as root with both; Chainguard: `nonroot` (65532),
/// `-dev` tags add a shell and apk; distroless: root unless `:nonroot`, `:debug` adds busybox;
/// .NET chiseled: `app` (1654), no shell, no package manager; Bitnami: uid 1001, Debian-based).
pub static FAMILIES: &[Family] = &[
    Family {
        name: "Docker Hardened Images",
        prefixes: &["dhi.io/", "docker.io/dhi/", "dhi/"],
        dev_markers: &["-dev", "-sdk", "dev", "sdk"],
        nonroot_marker: None,
        tag_marker: None,
        runtime: Variant {
            user: Some("nonroot (uid 65532)"),
            shell: false,
            package_manager: false,
        },
        dev: Variant {
            user: None,
            shell: true,
            package_manager: true,
        },
        minimal: true,
    },
    Family {
        name: "Chainguard",
        prefixes: &["cgr.dev/chainguard/"],
        dev_markers: &["-dev", "dev"],
        nonroot_marker: None,
        tag_marker: None,
        runtime: Variant {
            user: Some("nonroot (uid 65532)"),
            shell: false,
            package_manager: false,
        },
        dev: Variant {
            user: Some("nonroot (uid 65532)"),
            shell: true,
            package_manager: true,
        },
        minimal: true,
    },
    Family {
        name: "distroless",
        prefixes: &["gcr.io/distroless/"],
        dev_markers: &["debug"],
        nonroot_marker: Some(("nonroot", "nonroot (uid 65532)")),
        tag_marker: None,
        runtime: Variant {
            user: None,
            shell: false,
            package_manager: false,
        },
        dev: Variant {
            user: None,
            shell: true,
            package_manager: false,
        },
        minimal: true,
    },
    Family {
        name: ".NET chiseled",
        prefixes: &["mcr.microsoft.com/dotnet/"],
        dev_markers: &[],
        nonroot_marker: None,
        tag_marker: Some("chiseled"),
        runtime: Variant {
            user: Some("app (uid 1654)"),
            shell: false,
            package_manager: false,
        },
        dev: Variant {
            user: Some("app (uid 1654)"),
            shell: false,
            package_manager: false,
        },
        minimal: true,
    },
    Family {
        name: "Bitnami",
        prefixes: &["bitnami/", "docker.io/bitnami/"],
        dev_markers: &[],
        nonroot_marker: None,
        tag_marker: None,
        runtime: Variant {
            user: Some("uid 1001"),
            shell: true,
            package_manager: true,
        },
        dev: Variant {
            user: Some("uid 1001"),
            shell: true,
            package_manager: true,
        },
        minimal: false,
    },
];

/// An image of a hardened family, and what its variant ships.
#[derive(Debug, Clone, Copy)]
pub struct Hardened {
    pub family: &'static Family,
    /// A development variant (`-dev`, `-sdk`, distroless `:debug`).
    pub dev: bool,
    pub variant: Variant,
}

impl Hardened {
    /// Whether the variant is minimal: no shell and no package manager, of a minimal family.
    pub fn is_minimal(&self) -> bool {
        self.family.minimal && !self.variant.shell && !self.variant.package_manager
    }

    /// How the variant is described in notes: `Docker Hardened Images runtime variant`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} variant",
            self.family.name,
            if self.dev { "development" } else { "runtime" }
        )
    }
}

/// The family and variant of an image, if it belongs to a hardened family.
pub fn classify(image: &ImageRef<'_>) -> Option<Hardened> {
    let name = image.familiar_name().to_ascii_lowercase();
    let tag = image.tag.unwrap_or("latest").to_ascii_lowercase();
    let family = FAMILIES
        .iter()
        .find(|f| f.prefixes.iter().any(|p| name.starts_with(p)))?;
    if family.tag_marker.is_some_and(|m| !tag.contains(m)) {
        return None;
    }
    let dev = family.dev_markers.iter().any(|m| {
        if m.starts_with('-') {
            tag.contains(m)
        } else {
            tag == *m || tag.starts_with(&format!("{m}-")) || tag.ends_with(&format!("-{m}"))
        }
    });
    let mut variant = if dev { family.dev } else { family.runtime };
    if let Some((marker, user)) = family.nonroot_marker {
        if tag.contains(marker) {
            variant.user = Some(user);
        }
    }
    Some(Hardened {
        family,
        dev,
        variant,
    })
}

/// The hardened equivalents of a well-known full image (by its short name), for fix texts.
pub fn equivalents(short_name: &str) -> Option<&'static str> {
    Some(match short_name {
        "python" => "`dhi.io/python`, `cgr.dev/chainguard/python` or `gcr.io/distroless/python3-debian12`",
        "node" => "`dhi.io/node`, `cgr.dev/chainguard/node` or `gcr.io/distroless/nodejs22-debian12`",
        "nginx" => "`dhi.io/nginx`, `cgr.dev/chainguard/nginx` or `nginxinc/nginx-unprivileged`",
        "httpd" => "`dhi.io/httpd` or `cgr.dev/chainguard/httpd`",
        "golang" | "rust" | "gcc" => {
            "`gcr.io/distroless/static-debian12:nonroot`, `cgr.dev/chainguard/static` or `scratch` for the runtime stage"
        }
        "openjdk" | "eclipse-temurin" | "amazoncorretto" | "maven" | "gradle" => {
            "`dhi.io/eclipse-temurin` (a JRE variant), `cgr.dev/chainguard/jre` or `gcr.io/distroless/java21-debian12`"
        }
        "ruby" => "`dhi.io/ruby` or `cgr.dev/chainguard/ruby`",
        "php" => "`dhi.io/php` or `cgr.dev/chainguard/php`",
        "dotnet/sdk" => "`mcr.microsoft.com/dotnet/aspnet:8.0-noble-chiseled` or `dhi.io/aspnetcore`",
        "ubuntu" | "debian" | "centos" | "fedora" | "rockylinux" | "almalinux" | "amazonlinux"
        | "oraclelinux" | "buildpack-deps" => {
            "`gcr.io/distroless/base-debian12:nonroot`, `cgr.dev/chainguard/wolfi-base` or `dhi.io/debian-base`"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(r: &str) -> Option<Hardened> {
        classify(&ImageRef::parse(r).unwrap())
    }

    #[test]
    fn families_and_variants() {
        let dhi = of("dhi.io/python:3.13@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").unwrap();
        assert!(!dhi.dev && dhi.is_minimal());
        assert_eq!(dhi.variant.user, Some("nonroot (uid 65532)"));
        let dev = of("dhi.io/python:3.13-dev").unwrap();
        assert!(dev.dev && !dev.is_minimal() && dev.variant.user.is_none());
        assert!(of("dhi.io/dotnet:8-sdk").unwrap().dev);
        let cg = of("cgr.dev/chainguard/node:latest-dev").unwrap();
        assert!(cg.dev && cg.variant.shell && cg.variant.user.is_some());
        assert!(of("cgr.dev/chainguard/node:latest").unwrap().is_minimal());
        let d = of("gcr.io/distroless/static-debian12").unwrap();
        assert!(d.variant.user.is_none() && d.is_minimal());
        assert!(of("gcr.io/distroless/static-debian12:nonroot")
            .unwrap()
            .variant
            .user
            .is_some());
        assert!(of("gcr.io/distroless/base:debug").unwrap().variant.shell);
        assert!(of("mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled")
            .unwrap()
            .is_minimal());
        assert!(of("mcr.microsoft.com/dotnet/aspnet:8.0").is_none());
        let b = of("bitnami/nginx:1.27").unwrap();
        assert!(b.variant.user.is_some() && !b.is_minimal());
        assert!(of("python:3.13").is_none());
        assert!(of("myorg/dhi.io-mirror:1").is_none());
    }

    #[test]
    fn equivalents_of_full_images() {
        assert!(equivalents("python").unwrap().contains("dhi.io/python"));
        assert!(equivalents("nginx")
            .unwrap()
            .contains("cgr.dev/chainguard/nginx"));
        assert!(equivalents("myorg/app").is_none());
    }
}
