//! `--git`: every blob reachable from any ref, scanned once, attributed to the oldest commit (by
//! commit time) whose tree holds it.
//!
//! No tree diffs are computed: commits are visited oldest first and each tree is entered only once
//! (a tree seen before holds only blobs seen before), so the cost is one pass over the distinct trees
//! and blobs of the history. Blobs are then read and scanned in parallel. A blob with an earlier
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
use std::collections::HashSet;
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
    /// The previous version at the same path, if any.
    prev: Option<ObjectId>,
    path: String,
    commit: usize,
}

/// FNV-1a: a fast hash for the line sets (collisions only hide a line that is unchanged anyway
/// with overwhelming probability).
fn line_hash(line: &[u8]) -> u64 {
    line.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn line_set(data: &[u8]) -> HashSet<u64> {
    data.split(|b| *b == b'\n').map(line_hash).collect()
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

    // Distinct blobs, each with the first commit and path it appears at.
    let mut seen_trees: HashSet<ObjectId> = HashSet::new();
    let mut seen_blobs: HashSet<ObjectId> = HashSet::new();
    let mut jobs: Vec<BlobJob> = Vec::new();
    let mut last_at_path: std::collections::HashMap<String, ObjectId> =
        std::collections::HashMap::new();
    for (ci, (_, _, tree)) in commits.iter().enumerate() {
        let mut stack: Vec<(ObjectId, String)> = vec![(*tree, String::new())];
        while let Some((tid, prefix)) = stack.pop() {
            if !seen_trees.insert(tid) {
                continue;
            }
            let tree = repo.find_tree(tid).map_err(git_err)?;
            let decoded = tree.decode().map_err(git_err)?;
            for e in &decoded.entries {
                let name = String::from_utf8_lossy(e.filename);
                let path = if prefix.is_empty() {
                    name.into_owned()
                } else {
                    format!("{prefix}/{name}")
                };
                let oid = e.oid.to_owned();
                if e.mode.is_tree() {
                    stack.push((oid, path));
                } else if e.mode.is_blob() {
                    let prev = last_at_path.insert(path.clone(), oid);
                    if seen_blobs.insert(oid) {
                        jobs.push(BlobJob {
                            id: oid,
                            prev: prev.filter(|p| *p != oid),
                            path,
                            commit: ci,
                        });
                    }
                }
            }
        }
    }

    let ignored = repo.workdir().and_then(read_gitleaksignore);
    let ctx = Ctx::new(opts, ignored.as_ref());
    let sync = repo.clone().into_sync();
    let commit_ids: Vec<ObjectId> = commits.iter().map(|(_, c, _)| *c).collect();

    struct Out {
        findings: Vec<Finding>,
        source: Option<SourceFile>,
        error: Option<ScanError>,
        bytes: u64,
        binary: bool,
        large: bool,
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(git_err)?;
    let results: Vec<Out> = pool.install(|| {
        jobs.par_iter()
            .map_init(
                || sync.to_thread_local(),
                |repo, job| {
                    let mut out = Out {
                        findings: Vec::new(),
                        source: None,
                        error: None,
                        bytes: 0,
                        binary: false,
                        large: false,
                    };
                    if let Some(g) = &opts.gitleaks_config {
                        if g.path_allowed(&job.path) {
                            return out;
                        }
                    }
                    if opts.allowlist.path_allowed(&job.path) {
                        return out;
                    }
                    if let Ok(h) = repo.find_header(job.id) {
                        if h.size() > opts.max_file_size {
                            out.large = true;
                            return out;
                        }
                    }
                    let obj = match repo.find_object(job.id) {
                        Ok(o) => o,
                        Err(e) => {
                            out.error =
                                Some(ScanError::new(&job.path, format!("blob {}: {e}", job.id)));
                            return out;
                        }
                    };
                    let data: &[u8] = &obj.data;
                    if !opts.scan_binaries && is_binary(data) {
                        out.binary = true;
                        return out;
                    }
                    out.bytes = data.len() as u64;
                    if !ctx.engine.has_keyword(data) {
                        return out;
                    }
                    let old = job
                        .prev
                        .and_then(|p| repo.find_object(p).ok())
                        .map(|o| line_set(&o.data));
                    let keep_new = |ls: usize, le: usize| {
                        old.as_ref()
                            .is_none_or(|set| !set.contains(&line_hash(&data[ls..le])))
                    };
                    let keep: &dyn Fn(usize, usize) -> bool = &keep_new;
                    if ctx
                        .engine
                        .scan_lines(data, Some(&job.path), Some(keep))
                        .is_empty()
                    {
                        return out;
                    }
                    let prov = provenance(repo, commit_ids[job.commit]);
                    if let Some(r) = scan_text_lines(&ctx, &job.path, data, Some(&prov), Some(keep))
                    {
                        out.findings = r.findings;
                        out.source = r.source;
                    }
                    out
                },
            )
            .collect()
    });

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
