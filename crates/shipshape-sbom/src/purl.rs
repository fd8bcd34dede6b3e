//! Package URLs (purls), built with the `packageurl` crate, which applies the purl spec's type
//! rules (lower-cased names for `deb`, lower-cased namespaces for `apk` and `rpm`), percent-encodes
//! each component and sorts the qualifiers.

use crate::model::Ecosystem;
use crate::osrelease::Distro;
use packageurl::PackageUrl;

/// The purl of an operating-system package: the namespace is the distribution's vendor (the
/// os-release `ID`; without one `debian` for dpkg and `alpine` for apk, and none for rpm, whose
/// vendors are too many to guess), with `arch`, `epoch` (rpm, when not 0)
/// and `distro` qualifiers (`pkg:deb/debian/libc6@2.36-9+deb12u9?arch=amd64&distro=debian-12`).
pub fn os_package(
    eco: Ecosystem,
    distro: Option<&Distro>,
    name: &str,
    version: &str,
    arch: Option<&str>,
    epoch: Option<&str>,
) -> Result<String, String> {
    let fallback = match eco {
        Ecosystem::Deb => Some("debian"),
        Ecosystem::Apk => Some("alpine"),
        _ => None,
    };
    let namespace = distro.map(|d| d.id.as_str()).or(fallback);
    let mut p = PackageUrl::new(eco.purl_type(), name).map_err(|e| e.to_string())?;
    if let Some(ns) = namespace {
        p.with_namespace(ns).map_err(|e| e.to_string())?;
    }
    if !version.is_empty() {
        p.with_version(version).map_err(|e| e.to_string())?;
    }
    if let Some(a) = arch.filter(|a| !a.is_empty()) {
        p.add_qualifier("arch", a).map_err(|e| e.to_string())?;
    }
    if let Some(e) = epoch.filter(|e| !e.is_empty() && *e != "0") {
        p.add_qualifier("epoch", e).map_err(|e| e.to_string())?;
    }
    if let Some(d) = distro {
        p.add_qualifier("distro", d.qualifier())
            .map_err(|e| e.to_string())?;
    }
    Ok(p.to_string())
}

/// The purl of a language package: `pkg:TYPE/[NAMESPACE/]NAME@VERSION[?QUALIFIERS]`, the type's
/// normalisation (npm and PyPI names lower-cased, PyPI `_` as `-`) applied by `packageurl`.
pub fn language(
    eco: Ecosystem,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> Result<String, String> {
    let mut p = PackageUrl::new(eco.purl_type(), name).map_err(|e| e.to_string())?;
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        p.with_namespace(ns).map_err(|e| e.to_string())?;
    }
    if !version.is_empty() {
        p.with_version(version).map_err(|e| e.to_string())?;
    }
    for (k, v) in qualifiers {
        if !v.is_empty() {
            p.add_qualifier(*k, *v).map_err(|e| e.to_string())?;
        }
    }
    Ok(p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distro(id: &str, v: &str) -> Distro {
        Distro {
            id: id.into(),
            version_id: Some(v.into()),
            ..Distro::default()
        }
    }

    #[test]
    fn spec_examples() {
        assert_eq!(
            os_package(
                Ecosystem::Deb,
                Some(&distro("debian", "12")),
                "libc6",
                "2.36-9+deb12u9",
                Some("amd64"),
                None
            )
            .unwrap(),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12"
        );
        assert_eq!(
            os_package(
                Ecosystem::Apk,
                Some(&distro("alpine", "3.19")),
                "musl",
                "1.2.4-r2",
                Some("x86_64"),
                None
            )
            .unwrap(),
            "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19"
        );
        assert_eq!(
            os_package(
                Ecosystem::Rpm,
                Some(&distro("fedora", "40")),
                "curl",
                "8.6.0-7.fc40",
                Some("x86_64"),
                Some("1")
            )
            .unwrap(),
            "pkg:rpm/fedora/curl@8.6.0-7.fc40?arch=x86_64&distro=fedora-40&epoch=1"
        );
    }

    #[test]
    fn language_examples() {
        let l = |e, ns, n, v| language(e, ns, n, v, &[]).unwrap();
        assert_eq!(
            l(Ecosystem::Npm, Some("@babel"), "core", "7.24.0"),
            "pkg:npm/%40babel/core@7.24.0"
        );
        assert_eq!(
            l(Ecosystem::Pypi, None, "Django_Rest", "3.0"),
            "pkg:pypi/django-rest@3.0"
        );
        assert_eq!(
            l(
                Ecosystem::Golang,
                Some("github.com/google"),
                "uuid",
                "v1.6.0"
            ),
            "pkg:golang/github.com/google/uuid@v1.6.0"
        );
        assert_eq!(
            l(Ecosystem::Composer, Some("symfony"), "console", "v6.4.1"),
            "pkg:composer/symfony/console@v6.4.1"
        );
        assert_eq!(
            l(Ecosystem::Cargo, None, "serde", "1.0.200"),
            "pkg:cargo/serde@1.0.200"
        );
    }
}
