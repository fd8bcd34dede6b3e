//! Layer visitors: several share the audit's one pass, see deleted files, learn at the end
//! which were hidden, and a visitor's error is a scan error.

mod common;

use common::*;
use shipshape_core::report::Analysis;
use shipshape_image::{
    audit_with, open, FileEntry, Image, ImageOptions, LayerSecrets, LayerVisitor,
};
use std::io::Read;

/// Records the paths it reads (only `.env` files), and at the end which were hidden.
#[derive(Default)]
struct Recorder {
    seen: Vec<(usize, String, Vec<u8>)>,
    hidden_at_finish: Vec<String>,
    fail: bool,
}

impl LayerVisitor for Recorder {
    fn wants(&self, path: &str, size: u64) -> bool {
        path.ends_with(".env") && size > 0
    }

    fn visit(
        &mut self,
        id: usize,
        entry: &FileEntry,
        reader: &mut dyn Read,
    ) -> std::io::Result<()> {
        if self.fail {
            return Err(std::io::Error::other("recorder refused"));
        }
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        self.seen.push((id, entry.path_str().into_owned(), bytes));
        Ok(())
    }

    fn finish(&mut self, image: &Image) -> Analysis {
        if let Ok(index) = image.index() {
            for (id, path, _) in &self.seen {
                if index.entries().get(*id).is_some_and(|e| e.hidden.is_some()) {
                    self.hidden_at_finish.push(path.clone());
                }
            }
        }
        Analysis::default()
    }
}

fn layout() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tmp");
    deleted_env_image()
        .write_oci_layout(dir.path(), "v1")
        .expect("layout");
    let r = format!("oci:{}", dir.path().display());
    (dir, r)
}

#[test]
fn two_visitors_share_one_pass_and_see_the_deleted_file() {
    let (_dir, r) = layout();
    let image = open(&r, &ImageOptions::default()).expect("open");
    let mut a = Recorder::default();
    let mut b = Recorder::default();
    let mut secrets = LayerSecrets::start(Default::default());
    let result = audit_with(&image, &opts(), &mut [&mut a, &mut b, &mut secrets]);
    assert!(
        result.analysis.errors.is_empty(),
        "{:?}",
        result.analysis.errors
    );
    for v in [&a, &b] {
        assert_eq!(
            v.seen.len(),
            1,
            "{:?}",
            v.seen.iter().map(|s| &s.1).collect::<Vec<_>>()
        );
        assert_eq!(v.seen[0].1, "/app/.env");
        assert!(v.seen[0].2.starts_with(b"AWS_ACCESS_KEY_ID="));
        assert_eq!(v.hidden_at_finish, vec!["/app/.env".to_string()]);
    }
    // The secrets visitor finished inside the audit: its rules count as evaluated (the example
    // key of this image is a documentation value it rightly does not report).
    assert!(result
        .analysis
        .evaluated
        .keys()
        .any(|c| c.starts_with("SS4")));
    // Each layer blob was read once (the pass's own statistics count one read per layer).
    assert_eq!(result.summary.layers.len(), 3);
}

#[test]
fn a_visitor_error_is_a_scan_error() {
    let (_dir, r) = layout();
    let image = open(&r, &ImageOptions::default()).expect("open");
    let mut failing = Recorder {
        fail: true,
        ..Recorder::default()
    };
    let result = audit_with(&image, &opts(), &mut [&mut failing]);
    assert!(
        result
            .analysis
            .errors
            .iter()
            .any(|e| e.message.contains("recorder refused")),
        "{:?}",
        result.analysis.errors
    );
}
