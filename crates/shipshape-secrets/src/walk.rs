//! `scan_tree`: a parallel walk (ripgrep's `ignore` walker, honouring `.gitignore`) that skips
//! binaries and huge files, counting them.

use crate::options::SecretsOptions;
use crate::scan::{is_binary, scan_text, secret_hash, Ctx};
use shipshape_core::checklist::ChecklistItem;
use shipshape_core::finding::{Finding, Location, SourceKind};
use shipshape_core::report::{Analysis, ScanError, ScannedInput};
use shipshape_core::source::SourceFile;
use shipshape_core::suppress::{scan_hash_comments, InlineIgnore};
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What a tree scan read and skipped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TreeStats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped_binary: u64,
    pub skipped_large: u64,
    pub skipped_allowlisted: u64,
}

#[derive(Default)]
struct Counters {
    files: AtomicU64,
    bytes: AtomicU64,
    binary: AtomicU64,
    large: AtomicU64,
    allowlisted: AtomicU64,
}

#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    sources: Vec<SourceFile>,
    ignores: Vec<(String, Vec<InlineIgnore>)>,
    errors: Vec<ScanError>,
    inputs: Vec<String>,
}

/// A worker's results, merged into the shared ones when the worker ends.
struct Local {
    shared: Arc<Mutex<Collected>>,
    data: Collected,
}

impl Drop for Local {
    fn drop(&mut self) {
        let data = std::mem::take(&mut self.data);
        if let Ok(mut s) = self.shared.lock() {
            s.findings.extend(data.findings);
            s.sources.extend(data.sources);
            s.ignores.extend(data.ignores);
            s.errors.extend(data.errors);
            s.inputs.extend(data.inputs);
        }
    }
}

/// Reads `.gitleaksignore` entries (one fingerprint a line, `#` comments).
pub(crate) fn read_gitleaksignore(dir: &Path) -> Option<HashSet<String>> {
    let text = std::fs::read_to_string(dir.join(".gitleaksignore")).ok()?;
    Some(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| l.replace('\\', "/"))
            .collect(),
    )
}

/// Scans a directory tree (or one file).
pub fn scan_tree(root: &Path, opts: &SecretsOptions) -> Analysis {
    scan_tree_with_stats(root, opts).0
}

