//! Container images: open them from archives, OCI layouts, the local Docker Engine or a
//! registry; stream their layers into a merged filesystem view that remembers deleted files; and
//! audit their configuration and filesystem (rules `SS3xxx`).
//!
//! ```no_run
//! let image = shipshape_image::open("docker-archive:app.tar", &Default::default())?;
//! let analysis = shipshape_image::audit(&image, &Default::default());
//! # Ok::<(), shipshape_image::ImageError>(())
//! ```

mod attest;
pub mod build;
mod engine;
pub mod eol;
mod error;
pub mod fs;
mod image;
mod layer;
mod progress;
pub mod reference;
mod registry;
pub mod spec;
mod store;
mod verified;

pub use attest::{
    Attestation, AttestationKind, AttestationSource, Attestations, ANN_PREDICATE_TYPE,
    ANN_REFERENCE_DIGEST, ANN_REFERENCE_TYPE, MT_IN_TOTO,
};
pub use engine::EngineImage;
pub use error::{ErrorKind, ImageError};
pub use fs::{FileEntry, FileKind, FsIndex, Hidden, HiddenHow};
pub use image::{open, Image, ImageOptions, Layer};
pub use layer::{Compression, LayerStats, Limits};
pub use reference::SourceType;
pub use shipshape_core::progress::Progress;
mod audit;
pub mod rules;
mod secrets;
pub mod visitor;

pub use audit::{
    audit, audit_full, audit_full_with, audit_with, show_in_image, AuditOptions, ImageAudit,
    ImageSummary, LayerSummary,
};
pub use rules::METAS as RULES;
pub use secrets::LayerSecrets;
pub use visitor::{visit_layers, FnVisitor, LayerVisitor};

/// The image analyser's place in the analyser registry. It reads images, not source trees:
/// `shipshape image` calls [`audit_with`] with its layer visitors; [`shipshape_core::Analyser::analyse`] of a
/// source tree finds nothing for it.
pub struct ImageAnalyser;

impl shipshape_core::Analyser for ImageAnalyser {
    fn id(&self) -> &'static str {
        "image"
    }

    fn rules(&self) -> &'static [&'static shipshape_core::RuleMeta] {
        rules::METAS
    }

    fn analyse(&self, _scope: &shipshape_core::Scope<'_>) -> shipshape_core::report::Analysis {
        shipshape_core::report::Analysis::default()
    }
}
