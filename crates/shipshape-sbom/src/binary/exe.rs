//! Executables (ELF, Mach-O, PE): Go build information and cargo-auditable's `.dep-v0`.
//!
//! One sequential read per file. The bytes are searched for the Go build-information header (Go
//! 1.18 and later write the version and module list right after it, so no random access is
//! needed) and kept for what does need random access: the section table the linker writes at
//! the end (where `.dep-v0` lies) and, for Go binaries built before 1.18, the pointers the header
//! holds instead of the strings. From a stream, an executable up to [`IN_MEMORY`] bytes (every
//! one of a Debian base system) is copied into a buffer reused from file to file, a larger one
//! to a temporary file read in chunks; only headers, the one section and the strings are read
//! back. Memory stays bounded by [`IN_MEMORY`], whatever the binary's size.

use super::gobuild::{self, Header};
use super::{io_error, read_full, Input, MAX_SPILL};
use crate::catalog::{CatalogError, Found};
use crate::model::Ecosystem;
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::read::{Object, ObjectSection, ObjectSegment, ReadCache};
use object::{Endianness, FileKind};
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};

/// Bytes read per step.
const CHUNK: usize = 256 << 10;

/// The largest `.dep-v0` section read, compressed and decompressed (cargo-auditable's own
/// reader allows 8 MiB of JSON; a tree of thousands of crates is well under 1 MiB).
const MAX_DEP_V0: u64 = 8 << 20;

/// The largest executable read from a stream into memory (reused from file to file) rather
/// than spilled to a temporary file: every binary of a Debian base system is below it.
const IN_MEMORY: u64 = 4 << 20;

/// The largest ELF section or program header table read (65,535 sections take 4 MiB).
const MAX_TABLE: u64 = 4 << 20;

/// Whether the first bytes are an executable format's magic.
fn is_executable(head: &[u8]) -> bool {
    matches!(
        head,
        [0x7f, b'E', b'L', b'F', ..]
            | [0xfe, 0xed, 0xfa, 0xce | 0xcf, ..]
            | [0xce | 0xcf, 0xfa, 0xed, 0xfe, ..]
            | [0xca, 0xfe, 0xba, 0xbe, ..]
            | [b'M', b'Z', ..]
    )
}

pub(super) fn scan(
    location: &str,
    layer: Option<&str>,
    size: u64,
    input: Input<'_>,
    scratch: &mut Scratch,
) -> Result<Option<Found>, CatalogError> {
    let mut head = [0u8; 4];
    let (mut file, mut stream, spill): (Option<File>, Option<&mut dyn Read>, bool) = match input {
        Input::File(f) => (Some(f), None, false),
        // Above the spill limit only the Go search runs (it needs no random access).
        Input::Stream(r) => (None, Some(r), size <= MAX_SPILL),
    };
    let n = match (&mut file, &mut stream) {
        (Some(f), _) => read_full(f, &mut head),
        (None, Some(r)) => read_full(*r, &mut head),
        (None, None) => Ok(0),
    }
    .map_err(io_error)?;
    if n < head.len() || !is_executable(&head) {
        return Ok(None);
    }
    // `[0xca, 0xfe, 0xba, 0xbe]` is also a Java class file; `MZ` also an old DOS program:
    // `object` tells them apart when the section table is read.
    if let (Some(r), true) = (&mut stream, size <= IN_MEMORY) {
        // Most executables: copied whole into the reused buffer, searched and parsed there.
        let want = usize::try_from(size)
            .unwrap_or(IN_MEMORY as usize)
            .max(head.len());
        if scratch.copy.len() < want {
            scratch.copy.resize(want, 0);
        }
        scratch.copy[..head.len()].copy_from_slice(&head);
        let k = read_full(*r, &mut scratch.copy[head.len()..want]).map_err(io_error)?;
        let data = &scratch.copy[..head.len() + k];
        let found_go = gobuild::find(data).map_err(|e| corrupt_go(&e))?;
        return finish(found_go, Some(Cursor::new(data)), location, layer);
    }
    let mut out: Option<File> = None;
    if spill {
        let mut f = tempfile::tempfile().map_err(stage)?;
        f.write_all(&head).map_err(stage)?;
        out = Some(f);
    }
    let mut search = gobuild::Search::default();
    let mut found_go: Option<(u64, Header)> = None;
    if scratch.chunk.is_empty() {
        scratch.chunk = vec![0u8; CHUNK];
    }
    let buf = &mut scratch.chunk;
    let mut offset = head.len() as u64;
    search.feed(0, &head).map_err(|e| corrupt_go(&e))?;
    loop {
        let k = match (&mut file, &mut stream) {
            (Some(f), _) => f.read(buf),
            (None, Some(r)) => r.read(buf),
            (None, None) => Ok(0),
        };
        let k = match k {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(e)),
        };
        let chunk = &buf[..k];
        if let Some(o) = &mut out {
            o.write_all(chunk).map_err(stage)?;
        }
        if found_go.is_none() {
            if let Some(h) = search.feed(offset, chunk).map_err(|e| corrupt_go(&e))? {
                found_go = Some(h);
                // Go binaries hold no `.dep-v0`; the new format needs nothing else.
                if matches!(found_go, Some((_, Header::Inline { .. }))) {
                    break;
                }
            }
        }
        offset += k as u64;
    }
    if found_go.is_none() {
        if let Some(h) = search.finish().map_err(|e| corrupt_go(&e))? {
            found_go = Some(h);
        }
    }
    let random = match (file, out) {
        (Some(f), _) => Some(f),
        (None, Some(o)) => Some(o),
        (None, None) => None,
    };
    finish(found_go, random, location, layer)
}

