//! Streaming one layer: undo its compression (sniffed from the bytes: gzip, zstd or none), walk
//! its tar entries without unpacking anything, verify its digests, and stop decompression bombs.
//!
//! Extension headers (GNU long names, PAX records) are handled here rather than by the `tar`
//! crate, because the crate reads them into memory without a size limit.

use crate::error::{ErrorKind, ImageError, Result};
use crate::fs::{normalize, FileEntry, FileKind};
use crate::store::{hex_lower, HashingReader, Store};
use crate::verified::{DigestCache, Digests, Lookup};
use sha2::{Digest, Sha256};
use shipshape_core::progress::Progress;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;

/// Safety limits for reading images. The defaults suit real images; tests lower them.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most layers an image may have.
    pub max_layers: usize,
    /// Most entries in one layer.
    pub max_entries_per_layer: u64,
    /// Most entries over all layers (each costs an index entry in memory).
    pub max_total_entries: u64,
    /// Most uncompressed bytes in one layer.
    pub max_layer_bytes: u64,
    /// Decompression-bomb guard: once a layer has produced `bomb_min_bytes`, its uncompressed
    /// size may be at most `bomb_ratio` times the compressed bytes read so far.
    pub bomb_ratio: u64,
    pub bomb_min_bytes: u64,
    /// Most bytes in a JSON document (manifest, index, config).
    pub max_doc_bytes: u64,
    /// Longest path or link name, and largest PAX extension record.
    pub max_name_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_layers: 16_384,
            max_entries_per_layer: 2_000_000,
            max_total_entries: 4_000_000,
            max_layer_bytes: 64 << 30,
            bomb_ratio: 200,
            bomb_min_bytes: 1 << 30,
            max_doc_bytes: 16 << 20,
            max_name_bytes: 64 << 10,
        }
    }
}

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Where to find a layer and what its digests must be.
#[derive(Debug, Clone)]
pub(crate) struct LayerSpec {
    pub(crate) path: String,
    /// Digest of the blob as stored (compressed), when the source names it.
    pub(crate) digest: Option<String>,
    /// Digest of the uncompressed tar (from the config's `rootfs.diff_ids`).
    pub(crate) diff_id: Option<String>,
}

/// One item of a layer stream.
pub(crate) enum LayerItem<'a> {
    Entry(&'a FileEntry),
    /// `.wh.NAME`: deletes the absolute path from lower layers.
    Whiteout(Box<[u8]>),
    /// `.wh..wh..opq`: hides everything lower layers put in this directory.
    Opaque(Box<[u8]>),
}

/// What reading a layer found besides its entries.
#[derive(Debug, Default, Clone)]
pub struct LayerStats {
    pub compression: Option<Compression>,
    /// Bytes of the blob as stored.
    pub compressed_bytes: u64,
    /// Bytes of the uncompressed tar.
    pub uncompressed_bytes: u64,
    pub entries: u64,
    /// Sum of regular file sizes.
    pub file_bytes: u64,
    /// Entries that were refused (path traversal), as messages.
    pub refused: Vec<String>,
    /// The digests were not computed: an earlier scan verified this layer in the same, unchanged
    /// file (the verified-digest cache).
    pub verified_earlier: bool,
}

struct Counting<'p, R> {
    inner: R,
    count: Arc<AtomicU64>,
    /// Progress of this layer's read: what to call it and its stored size (0 if unknown).
    progress: &'p Progress,
    what: String,
    total: u64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let done = self.count.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        self.progress.report(&self.what, done, self.total);
        Ok(n)
    }
}

/// Stops a stream that grows past the layer size limit or the bomb ratio.
struct Guard<'l, R> {
    inner: R,
    compressed: Arc<AtomicU64>,
    produced: u64,
    limits: &'l Limits,
    compressed_stream: bool,
}

