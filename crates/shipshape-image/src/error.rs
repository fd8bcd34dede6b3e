//! The one error type of the crate: it names the image source and what failed.

use std::fmt;

/// What kind of failure an [`ImageError`] is, for callers that react differently (exit codes,
/// retries, "try the registry next").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The reference is malformed or names an unknown transport.
    Reference,
    /// The image, tag, file or blob does not exist.
    NotFound,
    /// Reading a file, socket or network stream failed.
    Io,
    /// A document or archive is malformed (bad JSON, bad tar, truncated layer).
    Format,
    /// A blob's content does not match its digest.
    Digest,
    /// A safety limit was hit (decompression bomb, too many entries, oversized document).
    Limit,
    /// The registry or Engine refused our credentials.
    Auth,
    /// The Docker Engine or the registry is not reachable.
    Unavailable,
    /// A valid input this crate does not handle (unknown media type, no matching platform).
    Unsupported,
}

/// An error opening or reading an image. Displays as `SOURCE: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageError {
    /// The image source as the user named it (`docker-archive:app.tar`), or empty when unknown.
    pub origin: String,
    pub kind: ErrorKind,
    pub message: String,
}

impl ImageError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ImageError {
            origin: String::new(),
            kind,
            message: message.into(),
        }
    }

    /// Sets the origin if none is set yet (the innermost context wins).
    pub(crate) fn at(mut self, origin: &str) -> Self {
        if self.origin.is_empty() {
            self.origin = origin.to_string();
        }
        self
    }

    pub(crate) fn io(what: impl fmt::Display, err: std::io::Error) -> Self {
        let kind = match err.kind() {
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            std::io::ErrorKind::UnexpectedEof => ErrorKind::Format,
            std::io::ErrorKind::InvalidData => ErrorKind::Format,
            _ => ErrorKind::Io,
        };
        // Errors raised by our own limit and digest readers travel through io::Error.
        if let Some(inner) = err.get_ref().and_then(|e| e.downcast_ref::<ImageError>()) {
            let mut e = inner.clone();
            e.message = format!("{what}: {}", e.message);
            return e;
        }
        let msg = if err.kind() == std::io::ErrorKind::UnexpectedEof {
            "unexpected end of data (truncated?)".to_string()
        } else {
            err.to_string()
        };
        ImageError::new(kind, format!("{what}: {msg}"))
    }

    /// Wraps this error into an `io::Error` (to cross `Read` boundaries).
    pub(crate) fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.origin.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.origin, self.message)
        }
    }
}

impl std::error::Error for ImageError {}

pub(crate) type Result<T> = std::result::Result<T, ImageError>;