/// Memory reused from one candidate to the next in a pass: the read buffer and the copy of a
/// whole executable (allocating and zeroing them per file cost more than the search itself).
#[derive(Default)]
pub(crate) struct Scratch {
    chunk: Vec<u8>,
    copy: Vec<u8>,
}

/// The packages of an executable once read: from its Go build information if it has one,
/// else from its `.dep-v0` section; `random` gives the random access either needs.
fn finish<R: Read + Seek>(
    found_go: Option<(u64, Header)>,
    random: Option<R>,
    location: &str,
    layer: Option<&str>,
) -> Result<Option<Found>, CatalogError> {
    match found_go {
        Some((_, Header::Inline { version, modinfo })) => {
            gobuild::packages(&version, &modinfo, location, layer).map(Some)
        }
        Some((at, Header::Pointer(ptrs))) => {
            let Some(mut f) = random else {
                return Err(CatalogError::new(format!(
                    "a Go binary built before Go 1.18 larger than {MAX_SPILL} bytes: its build \
                     information is not read"
                )));
            };
            let layout = Layout::read(&mut f)?.ok_or_else(|| {
                corrupt_go(&format!(
                    "build information at byte {at} of a file of unknown format"
                ))
            })?;
            let (version, modinfo) = gobuild::resolve_pointers(&ptrs, |addr, len| {
                layout.read_virtual(&mut f, addr, len)
            })
            .map_err(|e| corrupt_go(&e))?;
            gobuild::packages(&version, &modinfo, location, layer).map(Some)
        }
        None => match random {
            Some(mut f) => dep_v0(&mut f, location, layer),
            None => Ok(None),
        },
    }
}

fn stage(e: io::Error) -> CatalogError {
    CatalogError::new(format!("cannot stage the executable: {e}"))
}

fn corrupt_go(e: &str) -> CatalogError {
    CatalogError::new(format!("corrupt Go build information: {e}"))
}

/// Where an executable keeps its sections and how its loaded addresses map to file offsets.
struct Layout {
    /// `.dep-v0`: file offset and size.
    dep_v0: Option<(u64, u64)>,
    /// Loaded segments: virtual address, file offset, size in the file.
    segments: Vec<(u64, u64, u64)>,
}

