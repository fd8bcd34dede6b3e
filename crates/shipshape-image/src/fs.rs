//! The merged filesystem view: every entry of every layer, in order, with whiteouts and opaque
//! directories applied. Nothing is forgotten: an entry a later layer deleted or replaced stays in
//! the index, marked with the layer that hid it, so the audit can say "still recoverable".

use std::collections::BTreeMap;

/// The type of a filesystem entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    /// A hard link: `link` names the target, the entry has no content of its own.
    HardLink,
    CharDevice,
    BlockDevice,
    Fifo,
    Other,
}

/// How a later layer hid an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HiddenHow {
    /// A whiteout (or an opaque directory, or a replaced parent) removed it.
    Deleted,
    /// A later layer wrote a new entry at the same path.
    Replaced,
}

/// A later layer that hid an entry, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hidden {
    pub layer: usize,
    pub how: HiddenHow,
}

/// One entry of one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Absolute, normalised path (`/etc/passwd`). Raw bytes: names need not be UTF-8.
    pub path: Box<[u8]>,
    pub kind: FileKind,
    /// Permission bits including setuid/setgid/sticky (`0o4755`).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Content size in bytes (0 for everything but regular files).
    pub size: u64,
    /// Symlink target (as written) or hard-link target (normalised absolute path).
    pub link: Option<Box<[u8]>>,
    /// Index of the layer that added this entry (0 = the base layer).
    pub layer: usize,
    /// The later layer that deleted or replaced it, if any.
    pub hidden: Option<Hidden>,
}

impl FileEntry {
    /// The path for display (invalid UTF-8 replaced).
    pub fn path_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.path)
    }

    /// The last path component.
    pub fn name(&self) -> &[u8] {
        match self.path.iter().rposition(|&b| b == b'/') {
            Some(i) => &self.path[i + 1..],
            None => &self.path,
        }
    }

    /// The link target for display.
    pub fn link_str(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.link.as_deref().map(String::from_utf8_lossy)
    }

    /// Whether the entry is visible in the final filesystem.
    pub fn is_visible(&self) -> bool {
        self.hidden.is_none()
    }
}

/// Every entry of every layer, plus the map of what is visible at the end.
#[derive(Debug, Default)]
pub struct FsIndex {
    entries: Vec<FileEntry>,
    live: BTreeMap<Box<[u8]>, usize>,
    layers: usize,
}

/// What one layer does to the lower ones, collected while it streams.
#[derive(Debug, Default)]
pub(crate) struct LayerChanges {
    pub(crate) added: Vec<usize>,
    pub(crate) whiteouts: Vec<Box<[u8]>>,
    pub(crate) opaque_dirs: Vec<Box<[u8]>>,
}

impl FsIndex {
    /// Every entry of every layer, in layer order then archive order.
    pub fn entries(&self) -> &[FileEntry] {
        &self.entries
    }

    /// Number of layers applied.
    pub fn layer_count(&self) -> usize {
        self.layers
    }

