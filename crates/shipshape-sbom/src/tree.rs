//! Cataloging a directory: a source tree, or a root filesystem extracted somewhere.

use crate::catalog::{catalog_bytes, wanted, Env, Found};
use crate::layers::MAX_DB_BYTES;
use crate::model::{Sbom, Subject, SubjectKind};
use crate::osrelease::{self, Distro};
use shipshape_core::ScanError;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Directories deeper than this are not entered (an error says so).
const MAX_DEPTH: usize = 64;

/// The files of one pass that matter to the catalogers, by path (`/`-separated, leading `/`).
pub(crate) struct Collected {
    /// os-release texts by path.
    pub os_release: BTreeMap<String, String>,
    /// Debian packages' copyright files by path.
    pub copyrights: BTreeMap<String, String>,
}

impl Collected {
    /// The distribution of the root filesystem that holds `path`: the os-release of the
    /// nearest ancestor directory that has one (`/etc/os-release` first, then
    /// `/usr/lib/os-release`), so that several root filesystems under one directory each get
    /// their own.
    pub fn distro_for(&self, path: &str) -> Option<Distro> {
        let mut dir = path;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            for rel in osrelease::PATHS {
                if let Some(text) = self.os_release.get(&format!("{parent}{rel}")) {
                    return osrelease::parse(text);
                }
            }
            dir = parent;
        }
        None
    }
}

/// Catalogs every package database and lockfile under `root`. `display` names the directory as
/// the user did; packages are located relative to it. Files that could not be read or parsed
/// are errors naming them.
pub fn catalog_dir(root: &Path, display: &str) -> (Sbom, Vec<ScanError>) {
    let mut errors = Vec::new();
    let mut files = Vec::new();
    walk(root, "", 0, &mut files, &mut errors, display);
    let (sbom, more) = catalog_files(root, files, display);
    errors.extend(more);
    (sbom, errors)
}

/// Whether a catalogers reads the file at `rel` (relative to a scanned directory,
/// `/`-separated): a lockfile, a package database, or the os-release and copyright files that
/// complete them.
pub fn is_cataloged(rel: &str) -> bool {
    wanted(&format!("/{}", rel.trim_start_matches('/')))
}

/// Catalogs the files `rels` (relative to `root`, `/`-separated; found by another walk, such
/// as `check`'s discovery) as [`catalog_dir`] does. `display` names `root` in errors; empty
/// leaves the paths relative.
pub fn catalog_files(root: &Path, rels: Vec<String>, display: &str) -> (Sbom, Vec<ScanError>) {
    let files: Vec<String> = rels
        .into_iter()
        .map(|r| format!("/{}", r.trim_start_matches('/')))
        .collect();
    let display_dir = display.trim_end_matches('/');
    let under = |location: &str| {
        if display.is_empty() {
            location.to_string()
        } else {
            format!("{display_dir}/{location}")
        }
    };
    let mut errors = Vec::new();
    let mut collected = Collected {
        os_release: BTreeMap::new(),
        copyrights: BTreeMap::new(),
    };
    // os-release and copyright files first: the other files' packages need them. Then one file
    // at a time, read, cataloged and dropped.
    let (context, rest): (Vec<String>, Vec<String>) = files.into_iter().partition(|rel| {
        osrelease::PATHS.iter().any(|p| rel.ends_with(p)) || crate::dpkg::is_copyright(rel)
    });
    for rel in context {
        let shown = under(rel.trim_start_matches('/'));
        let Some(bytes) = read_limited(root, &rel, &shown, MAX_DB_BYTES, &mut errors) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if osrelease::PATHS.iter().any(|p| rel.ends_with(p)) {
            collected.os_release.insert(rel, text);
        } else {
            collected.copyrights.insert(rel, text);
        }
    }
    let mut found: Vec<Found> = Vec::new();
    let mut scratch = crate::binary::Scratch::default();
    for rel in rest {
        let shown = under(rel.trim_start_matches('/'));
        if !wanted(&rel) {
            crate::binary::in_directory(root, &rel, &shown, &mut scratch, &mut found, &mut errors);
            continue;
        }
        let Some(bytes) = read_limited(root, &rel, &shown, MAX_DB_BYTES, &mut errors) else {
            continue;
        };
        let env = Env {
            distro: collected.distro_for(&rel),
        };
        let location = rel.trim_start_matches('/');
        match catalog_bytes(&rel, location, None, &bytes, &env) {
            Ok(Some(mut f)) => {
                crate::dpkg::attach_licenses(&mut f, &rel, &collected.copyrights);
                found.push(f)
            }
            Ok(None) => {}
            Err(e) => errors.push(ScanError {
                path: shown,
                line: e.line,
                column: None,
                message: e.message,
            }),
        }
    }
    let distro = collected.distro_for("/.");
    let subject = Subject {
        name: display.to_string(),
        kind: SubjectKind::Directory,
        digest: None,
    };
    (Sbom::new(subject, distro, found), errors)
}

