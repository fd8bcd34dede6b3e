//! Catalogers for packages embedded in large binary files: Go executables (the module build
//! information the Go toolchain embeds), Rust executables built with cargo-auditable (the
//! `.dep-v0` section) and Java archives (jar, war, ear, par).
//!
//! Unlike the lockfile catalogers these never take a large file whole in memory: an image is read as
//! a stream and a binary can be hundreds of megabytes. A candidate is recognised by its content
//! (the ELF, Mach-O or PE magic), not its name, except for Java archives, which are zip files
//! found by their extension (as syft and trivy find them). What a cataloger needs at random
//! offsets (an executable's section table, which the linker writes at the end; a zip's central
//! directory, also at the end) is kept while the stream passes: an executable up to 4 MiB in one
//! buffer reused from file to file, larger ones and Java archives in a private temporary file,
//! bounded by [`MAX_SPILL`]; a file already on disk (a directory scan) is read in place.
//!
//! An ordinary executable with no Go build information and no `.dep-v0` section is not a package
//! source: it yields nothing. Build information or a section that is there but does not parse,
//! and a Java archive that is not a readable zip, are errors naming the file.

mod exe;
mod gobuild;
mod java;

use crate::catalog::{CatalogError, Found};
pub(crate) use exe::Scratch;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// The smallest file checked for an executable format (smaller ones cannot hold a Go runtime
/// or a Rust program; the smallest static C programs are about 10 KiB).
const MIN_EXECUTABLE: u64 = 4 << 10;

/// The largest file copied to a temporary file for random access (an executable's section
/// table, a Java archive's central directory). An executable above it is still searched for Go
/// build information, which needs no random access; a larger Java archive is an error.
pub(crate) const MAX_SPILL: u64 = 1 << 30;

/// Where a candidate's bytes come from.
pub(crate) enum Input<'a> {
    /// A stream (an image layer's entry): read once, spilled to a temporary file if needed.
    Stream(&'a mut dyn Read),
    /// A file on disk (a directory scan), read in place.
    File(File),
}

/// Whether the file at `path` with `size` bytes may be a binary package source. Called for
/// every file of every layer: decides on the name and size only; the content decides later.
pub(crate) fn wants(path: &str, size: u64) -> bool {
    if java::is_archive_name(path) {
        return size > 0;
    }
    size >= MIN_EXECUTABLE && !text_like(path)
}

/// File names that never hold an executable (skipping them saves reading their first bytes).
fn text_like(path: &str) -> bool {
    const EXT: [&str; 24] = [
        ".txt", ".md", ".html", ".htm", ".css", ".js", ".mjs", ".json", ".xml", ".yaml", ".yml",
        ".py", ".pyc", ".rb", ".pl", ".pm", ".h", ".c", ".go", ".rs", ".png", ".jpg", ".gz",
        ".svg",
    ];
    let name = path.rsplit('/').next().unwrap_or(path);
    EXT.iter().any(|e| name.ends_with(e))
}

/// The packages embedded in the file at `location` (the path shown in the SBOM); `Ok(None)` when
/// it is not a package source.
pub(crate) fn scan(
    location: &str,
    layer: Option<&str>,
    size: u64,
    input: Input<'_>,
    scratch: &mut Scratch,
) -> Result<Option<Found>, CatalogError> {
    if java::is_archive_name(location) {
        return java::scan(location, layer, size, input).map(Some);
    }
    exe::scan(location, layer, size, input, scratch)
}

/// Reads until `buf` is full or the input ends; the number of bytes read.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Copies at most `limit` bytes of `r` into a new private temporary file, rewound; an error when
/// the input holds more.
fn spill(r: &mut dyn Read, limit: u64, what: &str) -> Result<File, CatalogError> {
    let io = |e: io::Error| CatalogError::new(format!("cannot stage the {what}: {e}"));
    let mut f = tempfile::tempfile().map_err(io)?;
    let n = io::copy(&mut r.take(limit.saturating_add(1)), &mut f).map_err(io)?;
    if n > limit {
        return Err(CatalogError::new(format!(
            "the {what} is larger than the {limit} bytes read"
        )));
    }
    f.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(f)
}

fn io_error(e: io::Error) -> CatalogError {
    CatalogError::new(format!("cannot read: {e}"))
}

/// What the binary catalogers found during an image's pass, by path: the latest entry per path
/// (its id in the image's index, its layer and the result), kept until the final filesystem is
/// known. Only results, never content, are kept.
#[derive(Default)]
pub(crate) struct InImage {
    results: std::collections::BTreeMap<String, Scanned>,
    scratch: Scratch,
}

/// One file's entry id, layer and result.
type Scanned = (usize, usize, Result<Option<Found>, CatalogError>);

impl InImage {
    /// Reads one regular file of a layer as it streams past.
    pub(crate) fn visit(
        &mut self,
        id: usize,
        path: String,
        layer: usize,
        size: u64,
        reader: &mut dyn Read,
    ) {
        let result = scan(&path, None, size, Input::Stream(reader), &mut self.scratch);
        self.results.insert(path, (id, layer, result));
    }

    /// The packages (and errors) of the files still visible in the final filesystem, each
    /// package given its layer's digest.
    pub(crate) fn finish(
        self,
        image: &shipshape_image::Image,
        index: &shipshape_image::FsIndex,
        found: &mut Vec<Found>,
        errors: &mut Vec<shipshape_core::ScanError>,
    ) {
        for (path, (id, layer, result)) in self.results {
            if !index
                .entries()
                .get(id)
                .is_some_and(shipshape_image::FileEntry::is_visible)
            {
                continue;
            }
            let digest = image.layer_digest(layer);
            match result {
                Ok(Some(mut f)) => {
                    for p in &mut f.packages {
                        p.layer = Some(digest.to_string());
                    }
                    found.push(f);
                }
                Ok(None) => {}
                Err(e) => errors.push(shipshape_core::ScanError {
                    path: format!("{}:{path}", image.reference),
                    line: e.line,
                    column: None,
                    message: format!("{} (layer {}, {digest})", e.message, layer + 1),
                }),
            }
        }
    }
}

/// Catalogs the file `rel` below `root` in a directory scan (read in place, no copy).
pub(crate) fn in_directory(
    root: &std::path::Path,
    rel: &str,
    shown: &str,
    scratch: &mut Scratch,
    found: &mut Vec<Found>,
    errors: &mut Vec<shipshape_core::ScanError>,
) {
    let file = match File::open(root.join(rel.trim_start_matches('/'))) {
        Ok(f) => f,
        Err(e) => {
            errors.push(shipshape_core::ScanError::new(
                shown,
                format!("cannot read: {e}"),
            ));
            return;
        }
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    match scan(
        rel.trim_start_matches('/'),
        None,
        size,
        Input::File(file),
        scratch,
    ) {
        Ok(Some(f)) => found.push(f),
        Ok(None) => {}
        Err(e) => errors.push(shipshape_core::ScanError {
            path: shown.to_string(),
            line: e.line,
            column: None,
            message: e.message,
        }),
    }
}