impl<R: Read> Read for Guard<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        if self.produced > self.limits.max_layer_bytes {
            return Err(too_large(self.limits));
        }
        if self.compressed_stream && self.produced >= self.limits.bomb_min_bytes {
            let c = self.compressed.load(Ordering::Relaxed).max(1);
            if self.produced / c > self.limits.bomb_ratio {
                return Err(ImageError::new(
                    ErrorKind::Limit,
                    format!(
                        "decompression bomb: {} bytes of compressed input expanded to {} bytes (ratio over {})",
                        c, self.produced, self.limits.bomb_ratio
                    ),
                )
                .into_io());
            }
        }
        Ok(n)
    }
}

fn too_large(limits: &Limits) -> io::Error {
    ImageError::new(
        ErrorKind::Limit,
        format!(
            "layer is larger than {} bytes uncompressed",
            limits.max_layer_bytes
        ),
    )
    .into_io()
}

struct PadToBlock<R> {
    inner: R,
    count: u64,
    pad: Option<u64>,
}

impl<R: Read> Read for PadToBlock<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pad.is_none() {
            let n = self.inner.read(buf)?;
            if n > 0 || buf.is_empty() {
                self.count += n as u64;
                return Ok(n);
            }
            self.pad = Some((512 - self.count % 512) % 512);
        }
        let left = self.pad.unwrap_or(0);
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        buf[..n].fill(0);
        self.pad = Some(left - n as u64);
        Ok(n)
    }
}

fn sniff(magic: &[u8]) -> Compression {
    if magic.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// Size of the chunks the reading thread hands to the parsing thread.
const CHUNK: usize = 256 << 10;
/// Chunks in flight between the threads: memory stays under `(DEPTH + 2) * CHUNK` per layer.
const DEPTH: usize = 4;

/// What the reading thread sends: filled chunks, then how the stream ended.
enum Msg {
    Data(Vec<u8>, usize),
    End(io::Result<String>),
}

/// The middle stage of a compressed layer: hashes the stored bytes it gets from [`pump`] (the
/// blob digest), undoes the compression, enforces the size and bomb limits, and sends the tar
/// stream in chunks. Returns when the stream ends or the parsing side hangs up. Uncompressed
/// layers are read by [`SharedChunks`] instead.
///
/// Splitting hashing+decompression from tar parsing+content checks puts the two halves on two
/// cores; the bounded channel and the recycled chunks keep memory fixed whatever the layer size.
fn produce(
    src: impl Read,
    (comp, hash): (Compression, bool),
    compressed: Arc<AtomicU64>,
    limits: &Limits,
    tx: &SyncSender<Msg>,
    recycled: &Receiver<Vec<u8>>,
) {
    let mut raw = if hash {
        HashingReader::new(src)
    } else {
        HashingReader::counting(src)
    };
    let mut made = 0;
    // Ok(true): the stream ended; Ok(false): the parsing side hung up.
    let result = (|| -> io::Result<bool> {
        let decoder: Box<dyn Read + '_> = match comp {
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(&mut raw)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(&mut raw)?),
            Compression::None => Box::new(&mut raw),
        };
        let mut guarded = Guard {
            inner: decoder,
            compressed,
            produced: 0,
            limits,
            compressed_stream: comp != Compression::None,
        };
        loop {
            let Some(mut chunk) = next_buffer(recycled, &mut made) else {
                return Ok(false); // the parsing side is gone
            };
            let filled = fill(&mut guarded, &mut chunk)?;
            let full = filled == chunk.len();
            if filled > 0 && tx.send(Msg::Data(chunk, filled)).is_err() {
                return Ok(false);
            }
            if !full {
                return Ok(true);
            }
        }
    })();
    let end = match result {
        Ok(false) => return,
        // Bytes after the compressed stream still belong to the blob and its digest.
        Ok(true) => raw.finish(),
        Err(e) => Err(e),
    };
    let _ = tx.send(Msg::End(end)); // ignored: the parsing side may have stopped already
}

