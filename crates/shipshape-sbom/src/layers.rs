//! The catalogers as a [`LayerVisitor`]: they run inside the image audit's single verified pass.
//!
//! During the pass the visitor keeps the content of the package databases and os-release files
//! it sees (the latest entry per path: a database a later layer rewrote replaces the earlier
//! one). After the pass, when the final filesystem is known, only the entries still visible are
//! cataloged: a database a later layer deleted yields no packages.

use crate::catalog::{catalog_bytes, wanted, Env, Found};
use crate::model::{Sbom, Subject, SubjectKind};
use crate::osrelease;
use crate::tree::Collected;
use shipshape_core::report::Analysis;
use shipshape_core::ScanError;
use shipshape_image::{FileEntry, FileKind, Image, LayerVisitor};
use std::collections::BTreeMap;
use std::io::{self, Read};

/// The largest package database read (larger ones are an error, never a partial read).
pub(crate) const MAX_DB_BYTES: u64 = 512 << 20;

/// Catalogs an image's packages during the audit's pass; [`LayerSbom::sbom`] after `finish`.
#[derive(Default)]
pub struct LayerSbom {
    /// path → (entry id, layer, content), the latest entry per path.
    files: BTreeMap<String, (usize, usize, Vec<u8>)>,
    /// Executables and Java archives, read as they stream past (never held whole).
    binaries: crate::binary::InImage,
    sbom: Option<Sbom>,
}

impl LayerSbom {
    pub fn new() -> Self {
        Self::default()
    }

    /// The SBOM, once the pass has finished (`None` before).
    pub fn sbom(&self) -> Option<&Sbom> {
        self.sbom.as_ref()
    }

    /// Takes the SBOM out.
    pub fn take_sbom(&mut self) -> Option<Sbom> {
        self.sbom.take()
    }
}

impl LayerVisitor for LayerSbom {
    fn wants(&self, path: &str, size: u64) -> bool {
        wanted(path) || crate::binary::wants(path, size)
    }

    fn visit(&mut self, id: usize, entry: &FileEntry, reader: &mut dyn Read) -> io::Result<()> {
        let path = entry.path_str().into_owned();
        if entry.kind != FileKind::File {
            // A link or directory now stands where a database was: the old one is gone.
            self.files.remove(&path);
            return Ok(());
        }
        if !wanted(&path) {
            self.binaries
                .visit(id, path, entry.layer, entry.size, reader);
            return Ok(());
        }
        if entry.size > MAX_DB_BYTES {
            return Err(io::Error::other(format!(
                "{path} (layer {}) is {} bytes, more than the {} read for a package database",
                entry.layer + 1,
                entry.size,
                MAX_DB_BYTES
            )));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
        reader.take(MAX_DB_BYTES).read_to_end(&mut bytes)?;
        self.files.insert(path, (id, entry.layer, bytes));
        Ok(())
    }

    fn finish(&mut self, image: &Image) -> Analysis {
        let mut analysis = Analysis::default();
        let index = match image.index() {
            Ok(i) => i,
            Err(e) => {
                analysis
                    .errors
                    .push(ScanError::new(&image.reference, e.to_string()));
                return analysis;
            }
        };
        let files = std::mem::take(&mut self.files);
        let visible: Vec<(String, usize, Vec<u8>)> = files
            .into_iter()
            .filter(|(_, (id, _, _))| index.entries().get(*id).is_some_and(FileEntry::is_visible))
            .map(|(p, (_, layer, bytes))| (p, layer, bytes))
            .collect();
        let mut collected = Collected {
            os_release: BTreeMap::new(),
            copyrights: BTreeMap::new(),
        };
        let mut dbs = Vec::new();
        for (path, layer, bytes) in visible {
            if osrelease::PATHS.contains(&path.as_str()) {
                collected
                    .os_release
                    .insert(path, String::from_utf8_lossy(&bytes).into_owned());
            } else if crate::dpkg::is_copyright(&path) {
                collected
                    .copyrights
                    .insert(path, String::from_utf8_lossy(&bytes).into_owned());
            } else {
                dbs.push((path, layer, bytes));
            }
        }
        let distro = collected.distro_for("/.");
        let env = Env {
            distro: distro.clone(),
        };
        let mut found: Vec<Found> = Vec::new();
        for (path, layer, bytes) in dbs {
            let digest = image.layer_digest(layer);
            match catalog_bytes(&path, &path, Some(digest), &bytes, &env) {
                Ok(Some(mut f)) => {
                    crate::dpkg::attach_licenses(&mut f, &path, &collected.copyrights);
                    found.push(f)
                }
                Ok(None) => {}
                Err(e) => analysis.errors.push(ScanError {
                    path: format!("{}:{path}", image.reference),
                    line: e.line,
                    column: None,
                    message: format!("{} (layer {}, {digest})", e.message, layer + 1),
                }),
            }
        }
        std::mem::take(&mut self.binaries).finish(image, &index, &mut found, &mut analysis.errors);
        let subject = Subject {
            name: image.reference.clone(),
            kind: SubjectKind::Image,
            digest: image
                .config_digest
                .clone()
                .or_else(|| image.manifest_digest.clone()),
        };
        self.sbom = Some(Sbom::new(subject, distro, found));
        analysis
    }
}
