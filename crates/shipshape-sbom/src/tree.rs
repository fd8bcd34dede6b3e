//! Cataloging a directory: a source tree, or a root filesystem extracted somewhere.

use crate::catalog::{catalog_bytes, wanted, Env, Found};
use crate::model::{Sbom, Subject, SubjectKind};
use crate::osrelease::{self, Distro};
use shipshape_core::ScanError;
use std::collections::BTreeMap;
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
    let mut dbs = Vec::new();
    let mut found: Vec<Found> = Vec::new();
    for rel in files {
        let shown = under(rel.trim_start_matches('/'));
        if !wanted(&rel) {
            crate::binary::in_directory(root, &rel, &shown, &mut found, &mut errors);
            continue;
        }
        let bytes = match std::fs::read(root.join(rel.trim_start_matches('/'))) {
            Ok(b) => b,
            Err(e) => {
                errors.push(ScanError::new(shown, format!("cannot read: {e}")));
                continue;
            }
        };
        if osrelease::PATHS.iter().any(|p| rel.ends_with(p)) {
            collected
                .os_release
                .insert(rel, String::from_utf8_lossy(&bytes).into_owned());
        } else if crate::dpkg::is_copyright(&rel) {
            collected
                .copyrights
                .insert(rel, String::from_utf8_lossy(&bytes).into_owned());
        } else {
            dbs.push((rel, bytes));
        }
    }
    for (rel, bytes) in dbs {
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
                path: under(location),
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
