//! The secrets engine as a [`LayerVisitor`]: every file of every layer (deleted and replaced
//! ones included) is scanned, and each finding says which layer added the file and whether a
//! later layer deleted it (still recoverable from the adding layer).
//!
//! The audit's parsing thread only reads each file; a worker thread scans them, so the engine
//! runs beside the layer reading, hashing and parsing instead of after each file. Files travel
//! in batches of about a megabyte through a two-batch channel, which bounds the memory held.

use crate::fs::{FileEntry, FileKind};
use crate::image::Image;
use crate::visitor::LayerVisitor;
use shipshape_core::report::Analysis;
use shipshape_core::{Finding, ScanError, SourceKind};
use shipshape_secrets::SecretsOptions;
use std::io::{self, Read};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::thread::JoinHandle;

/// A file to scan: its entry id, the layer that added it, its path in the image and content.
struct Job {
    id: usize,
    layer: usize,
    path: String,
    bytes: Vec<u8>,
}

type Found = (usize, usize, Finding);

const BATCH_BYTES: usize = 1 << 20;
const BATCH_FILES: usize = 256;

/// The secrets engine over an image's layers.
pub struct LayerSecrets {
    opts: Arc<SecretsOptions>,
    batch: Vec<Job>,
    batch_bytes: usize,
    /// The first bytes of the current file, to tell text from binary (reused file to file).
    probe: Vec<u8>,
    tx: Option<SyncSender<Vec<Job>>>,
    worker: Option<JoinHandle<Vec<Found>>>,
}

impl LayerSecrets {
    /// Starts the scanning worker.
    pub fn start(opts: SecretsOptions) -> Self {
        let opts = Arc::new(opts);
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Job>>(2);
        let worker_opts = Arc::clone(&opts);
        let worker = std::thread::spawn(move || {
            let mut found = Vec::new();
            for batch in rx {
                for job in batch {
                    for f in shipshape_secrets::scan_bytes(&job.path, &job.bytes, &worker_opts) {
                        found.push((job.id, job.layer, f.with_source(SourceKind::Image)));
                    }
                }
            }
            found
        });
        LayerSecrets {
            opts,
            batch: Vec::new(),
            batch_bytes: 0,
            probe: Vec::new(),
            tx: Some(tx),
            worker: Some(worker),
        }
    }

    fn send(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        if let Some(tx) = &self.tx {
            // A send fails only if the worker is gone (it panicked): `finish` reports that.
            let _ = tx.send(batch);
        }
    }
}

impl LayerVisitor for LayerSecrets {
    fn wants(&self, _path: &str, size: u64) -> bool {
        size > 0 && size <= self.opts.max_file_size
    }

    /// Binary files (a NUL byte near the start) are skipped after that first part unless
    /// binaries are scanned.
    fn visit(&mut self, id: usize, entry: &FileEntry, reader: &mut dyn Read) -> io::Result<()> {
        if entry.kind != FileKind::File {
            return Ok(());
        }
        // The probe goes to a buffer kept for the pass: most files are binaries, skipped after
        // it, and only text is copied out for the worker.
        let size = usize::try_from(entry.size).unwrap_or(usize::MAX);
        let n = crate::visitor::read_reusing(
            reader,
            &mut self.probe,
            size.min(shipshape_secrets::BINARY_PROBE),
        )?;
        let head = &self.probe[..n];
        if !self.opts.scan_binaries && shipshape_secrets::is_binary(head) {
            return Ok(());
        }
        let mut bytes = Vec::with_capacity(size.max(n));
        bytes.extend_from_slice(head);
        reader.read_to_end(&mut bytes)?;
        self.batch_bytes += bytes.len();
        self.batch.push(Job {
            id,
            layer: entry.layer,
            path: entry.path_str().into_owned(),
            bytes,
        });
        if self.batch_bytes >= BATCH_BYTES || self.batch.len() >= BATCH_FILES {
            self.send();
        }
        Ok(())
    }

    /// The findings, each saying which layer added the file and, when a later layer deleted
    /// or replaced it, that it is still recoverable from the adding layer.
    fn finish(&mut self, image: &Image) -> Analysis {
        let mut analysis = Analysis::default();
        self.send();
        self.tx = None; // hang up: the worker ends after the last batch
        let found = match self.worker.take().map(JoinHandle::join) {
            Some(Ok(found)) => found,
            _ => {
                analysis.errors.push(ScanError::new(
                    &image.reference,
                    "the secrets scan of the layers stopped unexpectedly",
                ));
                return analysis;
            }
        };
        let index = match image.index() {
            Ok(i) => i,
            Err(e) => {
                analysis
                    .errors
                    .push(ScanError::new(&image.reference, e.to_string()));
                return analysis;
            }
        };
        for (id, layer, mut f) in found {
            // Made with the path in the image (fingerprints independent of the reference),
            // shown as `REF:/path` like the image audit's own findings.
            crate::show_in_image(&image.reference, &mut f.location);
            f.location.layer = Some(image.layer_digest(layer).to_string());
            let hidden = index.entries().get(id).and_then(|e| e.hidden.as_ref());
            f.message = match hidden {
                Some(h) => format!(
                    "{} (added by layer {}, deleted by layer {}: still recoverable from layer {})",
                    f.message,
                    layer + 1,
                    h.layer + 1,
                    layer + 1
                ),
                None => format!("{} (added by layer {})", f.message, layer + 1),
            };
            analysis.findings.push(f);
        }
        analysis.evaluated_by(shipshape_secrets::rules_slice().iter().copied());
        analysis
    }
}

impl Drop for LayerSecrets {
    /// A visitor dropped before `finish` (the pass failed early) still ends its worker.
    fn drop(&mut self) {
        self.tx = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}
