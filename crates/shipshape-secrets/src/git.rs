//! `--git`: every blob reachable from any ref, scanned once, attributed to the oldest commit (by
//! commit time) whose tree holds it.
//!
//! Objects stored in packs are decoded up front in pack order (each delta chain resolved once;
//! all commits and trees, blobs up to a memory budget, kept in a few large buffers), the rest
//! looked up one by one; the rule set compiles on another thread meanwhile. Commits are then
//! visited oldest first and each tree is entered only once (a tree seen before holds only blobs
//! seen before); within a new tree, only the records that differ from the previous version of the
//! same directory are parsed and looked at, so the cost is close to one pass over what the history
//! changed. The walk hands each new blob version, with the previous version of its path, to the
//! other workers as it goes, so scanning overlaps it. A blob with an earlier version at the same
//! path is confirmed only on its changed lines (common prefix and suffix removed, cheaper than a
//! diff and enough to tell which lines a version introduced), and a secret is reported once per
//! path: at the oldest version that holds it.

use crate::options::SecretsOptions;
use crate::scan::{is_binary, scan_text_lines, Ctx, Provenance};
use crate::walk::read_gitleaksignore;
use crate::SecretsError;
use gix::ObjectId;
use rayon::prelude::*;
use shipshape_core::checklist::ChecklistItem;
use shipshape_core::finding::{Finding, SourceKind};
use shipshape_core::report::{Analysis, ScanError, ScannedInput};
use shipshape_core::source::SourceFile;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a history scan read and skipped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GitStats {
    pub commits: u64,
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped_binary: u64,
    pub skipped_large: u64,
}

struct BlobJob {
    id: ObjectId,
    /// The previous version of the blob at this path, if any.
    prev: Option<ObjectId>,
    path: String,
    commit: usize,
    /// Position in history order (commit, then tree order).
    order: usize,
}

/// What scanning one blob produced.
struct Out {
    order: usize,
    findings: Vec<Finding>,
    source: Option<SourceFile>,
    error: Option<ScanError>,
    bytes: u64,
    binary: bool,
    large: bool,
}

/// Scans one blob version, confirming only the lines that differ from the previous version of its
/// path (all of them for a first version).
fn scan_blob(
    repo: &gix::Repository,
    ctx: &Ctx<'_>,
    job: &BlobJob,
    commit_ids: &[ObjectId],
    packed_blobs: &ObjectStore,
) -> Out {
    let opts = ctx.opts;
    let mut out = Out {
        order: job.order,
        findings: Vec::new(),
        source: None,
        error: None,
        bytes: 0,
        binary: false,
        large: false,
    };
    let skip_path = opts.allowlist.path_allowed(&job.path)
        || opts
            .gitleaks_config
            .as_ref()
            .is_some_and(|g| g.path_allowed(&job.path));
    if skip_path {
        return out;
    }
    let load = |id: ObjectId| -> Result<std::borrow::Cow<'_, [u8]>, String> {
        match packed_blobs.get(&id) {
            Some(d) => Ok(std::borrow::Cow::Borrowed(d)),
            None => repo
                .find_object(id)
                .map(|o| std::borrow::Cow::Owned(o.detach().data))
                .map_err(|e| e.to_string()),
        }
    };
    let data = match load(job.id) {
        Ok(d) => d,
        Err(e) => {
            out.error = Some(ScanError::new(&job.path, format!("blob {}: {e}", job.id)));
            return out;
        }
    };
    if data.len() as u64 > opts.max_file_size {
        out.large = true;
    } else if !opts.scan_binaries && is_binary(&data) {
        out.binary = true;
    } else {
        out.bytes = data.len() as u64;
        let prev = job.prev.and_then(|p| load(p).ok());
        let region = prev
            .as_deref()
            .map_or((0, data.len()), |p| changed_region(p, &data));
        let hits = region.0 < region.1
            && !ctx
                .engine
                .scan_lines(&data, Some(&job.path), Some(region))
                .is_empty();
        if hits {
            let prov = provenance(repo, commit_ids[job.commit]);
            if let Some(r) = scan_text_lines(ctx, &job.path, &data, Some(&prov), Some(region)) {
                out.findings = r.findings;
                out.source = r.source;
            }
        }
    }
    out
}

