//! An image layer: the input is the stored layer blob (a tar, compressed or not, told by its
//! content) of a one-layer docker-archive, opened and audited as `shipshape image` does. Any
//! blob is an audit or a scan error, never a panic, a hang or unbounded memory. The limits are
//! small so that runs stay fast.
//!
//! Run it with `-- -detect_leaks=0`: the audit reads layers on worker threads, and LeakSanitizer
//! now and then reports the 32 bytes glibc allocates to register a thread-local destructor of a
//! thread that is ending (`__cxa_thread_atexit_impl`); the input does not reproduce it alone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_image::build::{sha256, ImageBuilder, LayerBuilder};
use shipshape_image::{AuditOptions, ImageOptions, Limits};

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile_dir() else {
        return;
    };
    let archive = dir.join("image.tar");
    // The diff id is the blob's own digest: an uncompressed layer verifies, a compressed one
    // fails verification only after it was read.
    let layer = LayerBuilder::new().raw_blob(data.to_vec(), &sha256(data));
    if ImageBuilder::new()
        .layer(layer)
        .write_docker_archive(&archive, "fuzz:1")
        .is_err()
    {
        return;
    }
    let opts = ImageOptions {
        no_engine: true,
        no_registry: true,
        limits: Limits {
            max_layers: 4,
            max_entries_per_layer: 4_096,
            max_total_entries: 4_096,
            max_layer_bytes: 64 << 20,
            bomb_ratio: 200,
            bomb_min_bytes: 1 << 20,
            max_doc_bytes: 1 << 20,
            max_name_bytes: 4 << 10,
        },
        ..ImageOptions::default()
    };
    let reference = format!("docker-archive:{}", archive.display());
    if let Ok(image) = shipshape_image::open(&reference, &opts) {
        let audit_opts = AuditOptions {
            today: Some(jiff::civil::date(2026, 1, 1)),
            max_content_bytes: 64 << 10,
            ..AuditOptions::default()
        };
        let _ = shipshape_image::audit(&image, &audit_opts);
    }
});

/// One scratch directory per fuzzing process, reused by every input.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("shipshape-fuzz-image-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
