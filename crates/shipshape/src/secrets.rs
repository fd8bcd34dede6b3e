//! The secrets analyser's wiring: options from the config, `check`'s tree scan, image layers,
//! and the `shipshape secrets` command.

use crate::check::{finish, load_config};
use crate::cli::SecretsArgs;
use shipshape_core::config::Config;
use shipshape_core::report::Analysis;
use shipshape_core::{exit, SourceFile};
use shipshape_secrets::{Baseline, SecretsOptions};
use std::path::Path;
use std::sync::Arc;

/// Secrets options from the configuration (the secrets crate reads its own table).
pub fn options(config: &Config, show_secrets: bool) -> Result<SecretsOptions, String> {
    shipshape_secrets::options_from_config(config, show_secrets).map_err(|e| e.to_string())
}

/// Findings of the secrets analyser carry paths relative to the scanned directory (so baselines
/// and fingerprints do not depend on where the scan starts); the report shows them as the user
/// would name them, like every other analyser.
fn reroot(analysis: &mut Analysis, root: &Path) {
    analysis.reroot(&shipshape_core::analyser::display_prefix(root));
}

/// `shipshape secrets PATH`.
pub fn run(args: &SecretsArgs) -> anyhow::Result<i32> {
    let stdin = args.path.as_os_str() == "-";
    let start = if stdin {
        Path::new(".")
    } else {
        args.path.as_path()
    };
    let config = match load_config(&args.policy, start) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let mut opts = match options(&config, args.show_secrets) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::ERROR);
        }
    };
    opts.no_ignore = args.no_ignore;
    if let Some(size) = args.max_file_size {
        opts.max_file_size = size;
    }
    if let Some(path) = &args.gitleaks_config {
        match shipshape_secrets::gitleaks::GitleaksConfig::load(path) {
            Ok(c) => opts.gitleaks_config = Some(Arc::new(c)),
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return Ok(exit::ERROR);
            }
        }
    }
    if let Some(path) = &args.baseline {
        match Baseline::load(path) {
            Ok(b) => opts.baseline = Some(Arc::new(b)),
            Err(e) => {
                eprintln!("error: baseline {}: {e}", path.display());
                return Ok(exit::ERROR);
            }
        }
    }
    let analysis = if stdin {
        let mut text = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
            eprintln!("error: cannot read standard input: {e}");
            return Ok(exit::ERROR);
        }
        let file = SourceFile::new("<stdin>", text);
        let mut a = Analysis {
            findings: shipshape_secrets::scan_source(&file, &opts),
            ..Analysis::default()
        };
        a.evaluated_by(shipshape_secrets::rules_slice().iter().copied());
        a.add_source(&file);
        a
    } else if args.git {
        let (bar, hook) = crate::progress::bar(
            &format!("reading the git history of {}", args.path.display()),
            args.output.quiet,
            crate::progress::Unit::Items,
        );
        let opts = SecretsOptions {
            progress: hook,
            ..opts.clone()
        };
        let scanned = shipshape_secrets::scan_git(&args.path, &opts);
        crate::progress::finish(bar);
        match scanned {
            Ok(mut a) => {
                reroot(&mut a, &args.path);
                a
            }
            Err(e) => {
                eprintln!("error: {}: {e}", args.path.display());
                return Ok(exit::ERROR);
            }
        }
    } else {
        if !args.path.exists() {
            eprintln!(
                "error: cannot scan {}: no such file or directory",
                args.path.display()
            );
            return Ok(exit::ERROR);
        }
        let mut a = shipshape_secrets::scan_tree(&args.path, &opts);
        reroot(&mut a, &args.path);
        a
    };
    if let (Some(b), Some(path)) = (&opts.baseline, &args.baseline) {
        let n = b.accepted();
        if n > 0 && !args.output.quiet {
            eprintln!(
                "{n} known finding{} accepted by the baseline {}",
                if n == 1 { "" } else { "s" },
                path.display()
            );
        }
    }
    if let Some(path) = &args.write_baseline {
        if let Err(e) = shipshape_secrets::baseline::write_baseline(path, &analysis.findings) {
            eprintln!("error: cannot write baseline {}: {e}", path.display());
            return Ok(exit::ERROR);
        }
        eprintln!(
            "wrote {} finding{} to the baseline {}",
            analysis.findings.len(),
            if analysis.findings.len() == 1 {
                ""
            } else {
                "s"
            },
            path.display()
        );
    }
    let target = args.path.to_string_lossy().to_string();
    finish(analysis, &config, target, &args.output, args.show_secrets)
}