/// Blob versions handed to the pool at a time during the walk.
const BATCH: usize = 64;

/// Reads every distinct tree reachable from `roots`, level by level, in parallel (inflating trees
/// is the bulk of the history walk when directories are large). Returns the raw tree data by id.
fn read_trees(
    sync: &gix::ThreadSafeRepository,
    pool: &rayon::ThreadPool,
    mut frontier: Vec<ObjectId>,
) -> Result<ObjectMap, SecretsError> {
    let mut all: gix::hashtable::HashMap<ObjectId, Vec<u8>> = Default::default();
    frontier.sort();
    frontier.dedup();
    while !frontier.is_empty() {
        type Read = Result<(ObjectId, Vec<u8>, Vec<ObjectId>), String>;
        let read: Vec<Read> = pool.install(|| {
            frontier
                .par_iter()
                .map_init(
                    || sync.to_thread_local(),
                    |repo, id| {
                        let mut tree = repo.find_tree(*id).map_err(|e| e.to_string())?;
                        let data = std::mem::take(&mut tree.data);
                        let children =
                            gix::objs::TreeRefIter::from_bytes(&data, repo.object_hash())
                                .filter_map(Result::ok)
                                .filter(|e| e.mode.is_tree())
                                .map(|e| e.oid.to_owned())
                                .collect();
                        Ok((*id, data, children))
                    },
                )
                .collect()
        });
        let mut next: Vec<ObjectId> = Vec::new();
        for r in read {
            let (id, data, children) = r.map_err(SecretsError::Git)?;
            all.insert(id, data);
            next.extend(children);
        }
        next.sort();
        next.dedup();
        next.retain(|id| !all.contains_key(id));
        frontier = next;
    }
    Ok(all)
}

type ObjectMap = gix::hashtable::HashMap<ObjectId, Vec<u8>>;

/// Decoded objects kept in a few large buffers: one allocation per [`CHUNK`] bytes instead of one
/// per object. Tens of thousands of small allocations from the decoding threads made the allocator
/// grow its per-thread heaps one system call at a time, which cost more than the decoding itself.
#[derive(Default)]
struct ObjectStore {
    chunks: Vec<Vec<u8>>,
    /// Object id to (chunk, start, length).
    index: gix::hashtable::HashMap<ObjectId, (usize, usize, usize)>,
}

/// Size of the buffers of an [`ObjectStore`]; larger objects get a buffer of their own.
const CHUNK: usize = 4 << 20;

impl ObjectStore {
    fn get(&self, id: &ObjectId) -> Option<&[u8]> {
        let &(c, s, l) = self.index.get(id)?;
        self.chunks.get(c)?.get(s..s.checked_add(l)?)
    }

    fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    fn from_map(map: ObjectMap) -> ObjectStore {
        let mut store = ObjectStore::default();
        for (id, data) in map {
            store.index.insert(id, (store.chunks.len(), 0, data.len()));
            store.chunks.push(data);
        }
        store
    }
}

/// One decoding thread's share of an [`ObjectStore`], merged into the shared store when the
/// thread is done with it (on drop).
#[derive(Default)]
struct LocalStore {
    chunks: Vec<Vec<u8>>,
    /// Chunk that small objects are appended to.
    current: Option<usize>,
    entries: Vec<(ObjectId, usize, usize, usize)>,
}

