//! Where an image's files live: a tar archive read in place (by offset), a directory, or a spool
//! of pulled blobs. Everything is addressed by a layout-relative path (`index.json`,
//! `blobs/sha256/<hex>`, `manifest.json`, `<id>/layer.tar`).

use crate::error::{ErrorKind, ImageError, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::verified::Location;

/// A readable blob and its size, when known.
pub(crate) type BlobReader<'a> = (Box<dyn Read + Send + 'a>, Option<u64>);

/// Read-only access to the files of an image source.
pub(crate) trait Store: Send + Sync + fmt::Debug {
    /// Opens `path`; `Ok(None)` when it does not exist.
    fn open(&self, path: &str) -> Result<Option<BlobReader<'_>>>;

    /// Where `path`'s bytes lie on disk, for the verified-digest cache; `None` for stores whose
    /// files are temporary (pulled blobs, Engine exports) or that cannot say.
    fn location(&self, _path: &str) -> Option<Location> {
        None
    }
}

/// The layout path of a blob digest, after checking the digest's shape (no path tricks).
pub(crate) fn blob_path(digest: &str) -> Result<String> {
    let (alg, hex) = split_digest(digest)?;
    Ok(format!("blobs/{alg}/{hex}"))
}

/// Splits `sha256:<hex>` and validates both parts.
pub(crate) fn split_digest(digest: &str) -> Result<(&str, &str)> {
    let bad = || ImageError::new(ErrorKind::Format, format!("malformed digest `{digest}`"));
    let (alg, hex) = digest.split_once(':').ok_or_else(bad)?;
    let alg_ok = !alg.is_empty()
        && alg
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b));
    let hex_ok = hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    if !alg_ok || !hex_ok {
        return Err(bad());
    }
    Ok((alg, hex))
}

/// Reads a whole small document, refusing anything over `cap` bytes.
pub(crate) fn read_capped(mut r: impl Read, cap: u64, what: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    (&mut r)
        .take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ImageError::io(what, e))?;
    if buf.len() as u64 > cap {
        return Err(ImageError::new(
            ErrorKind::Limit,
            format!("{what} is larger than {cap} bytes"),
        ));
    }
    Ok(buf)
}

/// Reads a small document from the store and checks it against `digest` when given.
pub(crate) fn read_doc(
    store: &dyn Store,
    path: &str,
    digest: Option<&str>,
    cap: u64,
) -> Result<Vec<u8>> {
    let (r, _) = store
        .open(path)?
        .ok_or_else(|| ImageError::new(ErrorKind::NotFound, format!("`{path}` is missing")))?;
    let bytes = read_capped(r, cap, path)?;
    if let Some(d) = digest {
        verify_bytes(&bytes, d, path)?;
    }
    Ok(bytes)
}

/// Checks `bytes` against a `sha256:` digest (other algorithms are reported, not trusted).
pub(crate) fn verify_bytes(bytes: &[u8], digest: &str, what: &str) -> Result<()> {
    let (alg, hex) = split_digest(digest)?;
    if alg != "sha256" {
        return Err(ImageError::new(
            ErrorKind::Unsupported,
            format!("{what}: digest algorithm `{alg}` is not supported"),
        ));
    }
    let got = hex_lower(&Sha256::digest(bytes));
    if !got.eq_ignore_ascii_case(hex) {
        return Err(ImageError::new(
            ErrorKind::Digest,
            format!("{what}: digest mismatch: expected {digest}, content is sha256:{got}"),
        ));
    }
    Ok(())
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A reader that hashes (SHA-256) and counts what passes through it.
pub(crate) struct HashingReader<R> {
    inner: R,
    /// `None`: counts only (the digest is known to match already).
    hasher: Option<Sha256>,
    pub(crate) count: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Some(Sha256::new()),
            count: 0,
        }
    }

    /// A reader that only counts.
    pub(crate) fn counting(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: None,
            count: 0,
        }
    }

    /// Reads the rest of the stream (so the hash covers all of it), then returns `sha256:<hex>`
    /// (empty when not hashing).
    pub(crate) fn finish(&mut self) -> io::Result<String> {
        io::copy(self, &mut io::sink())?;
        Ok(match &mut self.hasher {
            Some(h) => format!("sha256:{}", hex_lower(&h.finalize_reset())),
            None => String::new(),
        })
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.count += n as u64;
        Ok(n)
    }
}

/// Files of a tar archive, read in place: the archive is indexed once (headers only, data is
/// skipped by seeking), then each member is read as a window of the file.
pub(crate) struct TarStore {
    file: PathBuf,
    members: HashMap<String, (u64, u64)>,
    /// Keeps a spooled temporary file alive as long as the store.
    keep: Option<tempfile::TempPath>,
}

impl fmt::Debug for TarStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TarStore")
            .field("file", &self.file)
            .field("members", &self.members.len())
            .finish()
    }
}

/// At most this many members in an image archive (each is a small index entry).
const MAX_ARCHIVE_MEMBERS: usize = 1_000_000;

