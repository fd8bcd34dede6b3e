//! `--git`: every blob reachable from any ref, scanned once, attributed to the oldest commit (by
//! commit time) whose tree holds it.
//!
//! No tree diffs are computed: commits are visited oldest first and each tree is entered only once
//! (a tree seen before holds only blobs seen before), so the cost is one pass over the distinct trees
//! and blobs of the history. Objects stored in packs are decoded up front in pack order (each delta
//! chain resolved once; all trees, blobs up to a memory budget), the rest looked up one by one.
//! Blobs are then scanned in parallel. A blob with an earlier
//! version at the same path is confirmed only on its new lines (a line-set difference, cheaper than
//! a diff and enough to tell which lines a version introduced), and a secret is reported once per
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

/// Scans the versions of one path, oldest first.
fn scan_chain(
    repo: &gix::Repository,
    ctx: &Ctx<'_>,
    chain: &[BlobJob],
    commit_ids: &[ObjectId],
    packed_blobs: &ObjectMap,
) -> Vec<Out> {
    let opts = ctx.opts;
    let mut outs = Vec::with_capacity(chain.len());
    let Some(first) = chain.first() else {
        return outs;
    };
    let skip_path = opts.allowlist.path_allowed(&first.path)
        || opts
            .gitleaks_config
            .as_ref()
            .is_some_and(|g| g.path_allowed(&first.path));
    let mut prev: Option<std::borrow::Cow<'_, [u8]>> = None;
    for job in chain {
        let mut out = Out {
            order: job.order,
            findings: Vec::new(),
            source: None,
            error: None,
            bytes: 0,
            binary: false,
            large: false,
        };
        if skip_path {
            outs.push(out);
            continue;
        }
        let packed = packed_blobs
            .get(&job.id)
            .map(|d| std::borrow::Cow::Borrowed(&d[..]));
        let data = match packed.map_or_else(
            || repo.find_object(job.id).map(|o| o.detach().data.into()),
            Ok,
        ) {
            Ok(d) => d,
            Err(e) => {
                out.error = Some(ScanError::new(&job.path, format!("blob {}: {e}", job.id)));
                outs.push(out);
                continue;
            }
        };
        if data.len() as u64 > opts.max_file_size {
            out.large = true;
        } else if !opts.scan_binaries && is_binary(&data) {
            out.binary = true;
        } else {
            out.bytes = data.len() as u64;
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
        prev = Some(data);
        outs.push(out);
    }
    outs
}

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

/// Total bytes of blobs kept from the pack-order decode; blobs beyond it are looked up again
/// one by one when scanned (bounded memory on large repositories).
const PACKED_BLOB_BUDGET: u64 = 256 * 1024 * 1024;

/// Every tree stored in the repository's packs, and blobs up to [`PACKED_BLOB_BUDGET`] (each at
/// most `max_blob` bytes), decoded in pack order: each delta chain is resolved once, from its base
/// down, instead of once per looked-up object (random lookups of deltified objects re-inflate
/// their whole chain, which dominated history scans). Best effort: a pack that cannot be read
/// contributes nothing and its objects are looked up one by one instead.
fn packed_objects(
    dir: &Path,
    hash: gix::hash::Kind,
    threads: usize,
    max_blob: u64,
) -> (ObjectMap, ObjectMap) {
    use gix::odb::pack;
    use std::sync::atomic::{AtomicU64, Ordering};
    let found = std::sync::Mutex::new((ObjectMap::default(), ObjectMap::default()));
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
        let found = &found;
        let budget = &budget;
        let processor = move |kind: gix::object::Kind,
                              data: &[u8],
                              entry: &pack::index::Entry,
                              _: &dyn gix::progress::Progress| {
            let len = data.len() as u64;
            let keep_blob = kind == gix::object::Kind::Blob
                && len <= max_blob
                && budget
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(len))
                    .is_ok();
            if kind == gix::object::Kind::Tree || keep_blob {
                let data = data.to_vec();
                if let Ok(mut maps) = found.lock() {
                    let map = if keep_blob { &mut maps.1 } else { &mut maps.0 };
                    map.insert(entry.oid, data);
                }
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

/// The line-aligned byte range of `new` that differs from `old`: what is left after removing the
/// longest common prefix and suffix. Edits are local, so this is nearly always exactly the changed
/// lines; when it is wider (two distant edits), unchanged lines in between are scanned again and
/// their findings dropped as duplicates of the older version's.
fn changed_region(old: &[u8], new: &[u8]) -> (usize, usize) {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
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

    // All commits, oldest first.
    let mut commits: Vec<(i64, ObjectId, ObjectId)> = Vec::new(); // (time, commit, tree)
    if !tips.is_empty() {
        for info in repo.rev_walk(tips).all().map_err(git_err)? {
            let info = info.map_err(git_err)?;
            let commit = repo.find_commit(info.id).map_err(git_err)?;
            let time = commit.time().map(|t| t.seconds).unwrap_or(0);
            let tree = commit.tree_id().map_err(git_err)?.detach();
            commits.push((time, info.id, tree));
        }
    }
    // The walk lists children before parents; reversed, then stably sorted by commit time, parents
    // come first even when commits share a timestamp.
    commits.reverse();
    commits.sort_by_key(|(t, _, _)| *t);

    let sync = repo.clone().into_sync();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(git_err)?;
    let (packed_trees, packed_blobs) = packed_objects(
        &repo.common_dir().join("objects").join("pack"),
        repo.object_hash(),
        pool.current_num_threads(),
        opts.max_file_size,
    );
    // Without packs, trees are prefetched in parallel; with them, the few a pack lacks (loose
    // objects of recent commits) are looked up as the walk below meets them.
    let trees = if packed_trees.is_empty() {
        read_trees(&sync, &pool, commits.iter().map(|(_, _, t)| *t).collect())?
    } else {
        packed_trees
    };
    let hash_kind = repo.object_hash();

    // Distinct blobs, each with the first commit and path it appears at. Entries already seen
    // (unchanged files and subtrees) are skipped before any path is built.
    let mut seen_trees: gix::hashtable::HashSet<ObjectId> = Default::default();
    let mut seen_blobs: gix::hashtable::HashSet<ObjectId> = Default::default();
    // Versions of each path, oldest first: scanned in order by one worker, each confirmed only on
    // the lines the previous version lacks.
    let mut chains: Vec<Vec<BlobJob>> = Vec::new();
    let mut chain_of: HashMap<String, usize> = HashMap::new();
    let mut order = 0usize;
    for (ci, (_, _, tree)) in commits.iter().enumerate() {
        if !seen_trees.insert(*tree) {
            continue;
        }
        let mut stack: Vec<(ObjectId, String)> = vec![(*tree, String::new())];
        while let Some((tid, prefix)) = stack.pop() {
            let looked_up;
            let data: &[u8] = match trees.get(&tid) {
                Some(d) => d,
                None => {
                    // Not in a pack (loose, alternate): one lookup.
                    looked_up = repo.find_tree(tid).map_err(git_err)?.detach().data;
                    &looked_up
                }
            };
            let decoded = gix::objs::TreeRef::from_bytes(data, hash_kind).map_err(git_err)?;
            for e in &decoded.entries {
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
                let idx = match chain_of.get(&path) {
                    Some(i) => *i,
                    None => {
                        chains.push(Vec::new());
                        chain_of.insert(path.clone(), chains.len() - 1);
                        chains.len() - 1
                    }
                };
                chains[idx].push(BlobJob {
                    id: oid,
                    path,
                    commit: ci,
                    order,
                });
                order += 1;
            }
        }
    }
    drop(chain_of);

    let ignored = repo.workdir().and_then(read_gitleaksignore);
    let ctx = Ctx::new(opts, ignored.as_ref());
    let commit_ids: Vec<ObjectId> = commits.iter().map(|(_, c, _)| *c).collect();
    let mut results: Vec<Out> = pool.install(|| {
        chains
            .par_iter()
            .map_init(
                || sync.to_thread_local(),
                |repo, chain| scan_chain(repo, &ctx, chain, &commit_ids, &packed_blobs),
            )
            .flatten()
            .collect()
    });
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
    analysis.covered.insert(ChecklistItem::Secrets);
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
    use super::changed_region;

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