impl LocalStore {
    fn push(&mut self, id: ObjectId, data: &[u8]) {
        if data.len() >= CHUNK / 4 {
            self.chunks.push(data.to_vec());
            self.entries
                .push((id, self.chunks.len() - 1, 0, data.len()));
            return;
        }
        let c = match self.current {
            Some(c) if self.chunks[c].capacity() - self.chunks[c].len() >= data.len() => c,
            _ => {
                self.chunks.push(Vec::with_capacity(CHUNK));
                self.current = Some(self.chunks.len() - 1);
                self.chunks.len() - 1
            }
        };
        let start = self.chunks[c].len();
        self.chunks[c].extend_from_slice(data);
        self.entries.push((id, c, start, data.len()));
    }

    fn merge_into(&mut self, store: &mut ObjectStore) {
        let base = store.chunks.len();
        store.chunks.append(&mut self.chunks);
        for (id, c, s, l) in self.entries.drain(..) {
            store.index.insert(id, (base + c, s, l));
        }
        self.current = None;
    }
}

/// The per-thread state of the pack decode: trees and kept blobs, merged on drop. Cloning (one
/// clone per decoding thread) starts empty.
struct Sink<'a> {
    shared: &'a std::sync::Mutex<(ObjectStore, ObjectStore)>,
    trees: LocalStore,
    blobs: LocalStore,
}

impl Clone for Sink<'_> {
    fn clone(&self) -> Self {
        Sink {
            shared: self.shared,
            trees: LocalStore::default(),
            blobs: LocalStore::default(),
        }
    }
}

impl Drop for Sink<'_> {
    fn drop(&mut self) {
        if let Ok(mut shared) = self.shared.lock() {
            let (trees, blobs) = &mut *shared;
            self.trees.merge_into(trees);
            self.blobs.merge_into(blobs);
        }
    }
}

/// Total bytes of blobs kept from the pack-order decode; blobs beyond it are looked up again
/// one by one when scanned (bounded memory on large repositories).
const PACKED_BLOB_BUDGET: u64 = 256 * 1024 * 1024;

/// Every commit and tree stored in the repository's packs (first store), and blobs up to [`PACKED_BLOB_BUDGET`] (each at
/// most `max_blob` bytes), decoded in pack order: each delta chain is resolved once, from its base
/// down, instead of once per looked-up object (random lookups of deltified objects re-inflate
/// their whole chain, which dominated history scans). Best effort: a pack that cannot be read
/// contributes nothing and its objects are looked up one by one instead.
fn packed_objects(
    dir: &Path,
    hash: gix::hash::Kind,
    threads: usize,
    max_blob: u64,
) -> (ObjectStore, ObjectStore) {
    use gix::odb::pack;
    use std::sync::atomic::{AtomicU64, Ordering};
    let found = std::sync::Mutex::new((ObjectStore::default(), ObjectStore::default()));
    let budget = AtomicU64::new(PACKED_BLOB_BUDGET);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Default::default();
    };
    let mut idx: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .collect();
    idx.sort();
    let interrupt = std::sync::atomic::AtomicBool::new(false);
    for path in idx {
        let Ok(bundle) = pack::Bundle::at(&path, hash) else {
            continue;
        };
        let budget = &budget;
        let mut sink = Sink {
            shared: &found,
            trees: LocalStore::default(),
            blobs: LocalStore::default(),
        };
        let processor = move |kind: gix::object::Kind,
                              data: &[u8],
                              entry: &pack::index::Entry,
                              _: &dyn gix::progress::Progress| {
            let len = data.len() as u64;
            if matches!(kind, gix::object::Kind::Tree | gix::object::Kind::Commit) {
                sink.trees.push(entry.oid, data);
            } else if kind == gix::object::Kind::Blob
                && len <= max_blob
                && budget
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(len))
                    .is_ok()
            {
                sink.blobs.push(entry.oid, data);
            }
            Ok(())
        };
        let _ = bundle.index.traverse(
            &bundle.pack,
            &mut gix::progress::Discard,
            &interrupt,
            processor,
            pack::index::traverse::Options {
                traversal: pack::index::traverse::Algorithm::DeltaTreeLookup,
                thread_limit: Some(threads.max(1)),
                check: pack::index::traverse::SafetyCheck::SkipFileAndObjectChecksumVerification,
                alloc_limit_bytes: None,
                make_pack_lookup_cache: || pack::cache::Never,
            },
        );
    }
    found.into_inner().unwrap_or_default()
}

