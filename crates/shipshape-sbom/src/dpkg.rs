//! dpkg: `/var/lib/dpkg/status` and the one-file-per-package `status.d/` of distroless images.
//!
//! Both are deb822 control files: paragraphs separated by blank lines, `Field: value` lines,
//! continuation lines starting with a space or tab. A paragraph without a `Package` or, for an
//! installed package, without a `Version` is an error, and so is a line that is neither a field
//! nor a continuation: a damaged database is never read as a smaller one.

use crate::catalog::{resolve_edges, CatalogError, Cataloger, Env, Found};
use crate::model::{Ecosystem, Package, SourcePackage};

pub struct DpkgCataloger;

/// Files in `status.d/` that belong to a package's entry but are not control paragraphs.
const STATUS_D_SIDECARS: [&str; 12] = [
    ".md5sums",
    ".preinst",
    ".postinst",
    ".prerm",
    ".postrm",
    ".conffiles",
    ".list",
    ".shlibs",
    ".symbols",
    ".triggers",
    ".templates",
    ".config",
];

impl Cataloger for DpkgCataloger {
    fn id(&self) -> &'static str {
        "dpkg"
    }

    fn wants(&self, path: &str) -> bool {
        if path.ends_with("/var/lib/dpkg/status") {
            return true;
        }
        match path.rsplit_once("/var/lib/dpkg/status.d/") {
            Some((_, name)) => {
                !name.is_empty()
                    && !name.contains('/')
                    && !name.starts_with('.')
                    && !STATUS_D_SIDECARS.iter().any(|s| name.ends_with(s))
            }
            None => false,
        }
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        env: &Env,
    ) -> Result<Found, CatalogError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| CatalogError::new(format!("not UTF-8 text ({e})")))?;
        let mut found = Found::default();
        let mut requires = Vec::new();
        let mut provides = Vec::new();
        for para in paragraphs(text)? {
            // A paragraph whose fields are all empty (`Package:` alone) describes nothing: no
            // package is lost by passing over it.
            if para.fields.iter().all(|(_, v)| v.trim().is_empty()) {
                continue;
            }
            let Some(name) = para.get("package") else {
                return Err(CatalogError::at(
                    para.line,
                    "a paragraph has no Package field",
                ));
            };
            if name.is_empty() {
                return Err(CatalogError::at(
                    para.line,
                    "a paragraph has an empty Package field",
                ));
            }
            if !installed(para.get("status")) {
                continue;
            }
            let version = match para.get("version") {
                Some(v) if !v.is_empty() => v.to_string(),
                _ => {
                    return Err(CatalogError::at(
                        para.line,
                        format!("package {name} has no Version"),
                    ))
                }
            };
            let arch = para.get("architecture").filter(|a| !a.is_empty());
            let source = para.get("source").and_then(parse_source);
            let purl = crate::purl::os_package(
                Ecosystem::Deb,
                env.distro.as_ref(),
                name,
                &version,
                arch,
                None,
            )
            .map_err(|e| CatalogError::at(para.line, format!("package {name}: {e}")))?;
            let mut reqs = Vec::new();
            for field in ["pre-depends", "depends"] {
                if let Some(v) = para.get(field) {
                    reqs.extend(relation_names(v));
                }
            }
            requires.push(reqs);
            let mut prov = vec![name.to_string()];
            if let Some(v) = para.get("provides") {
                prov.extend(relation_names(v).into_iter().flatten());
            }
            provides.push(prov);
            found.packages.push(Package {
                id: String::new(),
                name: name.to_string(),
                version,
                ecosystem: Ecosystem::Deb,
                purl,
                licenses: Vec::new(),
                source,
                arch: arch.map(str::to_string),
                location: location.to_string(),
                layer: layer.map(str::to_string),
                depends_on: Vec::new(),
            });
        }
        found.edges = resolve_edges(&requires, &provides);
        Ok(found)
    }
}

/// Whether `path` is a package's copyright file (`…/usr/share/doc/NAME/copyright`).
pub(crate) fn is_copyright(path: &str) -> bool {
    path.strip_suffix("/copyright")
        .and_then(|p| p.rsplit_once("/usr/share/doc/"))
        .is_some_and(|(_, name)| !name.is_empty() && !name.contains('/'))
}

