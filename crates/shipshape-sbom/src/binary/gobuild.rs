//! Go build information: the block the Go linker embeds in every binary (the `.go.buildinfo`
//! section of ELF files, the same bytes in Mach-O and PE), as `go version -m` reads it.
//!
//! The block starts with a 16-byte-aligned 32-byte header: the magic `\xff Go buildinf:`, the
//! pointer size, and flags. Since Go 1.18 (flag bit 2) the Go version and the module list follow
//! the header inline, each a varint length and the bytes; before, the header held two pointers
//! to Go string headers elsewhere in the binary. The module list is text between two 16-byte
//! sentinels: `path`, `mod` (the main module), `dep` lines (module, version, `h1:` sum) and `=>`
//! lines (the replacement of the `dep` before it).
//!
//! The Go toolchain's `debug/buildinfo` is the reference; no Rust crate reads this format, so it
//! is written here, over a stream (the header is found as the bytes pass, no seeking).

use crate::catalog::{CatalogError, Found};
use crate::model::Ecosystem;

const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
const HEADER: usize = 32;
/// The largest module list read: Kubernetes' binaries carry about 60 KiB.
const MAX_MODINFO: u64 = 4 << 20;
/// The largest Go version string read.
const MAX_VERSION: u64 = 1 << 10;

/// A build-information header found in a binary.
#[derive(Debug)]
pub(super) enum Header {
    /// Go 1.18 and later: the strings themselves.
    Inline { version: String, modinfo: String },
    /// Before Go 1.18: addresses of the two Go string headers.
    Pointer(Pointers),
}

#[derive(Debug)]
pub(super) struct Pointers {
    ptr_size: usize,
    big_endian: bool,
    version: u64,
    modinfo: u64,
}

enum Parsed {
    NeedMore,
    /// The magic is there but not a header (the bytes of the string constant in Go's own
    /// `debug/buildinfo` package, compiled into the `go` command, for example).
    NotHeader,
    Done(Header),
}

/// Searches a stream for the header, fed in order.
#[derive(Default)]
pub(super) struct Search {
    /// Bytes not yet searched (or a candidate header being completed), from file offset `at`.
    buf: Vec<u8>,
    at: u64,
    candidate: bool,
}

impl Search {
    /// Feeds the bytes at file offset `offset` (directly after the previous ones); the header
    /// (and its file offset) once complete. Feed nothing after that.
    pub(super) fn feed(
        &mut self,
        offset: u64,
        chunk: &[u8],
    ) -> Result<Option<(u64, Header)>, String> {
        if self.buf.is_empty() {
            self.at = offset;
        }
        self.buf.extend_from_slice(chunk);
        loop {
            if self.candidate {
                match parse(&self.buf)? {
                    Parsed::NeedMore => return Ok(None),
                    Parsed::NotHeader => {
                        self.candidate = false;
                        self.buf.drain(..16);
                        self.at += 16;
                    }
                    Parsed::Done(h) => return Ok(Some((self.at, h))),
                }
            } else {
                // Only 16-byte-aligned offsets: the linker aligns the block so.
                let mut p = usize::try_from((16 - self.at % 16) % 16).unwrap_or(0);
                while p + MAGIC.len() <= self.buf.len() {
                    if self.buf[p] == MAGIC[0] && &self.buf[p..p + MAGIC.len()] == MAGIC {
                        self.candidate = true;
                        break;
                    }
                    p += 16;
                }
                let p = p.min(self.buf.len());
                self.buf.drain(..p);
                self.at += p as u64;
                if !self.candidate {
                    return Ok(None);
                }
            }
        }
    }

    /// At the end of the file: a header cut short by it is an error.
    pub(super) fn finish(&mut self) -> Result<Option<(u64, Header)>, String> {
        if self.candidate && self.buf.len() >= HEADER {
            return Err("the file ends inside the build information".into());
        }
        Ok(None)
    }
}

/// Searches a whole file already in memory for the header (what [`Search`] does over a
/// stream, without copying the bytes): the header and its file offset.
pub(super) fn find(data: &[u8]) -> Result<Option<(u64, Header)>, String> {
    let mut p = 0;
    // Only 16-byte-aligned offsets: the linker aligns the block so.
    while p + MAGIC.len() <= data.len() {
        if data[p] == MAGIC[0] && &data[p..p + MAGIC.len()] == MAGIC {
            match parse(&data[p..])? {
                Parsed::Done(h) => return Ok(Some((p as u64, h))),
                Parsed::NotHeader => {}
                Parsed::NeedMore if data.len() - p >= HEADER => {
                    return Err("the file ends inside the build information".into());
                }
                Parsed::NeedMore => return Ok(None),
            }
        }
        p += 16;
    }
    Ok(None)
}