/// [`scan_tree`], also returning what was read and skipped.
pub fn scan_tree_with_stats(root: &Path, opts: &SecretsOptions) -> (Analysis, TreeStats) {
    let mut analysis = Analysis::default();
    if !root.exists() {
        analysis.errors.push(ScanError::new(
            root.display().to_string(),
            "no such file or directory",
        ));
        return (analysis, TreeStats::default());
    }
    let ignored = if root.is_dir() {
        read_gitleaksignore(root)
    } else {
        None
    };
    let ctx = Ctx::new(opts, ignored.as_ref());
    let counters = Counters::default();
    let shared = Arc::new(Mutex::new(Collected::default()));
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        opts.threads
    };
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(false)
        .git_ignore(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .ignore(!opts.no_ignore)
        .parents(!opts.no_ignore)
        .require_git(false)
        .follow_links(false)
        .threads(threads)
        .filter_entry(|e| e.file_name() != ".git");
    let root_is_file = root.is_file();
    builder.build_parallel().run(|| {
        let mut local = Local {
            shared: Arc::clone(&shared),
            data: Collected::default(),
        };
        let ctx = &ctx;
        let counters = &counters;
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    local
                        .data
                        .errors
                        .push(ScanError::new(root.display().to_string(), e.to_string()));
                    return ignore::WalkState::Continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return ignore::WalkState::Continue;
            }
            let path = entry.path();
            let display = display_path(root, path, root_is_file);
            scan_one(
                ctx,
                counters,
                &mut local.data,
                path,
                &display,
                entry.metadata().ok().map(|m| m.len()),
            );
            ignore::WalkState::Continue
        })
    });
    let collected = match Arc::try_unwrap(shared) {
        Ok(m) => m.into_inner().unwrap_or_default(),
        Err(arc) => arc
            .lock()
            .map(|mut g| std::mem::take(&mut *g))
            .unwrap_or_default(),
    };
    let stats = TreeStats {
        files_scanned: counters.files.load(Ordering::Relaxed),
        bytes_scanned: counters.bytes.load(Ordering::Relaxed),
        skipped_binary: counters.binary.load(Ordering::Relaxed),
        skipped_large: counters.large.load(Ordering::Relaxed),
        skipped_allowlisted: counters.allowlisted.load(Ordering::Relaxed),
    };
    let mut findings = collected.findings;
    findings.sort_by(|a, b| {
        (&a.location.path, a.location.line(), &a.rule).cmp(&(
            &b.location.path,
            b.location.line(),
            &b.rule,
        ))
    });
    analysis.findings = findings;
    for s in collected.sources {
        analysis.add_source(&s);
    }
    for (p, ig) in collected.ignores {
        analysis.ignores.insert(p, ig);
    }
    let mut errors = collected.errors;
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    analysis.errors = errors;
    let mut inputs = collected.inputs;
    inputs.sort();
    analysis.inputs = inputs
        .into_iter()
        .map(|path| ScannedInput {
            path,
            kind: SourceKind::Secret,
        })
        .collect();
    analysis.evaluated_by(crate::rules_slice().iter().copied());
    let skipped = stats.skipped_binary + stats.skipped_large;
    // About the whole tree: the policy drops it when any secret is found.
    analysis.add_evidence(shipshape_core::Evidence::pass(
        ChecklistItem::Secrets,
        "",
        format!(
            "no secrets found in {} file{}{}",
            stats.files_scanned,
            if stats.files_scanned == 1 { "" } else { "s" },
            if skipped > 0 {
                format!(" ({skipped} binary or oversized skipped)")
            } else {
                String::new()
            }
        ),
    ));
    if skipped > 0 {
        analysis.notes.insert(
            ChecklistItem::Secrets,
            format!(
                "skipped {} binary and {} oversized files (over {} bytes)",
                stats.skipped_binary, stats.skipped_large, opts.max_file_size
            ),
        );
    }
    (analysis, stats)
}

/// The path findings name: relative to the scan root, the file's name when the root is a file
/// (callers show it under the root as the user named it, `Analysis::reroot`).
fn display_path(root: &Path, path: &Path, root_is_file: bool) -> String {
    let rel = if root_is_file {
        path.file_name().map_or(path, Path::new)
    } else {
        path.strip_prefix(root).unwrap_or(path)
    };
    let s = rel.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

fn scan_one(
    ctx: &Ctx<'_>,
    counters: &Counters,
    out: &mut Collected,
    path: &Path,
    display: &str,
    size: Option<u64>,
) {
    let opts = ctx.opts;
    if opts.allowlist.path_allowed(display) {
        counters.allowlisted.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let lower = display.to_ascii_lowercase();
    if lower.ends_with(".p12") || lower.ends_with(".pfx") {
        let meta = &crate::rules::keys::PKCS12_META;
        let f = Finding::new(
            meta,
            Location::path(display),
            "PKCS#12 key store (certificate and private key)",
            &secret_hash(display.as_bytes()),
        );
        if !opts.baseline.as_ref().is_some_and(|b| b.contains(&f)) {
            out.findings.push(f);
        }
        out.inputs.push(display.to_string());
        return;
    }
    if size.is_some_and(|s| s > opts.max_file_size) {
        counters.large.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            out.errors
                .push(ScanError::new(display, format!("cannot read: {e}")));
            return;
        }
    };
    if bytes.len() as u64 > opts.max_file_size {
        counters.large.fetch_add(1, Ordering::Relaxed);
        return;
    }
    if !opts.scan_binaries && is_binary(&bytes) {
        counters.binary.fetch_add(1, Ordering::Relaxed);
        return;
    }
    counters.files.fetch_add(1, Ordering::Relaxed);
    counters
        .bytes
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    out.inputs.push(display.to_string());
    if let Some(r) = scan_text(ctx, display, &bytes, None) {
        if let Some(src) = r.source {
            let ig = scan_hash_comments(src.text());
            if !ig.is_empty() {
                out.ignores.push((display.to_string(), ig));
            }
            out.sources.push(src);
        }
        out.findings.extend(r.findings);
    }
}