impl Layout {
    /// The layout, or `None` when the file is not an executable `object` reads (a Java class
    /// file shares the universal Mach-O magic; `MZ` may be a DOS program) or is damaged (tables
    /// outside the file or above [`MAX_TABLE`]): an ordinary file, not a package source.
    fn read<R: Read + Seek>(f: &mut R) -> Result<Option<Layout>, CatalogError> {
        f.seek(SeekFrom::Start(0)).map_err(io_error)?;
        let cache = ReadCache::new(&mut *f);
        let layout = match FileKind::parse(&cache) {
            Ok(FileKind::Elf32) => elf::<object::elf::FileHeader32<Endianness>, R>(&cache),
            Ok(FileKind::Elf64) => elf::<object::elf::FileHeader64<Endianness>, R>(&cache),
            Ok(FileKind::MachO32 | FileKind::MachO64 | FileKind::Pe32 | FileKind::Pe64) => {
                generic(&cache)
            }
            _ => None,
        };
        Ok(layout)
    }

    /// `len` bytes at virtual address `addr`.
    fn read_virtual<R: Read + Seek>(
        &self,
        f: &mut R,
        addr: u64,
        len: u64,
    ) -> Result<Vec<u8>, String> {
        let (va, off, _) = self
            .segments
            .iter()
            .find(|(va, _, size)| {
                addr >= *va && addr.saturating_add(len) <= va.saturating_add(*size)
            })
            .ok_or_else(|| format!("address {addr:#x} is outside the file's segments"))?;
        read_at(f, off + (addr - va), len).map_err(|e| e.to_string())
    }
}

/// ELF through its headers only: `object`'s full parser would also read the symbol tables,
/// which in an unstripped binary are megabytes this does not need.
fn elf<Elf: FileHeader<Endian = Endianness>, R: Read + Seek>(
    data: &ReadCache<&mut R>,
) -> Option<Layout> {
    let header = Elf::parse(data).ok()?;
    let endian = header.endian().ok()?;
    // `object` reads each table whole; a damaged header could make one as large as the file.
    let shnum = header.shnum(endian, data).ok()?;
    let phnum = header.phnum(endian, data).ok()?;
    let size = |n: u32, entry: u16| u64::from(n) * u64::from(entry);
    if size(shnum, header.e_shentsize(endian)) > MAX_TABLE
        || size(phnum, header.e_phentsize(endian)) > MAX_TABLE
    {
        return None;
    }
    let sections = header.sections(endian, data).ok()?;
    let dep_v0 = sections
        .section_by_name(endian, b".dep-v0")
        .and_then(|(_, s)| s.file_range(endian));
    let segments = header
        .program_headers(endian, data)
        .ok()?
        .iter()
        .filter(|p| p.p_type(endian) == object::elf::PT_LOAD)
        .map(|p| {
            (
                p.p_vaddr(endian).into(),
                p.p_offset(endian).into(),
                p.p_filesz(endian).into(),
            )
        })
        .collect();
    Some(Layout { dep_v0, segments })
}

/// Mach-O and PE through `object`'s generic reader.
fn generic<R: Read + Seek>(data: &ReadCache<&mut R>) -> Option<Layout> {
    let file = object::File::parse(data).ok()?;
    let dep_v0 = file
        .section_by_name(".dep-v0")
        .and_then(|s| s.compressed_file_range().ok())
        .map(|r| (r.offset, r.compressed_size));
    let segments = file
        .segments()
        .map(|s| {
            let (off, size) = s.file_range();
            (s.address(), off, size)
        })
        .collect();
    Some(Layout { dep_v0, segments })
}

fn read_at<R: Read + Seek>(f: &mut R, offset: u64, len: u64) -> io::Result<Vec<u8>> {
    f.seek(SeekFrom::Start(offset))?;
    let mut out = Vec::new();
    f.take(len).read_to_end(&mut out)?;
    if out.len() as u64 != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file ends before the data",
        ));
    }
    Ok(out)
}