    /// The entries visible in the final filesystem, in path order.
    pub fn visible(&self) -> impl Iterator<Item = &FileEntry> + '_ {
        self.live.values().map(move |&i| &self.entries[i])
    }

    /// The visible entry at `path` (no symlink resolution).
    pub fn get(&self, path: &[u8]) -> Option<&FileEntry> {
        self.live.get(path).map(|&i| &self.entries[i])
    }

    /// The visible entry `path` leads to, following symlinks in every component (at most 40
    /// hops, never above the root), as a container would see it.
    pub fn resolve(&self, path: &[u8]) -> Option<&FileEntry> {
        self.resolve_id(path).map(|i| &self.entries[i])
    }

    pub(crate) fn resolve_id(&self, path: &[u8]) -> Option<usize> {
        let mut todo: Vec<Vec<u8>> = components(path).rev().map(<[u8]>::to_vec).collect();
        let mut cur: Vec<Vec<u8>> = Vec::new();
        let mut hops = 0;
        while let Some(c) = todo.pop() {
            if c == b".." {
                cur.pop();
                continue;
            }
            cur.push(c);
            let joined = join(&cur);
            // Parents need no entry of their own (layers often omit directories).
            let Some(&id) = self.live.get(joined.as_slice()) else {
                continue;
            };
            let e = &self.entries[id];
            if e.kind == FileKind::Symlink {
                hops += 1;
                if hops > 40 {
                    return None;
                }
                let target = e.link.as_deref().unwrap_or(b"");
                cur.pop();
                if target.starts_with(b"/") {
                    cur.clear();
                }
                todo.extend(components(target).rev().map(<[u8]>::to_vec));
            }
        }
        if cur.is_empty() {
            return None;
        }
        self.live.get(join(&cur).as_slice()).copied()
    }

    /// Adds an entry of the layer being read; returns its id.
    pub(crate) fn push(&mut self, entry: FileEntry, changes: &mut LayerChanges) -> usize {
        let id = self.entries.len();
        self.entries.push(entry);
        changes.added.push(id);
        id
    }

    /// Applies a finished layer: its whiteouts and opaque directories hide lower entries, then its
    /// own entries become visible (replacing lower ones at the same path).
    pub(crate) fn apply(&mut self, layer: usize, changes: LayerChanges) {
        for w in &changes.whiteouts {
            self.hide(w, layer, HiddenHow::Deleted);
            self.hide_below(w, layer);
        }
        for d in &changes.opaque_dirs {
            self.hide_below(d, layer);
        }
        for id in changes.added {
            let path = self.entries[id].path.clone();
            let is_dir = self.entries[id].kind == FileKind::Dir;
            if let Some(old) = self.live.insert(path.clone(), id) {
                let old_dir = self.entries[old].kind == FileKind::Dir;
                // A directory written over a directory merges; anything else replaces.
                if !(old_dir && is_dir) {
                    self.entries[old].hidden.get_or_insert(Hidden {
                        layer,
                        how: HiddenHow::Replaced,
                    });
                }
                if old_dir && !is_dir {
                    self.hide_below(&path, layer);
                }
                if old_dir && is_dir && old != id {
                    // The lower directory's metadata is replaced, its children stay.
                    self.entries[old].hidden.get_or_insert(Hidden {
                        layer,
                        how: HiddenHow::Replaced,
                    });
                }
            }
        }
        self.layers = self.layers.max(layer + 1);
    }

    fn hide(&mut self, path: &[u8], layer: usize, how: HiddenHow) {
        if let Some(old) = self.live.remove(path) {
            self.entries[old]
                .hidden
                .get_or_insert(Hidden { layer, how });
        }
    }

    /// Hides every visible entry strictly below directory `dir`.
    fn hide_below(&mut self, dir: &[u8], layer: usize) {
        let mut prefix = dir.to_vec();
        if prefix.last() != Some(&b'/') {
            prefix.push(b'/');
        }
        let doomed: Vec<Box<[u8]>> = self
            .live
            .range::<[u8], _>((
                std::ops::Bound::Included(prefix.as_slice()),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            self.hide(&k, layer, HiddenHow::Deleted);
        }
    }
}

fn components(path: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
}