/// A chunk to fill: a recycled one, a new one while fewer than `DEPTH + 2` exist, or the next one
/// the consumer gives back; `None` when the consumer has hung up.
fn next_buffer(recycled: &Receiver<Vec<u8>>, made: &mut usize) -> Option<Vec<u8>> {
    match recycled.try_recv() {
        Ok(c) => Some(c),
        Err(_) if *made < DEPTH + 2 => {
            *made += 1;
            Some(vec![0; CHUNK])
        }
        Err(_) => recycled.recv().ok(),
    }
}

/// Fills `chunk` from `r`; returns the bytes read (less than the chunk only at the end).
fn fill(r: &mut dyn Read, chunk: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < chunk.len() {
        match r.read(&mut chunk[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The first stage: reads the stored blob in chunks. On its own thread, the copy out of the page
/// cache (or the wait for the disk or the registry) overlaps with hashing instead of adding to it.
fn pump(mut src: impl Read, tx: &SyncSender<Msg>, recycled: &Receiver<Vec<u8>>) {
    let mut made = 0;
    while let Some(mut chunk) = next_buffer(recycled, &mut made) {
        let (filled, full) = match fill(&mut src, &mut chunk) {
            Ok(n) => (n, n == chunk.len()),
            Err(e) => {
                let _ = tx.send(Msg::End(Err(e)));
                return;
            }
        };
        if filled > 0 && tx.send(Msg::Data(chunk, filled)).is_err() {
            return;
        }
        if !full {
            let _ = tx.send(Msg::End(Ok(String::new())));
            return;
        }
    }
}

/// An uncompressed layer, read on the parsing thread itself: each chunk is shared with a
/// hashing thread, which hashes it while the tar entries are parsed from it. Two threads, not
/// three (reading, hashing, parsing): the read's copy out of the page cache runs beside the hash
/// instead of competing with both for the cores, and no stage waits for another's hand-off.
/// Nothing the parser reads is trusted before the digest matches: the pass's result is used only
/// after [`read_layer`] has compared it. Memory stays under `(DEPTH + 2) * CHUNK`.
struct SharedChunks<'l, R> {
    src: R,
    /// Chunks to hash; `None` once the stream has ended (the hashing thread then finishes).
    to_hash: Option<SyncSender<Arc<Vec<u8>>>>,
    /// Chunks the hashing thread is done with, to fill again.
    hashed: Receiver<Arc<Vec<u8>>>,
    made: usize,
    cur: Option<Arc<Vec<u8>>>,
    pos: usize,
    count: u64,
    limits: &'l Limits,
}

impl<R: Read> SharedChunks<'_, R> {
    /// A buffer to fill: one the hashing thread gave back, a new one while fewer than
    /// `DEPTH + 2` exist, or the next one it gives back (waiting for the hash to catch up).
    fn buffer(&mut self) -> io::Result<Vec<u8>> {
        let back = match self.hashed.try_recv() {
            Ok(c) => Some(c),
            Err(_) if self.made < DEPTH + 2 => None,
            Err(_) => Some(
                self.hashed
                    .recv()
                    .map_err(|_| io::Error::other("the layer's hashing thread stopped"))?,
            ),
        };
        // The parser let go of every chunk before this one, so the hasher's is the last handle.
        match back.map(Arc::try_unwrap) {
            Some(Ok(mut v)) => {
                v.resize(CHUNK, 0);
                Ok(v)
            }
            _ => {
                self.made += 1;
                Ok(vec![0; CHUNK])
            }
        }
    }

    /// Moves to the next chunk; false at the end of the stream.
    fn next_chunk(&mut self) -> io::Result<bool> {
        self.cur = None;
        self.pos = 0;
        if self.to_hash.is_none() {
            return Ok(false);
        }
        let mut chunk = self.buffer()?;
        let n = fill(&mut self.src, &mut chunk)?;
        if n == 0 {
            self.to_hash = None; // the hashing thread finishes its digest
            return Ok(false);
        }
        self.count += n as u64;
        if self.count > self.limits.max_layer_bytes {
            return Err(too_large(self.limits));
        }
        chunk.truncate(n);
        let chunk = Arc::new(chunk);
        let sent = self
            .to_hash
            .as_ref()
            .is_some_and(|tx| tx.send(Arc::clone(&chunk)).is_ok());
        if !sent {
            return Err(io::Error::other("the layer's hashing thread stopped"));
        }
        self.cur = Some(chunk);
        Ok(true)
    }

    /// Reads to the end, so that the digest covers the whole stream.
    fn drain(&mut self) -> io::Result<()> {
        while self.next_chunk()? {}
        Ok(())
    }
}

impl<R: Read> Read for SharedChunks<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(c) = &self.cur {
                if self.pos < c.len() {
                    let n = buf.len().min(c.len() - self.pos);
                    buf[..n].copy_from_slice(&c[self.pos..self.pos + n]);
                    self.pos += n;
                    return Ok(n);
                }
            }
            if !self.next_chunk()? {
                return Ok(0);
            }
        }
    }
}