/// Byte ranges of the records of a tree, in order.
type Records = [(usize, usize)];

/// The last walked version of a directory: its data (when stored) and record ranges.
type DirVersion<'a> = (Option<&'a [u8]>, Vec<(usize, usize)>);

/// The records of tree `new` that its previous version `old` (data and record ranges) lacks, and
/// in `ranges` the byte range of every record of `new`.
///
/// Records wholly inside the common byte prefix of both trees are the same records (parsing is
/// deterministic from the start). Parsing then goes on from the first differing record and stops
/// at the first record boundary `p` where the rest of `new` equals the rest of `old` byte for byte
/// and `old` has a record starting at the matching position: from there both parse alike, so
/// the remaining records are unchanged. Without `old`, every record is returned.
fn changed_records<'a>(
    old: Option<(&[u8], &Records)>,
    new: &'a [u8],
    hash_kind: gix::hash::Kind,
    ranges: &mut Vec<(usize, usize)>,
) -> Result<Vec<gix::objs::tree::EntryRef<'a>>, SecretsError> {
    let (old_data, old_ranges) = old.unwrap_or((&[], &[]));
    let prefix = common_prefix(old_data, new);
    let suffix = common_suffix(old_data, new);
    let head = old_ranges.partition_point(|r| r.1 <= prefix);
    ranges.extend_from_slice(&old_ranges[..head]);
    let mut pos = head.checked_sub(1).map_or(0, |i| old_ranges[i].1);
    // Where `new[p..]` equals the tail of `old` starting at an old record boundary: the index of
    // that old record.
    let rest_unchanged = |p: usize| -> Option<usize> {
        let old_at = (p + old_data.len()).checked_sub(new.len())?;
        if new.len() - p > suffix || p == new.len() {
            return None;
        }
        old_ranges.binary_search_by_key(&old_at, |r| r.0).ok()
    };
    let mut changed = Vec::new();
    if pos < new.len() && rest_unchanged(pos).is_none() {
        for e in gix::objs::TreeRefIter::from_bytes(&new[pos..], hash_kind) {
            let e = e.map_err(git_err)?;
            // Records are `mode SP name NUL oid`; the name borrows from `new`.
            let name_at = (e.filename.as_ptr() as usize).wrapping_sub(new.as_ptr() as usize);
            let end = (name_at + e.filename.len() + 1 + hash_kind.len_in_bytes()).min(new.len());
            ranges.push((pos, end));
            pos = end;
            changed.push(e);
            if rest_unchanged(pos).is_some() {
                break;
            }
        }
    }
    if let Some(j) = rest_unchanged(pos) {
        let shift = |x: usize| x + new.len() - old_data.len();
        ranges.extend(old_ranges[j..].iter().map(|r| (shift(r.0), shift(r.1))));
    }
    Ok(changed)
}