fn join(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.push(b'/');
        out.extend_from_slice(p);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

/// Normalises a layer member name into an absolute path. `Err` when `..` climbs above the root
/// (a path-traversal attempt); `Ok(None)` for the root itself.
pub(crate) fn normalize(raw: &[u8]) -> Result<Option<Box<[u8]>>, ()> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for c in raw.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                if parts.pop().is_none() {
                    return Err(());
                }
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(raw.len() + 1);
    for p in parts {
        out.push(b'/');
        out.extend_from_slice(p);
    }
    Ok(Some(out.into_boxed_slice()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, kind: FileKind, layer: usize) -> FileEntry {
        FileEntry {
            path: path.as_bytes().into(),
            kind,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: 0,
            link: None,
            layer,
            hidden: None,
        }
    }

    fn link(path: &str, target: &str) -> FileEntry {
        FileEntry {
            link: Some(target.as_bytes().into()),
            ..entry(path, FileKind::Symlink, 0)
        }
    }

    #[test]
    fn whiteouts_opaque_dirs_and_replacements() {
        let mut ix = FsIndex::default();
        let mut c = LayerChanges::default();
        for (p, k) in [
            ("/app", FileKind::Dir),
            ("/app/.env", FileKind::File),
            ("/app/keep", FileKind::File),
            ("/data", FileKind::Dir),
            ("/data/a", FileKind::File),
            ("/data/sub/b", FileKind::File),
            ("/x", FileKind::File),
        ] {
            ix.push(entry(p, k, 0), &mut c);
        }
        ix.apply(0, c);
        let mut c = LayerChanges::default();
        c.whiteouts.push((*b"/app/.env").into());
        c.opaque_dirs.push((*b"/data").into());
        ix.push(entry("/data/new", FileKind::File, 1), &mut c);
        ix.push(entry("/x", FileKind::File, 1), &mut c);
        ix.apply(1, c);
        assert!(ix.get(b"/app/.env").is_none());
        assert!(ix.get(b"/app/keep").is_some());
        assert!(
            ix.get(b"/data").is_some(),
            "an opaque directory itself stays"
        );
        assert!(ix.get(b"/data/a").is_none());
        assert!(ix.get(b"/data/sub/b").is_none());
        assert_eq!(ix.get(b"/data/new").map(|e| e.layer), Some(1));
        assert_eq!(ix.get(b"/x").map(|e| e.layer), Some(1));
        let env = ix
            .entries()
            .iter()
            .find(|e| &*e.path == b"/app/.env")
            .expect("kept");
        assert_eq!(
            env.hidden,
            Some(Hidden {
                layer: 1,
                how: HiddenHow::Deleted
            })
        );
        let x0 = ix
            .entries()
            .iter()
            .find(|e| &*e.path == b"/x" && e.layer == 0)
            .expect("kept");
        assert_eq!(x0.hidden.map(|h| h.how), Some(HiddenHow::Replaced));
        assert_eq!(ix.entries().len(), 9);
    }

    #[test]
    fn whiteout_of_a_directory_hides_its_subtree_but_not_siblings_with_the_prefix() {
        let mut ix = FsIndex::default();
        let mut c = LayerChanges::default();
        for p in ["/a/b", "/a/b/c", "/a/bc", "/a/b0"] {
            ix.push(entry(p, FileKind::File, 0), &mut c);
        }
        ix.apply(0, c);
        let mut c = LayerChanges::default();
        c.whiteouts.push((*b"/a/b").into());
        ix.apply(1, c);
        assert!(ix.get(b"/a/b/c").is_none());
        assert!(ix.get(b"/a/bc").is_some());
        assert!(ix.get(b"/a/b0").is_some());
    }

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let mut ix = FsIndex::default();
        let mut c = LayerChanges::default();
        ix.push(entry("/usr/lib/os-release", FileKind::File, 0), &mut c);
        ix.push(link("/etc/os-release", "../usr/lib/os-release"), &mut c);
        ix.push(link("/bin", "usr/bin"), &mut c);
        ix.push(entry("/usr/bin/sh", FileKind::File, 0), &mut c);
        ix.push(link("/escape", "../../../../usr/lib/os-release"), &mut c);
        ix.push(link("/loop", "/loop"), &mut c);
        ix.apply(0, c);
        let target = |p: &str| ix.resolve(p.as_bytes()).map(|e| e.path_str().into_owned());
        assert_eq!(
            target("/etc/os-release").as_deref(),
            Some("/usr/lib/os-release")
        );
        assert_eq!(target("/bin/sh").as_deref(), Some("/usr/bin/sh"));
        assert_eq!(target("/escape").as_deref(), Some("/usr/lib/os-release"));
        assert_eq!(target("/loop"), None);
        assert_eq!(target("/nope"), None);
    }

    #[test]
    fn normalisation() {
        let n = |s: &str| {
            normalize(s.as_bytes()).map(|o| o.map(|b| String::from_utf8_lossy(&b).into_owned()))
        };
        assert_eq!(n("./etc/passwd"), Ok(Some("/etc/passwd".into())));
        assert_eq!(n("/abs//x/"), Ok(Some("/abs/x".into())));
        assert_eq!(n("a/../b"), Ok(Some("/b".into())));
        assert_eq!(n("./"), Ok(None));
        assert_eq!(n("../../etc/shadow"), Err(()));
    }
}
