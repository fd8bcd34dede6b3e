//! Software bills of materials: what is installed in an image or locked in a source tree.
//!
//! Catalogers (one per package database or lockfile format, behind [`Cataloger`]) turn one file
//! into [`Package`]s. They run over a directory ([`catalog_dir`]) or, for images, inside the image
//! crate's single verified pass over the layers as a [`LayerSbom`] visitor, which keeps only the
//! files visible in the final filesystem (a deleted package database yields nothing; one a later
//! layer rewrote is read as rewritten). Writers turn the [`Sbom`] into CycloneDX 1.6 JSON, SPDX
//! 2.3 JSON, our own JSON or a table.
//!
//! A package database or lockfile that cannot be parsed is an error naming the file (and the
//! layer), never a silently smaller SBOM.

mod apk;
mod binary;
mod catalog;
pub mod cyclonedx;
mod dpkg;
pub mod intoto;
mod lang;
mod layers;
mod model;
pub mod osrelease;
pub mod purl;
mod rpm;
pub mod spdx;
pub mod table;
mod tree;

pub use catalog::{catalog_bytes, catalogers, CatalogError, Cataloger, Env, Found};
pub use layers::LayerSbom;
pub use model::{Ecosystem, Package, Sbom, SourcePackage, Subject, SubjectKind};
pub use osrelease::Distro;
pub use tree::{catalog_dir, catalog_files, is_cataloged};