/// Length of the common prefix of `a` and `b` (compared a block at a time: this runs over every
/// byte of the history's trees and changed blobs).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let blocks = a
        .chunks_exact(BLOCK)
        .zip(b.chunks_exact(BLOCK))
        .take_while(|(x, y)| x == y)
        .count();
    let done = blocks * BLOCK;
    done + a[done..]
        .iter()
        .zip(&b[done..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Length of the common suffix of `a` and `b`.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let blocks = a
        .rchunks_exact(BLOCK)
        .zip(b.rchunks_exact(BLOCK))
        .take_while(|(x, y)| x == y)
        .count();
    let done = blocks * BLOCK;
    done + a[..a.len() - done]
        .iter()
        .rev()
        .zip(b[..b.len() - done].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// The line-aligned byte range of `new` that differs from `old`: what is left after removing the
/// longest common prefix and suffix. Edits are local, so this is nearly always exactly the changed
/// lines; when it is wider (two distant edits), unchanged lines in between are scanned again and
/// their findings dropped as duplicates of the older version's.
fn changed_region(old: &[u8], new: &[u8]) -> (usize, usize) {
    let prefix = common_prefix(old, new);
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = common_suffix(&old[prefix..], &new[prefix..]).min(max_suffix);
    let start = memchr::memrchr(b'\n', &new[..prefix]).map_or(0, |p| p + 1);
    let end_raw = new.len() - suffix;
    let end = memchr::memchr(b'\n', &new[end_raw..]).map_or(new.len(), |p| end_raw + p);
    (start, end.max(start))
}

fn git_err(e: impl std::fmt::Display) -> SecretsError {
    SecretsError::Git(e.to_string())
}

/// Scans the history of the repository at (or above) `repo`.
pub fn scan_git(repo: &Path, opts: &SecretsOptions) -> Result<Analysis, SecretsError> {
    scan_git_with_stats(repo, opts).map(|(a, _)| a)
}

/// [`scan_git`], also returning what was read and skipped.
pub fn scan_git_with_stats(
    repo_path: &Path,
    opts: &SecretsOptions,
) -> Result<(Analysis, GitStats), SecretsError> {
    // The rule set compiles (a few tens of milliseconds) while the packs are decoded.
    let warm_engine = opts.gitleaks_config.is_none().then(|| {
        std::thread::spawn(|| {
            std::sync::LazyLock::force(&crate::engine::DEFAULT)
                .rules
                .len()
        })
    });
    let mut repo = gix::discover(repo_path).map_err(git_err)?;
    repo.object_cache_size_if_unset(16 * 1024 * 1024);

    // Tips: every ref peeled to a commit, plus HEAD (which may be detached).
    let mut tips: Vec<ObjectId> = Vec::new();
    let refs = repo.references().map_err(git_err)?;
    for r in refs.all().map_err(git_err)? {
        let Ok(mut r) = r else { continue };
        let Ok(id) = r.peel_to_id() else { continue };
        let Ok(obj) = id.object() else { continue };
        if let Ok(c) = obj.peel_to_kind(gix::object::Kind::Commit) {
            tips.push(c.id);
        }
    }
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    tips.sort();
    tips.dedup();

    let sync = repo.clone().into_sync();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(git_err)?;
    let hash_kind = repo.object_hash();
    let (packed_trees, packed_blobs) = packed_objects(
        &repo.common_dir().join("objects").join("pack"),
        hash_kind,
        pool.current_num_threads(),
        opts.max_file_size,
    );

    // All commits reachable from the tips, breadth first (children before parents), read from
    // the decoded packs when there (a lookup otherwise).
    let mut commits: Vec<(i64, ObjectId, ObjectId)> = Vec::new(); // (time, commit, tree)
    let mut seen_commits: gix::hashtable::HashSet<ObjectId> = Default::default();
    let mut queue: std::collections::VecDeque<ObjectId> = tips
        .into_iter()
        .filter(|t| seen_commits.insert(*t))
        .collect();
    while let Some(id) = queue.pop_front() {
        let looked_up;
        let data: &[u8] = match packed_trees.get(&id) {
            Some(d) => d,
            None => {
                looked_up = repo.find_commit(id).map_err(git_err)?.detach().data;
                &looked_up
            }
        };
        let commit = gix::objs::CommitRef::from_bytes(data, hash_kind).map_err(git_err)?;
        let time = commit
            .committer()
            .ok()
            .and_then(|c| c.time().ok())
            .map_or(0, |t| t.seconds);
        commits.push((time, id, commit.tree()));
        queue.extend(commit.parents().filter(|p| seen_commits.insert(*p)));
    }
    drop(seen_commits);
    // Reversed, then stably sorted by commit time, parents come first even when commits share a
    // timestamp.
    commits.reverse();
    commits.sort_by_key(|(t, _, _)| *t);
    // Without packs, trees are prefetched in parallel; with them, the few a pack lacks (loose
    // objects of recent commits) are looked up as the walk below meets them.
    let trees = if packed_trees.is_empty() {
        ObjectStore::from_map(read_trees(
            &sync,
            &pool,
            commits.iter().map(|(_, _, t)| *t).collect(),
        )?)
    } else {
        packed_trees
    };

    let ignored = repo.workdir().and_then(read_gitleaksignore);
    if let Some(warm) = warm_engine {
        let _ = warm.join();
    }
    let ctx = Ctx::new(opts, ignored.as_ref());
    let commit_ids: Vec<ObjectId> = commits.iter().map(|(_, c, _)| *c).collect();

    // The walk runs on one worker of the pool and hands the blob versions it finds, in batches,
    // to the others: scanning overlaps the walk.
    let results: std::sync::Mutex<Vec<Out>> = Default::default();
    // Progress: blobs scanned of the blobs the walk has found so far.
    let (found, scanned) = (AtomicU64::new(0), AtomicU64::new(0));
    let walked: Result<(), SecretsError> = pool.scope(|scope| {
        let repo = sync.to_thread_local();
        let (ctx, commit_ids, packed_blobs, results, sync) =
            (&ctx, &commit_ids, &packed_blobs, &results, &sync);
        let (found, scanned, progress) = (&found, &scanned, &opts.progress);
        let spawn = |batch: Vec<BlobJob>| {
            found.fetch_add(batch.len() as u64, Ordering::Relaxed);
            scope.spawn(move |_| {
                let repo = sync.to_thread_local();
                let outs: Vec<Out> = batch
                    .iter()
                    .map(|job| scan_blob(&repo, ctx, job, commit_ids, packed_blobs))
                    .collect();
                let done =
                    scanned.fetch_add(outs.len() as u64, Ordering::Relaxed) + outs.len() as u64;
                progress.report(
                    "scanning the git history (blobs)",
                    done,
                    found.load(Ordering::Relaxed),
                );
                if let Ok(mut r) = results.lock() {
                    r.extend(outs);
                }
            });
        };
        // Distinct blobs, each with the first commit and path it appears at. Entries already seen
        // (unchanged files and subtrees) are skipped before any path is built.
        let mut seen_trees: gix::hashtable::HashSet<ObjectId> = Default::default();
        let mut seen_blobs: gix::hashtable::HashSet<ObjectId> = Default::default();
        // Last version of each path: a new version is confirmed only on the lines it changed.
        let mut last_version: HashMap<String, ObjectId> = HashMap::new();
        let mut batch: Vec<BlobJob> = Vec::with_capacity(BATCH);
        let mut order = 0usize;
        // Last walked version of each directory: its data (when stored) and record ranges.
        let mut prev_dir: HashMap<String, DirVersion<'_>> = HashMap::new();
        for (ci, (_, _, tree)) in commits.iter().enumerate() {
            if !seen_trees.insert(*tree) {
                continue;
            }
            let mut stack: Vec<(ObjectId, String)> = vec![(*tree, String::new())];
            while let Some((tid, prefix)) = stack.pop() {
                let looked_up;
                let stored = trees.get(&tid);
                let data: &[u8] = match stored {
                    Some(d) => d,
                    None => {
                        // Not in a pack (loose, alternate): one lookup.
                        looked_up = repo.find_tree(tid).map_err(git_err)?.detach().data;
                        &looked_up
                    }
                };
                // Records equal to the previous version of this directory were handled when it
                // was walked (every id they hold is already seen): only the changed records are
                // parsed and looked at, which spares nearly all of the history's tree entries.
                let slot = prev_dir.get_mut(&prefix);
                let old = slot
                    .as_ref()
                    .and_then(|(old_data, old_ranges)| Some(((*old_data)?, &old_ranges[..])));
                let mut ranges = Vec::new();
                let entries = changed_records(old, data, hash_kind, &mut ranges)?;
                match slot {
                    Some(slot) => *slot = (stored, ranges),
                    None => {
                        prev_dir.insert(prefix.clone(), (stored, ranges));
                    }
                }
                for e in &entries {
                    let oid = e.oid.to_owned();
                    let is_tree = e.mode.is_tree();
                    if !(is_tree || e.mode.is_blob()) {
                        continue; // submodules and symlinks
                    }
                    let fresh = if is_tree {
                        seen_trees.insert(oid)
                    } else {
                        seen_blobs.insert(oid)
                    };
                    if !fresh {
                        continue;
                    }
                    let name = String::from_utf8_lossy(e.filename);
                    let path = if prefix.is_empty() {
                        name.into_owned()
                    } else {
                        format!("{prefix}/{name}")
                    };
                    if is_tree {
                        stack.push((oid, path));
                        continue;
                    }
                    let prev = match last_version.get_mut(&path) {
                        Some(last) => Some(std::mem::replace(last, oid)),
                        None => {
                            last_version.insert(path.clone(), oid);
                            None
                        }
                    };
                    batch.push(BlobJob {
                        id: oid,
                        prev,
                        path,
                        commit: ci,
                        order,
                    });
                    order += 1;
                    if batch.len() == BATCH {
                        spawn(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                    }
                }
            }
        }
        spawn(batch);
        Ok(())
    });
    walked?;
    let mut results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|r| r.order);

    let mut analysis = Analysis::default();
    let mut stats = GitStats {
        commits: commits.len() as u64,
        ..GitStats::default()
    };
    // A secret kept across versions is reported once: at the oldest (results are in commit order).
    let mut reported: HashSet<String> = HashSet::new();
    for mut r in results {
        r.findings
            .retain(|f| reported.insert(f.fingerprint.clone()));
        stats.bytes_scanned += r.bytes;
        if r.binary {
            stats.skipped_binary += 1;
        } else if r.large {
            stats.skipped_large += 1;
        } else if r.error.is_none() {
            stats.blobs_scanned += 1;
        }
        analysis.findings.extend(r.findings);
        if let Some(s) = r.source {
            // Several blobs may share a path: keep the first for snippets (findings of later
            // versions still carry their own line and column).
            analysis.add_source(&s);
        }
        analysis.errors.extend(r.error);
    }
    analysis.findings.sort_by(|a, b| {
        (&a.location.path, a.location.line(), &a.rule).cmp(&(
            &b.location.path,
            b.location.line(),
            &b.rule,
        ))
    });
    analysis.inputs.push(ScannedInput {
        path: repo_path.display().to_string(),
        kind: SourceKind::Secret,
    });
    analysis.evaluated_by(crate::rules_slice().iter().copied());
    analysis.add_evidence(shipshape_core::Evidence::pass(
        ChecklistItem::Secrets,
        "",
        format!(
            "no secrets found in {} blobs of {} commits",
            stats.blobs_scanned, stats.commits
        ),
    ));
    if stats.skipped_binary + stats.skipped_large > 0 {
        analysis.notes.insert(
            ChecklistItem::Secrets,
            format!(
                "git history: skipped {} binary and {} oversized blobs",
                stats.skipped_binary, stats.skipped_large
            ),
        );
    }
    Ok((analysis, stats))
}

fn provenance(repo: &gix::Repository, id: ObjectId) -> Provenance {
    let mut p = Provenance {
        commit: id.to_string(),
        author: String::from("unknown"),
        date: String::from("unknown"),
    };
    if let Ok(c) = repo.find_commit(id) {
        if let Ok(a) = c.author() {
            p.author = format!("{} <{}>", a.name, a.email);
            if let Ok(t) = a.time() {
                p.date = t.format_or_unix(gix::date::time::format::ISO8601_STRICT);
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::{changed_records, changed_region, common_prefix, common_suffix};

    fn tree(entries: &[(&str, u8)]) -> Vec<u8> {
        let mut t = Vec::new();
        for (name, id) in entries {
            t.extend_from_slice(b"100644 ");
            t.extend_from_slice(name.as_bytes());
            t.push(0);
            t.extend_from_slice(&[*id; 20]);
        }
        t
    }

    /// Names of the changed records of `new` against `old`, and whether the ranges it returns
    /// for `new` are those of a full parse.
    fn changed(old: &[(&str, u8)], new: &[(&str, u8)]) -> Vec<String> {
        let kind = gix::hash::Kind::Sha1;
        let (old, new) = (tree(old), tree(new));
        let mut old_ranges = Vec::new();
        changed_records(None, &old, kind, &mut old_ranges).expect("old tree parses");
        let mut full = Vec::new();
        let all = changed_records(None, &new, kind, &mut full).expect("new tree parses");
        assert_eq!(all.len(), full.len());
        let mut ranges = Vec::new();
        let names = changed_records(Some((&old, &old_ranges)), &new, kind, &mut ranges)
            .expect("new tree parses")
            .iter()
            .map(|e| e.filename.to_string())
            .collect();
        assert_eq!(ranges, full, "record ranges of the new tree");
        names
    }

    #[test]
    fn changed_records_are_the_difference() {
        let base = [("a", 1), ("b", 2), ("c", 3), ("d", 4)];
        assert_eq!(
            changed(&base, &[("a", 1), ("b", 9), ("c", 3), ("d", 4)]),
            ["b"]
        );
        assert_eq!(
            changed(&base, &[("a", 1), ("c", 3), ("d", 4)]),
            Vec::<String>::new()
        );
        assert_eq!(
            changed(&base, &[("a", 1), ("b", 2), ("bb", 7), ("c", 3), ("d", 4)]),
            ["bb"]
        );
        assert_eq!(
            changed(&base, &[("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]),
            ["e"]
        );
        assert_eq!(
            changed(&base, &[("0", 8), ("a", 1), ("b", 2), ("c", 3), ("d", 4)]),
            ["0"]
        );
        assert_eq!(
            changed(&base, &[("a", 5), ("b", 2), ("c", 3), ("d", 6)]),
            ["a", "b", "c", "d"]
        );
        // a renamed record with the same id is a different record
        assert_eq!(
            changed(&base, &[("a", 1), ("x", 2), ("c", 3), ("d", 4)]),
            ["x"]
        );
        assert_eq!(changed(&[], &base), ["a", "b", "c", "d"]);
    }

    #[test]
    fn common_prefix_and_suffix() {
        let a: Vec<u8> = (0..200u8).collect();
        let mut b = a.clone();
        b[150] = 0;
        assert_eq!(common_prefix(&a, &b), 150);
        assert_eq!(common_suffix(&a, &b), 49);
        assert_eq!(common_prefix(&a, &a[..70]), 70);
        assert_eq!(common_suffix(&a, &a[130..]), 70);
        assert_eq!(common_prefix(b"", b"abc"), 0);
        assert_eq!(common_suffix(b"xbc", b"abc"), 2);
    }

    #[test]
    fn changed_region_is_line_aligned() {
        let old = b"a=1\nb=2\nc=3\n";
        let new = b"a=1\nb=22\nc=3\n";
        let (s, e) = changed_region(old, new);
        assert_eq!(&new[s..e], b"b=22");
        // appended line
        let (s, e) = changed_region(b"a\n", b"a\nsecret\n");
        assert_eq!(&b"a\nsecret\n"[s..e].trim_ascii_end(), b"secret");
        // identical
        let (s, e) = changed_region(b"same\n", b"same\n");
        assert!(s >= e || b"same\n"[s..e].iter().all(|b| *b == b'\n'));
        // unrelated
        assert_eq!(changed_region(b"xyz", b"abc"), (0, 3));
        assert_eq!(changed_region(b"", b""), (0, 0));
    }
}