/// The hashing thread of an uncompressed layer: hashes each chunk and gives it back.
fn hash_chunks(rx: &Receiver<Arc<Vec<u8>>>, back: &SyncSender<Arc<Vec<u8>>>) -> String {
    let mut hasher = Sha256::new();
    for chunk in rx {
        hasher.update(chunk.as_slice());
        let _ = back.try_send(chunk); // a full pool (never: at most DEPTH + 2 exist) drops it
    }
    format!("sha256:{}", hex_lower(&hasher.finalize()))
}

/// The parsing side of the channel: a reader over the chunks, hashing them (the diff id of a
/// compressed layer) when asked.
struct Chunks {
    rx: Receiver<Msg>,
    recycle: SyncSender<Vec<u8>>,
    cur: Vec<u8>,
    len: usize,
    pos: usize,
    hasher: Option<Sha256>,
    count: u64,
    /// The reading thread's result: the digest it computed, or why it stopped.
    end: Option<io::Result<String>>,
}

impl Chunks {
    /// Moves to the next chunk; false at the end of the stream.
    fn next_chunk(&mut self) -> io::Result<bool> {
        if self.end.is_some() {
            return self.ended();
        }
        let old = std::mem::take(&mut self.cur);
        if !old.is_empty() {
            let _ = self.recycle.try_send(old); // a full pool just drops the chunk
        }
        match self.rx.recv() {
            Ok(Msg::Data(c, n)) => {
                if let Some(h) = &mut self.hasher {
                    h.update(&c[..n]);
                }
                self.count += n as u64;
                self.cur = c;
                self.len = n;
                self.pos = 0;
                Ok(true)
            }
            Ok(Msg::End(r)) => {
                self.end = Some(r);
                self.ended()
            }
            Err(_) => {
                self.end = Some(Err(io::Error::other("the layer reader stopped")));
                self.ended()
            }
        }
    }

    fn ended(&self) -> io::Result<bool> {
        match &self.end {
            Some(Err(e)) => Err(
                match e.get_ref().and_then(|i| i.downcast_ref::<ImageError>()) {
                    Some(ie) => ie.clone().into_io(),
                    None => io::Error::new(e.kind(), e.to_string()),
                },
            ),
            _ => Ok(false),
        }
    }

    /// Reads to the end (so every digest covers the whole stream); returns the reading thread's
    /// digest and this side's.
    fn finish(&mut self) -> io::Result<(String, Option<String>)> {
        while self.next_chunk()? {}
        let theirs = match self.end.take() {
            Some(Ok(d)) => d,
            Some(Err(e)) => return Err(e),
            None => return Err(io::Error::other("the layer reader stopped")),
        };
        let ours = self
            .hasher
            .take()
            .map(|h| format!("sha256:{}", hex_lower(&h.finalize())));
        Ok((theirs, ours))
    }
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.pos == self.len {
            if !self.next_chunk()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.len - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Where layers are read from, and how.
#[derive(Clone, Copy)]
pub(crate) struct LayerSource<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) limits: &'a Limits,
    pub(crate) progress: &'a Progress,
    pub(crate) cache: Option<&'a DigestCache>,
}