/// An unsigned LEB128 varint (Go's `binary.Uvarint`): value and length, `None` if incomplete.
fn uvarint(b: &[u8]) -> Result<Option<(u64, usize)>, String> {
    let mut v: u64 = 0;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Ok(Some((v, i + 1)));
        }
    }
    if b.len() >= 10 {
        return Err("a length overflows".into());
    }
    Ok(None)
}

/// A length-prefixed string at `pos`: the bytes and the position after them.
fn inline_string(
    b: &[u8],
    pos: usize,
    max: u64,
    what: &str,
) -> Result<Option<(Vec<u8>, usize)>, String> {
    let Some((len, n)) = uvarint(b.get(pos..).unwrap_or_default())? else {
        return Ok(None);
    };
    if len > max {
        return Err(format!(
            "the {what} is {len} bytes, more than the {max} read"
        ));
    }
    let start = pos + n;
    let end = start + len as usize;
    Ok(b.get(start..end).map(|s| (s.to_vec(), end)))
}

fn parse(b: &[u8]) -> Result<Parsed, String> {
    if b.len() < HEADER {
        return Ok(Parsed::NeedMore);
    }
    let ptr_size = usize::from(b[14]);
    let flags = b[15];
    if !matches!(ptr_size, 4 | 8) || flags & !3 != 0 {
        return Ok(Parsed::NotHeader);
    }
    let big_endian = flags & 1 != 0;
    if flags & 2 == 0 {
        let ptr = |at: usize| read_ptr(&b[at..at + ptr_size], big_endian);
        return Ok(Parsed::Done(Header::Pointer(Pointers {
            ptr_size,
            big_endian,
            version: ptr(16),
            modinfo: ptr(16 + ptr_size),
        })));
    }
    let Some((version, pos)) = inline_string(b, HEADER, MAX_VERSION, "Go version")? else {
        return Ok(Parsed::NeedMore);
    };
    let Some((modinfo, _)) = inline_string(b, pos, MAX_MODINFO, "module list")? else {
        return Ok(Parsed::NeedMore);
    };
    if version.is_empty() {
        // `debug/buildinfo` says "not a Go executable" too.
        return Ok(Parsed::NotHeader);
    }
    Ok(Parsed::Done(Header::Inline {
        version: String::from_utf8(version).map_err(|_| "the Go version is not UTF-8")?,
        modinfo: strip_sentinels(&modinfo)?,
    }))
}

fn read_ptr(b: &[u8], big_endian: bool) -> u64 {
    let mut v: u64 = 0;
    if big_endian {
        for &x in b {
            v = (v << 8) | u64::from(x);
        }
    } else {
        for &x in b.iter().rev() {
            v = (v << 8) | u64::from(x);
        }
    }
    v
}

/// The module list between its 16-byte sentinels (empty for a binary built outside a module,
/// which has none), by `debug/buildinfo`'s rule.
fn strip_sentinels(m: &[u8]) -> Result<String, String> {
    let text = if m.len() >= 33 && m[m.len() - 17] == b'\n' {
        &m[16..m.len() - 16]
    } else {
        &[][..]
    };
    String::from_utf8(text.to_vec()).map_err(|_| "the module list is not UTF-8".into())
}

/// Reads the strings of a pre-1.18 header through `read(address, length)`.
pub(super) fn resolve_pointers(
    p: &Pointers,
    mut read: impl FnMut(u64, u64) -> Result<Vec<u8>, String>,
) -> Result<(String, String), String> {
    let mut string = |addr: u64, max: u64, what: &str| -> Result<Vec<u8>, String> {
        let hdr = read(addr, 2 * p.ptr_size as u64)?;
        if hdr.len() != 2 * p.ptr_size {
            return Err(format!("the {what}'s string header is cut short"));
        }
        let data = read_ptr(&hdr[..p.ptr_size], p.big_endian);
        let len = read_ptr(&hdr[p.ptr_size..], p.big_endian);
        if len > max {
            return Err(format!(
                "the {what} is {len} bytes, more than the {max} read"
            ));
        }
        read(data, len)
    };
    let version = string(p.version, MAX_VERSION, "Go version")?;
    let modinfo = string(p.modinfo, MAX_MODINFO, "module list")?;
    Ok((
        String::from_utf8(version).map_err(|_| "the Go version is not UTF-8")?,
        strip_sentinels(&modinfo)?,
    ))
}

