//! Layer visitors: what else reads file contents during the image's one verified pass.
//!
//! The audit reads every layer once, verifying every byte. Anything that needs file contents
//! (the secrets engine now, SBOM catalogers next) is a [`LayerVisitor`]: it says which files it
//! wants from their path and size, reads those from the stream as the pass reaches them, and
//! turns what it saw into findings once the final filesystem is known (which files a later layer
//! deleted or replaced). Several visitors share the pass; the image is never read twice.

use crate::fs::FileEntry;
use crate::image::Image;
use shipshape_core::report::Analysis;
use shipshape_core::ScanError;
use std::io::{self, Read};

/// A reader of layer files during the audit's single pass.
pub trait LayerVisitor {
    /// Whether to read this entry. Called for every entry of every layer, in layer order,
    /// deleted and replaced ones included (directories and links with size 0): keep it cheap.
    fn wants(&self, path: &str, size: u64) -> bool;

    /// Reads one wanted file: `id` identifies the entry in the image's index (see
    /// [`Image::index`] after the pass), `reader` streams its verified content. A visitor that
    /// needs a whole large file bounds what it holds itself. An error stops the pass and becomes
    /// a scan error naming the image.
    fn visit(&mut self, id: usize, entry: &FileEntry, reader: &mut dyn Read) -> io::Result<()>;

    /// After the pass: the visitor's findings, errors and evaluated rules. The image's index is
    /// complete by now (`entry.hidden` says whether a later layer deleted or replaced a file).
    fn finish(&mut self, image: &Image) -> Analysis;
}

/// A closure as a visitor that wants every file and finds nothing (for callers that only
/// read, such as tests and tools built on the pass).
pub struct FnVisitor<F>(pub F);

impl<F> LayerVisitor for FnVisitor<F>
where
    F: FnMut(usize, &FileEntry, &mut dyn Read) -> io::Result<()>,
{
    fn wants(&self, _path: &str, _size: u64) -> bool {
        true
    }

    fn visit(&mut self, id: usize, entry: &FileEntry, reader: &mut dyn Read) -> io::Result<()> {
        (self.0)(id, entry, reader)
    }

    fn finish(&mut self, _image: &Image) -> Analysis {
        Analysis::default()
    }
}

/// One verified pass over the layers with only `visitors`, no audit rules: for commands that
/// only read the files (`shipshape sbom`). What could not be read is a scan error naming the
/// image; the visitors finish only after a complete pass (never on a partial filesystem).
pub fn visit_layers(image: &Image, visitors: &mut [&mut dyn LayerVisitor]) -> Analysis {
    let mut analysis = Analysis::default();
    let mut scratch = Vec::new();
    let pass = image.pass(&mut |id, fe, r| dispatch(visitors, &mut scratch, id, fe, &[], r));
    for s in &pass.stats {
        for r in &s.refused {
            analysis
                .errors
                .push(ScanError::new(image.reference.clone(), r.clone()));
        }
    }
    if let Some(e) = pass.error {
        analysis
            .errors
            .push(ScanError::new(image.reference.clone(), e.message));
        return analysis;
    }
    image.remember_index(pass.index);
    for v in visitors.iter_mut() {
        analysis.merge(v.finish(image));
    }
    analysis
}

/// The largest buffer [`dispatch`] keeps between files (a larger file's buffer is freed after it).
const MAX_KEPT_SCRATCH: usize = 16 << 20;

/// Hands one file to the visitors that want it. `head` is the part of the content already read
/// (by the audit's own checks), `rest` streams the remainder. A single visitor reads both in
/// turn; several read one copy each: `head` itself when it is the whole file, otherwise the
/// content read into `scratch` (bounded by what they asked for: the file's size).
pub(crate) fn dispatch(
    visitors: &mut [&mut dyn LayerVisitor],
    scratch: &mut Vec<u8>,
    id: usize,
    entry: &FileEntry,
    head: &[u8],
    rest: &mut dyn Read,
) -> io::Result<()> {
    let path = entry.path_str();
    let wanting: Vec<usize> = visitors
        .iter()
        .enumerate()
        .filter(|(_, v)| v.wants(&path, entry.size))
        .map(|(i, _)| i)
        .collect();
    match wanting.as_slice() {
        [] => Ok(()),
        [one] => visitors[*one].visit(id, entry, &mut head.chain(rest)),
        many if head.len() as u64 == entry.size => many
            .iter()
            .try_for_each(|&i| visitors[i].visit(id, entry, &mut &head[..])),
        many => {
            // One buffer for the whole pass: a fresh one per file cost a page fault per 4 KiB
            // of every file two visitors read (each executable: the secrets probe and the SBOM).
            let size = usize::try_from(entry.size).unwrap_or(usize::MAX);
            let n = read_reusing(&mut head.chain(rest), scratch, size)?;
            let result = many
                .iter()
                .try_for_each(|&i| visitors[i].visit(id, entry, &mut &scratch[..n]));
            if scratch.len() > MAX_KEPT_SCRATCH {
                *scratch = Vec::new();
            }
            result
        }
    }
}

/// Reads up to `want` bytes into the start of `buf` and returns how many were read (fewer only
/// at the end of the stream). `buf` keeps its length between calls and grows only when a read
/// needs more, so its memory is zeroed once, not per read: `read_to_end` zeroes the spare
/// capacity before reading from a reader that cannot fill uninitialised memory (every reader
/// here, on stable Rust), which was a second pass over most of an image's bytes.
pub(crate) fn read_reusing(r: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    if buf.len() < want {
        buf.resize(want, 0);
    }
    let mut filled = 0;
    while filled < want {
        match r.read(&mut buf[filled..want]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
