//! The verified-digest cache: what a layer stored in a local file hashed to (as stored and
//! uncompressed), kept so that scanning the same unchanged archive or layout again need not hash
//! its layers again (hashing is most of the time a scan of a local `docker save` archive takes;
//! a compressed layer is still decompressed).
//!
//! An entry is keyed by where the layer lies in its file (the member's offset and length) and by
//! everything the kernel says about the file: device, inode, size, and the modification and
//! status-change times to the nanosecond. The identity is taken from the open file the layer is
//! then read from (not from its path, which could be pointed elsewhere in between). Writing to a file moves its
//! status-change time (ctime) to now, and no unprivileged process can set it back, so a file
//! whose identity is unchanged holds the bytes that were hashed. Two races are closed as git
//! closes its "racy" index entries: nothing is remembered for a file changed less than
//! [`MARGIN`] before it was read (a write in the same timestamp tick as the read would leave the
//! ctime unchanged), nor for a file whose identity changed while it was read; and a read that
//! trusted an entry checks the identity again afterwards. The directory must belong to the user
//! and be writable by nobody else, or the cache is not used: an entry is a promise that a file
//! is intact.
//!
//! Written here rather than taken from a crate: the content caches on crates.io key by content,
//! which is what this avoids computing.

use crate::store::hex_lower;
use crate::store::{BlobReader, ExactReader};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// A file changed less than this long before it was read is not remembered: longer than the
/// coarsest timestamp granularity of the filesystems images live on (FAT's two seconds).
const MARGIN: Duration = Duration::from_secs(3);

/// Entries beyond this many are pruned, oldest first, when one is written.
const MAX_ENTRIES: usize = 4096;

/// Where a blob lies on disk.
#[derive(Debug, Clone)]
pub(crate) struct Location {
    pub(crate) file: PathBuf,
    pub(crate) offset: u64,
    pub(crate) len: u64,
}

/// What the kernel says about a file; equal identities mean unchanged content.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Identity {
    fn of(file: &File) -> Option<Identity> {
        let m = file.metadata().ok()?;
        m.is_file().then(|| Identity {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        })
    }

    /// Whether both times lie at least [`MARGIN`] before `when`.
    fn settled_before(&self, when: SystemTime) -> bool {
        let Ok(now) = when.duration_since(SystemTime::UNIX_EPOCH) else {
            return false;
        };
        let limit = now.saturating_sub(MARGIN);
        [self.mtime, self.ctime].iter().all(|&(s, ns)| {
            u64::try_from(s)
                .ok()
                .zip(u32::try_from(ns).ok())
                .is_some_and(|(s, ns)| Duration::new(s, ns) < limit)
        })
    }
}

/// The digests of a layer blob: as stored, and of the tar stream (the same for an uncompressed
/// layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Digests {
    pub(crate) blob: String,
    pub(crate) diff_id: String,
}

/// The state of one blob before it is read: its open file, the file's identity and what the
/// cache knows of it.
#[derive(Debug)]
pub(crate) struct Lookup {
    key: String,
    at: Location,
    file: File,
    before: Identity,
    started: SystemTime,
    known: Option<Digests>,
}

impl Lookup {
    /// Whether the remembered digests are the ones the image expects (`want_blob`, `want_diff`:
    /// what the manifest and configuration name; at least one must be named).
    pub(crate) fn vouches_for(&self, want_blob: Option<&str>, want_diff: Option<&str>) -> bool {
        let Some(d) = &self.known else {
            return false;
        };
        let same = |want: Option<&str>, got: &str| want.is_none_or(|w| w == got);
        (want_blob.is_some() || want_diff.is_some())
            && same(want_blob, &d.blob)
            && same(want_diff, &d.diff_id)
    }

    /// Whether the file is as it was when looked up (checked after a read that trusted the
    /// entry).
    pub(crate) fn unchanged(&self) -> bool {
        Identity::of(&self.file).as_ref() == Some(&self.before)
    }