/// Streams layer `index`, calling `visit` for every entry (with a reader over its content) and
/// every whiteout. Verifies the blob digest and the diff id when known. `entry_budget` is the
/// number of entries still allowed over the whole image.
pub(crate) fn read_layer(
    from: &LayerSource<'_>,
    spec: &LayerSpec,
    (index, layers): (usize, usize),
    entry_budget: u64,
    visit: &mut dyn FnMut(LayerItem<'_>, &mut dyn Read) -> io::Result<()>,
) -> Result<LayerStats> {
    let LayerSource {
        store,
        limits,
        progress,
        cache,
    } = *from;
    let what = format!("layer {} ({})", index + 1, spec.path);
    // Looked up before the blob is opened: the identity the entry vouches for must be the one of
    // the file read.
    let lookup = cache.and_then(|c| Some((c, c.lookup(store.location(&spec.path)?)?)));
    // With a lookup, the blob is read from the file whose identity it took.
    let (raw, size) = match &lookup {
        Some((_, l)) => l.open().map_err(|e| ImageError::io(&what, e))?,
        None => store.open(&spec.path)?.ok_or_else(|| {
            ImageError::new(ErrorKind::NotFound, format!("{what}: blob is missing"))
        })?,
    };
    let compressed = Arc::new(AtomicU64::new(0));
    let mut buf = BufReader::with_capacity(
        CHUNK,
        Counting {
            inner: raw,
            count: Arc::clone(&compressed),
            progress,
            what: format!("reading layer {}/{layers}", index + 1),
            total: size.unwrap_or(0),
        },
    );
    let comp = sniff(buf.fill_buf().map_err(|e| ImageError::io(&what, e))?);
    let mut stats = LayerStats {
        compression: Some(comp),
        ..LayerStats::default()
    };
    // An earlier scan verified this blob in this very file, unchanged since: its digests are not
    // computed again, and the file is checked to be unchanged after the read instead.
    let trusted = lookup
        .as_ref()
        .is_some_and(|(_, l)| l.vouches_for(spec.digest.as_deref(), spec.diff_id.as_deref()));
    if comp == Compression::None {
        if let Some((_, l)) = lookup.as_ref().filter(|_| trusted) {
            let mut padded = PadToBlock {
                inner: &mut buf,
                count: 0,
                pad: None,
            };
            walk_tar(&mut padded, index, limits, entry_budget, &mut stats, visit)
                .map_err(|e| ImageError::io(&what, e))?;
            confirm_unchanged(l, &what, &mut stats)?;
            // The rest of the blob (end-of-archive blocks) is left unread.
            stats.compressed_bytes = size.unwrap_or(compressed.load(Ordering::Relaxed));
            stats.uncompressed_bytes = stats.compressed_bytes;
            return Ok(stats);
        }
        let (to_hash, hash_rx) = mpsc::sync_channel(DEPTH);
        let (hashed_tx, hashed) = mpsc::sync_channel(DEPTH + 2);
        let digest = std::thread::scope(|scope| {
            let hasher = scope.spawn(move || hash_chunks(&hash_rx, &hashed_tx));
            let mut chunks = SharedChunks {
                src: &mut buf,
                to_hash: Some(to_hash),
                hashed,
                made: 0,
                cur: None,
                pos: 0,
                count: 0,
                limits,
            };
            let walked = {
                let mut padded = PadToBlock {
                    inner: &mut chunks,
                    count: 0,
                    pad: None,
                };
                walk_tar(&mut padded, index, limits, entry_budget, &mut stats, visit)
                    .and_then(|()| chunks.drain())
            };
            stats.uncompressed_bytes = chunks.count;
            // Dropping the reader hangs up the channel: the hashing thread ends, also when the
            // walk stopped early with an error.
            drop(chunks);
            let digest = hasher
                .join()
                .map_err(|_| io::Error::other("the layer's hashing thread stopped"));
            walked.and(digest)
        })
        .map_err(|e| ImageError::io(&what, e))?;
        stats.compressed_bytes = compressed.load(Ordering::Relaxed);
        let got = Digests {
            blob: digest.clone(),
            diff_id: digest,
        };
        verify(spec, &what, got, lookup.as_ref())?;
        return Ok(stats);
    }
    // Compressed: three stages on their own threads: reading, hashing and decompressing,
    // parsing. Chunks go forward through bounded channels and come back through pools, so
    // memory stays fixed.
    let (raw_tx, raw_rx) = mpsc::sync_channel(DEPTH);
    let (raw_back, raw_pool) = mpsc::sync_channel(DEPTH + 2);
    let (tx, rx) = mpsc::sync_channel(DEPTH);
    let digests = std::thread::scope(|scope| {
        scope.spawn(move || pump(buf, &raw_tx, &raw_pool));
        let stored = Chunks {
            rx: raw_rx,
            recycle: raw_back,
            cur: Vec::new(),
            len: 0,
            pos: 0,
            hasher: None,
            count: 0,
            end: None,
        };
        let (back, pool) = mpsc::sync_channel(DEPTH + 2);
        let counter = Arc::clone(&compressed);
        scope.spawn(move || produce(stored, (comp, !trusted), counter, limits, &tx, &pool));
        let mut chunks = Chunks {
            rx,
            recycle: back,
            cur: Vec::new(),
            len: 0,
            pos: 0,
            // The stored bytes are hashed by the decompressing thread; the tar stream's own
            // digest (the diff id) is computed here.
            hasher: (!trusted).then(Sha256::new),
            count: 0,
            end: None,
        };
        // Some writers (umoci) end the last member without its padding or the end-of-archive
        // blocks; padding to the block size at EOF accepts them. The digests are computed
        // before this, so a truncated stream is still caught by the diff id.
        let mut padded = PadToBlock {
            inner: &mut chunks,
            count: 0,
            pad: None,
        };
        walk_tar(&mut padded, index, limits, entry_budget, &mut stats, visit)?;
        let digests = chunks.finish()?;
        stats.uncompressed_bytes = chunks.count;
        // Dropping `chunks` here hangs up the channel, so the reading thread ends even when
        // the walk stopped early with an error.
        Ok::<_, io::Error>(digests)
    })
    .map_err(|e| ImageError::io(&what, e))?;
    stats.compressed_bytes = compressed.load(Ordering::Relaxed);
    if let Some((_, l)) = lookup.as_ref().filter(|_| trusted) {
        confirm_unchanged(l, &what, &mut stats)?;
        return Ok(stats);
    }
    let got = match digests {
        (theirs, Some(ours)) => Digests {
            blob: theirs,
            diff_id: ours,
        },
        (theirs, None) => Digests {
            blob: theirs.clone(),
            diff_id: theirs,
        },
    };
    verify(spec, &what, got, lookup.as_ref())?;
    Ok(stats)
}

/// Compares what the layer hashed to with the digests the image names, then remembers them for
/// the next scan of the same, unchanged file.
fn verify(
    spec: &LayerSpec,
    what: &str,
    got: Digests,
    lookup: Option<&(&DigestCache, Lookup)>,
) -> Result<()> {
    if let Some(want) = &spec.digest {
        check_digest(want, &got.blob, what, "blob")?;
    }
    if let Some(want) = &spec.diff_id {
        check_digest(want, &got.diff_id, what, "diff id")?;
    }
    if let Some((c, l)) = lookup {
        c.record(l, &got);
    }
    Ok(())
}

/// After a read that trusted a remembered entry instead of hashing: the file must not have
/// changed meanwhile.
fn confirm_unchanged(l: &Lookup, what: &str, stats: &mut LayerStats) -> Result<()> {
    if !l.unchanged() {
        return Err(ImageError::new(
            ErrorKind::Digest,
            format!("{what}: the file changed while it was read; scan again"),
        ));
    }
    stats.verified_earlier = true;
    Ok(())
}

fn check_digest(want: &str, got: &str, what: &str, which: &str) -> Result<()> {
    if !want.starts_with("sha256:") {
        return Err(ImageError::new(
            ErrorKind::Unsupported,
            format!("{what}: {which} `{want}` uses an unsupported algorithm"),
        ));
    }
    if !want.eq_ignore_ascii_case(got) {
        return Err(ImageError::new(
            ErrorKind::Digest,
            format!("{what}: {which} mismatch: expected {want}, content is {got}"),
        ));
    }
    Ok(())
}

fn limit_err(msg: String) -> io::Error {
    ImageError::new(ErrorKind::Limit, msg).into_io()
}

fn read_ext(r: &mut dyn Read, size: u64, cap: u64, what: &str) -> io::Result<Vec<u8>> {
    if size > cap {
        return Err(limit_err(format!(
            "{what} of {size} bytes exceeds the limit of {cap}"
        )));
    }
    let mut v = Vec::with_capacity(size as usize);
    r.take(cap).read_to_end(&mut v)?;
    while v.last() == Some(&0) {
        v.pop();
    }
    Ok(v)
}

/// A stream that `tar` may "seek" forward in, by reading, to skip the unread part of an entry.
/// Without it `tar` zeroes a 32 KiB buffer before every entry, even when nothing is left to
/// skip (thousands of entries per layer: most of the pass's time outside hashing and
/// decompression); this buffer is allocated once, on the first skip. Any other seek is an error.
struct ForwardSeek<R> {
    inner: R,
    pos: u64,
    buf: Vec<u8>,
}

impl<R: Read> Read for ForwardSeek<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read> io::Seek for ForwardSeek<R> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let io::SeekFrom::Current(delta) = to else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a layer stream only skips forward",
            ));
        };
        let mut left = u64::try_from(delta).map_err(|_| {
            io::Error::new(
                io::ErrorKind::Unsupported,
                "a layer stream only skips forward",
            )
        })?;
        if left > 0 && self.buf.is_empty() {
            self.buf = vec![0; 32 << 10];
        }
        while left > 0 {
            let want = usize::try_from(left)
                .unwrap_or(usize::MAX)
                .min(self.buf.len());
            match self.inner.read(&mut self.buf[..want]) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the layer ends inside an entry",
                    ))
                }
                Ok(n) => {
                    self.pos += n as u64;
                    left -= n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.pos)
    }
}