/// Secrets found in an image's layers during the audit's own pass, by layer entry; the
/// "deleted by a later layer" part of each message is written once the pass knows it.
///
/// The audit's parsing thread only reads each file; a worker thread scans them, so the engine
/// runs beside the layer reading, hashing and parsing instead of after each file. Files travel
/// in batches of about a megabyte through a two-batch channel, which bounds the memory held.
pub struct LayerSecrets<'scope> {
    batch: Vec<Job>,
    batch_bytes: usize,
    tx: Option<std::sync::mpsc::SyncSender<Vec<Job>>>,
    worker: Option<std::thread::ScopedJoinHandle<'scope, Vec<Found>>>,
}

/// A file to scan: its entry id, the layer that added it, its display path and content.
struct Job {
    id: usize,
    layer: usize,
    path: String,
    bytes: Vec<u8>,
}

type Found = (usize, usize, shipshape_core::Finding);

const BATCH_BYTES: usize = 1 << 20;
const BATCH_FILES: usize = 256;

impl<'scope> LayerSecrets<'scope> {
    /// Starts the scanning worker in `scope`.
    pub fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        opts: &'env SecretsOptions,
    ) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Job>>(2);
        let worker = scope.spawn(move || {
            let mut found = Vec::new();
            for batch in rx {
                for job in batch {
                    for mut f in shipshape_secrets::scan_bytes(&job.path, &job.bytes, opts) {
                        f.source = shipshape_core::SourceKind::Image;
                        found.push((job.id, job.layer, f));
                    }
                }
            }
            found
        });
        LayerSecrets {
            batch: Vec::new(),
            batch_bytes: 0,
            tx: Some(tx),
            worker: Some(worker),
        }
    }

    /// The visitor handed to `shipshape_image::audit_full_with`: reads one layer entry and queues
    /// it for the worker. Binary files (a NUL byte near the start) are skipped after that first
    /// part unless binaries are scanned.
    pub fn visit(
        &mut self,
        opts: &SecretsOptions,
        id: usize,
        entry: &shipshape_image::FileEntry,
        reader: &mut dyn std::io::Read,
    ) -> std::io::Result<()> {
        use std::io::Read;
        if entry.kind != shipshape_image::FileKind::File
            || entry.size == 0
            || entry.size > opts.max_file_size
        {
            return Ok(());
        }
        let mut bytes = Vec::with_capacity(entry.size as usize);
        reader
            .take(shipshape_secrets::BINARY_PROBE as u64)
            .read_to_end(&mut bytes)?;
        if !opts.scan_binaries && shipshape_secrets::is_binary(&bytes) {
            return Ok(());
        }
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

    fn send(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        if let Some(tx) = &self.tx {
            // A send fails only if the worker is gone (it panicked): `finish` reports that.
            let _ = tx.send(batch);
        }
    }

    /// The findings, each saying which layer added the file and, when a later layer deleted
    /// or replaced it, that it is still recoverable from the adding layer.
    pub fn finish(mut self, image: &shipshape_image::Image) -> Analysis {
        let mut analysis = Analysis::default();
        self.send();
        self.tx = None; // hang up: the worker ends after the last batch
        let found = match self.worker.take().map(|w| w.join()) {
            Some(Ok(found)) => found,
            _ => {
                analysis.errors.push(shipshape_core::ScanError::new(
                    &image.reference,
                    "the secrets scan of the layers stopped unexpectedly",
                ));
                return analysis;
            }
        };
        let index = match image.index() {
            Ok(i) => i,
            Err(e) => {
                analysis.errors.push(shipshape_core::ScanError::new(
                    &image.reference,
                    e.to_string(),
                ));
                return analysis;
            }
        };
        for (id, layer, mut f) in found {
            // Made with the path in the image (fingerprints independent of the reference),
            // shown as `REF:/path` like the image audit's own findings.
            shipshape_image::show_in_image(&image.reference, &mut f.location);
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