    /// A reader over the blob, from the file whose identity was taken.
    pub(crate) fn open(&self) -> io::Result<BlobReader<'static>> {
        let mut f = self.file.try_clone()?;
        f.seek(SeekFrom::Start(self.at.offset))?;
        Ok((
            Box::new(ExactReader::new(f, self.at.len)),
            Some(self.at.len),
        ))
    }
}

/// The cache directory (`<cache dir>/verified`).
#[derive(Debug, Clone)]
pub(crate) struct DigestCache {
    dir: PathBuf,
}

impl DigestCache {
    pub(crate) fn new(dir: PathBuf) -> Self {
        DigestCache { dir }
    }

    /// Opens the blob's file, takes its identity and reads its entry. `None` when the file
    /// cannot be identified (not a regular file, not readable).
    pub(crate) fn lookup(&self, at: Location) -> Option<Lookup> {
        let started = SystemTime::now();
        let file = File::open(&at.file).ok()?;
        let before = Identity::of(&file)?;
        let mut h = Sha256::new();
        let Identity {
            dev,
            ino,
            size,
            mtime,
            ctime,
        } = &before;
        h.update(
            format!(
                "v1\0{}\0{}\0{dev}\0{ino}\0{size}\0{}.{}\0{}.{}",
                at.offset, at.len, mtime.0, mtime.1, ctime.0, ctime.1
            )
            .as_bytes(),
        );
        let key = hex_lower(&h.finalize());
        let known = if self.trustworthy() {
            fs::read_to_string(self.dir.join(&key))
                .ok()
                .and_then(|s| parse_entry(&s))
        } else {
            None
        };
        Some(Lookup {
            key,
            at,
            file,
            before,
            started,
            known,
        })
    }

    /// Remembers what the blob hashed to, when the file had settled before the read and did not
    /// change during it. Best effort: a cache that cannot be written is skipped.
    pub(crate) fn record(&self, lookup: &Lookup, digests: &Digests) {
        if lookup.known.as_ref() == Some(digests)
            || !lookup.before.settled_before(lookup.started)
            || !lookup.unchanged()
        {
            return;
        }
        if fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .is_err()
            || !self.trustworthy()
        {
            return;
        }
        let Ok(mut tmp) = tempfile::NamedTempFile::new_in(&self.dir) else {
            return;
        };
        let body = format!("blob {}\ndiff {}\n", digests.blob, digests.diff_id);
        if tmp.write_all(body.as_bytes()).is_ok() && tmp.persist(self.dir.join(&lookup.key)).is_ok()
        {
            self.prune();
        }
    }

    /// The directory is the user's own and nobody else can write to it.
    fn trustworthy(&self) -> bool {
        fs::symlink_metadata(&self.dir).is_ok_and(|m| {
            m.is_dir()
                && m.uid() == rustix::process::geteuid().as_raw()
                && m.permissions().mode() & 0o022 == 0
        })
    }

    /// Keeps the newest [`MAX_ENTRIES`] / 2 entries once there are more than [`MAX_ENTRIES`].
    fn prune(&self) {
        let Ok(rd) = fs::read_dir(&self.dir) else {
            return;
        };
        let mut entries: Vec<(SystemTime, PathBuf)> = rd
            .flatten()
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        if entries.len() <= MAX_ENTRIES {
            return;
        }
        entries.sort();
        for (_, p) in &entries[..entries.len() - MAX_ENTRIES / 2] {
            let _ = fs::remove_file(p);
        }
    }
}