fn walk_tar(
    r: &mut dyn Read,
    layer: usize,
    limits: &Limits,
    entry_budget: u64,
    stats: &mut LayerStats,
    visit: &mut dyn FnMut(LayerItem<'_>, &mut dyn Read) -> io::Result<()>,
) -> io::Result<()> {
    let mut archive = tar::Archive::new(ForwardSeek {
        inner: r,
        pos: 0,
        buf: Vec::new(),
    });
    let entries = archive.entries_with_seek()?.raw(true);
    let mut long_name: Option<Vec<u8>> = None;
    let mut long_link: Option<Vec<u8>> = None;
    let mut pax: Option<Vec<u8>> = None;
    for entry in entries {
        let mut entry = entry?;
        let et = entry.header().entry_type();
        let hsize = entry.header().size()?;
        match et {
            tar::EntryType::GNULongName => {
                long_name = Some(read_ext(
                    &mut entry,
                    hsize,
                    limits.max_name_bytes,
                    "long name",
                )?);
                continue;
            }
            tar::EntryType::GNULongLink => {
                long_link = Some(read_ext(
                    &mut entry,
                    hsize,
                    limits.max_name_bytes,
                    "long link name",
                )?);
                continue;
            }
            tar::EntryType::XHeader => {
                pax = Some(read_ext(
                    &mut entry,
                    hsize,
                    limits.max_name_bytes,
                    "PAX header",
                )?);
                continue;
            }
            tar::EntryType::XGlobalHeader => continue,
            _ => {}
        }
        stats.entries += 1;
        if stats.entries > limits.max_entries_per_layer || stats.entries > entry_budget {
            return Err(limit_err(format!(
                "more than {} entries",
                limits.max_entries_per_layer.min(entry_budget)
            )));
        }
        let header = entry.header();
        let mut path = long_name
            .take()
            .unwrap_or_else(|| entry.path_bytes().into_owned());
        let mut link = long_link
            .take()
            .or_else(|| entry.link_name_bytes().map(|c| c.into_owned()));
        let mut uid = header.uid().unwrap_or(0);
        let mut gid = header.gid().unwrap_or(0);
        if let Some(p) = pax.take() {
            for ext in tar::PaxExtensions::new(&p) {
                let ext = ext?;
                let num = || {
                    std::str::from_utf8(ext.value_bytes())
                        .ok()
                        .and_then(|s| s.parse::<u64>().ok())
                };
                match ext.key_bytes() {
                    b"path" => path = ext.value_bytes().to_vec(),
                    b"linkpath" => link = Some(ext.value_bytes().to_vec()),
                    b"uid" => uid = num().unwrap_or(uid),
                    b"gid" => gid = num().unwrap_or(gid),
                    b"size" if num() != Some(hsize) => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "a PAX size record that differs from the header size (files over 8 GiB) is not supported",
                        ))
                    }
                    _ => {}
                }
            }
        }
        if path.len() as u64 > limits.max_name_bytes {
            return Err(limit_err("path name too long".into()));
        }
        let kind = match et {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                FileKind::File
            }
            tar::EntryType::Directory => FileKind::Dir,
            tar::EntryType::Symlink => FileKind::Symlink,
            tar::EntryType::Link => FileKind::HardLink,
            tar::EntryType::Char => FileKind::CharDevice,
            tar::EntryType::Block => FileKind::BlockDevice,
            tar::EntryType::Fifo => FileKind::Fifo,
            _ => FileKind::Other,
        };
        let norm = match normalize(&path) {
            Ok(Some(p)) => p,
            Ok(None) => continue, // the root directory itself
            Err(()) => {
                stats.refused.push(format!(
                    "layer {}: entry `{}` escapes the image root (path traversal); ignored",
                    layer + 1,
                    String::from_utf8_lossy(&path)
                ));
                continue;
            }
        };
        // Whiteouts (OCI image spec, "Representing Changes").
        let name_at = norm.iter().rposition(|&b| b == b'/').unwrap_or(0);
        let name = &norm[name_at + 1..];
        if let Some(rest) = name.strip_prefix(b".wh.") {
            let parent: Box<[u8]> = if name_at == 0 {
                (*b"/").into()
            } else {
                norm[..name_at].into()
            };
            if rest == b".wh..opq" {
                visit(LayerItem::Opaque(parent), &mut io::empty())?;
            } else if !rest.starts_with(b".wh.") && !rest.is_empty() {
                let mut target = norm[..name_at].to_vec();
                target.push(b'/');
                target.extend_from_slice(rest);
                visit(LayerItem::Whiteout(target.into()), &mut io::empty())?;
            }
            continue;
        }
        let link = match (kind, link) {
            (FileKind::HardLink, Some(l)) => match normalize(&l) {
                Ok(Some(t)) => Some(t),
                _ => {
                    stats.refused.push(format!(
                        "layer {}: hard link `{}` points outside the image root (`{}`); ignored",
                        layer + 1,
                        String::from_utf8_lossy(&norm),
                        String::from_utf8_lossy(&l)
                    ));
                    continue;
                }
            },
            (FileKind::Symlink, Some(l)) => Some(l.into_boxed_slice()),
            _ => None,
        };
        let size = if kind == FileKind::File { hsize } else { 0 };
        stats.file_bytes += size;
        let fe = FileEntry {
            path: norm,
            kind,
            mode: header.mode().unwrap_or(0) & 0o7777,
            uid,
            gid,
            size,
            link,
            layer,
            hidden: None,
        };
        visit(LayerItem::Entry(&fe), &mut entry)?;
    }
    Ok(())
}