/// The bytes of the file `rel` below `root`, at most `max` ([`MAX_DB_BYTES`]); `None` after
/// pushing an error naming it (`shown`) when it cannot be read or is larger.
fn read_limited(
    root: &Path,
    rel: &str,
    shown: &str,
    max: u64,
    errors: &mut Vec<ScanError>,
) -> Option<Vec<u8>> {
    let read = || -> std::io::Result<Vec<u8>> {
        let mut f = std::fs::File::open(root.join(rel.trim_start_matches('/')))?;
        let mut bytes = Vec::new();
        f.by_ref()
            .take(max.saturating_add(1))
            .read_to_end(&mut bytes)?;
        Ok(bytes)
    };
    match read() {
        Ok(b) if b.len() as u64 > max => {
            errors.push(ScanError::new(
                shown,
                format!("larger than the {max} bytes read for a package database or lockfile"),
            ));
            None
        }
        Ok(b) => Some(b),
        Err(e) => {
            errors.push(ScanError::new(shown, format!("cannot read: {e}")));
            None
        }
    }
}

fn walk(
    dir: &Path,
    rel: &str,
    depth: usize,
    out: &mut Vec<String>,
    errors: &mut Vec<ScanError>,
    display: &str,
) {
    let shown = || format!("{}{}", display.trim_end_matches('/'), rel);
    if depth > MAX_DEPTH {
        errors.push(ScanError::new(
            shown(),
            format!("directories nested deeper than {MAX_DEPTH} levels were not searched"),
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(ScanError::new(shown(), format!("cannot list: {e}")));
            return;
        }
    };
    let mut list: Vec<_> = entries.filter_map(Result::ok).collect();
    list.sort_by_key(|e| e.file_name());
    for entry in list {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        let path = format!("{rel}/{name}");
        let Ok(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_dir() {
            if name == ".git" || name == "node_modules" {
                continue;
            }
            walk(&entry.path(), &path, depth + 1, out, errors, display);
        } else if ft.is_file()
            && (wanted(&path)
                || entry
                    .metadata()
                    .is_ok_and(|m| crate::binary::wants(&path, m.len())))
        {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file above the limit is an error naming it, never a partial read or a silent skip.
    #[test]
    fn oversized_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.lock"), "x".repeat(100)).unwrap();
        let mut errors = Vec::new();
        assert!(read_limited(
            dir.path(),
            "/Cargo.lock",
            "proj/Cargo.lock",
            99,
            &mut errors
        )
        .is_none());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "proj/Cargo.lock");
        assert!(
            errors[0].message.contains("larger than the 99 bytes"),
            "{}",
            errors[0].message
        );
        errors.clear();
        let b = read_limited(
            dir.path(),
            "/Cargo.lock",
            "proj/Cargo.lock",
            100,
            &mut errors,
        );
        assert_eq!(b.map(|b| b.len()), Some(100));
        assert!(errors.is_empty());
    }

    /// The copyright file is read before the database that needs it, whatever the order given.
    #[test]
    fn copyrights_apply_whatever_the_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
        std::fs::create_dir_all(root.join("usr/share/doc/zlib1g")).unwrap();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(
            root.join("var/lib/dpkg/status"),
            "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.2.13.dfsg-1\n\n",
        )
        .unwrap();
        std::fs::write(
            root.join("usr/share/doc/zlib1g/copyright"),
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: Zlib\n",
        )
        .unwrap();
        std::fs::write(
            root.join("etc/os-release"),
            "ID=debian\nVERSION_ID=\"12\"\n",
        )
        .unwrap();
        let rels = vec![
            "var/lib/dpkg/status".to_string(),
            "usr/share/doc/zlib1g/copyright".to_string(),
            "etc/os-release".to_string(),
        ];
        let (sbom, errors) = catalog_files(root, rels, "rootfs");
        assert!(errors.is_empty(), "{errors:?}");
        let p = sbom
            .packages
            .iter()
            .find(|p| p.name == "zlib1g")
            .expect("zlib1g");
        assert!(p.purl.contains("distro=debian-12"), "{}", p.purl);
        assert_eq!(p.licenses, vec!["Zlib".to_string()]);
    }
}