/// Fills the licenses of the Debian packages read from the database at `db_path` from their
/// machine-readable copyright files (`License:` fields of DEP-5), which sit below the same root
/// filesystem. Files in another format name no license field and add nothing.
pub(crate) fn attach_licenses(
    found: &mut Found,
    db_path: &str,
    copyrights: &std::collections::BTreeMap<String, String>,
) {
    let Some((root, _)) = db_path.rsplit_once("/var/lib/dpkg/") else {
        return;
    };
    for p in &mut found.packages {
        if p.ecosystem != Ecosystem::Deb || !p.licenses.is_empty() {
            continue;
        }
        if let Some(text) = copyrights.get(&format!("{root}/usr/share/doc/{}/copyright", p.name)) {
            p.licenses = dep5_licenses(text);
        }
    }
}

/// The distinct `License:` values of a DEP-5 copyright file, in order.
fn dep5_licenses(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("License:") {
            let v = v.trim();
            if !v.is_empty() && !out.iter().any(|o| o == v) {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// Whether a `Status:` value (`want flag status`) leaves the package's files on disk. Entries
/// without a status (distroless `status.d/`) are installed.
fn installed(status: Option<&str>) -> bool {
    match status.and_then(|s| s.split_whitespace().nth(2)) {
        None => true,
        Some(state) => !matches!(state, "not-installed" | "config-files"),
    }
}

/// `Source: name` or `Source: name (version)`.
fn parse_source(value: &str) -> Option<SourcePackage> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match value.split_once('(') {
        Some((name, rest)) => Some(SourcePackage {
            name: name.trim().to_string(),
            version: Some(rest.trim_end().trim_end_matches(')').trim().to_string())
                .filter(|v| !v.is_empty()),
        }),
        None => Some(SourcePackage {
            name: value.to_string(),
            version: None,
        }),
    }
}

/// The package names of a relationship field (`a (>= 1), b:any | c`), one list of
/// alternatives per comma-separated requirement, without versions or architecture qualifiers.
fn relation_names(value: &str) -> Vec<Vec<String>> {
    value
        .split(',')
        .map(|req| {
            req.split('|')
                .filter_map(|alt| {
                    let name = alt.trim().split(['(', ' ', '[', '<']).next()?;
                    let name = name.split(':').next()?;
                    (!name.is_empty()).then(|| name.to_string())
                })
                .collect::<Vec<_>>()
        })
        .filter(|alts| !alts.is_empty())
        .collect()
}

/// One deb822 paragraph: lower-cased field names and their values (continuation lines joined
/// with newlines), and the line it starts on.
struct Paragraph<'a> {
    line: usize,
    fields: Vec<(String, std::borrow::Cow<'a, str>)>,
}

impl Paragraph<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
    }
}

fn paragraphs(text: &str) -> Result<Vec<Paragraph<'_>>, CatalogError> {
    let mut out = Vec::new();
    let mut cur: Option<Paragraph<'_>> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            if let Some(p) = cur.take() {
                out.push(p);
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match cur.as_mut().and_then(|p| p.fields.last_mut()) {
                Some((_, v)) => {
                    let v = v.to_mut();
                    v.push('\n');
                    v.push_str(line.trim());
                }
                None => return Err(CatalogError::at(n, "a continuation line outside a field")),
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(CatalogError::at(
                n,
                format!("not a `Field: value` line: {}", excerpt(line)),
            ));
        };
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(CatalogError::at(
                n,
                format!("not a `Field: value` line: {}", excerpt(line)),
            ));
        }
        let p = cur.get_or_insert_with(|| Paragraph {
            line: n,
            fields: Vec::new(),
        });
        p.fields
            .push((key.to_ascii_lowercase(), std::borrow::Cow::Borrowed(value)));
    }
    if let Some(p) = cur.take() {
        out.push(p);
    }
    Ok(out)
}