impl TarStore {
    pub(crate) fn open(file: &Path, keep: Option<tempfile::TempPath>) -> Result<Self> {
        let what = file.display().to_string();
        let f = File::open(file).map_err(|e| ImageError::io(&what, e))?;
        let mut archive = tar::Archive::new(f);
        let mut members = HashMap::new();
        let mut links: Vec<(String, String)> = Vec::new();
        let entries = archive
            .entries_with_seek()
            .map_err(|e| ImageError::io(&what, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| {
                ImageError::new(
                    ErrorKind::Format,
                    format!("{what}: not a valid tar archive ({e})"),
                )
            })?;
            if members.len() + links.len() >= MAX_ARCHIVE_MEMBERS {
                return Err(ImageError::new(
                    ErrorKind::Limit,
                    format!("{what}: more than {MAX_ARCHIVE_MEMBERS} members"),
                ));
            }
            let Some(name) = clean_member(&entry.path_bytes()) else {
                continue;
            };
            let kind = entry.header().entry_type();
            if kind.is_symlink() || kind.is_hard_link() {
                if let Some(target) = entry.link_name_bytes() {
                    let target = String::from_utf8_lossy(&target).into_owned();
                    let joined = if kind.is_symlink() && !target.starts_with('/') {
                        match name.rsplit_once('/') {
                            Some((dir, _)) => format!("{dir}/{target}"),
                            None => target,
                        }
                    } else {
                        target
                    };
                    if let Some(t) = clean_member(joined.as_bytes()) {
                        links.push((name, t));
                    }
                }
                continue;
            }
            if kind.is_file() || kind == tar::EntryType::Continuous {
                members.insert(name, (entry.raw_file_position(), entry.size()));
            }
        }
        // Docker's own `save` links identical layers to one copy.
        for (name, target) in links {
            if let Some(&loc) = members.get(&target) {
                members.insert(name, loc);
            }
        }
        Ok(TarStore {
            file: file.to_path_buf(),
            members,
            keep,
        })
    }
}

/// Normalises an archive member name: strips `./` and leading `/`, resolves `..` lexically;
/// `None` for the root or a name that escapes it.
fn clean_member(raw: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(raw);
    let mut parts: Vec<&str> = Vec::new();
    for c in s.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

impl Store for TarStore {
    fn open(&self, path: &str) -> Result<Option<BlobReader<'_>>> {
        let Some(&(offset, size)) = self.members.get(path) else {
            return Ok(None);
        };
        let what = self.file.display().to_string();
        let mut f = File::open(&self.file).map_err(|e| ImageError::io(&what, e))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| ImageError::io(&what, e))?;
        Ok(Some((Box::new(ExactReader::new(f, size)), Some(size))))
    }

    fn location(&self, path: &str) -> Option<Location> {
        let &(offset, len) = self.members.get(path)?;
        self.keep.is_none().then(|| Location {
            file: self.file.clone(),
            offset,
            len,
        })
    }
}

/// A window that must deliver exactly its length: a short file is a truncation error, not a
/// silently shorter blob.
pub(crate) struct ExactReader<R> {
    inner: io::Take<R>,
    left: u64,
}

impl<R: Read> ExactReader<R> {
    /// The next `len` bytes of `inner`.
    pub(crate) fn new(inner: R, len: u64) -> Self {
        ExactReader {
            inner: inner.take(len),
            left: len,
        }
    }
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "archive member is truncated",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Files of a directory (an OCI layout, or a spool of pulled blobs).
#[derive(Debug)]
pub(crate) struct DirStore {
    root: PathBuf,
    keep: Option<tempfile::TempDir>,
}

impl DirStore {
    pub(crate) fn new(root: &Path, keep: Option<tempfile::TempDir>) -> Self {
        DirStore {
            root: root.to_path_buf(),
            keep,
        }
    }
}

/// Only plain relative names are opened in a directory: the paths come from documents inside
/// the image.
fn plain_relative(path: &str) -> bool {
    !path
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
}

impl Store for DirStore {
    fn open(&self, path: &str) -> Result<Option<BlobReader<'_>>> {
        if !plain_relative(path) {
            return Err(ImageError::new(
                ErrorKind::Format,
                format!("refusing path `{path}`"),
            ));
        }
        let full = self.root.join(path);
        match File::open(&full) {
            Ok(f) => {
                let size = f.metadata().ok().map(|m| m.len());
                Ok(Some((Box::new(f), size)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ImageError::io(full.display(), e)),
        }
    }

    fn location(&self, path: &str) -> Option<Location> {
        if self.keep.is_some() || !plain_relative(path) {
            return None;
        }
        let file = self.root.join(path);
        let len = std::fs::metadata(&file).ok()?.len();
        Some(Location {
            file,
            offset: 0,
            len,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_are_normalised() {
        assert_eq!(clean_member(b"./a/b").as_deref(), Some("a/b"));
        assert_eq!(clean_member(b"/a//b/").as_deref(), Some("a/b"));
        assert_eq!(clean_member(b"a/../b").as_deref(), Some("b"));
        assert_eq!(clean_member(b"../etc/passwd"), None);
        assert_eq!(clean_member(b"./"), None);
    }

    #[test]
    fn digests_are_validated() {
        assert!(split_digest("sha256:0123456789abcdef0123456789abcdef").is_ok());
        assert!(split_digest("sha256:../../etc/passwd").is_err());
        assert!(split_digest("nocolon").is_err());
        assert!(blob_path("sha256:zz").is_err());
        assert!(verify_bytes(
            b"x",
            "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "t"
        )
        .is_err());
        let d = format!("sha256:{}", hex_lower(&Sha256::digest(b"x")));
        assert!(verify_bytes(b"x", &d, "t").is_ok());
    }
}