/// The crates cargo-auditable recorded in `.dep-v0` (zlib-compressed JSON), if the section is
/// there.
fn dep_v0<R: Read + Seek>(
    f: &mut R,
    location: &str,
    layer: Option<&str>,
) -> Result<Option<Found>, CatalogError> {
    let Some(layout) = Layout::read(f)? else {
        return Ok(None);
    };
    let Some((offset, size)) = layout.dep_v0 else {
        return Ok(None);
    };
    let bad = |m: String| CatalogError::new(format!("corrupt cargo-auditable data (.dep-v0): {m}"));
    if size > MAX_DEP_V0 {
        return Err(bad(format!(
            "the section is {size} bytes, more than the {MAX_DEP_V0} read"
        )));
    }
    let compressed = read_at(f, offset, size).map_err(|e| bad(e.to_string()))?;
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .take(MAX_DEP_V0 + 1)
        .read_to_end(&mut json)
        .map_err(|e| bad(format!("not zlib data ({e})")))?;
    if json.len() as u64 > MAX_DEP_V0 {
        return Err(bad(format!("it inflates to more than {MAX_DEP_V0} bytes")));
    }
    let info: auditable_serde::VersionInfo =
        serde_json::from_slice(&json).map_err(|e| bad(format!("not the dependency tree ({e})")))?;
    let mut found = Found::default();
    // Index in `info.packages` → index in `found.packages` (workspace crates other than the
    // binary's own are left out, as the Cargo.lock cataloger leaves path dependencies out).
    let mut index = vec![None; info.packages.len()];
    for (i, p) in info.packages.iter().enumerate() {
        if matches!(p.source, auditable_serde::Source::Local) && !p.root {
            continue;
        }
        index[i] = Some(found.packages.len());
        found.packages.push(crate::lang::package(
            Ecosystem::Cargo,
            None,
            &p.name,
            &p.version.to_string(),
            location,
            layer,
        )?);
    }
    for (i, p) in info.packages.iter().enumerate() {
        for &d in &p.dependencies {
            if let (Some(Some(from)), Some(Some(to))) = (index.get(i), index.get(d)) {
                found.edges.push((*from, *to));
            }
        }
    }
    Ok(Some(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ELF-looking file with a Go 1.18+ build-information block at offset 4096, padded to
    /// `size` bytes.
    fn go_file(size: usize) -> Vec<u8> {
        let modinfo = format!(
            "{}path\tex.com/app\nmod\tex.com/app\tv1.2.3\th1:x=\ndep\tex.com/lib\tv0.4.0\th1:y=\n{}",
            "0".repeat(16),
            "1".repeat(16)
        );
        let mut f = b"\x7fELF".to_vec();
        f.resize(4096, 0);
        f.extend_from_slice(b"\xff Go buildinf:");
        f.extend([8, 2]);
        f.resize(4096 + 32, 0);
        for s in ["go1.22.1", modinfo.as_str()] {
            let n = u8::try_from(s.len()).unwrap();
            assert!(n < 0x80);
            f.push(n);
            f.extend_from_slice(s.as_bytes());
        }
        f.resize(size, 0);
        f
    }

    fn names(found: Option<Found>) -> Vec<String> {
        let mut v: Vec<String> = found
            .map(|f| f.packages.into_iter().map(|p| p.name).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    fn stream(data: &[u8], scratch: &mut Scratch) -> Result<Option<Found>, CatalogError> {
        let mut r = data;
        scan(
            "app",
            None,
            data.len() as u64,
            Input::Stream(&mut r),
            scratch,
        )
    }

    /// A stream held in the reused buffer and one spilled to a temporary file (above
    /// `IN_MEMORY`) give the same packages; a smaller file after them sees none of their bytes.
    #[test]
    fn buffer_and_spill_agree_and_reuse_leaks_nothing() {
        let mut scratch = Scratch::default();
        let small = names(stream(&go_file(64 << 10), &mut scratch).unwrap());
        assert!(small.contains(&"ex.com/lib".to_string()), "{small:?}");
        // The buffer still holds the first file's block beyond this one's end.
        let mut cut = go_file(64 << 10);
        cut.truncate(4096);
        assert!(stream(&cut, &mut scratch).unwrap().is_none());
        let big = go_file(IN_MEMORY as usize + (1 << 20));
        assert_eq!(names(stream(&big, &mut scratch).unwrap()), small);
        let mut plain = b"\x7fELF".to_vec();
        plain.resize(8 << 10, 0);
        assert!(stream(&plain, &mut scratch).unwrap().is_none());
    }
}