fn parse_entry(s: &str) -> Option<Digests> {
    let mut lines = s.lines();
    let blob = lines.next()?.strip_prefix("blob ")?;
    let diff_id = lines.next()?.strip_prefix("diff ")?;
    let valid = |d: &str| {
        d.strip_prefix("sha256:")
            .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    (valid(blob) && valid(diff_id) && lines.next().is_none()).then(|| Digests {
        blob: blob.to_string(),
        diff_id: diff_id.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn digests() -> Digests {
        Digests {
            blob: D1.to_string(),
            diff_id: D1.to_string(),
        }
    }

    /// A scratch directory holding an image file, just written ([`lookup_later`] makes it look
    /// settled), and a cache in it.
    fn setup() -> (tempfile::TempDir, PathBuf, DigestCache) {
        let tmp = tempfile::tempdir().expect("tmp");
        let file = tmp.path().join("image.tar");
        fs::write(&file, b"layer bytes").expect("write");
        let cache = DigestCache::new(tmp.path().join("cache/verified"));
        (tmp, file, cache)
    }

    /// Whether the cache vouches for the file's layer now.
    fn vouched(cache: &DigestCache, file: &Path) -> bool {
        cache
            .lookup(at(file))
            .expect("identified")
            .vouches_for(Some(D1), Some(D1))
    }

    fn at(file: &Path) -> Location {
        Location {
            file: file.to_path_buf(),
            offset: 0,
            len: 11,
        }
    }

    /// Looks the file up as if the scan started an hour from now (its times then lie well
    /// before the read).
    fn lookup_later(cache: &DigestCache, file: &Path) -> Lookup {
        let mut l = cache.lookup(at(file)).expect("identified");
        l.started += Duration::from_secs(3600);
        l
    }

    #[test]
    fn remembers_a_settled_unchanged_file() {
        let (_tmp, file, cache) = setup();
        let first = lookup_later(&cache, &file);
        assert!(!first.vouches_for(Some(D1), Some(D1)));
        cache.record(&first, &digests());
        let again = cache.lookup(at(&file)).expect("identified");
        assert!(again.vouches_for(Some(D1), Some(D1)));
        assert!(again.vouches_for(None, Some(D1)));
        assert!(
            !again.vouches_for(Some(D2), Some(D1)),
            "another expected digest"
        );
        assert!(!again.vouches_for(None, None), "nothing to vouch for");
        assert!(again.unchanged());
        // Another member of the same file is another entry.
        let other = cache
            .lookup(Location {
                offset: 512,
                ..at(&file)
            })
            .expect("identified");
        assert!(!other.vouches_for(Some(D1), Some(D1)));
    }

    #[test]
    fn a_write_invalidates_even_with_the_old_size_and_mtime() {
        let (_tmp, file, cache) = setup();
        let first = lookup_later(&cache, &file);
        cache.record(&first, &digests());
        let mtime = fs::metadata(&file)
            .expect("meta")
            .modified()
            .expect("mtime");
        std::thread::sleep(Duration::from_millis(20));
        fs::write(&file, b"LAYER BYTES").expect("rewrite");
        fs::File::options()
            .write(true)
            .open(&file)
            .and_then(|f| f.set_modified(mtime))
            .expect("set mtime back");
        assert!(!vouched(&cache, &file));
    }

    #[test]
    fn a_file_changed_just_before_the_read_is_not_remembered() {
        let (_tmp, file, cache) = setup();
        let fresh = cache.lookup(at(&file)).expect("identified");
        cache.record(&fresh, &digests());
        assert!(!vouched(&cache, &file));
    }

    #[test]
    fn a_file_changed_during_the_read_is_not_remembered() {
        let (_tmp, file, cache) = setup();
        let first = lookup_later(&cache, &file);
        std::thread::sleep(Duration::from_millis(20));
        fs::write(&file, b"other bytes").expect("rewrite");
        assert!(!first.unchanged());
        cache.record(&first, &digests());
        let again = lookup_later(&cache, &file);
        assert!(!again.vouches_for(Some(D1), Some(D1)));
    }

    #[test]
    fn a_directory_others_can_write_is_not_used() {
        let (_tmp, file, cache) = setup();
        cache.record(&lookup_later(&cache, &file), &digests());
        assert!(vouched(&cache, &file));
        fs::set_permissions(&cache.dir, fs::Permissions::from_mode(0o777)).expect("chmod");
        assert!(!vouched(&cache, &file));
    }

    #[test]
    fn malformed_entries_are_ignored() {
        assert!(parse_entry(&format!("blob {D1}\ndiff {D2}\n")).is_some());
        assert!(parse_entry(&format!("blob {D1}\n")).is_none());
        assert!(parse_entry(&format!("blob {D1}\ndiff sha256:12\n")).is_none());
        assert!(parse_entry(&format!("blob {D1}\ndiff {D2}\nmore\n")).is_none());
        assert!(parse_entry("").is_none());
    }
}