/// The packages of a binary's build information: the main module (or, for a program built
/// outside module mode, its main package's path, with no version), every module it was built
/// with (a replaced one under its replacement's path and version; one replaced by a local
/// directory is left out, as the go.mod cataloger leaves it out), and the Go standard library as
/// the package `stdlib` at the toolchain's version, as syft and trivy report it (what Go's
/// vulnerability records name). The main module depends on all of them.
pub(super) fn packages(
    go_version: &str,
    modinfo: &str,
    location: &str,
    layer: Option<&str>,
) -> Result<Found, CatalogError> {
    let corrupt = |n: usize, m: &str| {
        CatalogError::new(format!(
            "corrupt Go build information: module list line {n}: {m}"
        ))
    };
    let mut main: Option<(String, String)> = None;
    let mut program: Option<String> = None;
    // (path, version), a replacement overwriting the dep before it.
    let mut deps: Vec<Option<(String, String)>> = Vec::new();
    for (i, line) in modinfo.lines().enumerate() {
        let n = i + 1;
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["path", path, ..] => program = Some(path.to_string()),
            ["mod", path, version, ..] => main = Some((path.to_string(), version.to_string())),
            ["dep", path, version, ..] => deps.push(Some((path.to_string(), version.to_string()))),
            ["=>", path, version, ..] => {
                let last = deps
                    .last_mut()
                    .ok_or_else(|| corrupt(n, "a replacement before any module"))?;
                *last = if version.is_empty() {
                    None // a local directory
                } else {
                    Some((path.to_string(), version.to_string()))
                };
            }
            ["mod" | "dep" | "=>", ..] => return Err(corrupt(n, "too few fields")),
            // `go`, `path`, `build` lines and any key a later Go adds.
            _ => {}
        }
    }
    let mut found = Found::default();
    let mut push = |path: &str, version: &str| -> Result<usize, CatalogError> {
        let (ns, name) = match path.rsplit_once('/') {
            Some((ns, name)) => (Some(ns), name),
            None => (None, path),
        };
        let mut p = crate::lang::package(Ecosystem::Golang, ns, name, version, location, layer)?;
        p.name = path.to_string();
        found.packages.push(p);
        Ok(found.packages.len() - 1)
    };
    let root = match (&main, &program) {
        // `(devel)`: built from a checkout, no version.
        (Some((path, version)), _) => {
            Some(push(path, if version == "(devel)" { "" } else { version })?)
        }
        // Built outside module mode (GOPATH, as Debian builds Go programs): only the main
        // package's import path is known, as syft reports it.
        (None, Some(path)) => Some(push(path, "")?),
        (None, None) => None,
    };
    let mut children = Vec::new();
    for (path, version) in deps.into_iter().flatten() {
        children.push(push(&path, &version)?);
    }
    // `go1.22.1`, `go1.22.1 X:boringcrypto`; a development toolchain (`devel …`) has no release.
    let toolchain = go_version.split_whitespace().next().unwrap_or_default();
    if let Some(v) = toolchain
        .strip_prefix("go")
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
    {
        children.push(push("stdlib", v)?);
    }
    if let Some(r) = root {
        found.edges.extend(children.into_iter().map(|c| (r, c)));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(version: &str, modinfo: &str) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        b.extend([8, 2]);
        b.resize(HEADER, 0);
        for s in [version.as_bytes(), modinfo.as_bytes()] {
            let mut n = s.len();
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    b.push(byte);
                    break;
                }
                b.push(byte | 0x80);
            }
            b.extend_from_slice(s);
        }
        b
    }

    fn wrapped(text: &str) -> String {
        format!("{}{text}\n{}", "0".repeat(16), "1".repeat(16))
    }

    /// The header found at an aligned offset across chunk boundaries of every size, a
    /// misaligned copy of the magic ignored.
    #[test]
    fn found_in_any_chunking() {
        let mut file = vec![0u8; 100];
        file.extend_from_slice(MAGIC); // misaligned (offset 100): not a header
        file.resize(160, 0);
        file.extend(block(
            "go1.22.1",
            &wrapped("path\tx\nmod\tex.com/x\t(devel)\t"),
        ));
        file.extend(vec![0u8; 50]);
        for chunk in [1, 3, 7, 16, 31, 64, 1000] {
            let mut s = Search::default();
            let mut got = None;
            for (i, c) in file.chunks(chunk).enumerate() {
                if let Some(h) = s.feed((i * chunk) as u64, c).unwrap() {
                    got = Some(h);
                    break;
                }
            }
            let (at, h) = got.unwrap_or_else(|| panic!("not found with chunks of {chunk}"));
            assert_eq!(at, 160);
            match h {
                Header::Inline { version, modinfo } => {
                    assert_eq!(version, "go1.22.1");
                    assert_eq!(modinfo, "path\tx\nmod\tex.com/x\t(devel)\t\n");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    /// The in-memory search finds what the stream search finds, and a block cut short by the
    /// end of the file is an error.
    #[test]
    fn found_in_memory() {
        let mut file = vec![0u8; 100];
        file.extend_from_slice(MAGIC); // misaligned: not a header
        file.resize(160, 0);
        let b = block("go1.22.1", &wrapped("path\tx\nmod\tex.com/x\t(devel)\t"));
        file.extend(&b);
        let (at, h) = find(&file).unwrap().expect("found");
        assert_eq!(at, 160);
        assert!(matches!(h, Header::Inline { version, .. } if version == "go1.22.1"));
        assert!(find(&file[..160 + b.len() - 3]).is_err());
        assert!(find(&file[..150]).unwrap().is_none());
    }

    /// The pre-1.18 header: two pointers to Go string headers, resolved through a memory map.
    #[test]
    fn pointer_format() {
        let mut b = MAGIC.to_vec();
        b.extend([8, 0]);
        b.extend(0x1000u64.to_le_bytes());
        b.extend(0x2000u64.to_le_bytes());
        let Parsed::Done(Header::Pointer(p)) = parse(&b).unwrap() else {
            panic!("not a pointer header");
        };
        let modinfo = wrapped("path\tex.com/a\nmod\tex.com/a\tv1.0.0\th1:x=");
        let mut mem: std::collections::BTreeMap<u64, Vec<u8>> = Default::default();
        let header =
            |data: u64, len: usize| [data.to_le_bytes(), (len as u64).to_le_bytes()].concat();
        mem.insert(0x1000, header(0x3000, 8));
        mem.insert(0x2000, header(0x4000, modinfo.len()));
        mem.insert(0x3000, b"go1.16.3".to_vec());
        mem.insert(0x4000, modinfo.into_bytes());
        let (version, m) = resolve_pointers(&p, |addr, len| {
            let v = mem.get(&addr).ok_or("unmapped")?;
            Ok(v[..len as usize].to_vec())
        })
        .unwrap();
        assert_eq!(version, "go1.16.3");
        assert_eq!(m, "path\tex.com/a\nmod\tex.com/a\tv1.0.0\th1:x=\n");
        let err = resolve_pointers(&p, |_, _| Err("address 0x1000 is outside".into())).unwrap_err();
        assert!(err.contains("outside"), "{err}");
    }

    #[test]
    fn truncated_and_oversized_are_errors() {
        let b = block("go1.22.1", &wrapped("path\tx"));
        let mut s = Search::default();
        assert!(s.feed(0, &b[..40]).unwrap().is_none());
        assert!(s.finish().is_err());
        let mut huge = MAGIC.to_vec();
        huge.extend([8, 2]);
        huge.resize(HEADER, 0);
        huge.extend([0x08, b'g', b'o', b'1', b'.', b'2', b'2', b'.', b'1']);
        huge.extend([0xff, 0xff, 0xff, 0xff, 0x0f]); // a 4 GiB module list
        let err = Search::default().feed(0, &huge).unwrap_err();
        assert!(err.contains("more than"), "{err}");
    }

    #[test]
    fn modules_replacements_and_stdlib() {
        let m = "path\tex.com/app\nmod\tex.com/app\t(devel)\t\ndep\tgithub.com/a/b\tv1.2.3\th1:abc=\ndep\tex.com/old\tv1.0.0\th1:x=\n=>\tex.com/new\tv1.1.0\th1:y=\ndep\tex.com/local\tv0.0.0\n=>\t../local\t\t\nbuild\t-compiler=gc\n";
        let f = packages("go1.21.5 X:boringcrypto", m, "/app", Some("sha256:1")).unwrap();
        let purls: Vec<_> = f.packages.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:golang/ex.com/app",
                "pkg:golang/github.com/a/b@v1.2.3",
                "pkg:golang/ex.com/new@v1.1.0",
                "pkg:golang/stdlib@1.21.5",
            ]
        );
        assert_eq!(f.edges, [(0, 1), (0, 2), (0, 3)]);
        assert_eq!(f.packages[1].layer.as_deref(), Some("sha256:1"));
        let gopath = packages(
            "go1.19.8",
            "path\tcmd/addr2line\nbuild\t-compiler=gc\n",
            "/a",
            None,
        )
        .unwrap();
        let purls: Vec<_> = gopath.packages.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            ["pkg:golang/cmd/addr2line", "pkg:golang/stdlib@1.19.8"]
        );
        assert_eq!(gopath.edges, [(0, 1)]);
        assert!(packages("go1.21", "=>\tx\tv1\t\n", "/app", None).is_err());
        assert!(packages("go1.21", "dep\tx\n", "/app", None).is_err());
    }
}
