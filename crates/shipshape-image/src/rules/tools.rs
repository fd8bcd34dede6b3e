//! Finding executables by name in the final filesystem (shared by SS3011–SS3014).

use crate::audit::{file_finding, Ctx};
use crate::fs::{FileEntry, FileKind};
use shipshape_core::{Finding, RuleMeta};
use std::collections::BTreeSet;

const BIN_DIRS: &[&[u8]] = &[
    b"/bin",
    b"/sbin",
    b"/usr/bin",
    b"/usr/sbin",
    b"/usr/local/bin",
    b"/usr/local/sbin",
];

/// Whether `name` is `base` or a versioned `base-N` / `baseN` (`gcc-12`, `python3.11`).
fn matches(name: &[u8], base: &str) -> bool {
    let b = base.as_bytes();
    if name == b {
        return true;
    }
    if let Some(rest) = name.strip_prefix(b) {
        let rest = rest.strip_prefix(b"-").unwrap_or(rest);
        return !rest.is_empty() && rest.iter().all(|c| c.is_ascii_digit() || *c == b'.');
    }
    false
}

/// Visible executables in the usual bin directories named like one of `names`; one per name.
pub(crate) fn find<'a>(ctx: &'a Ctx, names: &[&str]) -> Vec<&'a FileEntry> {
    let Some(ix) = ctx.index() else {
        return Vec::new();
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for dir in BIN_DIRS {
        let mut prefix = dir.to_vec();
        prefix.push(b'/');
        for e in ix.visible() {
            let Some(rest) = e.path.strip_prefix(prefix.as_slice()) else {
                continue;
            };
            if rest.contains(&b'/') {
                continue;
            }
            let usable = match e.kind {
                FileKind::File | FileKind::HardLink => true,
                FileKind::Symlink => ix.resolve(&e.path).is_some(),
                _ => false,
            };
            if !usable {
                continue;
            }
            let name = e.name();
            if names.iter().any(|b| matches(name, b)) {
                let key = String::from_utf8_lossy(name).into_owned();
                if seen.insert(key) {
                    out.push(e);
                }
            }
        }
    }
    out
}

/// One finding per tool found.
pub(crate) fn report(
    ctx: &Ctx,
    meta: &'static RuleMeta,
    names: &[&'static str],
    what: &str,
) -> Vec<Finding> {
    find(ctx, names)
        .into_iter()
        .map(|e| {
            let name = String::from_utf8_lossy(e.name()).into_owned();
            file_finding(
                ctx,
                meta,
                e,
                format!(
                    "the final image contains {what} `{name}` ({}, added by {})",
                    e.path_str(),
                    ctx.layer_label(e.layer)
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn versioned_names() {
        assert!(matches(b"gcc", "gcc"));
        assert!(matches(b"gcc-12", "gcc"));
        assert!(matches(b"python3.11", "python3"));
        assert!(!matches(b"gcc-ar", "gcc"));
        assert!(!matches(b"shred", "sh"));
        assert!(!matches(b"sha256sum", "sh"));
    }
}