fn excerpt(line: &str) -> String {
    let mut s: String = line.chars().take(60).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    format!("`{s}`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osrelease::Distro;

    fn env() -> Env {
        Env {
            distro: Some(Distro {
                id: "debian".into(),
                version_id: Some("12".into()),
                ..Distro::default()
            }),
        }
    }

    const STATUS: &str = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nSource: glibc\nVersion: 2.36-9+deb12u9\nDepends: libgcc-s1\nDescription: GNU C Library\n shared libraries\n\nPackage: libgcc-s1\nStatus: install ok installed\nArchitecture: amd64\nSource: gcc-12 (12.2.0-14)\nVersion: 12.2.0-14\nDepends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)\n\nPackage: old-kernel\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: gcc-12-base\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.2.0-14\nProvides: gcc-base\n";

    #[test]
    fn status_file() {
        let f = DpkgCataloger
            .catalog(
                "/var/lib/dpkg/status",
                Some("sha256:ab"),
                STATUS.as_bytes(),
                &env(),
            )
            .unwrap();
        let names: Vec<_> = f.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["libc6", "libgcc-s1", "gcc-12-base"]);
        let libc = &f.packages[0];
        assert_eq!(
            libc.purl,
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12"
        );
        assert_eq!(libc.source.as_ref().unwrap().name, "glibc");
        assert_eq!(libc.source.as_ref().unwrap().version, None);
        let gcc = f.packages[1].source.as_ref().unwrap();
        assert_eq!(
            (gcc.name.as_str(), gcc.version.as_deref()),
            ("gcc-12", Some("12.2.0-14"))
        );
        assert_eq!(libc.layer.as_deref(), Some("sha256:ab"));
        // libc6 -> libgcc-s1, libgcc-s1 -> gcc-12-base and libc6
        assert_eq!(f.edges, [(0, 1), (1, 0), (1, 2)]);
    }

    #[test]
    fn damaged_files_are_errors() {
        let e = DpkgCataloger
            .catalog("s", None, b"Pakij: apt\nStratus: x\n", &env())
            .unwrap_err();
        assert!(e.message.contains("no Package"), "{e}");
        let e = DpkgCataloger
            .catalog(
                "s",
                None,
                b"Package: apt\nVersion: 1\nInsterface to\n",
                &env(),
            )
            .unwrap_err();
        assert_eq!(e.line, Some(3));
        let e = DpkgCataloger
            .catalog(
                "s",
                None,
                b"Package: apt\nStatus: install ok installed\n",
                &env(),
            )
            .unwrap_err();
        assert!(e.message.contains("no Version"), "{e}");
        assert!(DpkgCataloger
            .catalog("s", None, b"", &env())
            .unwrap()
            .packages
            .is_empty());
    }

    #[test]
    fn licenses_from_copyright_files() {
        let mut f = DpkgCataloger
            .catalog("/var/lib/dpkg/status", None, STATUS.as_bytes(), &env())
            .unwrap();
        let mut c = std::collections::BTreeMap::new();
        c.insert(
            "/usr/share/doc/libc6/copyright".to_string(),
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: LGPL-2.1+\n\nFiles: x/*\nLicense: GPL-2+\n\nLicense: LGPL-2.1+\n text\n".to_string(),
        );
        c.insert(
            "/usr/share/doc/libgcc-s1/copyright".to_string(),
            "free text, no fields".to_string(),
        );
        attach_licenses(&mut f, "/var/lib/dpkg/status", &c);
        assert_eq!(f.packages[0].licenses, ["LGPL-2.1+", "GPL-2+"]);
        assert!(f.packages[1].licenses.is_empty());
        assert!(is_copyright("/usr/share/doc/libc6/copyright"));
        assert!(!is_copyright("/usr/share/doc/libc6/examples/copyright"));
    }

    #[test]
    fn wants_status_and_status_d_only() {
        let c = DpkgCataloger;
        assert!(c.wants("/var/lib/dpkg/status"));
        assert!(c.wants("/var/lib/dpkg/status.d/libssl3"));
        assert!(c.wants("/var/lib/dpkg/status.d/python3.11-minimal"));
        assert!(!c.wants("/var/lib/dpkg/status.d/libssl3.md5sums"));
        assert!(!c.wants("/var/lib/dpkg/status-old"));
        assert!(!c.wants("/var/lib/dpkg/available"));
    }
}
