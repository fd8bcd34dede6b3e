//! Errors at the crate boundary: each names the file, archive entry or database it is about.

use crate::matcher::MatchError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum VulnError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: corrupt OSV record: {message}")]
    CorruptRecord { path: String, message: String },
    /// A damaged CISA KEV catalog or EPSS score file (`message` says which, and the line).
    #[error("{path}:{message}")]
    CorruptPriority { path: String, message: String },
    #[error("{path}: corrupt zip archive: {message}")]
    CorruptZip { path: PathBuf, message: String },
    #[error("{path}: corrupt vulnerability database: {message}")]
    CorruptDatabase { path: PathBuf, message: String },
    #[error(
        "no vulnerability database at {path}: run `shipshape db update` to download one, or \
         `shipshape db import FILE` with an OSV all.zip, a directory of OSV records or one record"
    )]
    NoDatabase { path: PathBuf },
    #[error("{path}: not an OSV record (no `id` with `modified` or `affected`)")]
    NotOsv { path: PathBuf },
    #[error("{0}")]
    Match(#[from] MatchError),
    #[error("{0}")]
    Other(String),
}

impl VulnError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        VulnError::Io {
            path: path.into(),
            source,
        }
    }
}
