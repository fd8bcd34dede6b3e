//! Images from the local Docker Engine, through the `shipshape-engine` client: look the image up,
//! then spool its export (a docker-archive, what `docker save` writes) to a temporary file that
//! the archive reader opens like any other.

use crate::error::{ErrorKind, ImageError, Result};
use crate::image::ImageOptions;
use shipshape_engine::{Engine, EngineError};
use std::io::{self, Write};

pub use shipshape_engine::EngineImage;

fn engine(opts: &ImageOptions) -> Engine {
    Engine::new(opts.docker_socket.as_deref())
}

fn image_error(e: EngineError) -> ImageError {
    let kind = match e.kind {
        shipshape_engine::ErrorKind::Unavailable => ErrorKind::Unavailable,
        shipshape_engine::ErrorKind::NotFound => ErrorKind::NotFound,
        shipshape_engine::ErrorKind::Auth => ErrorKind::Auth,
        shipshape_engine::ErrorKind::Protocol => ErrorKind::Format,
        shipshape_engine::ErrorKind::Limit => ErrorKind::Limit,
        shipshape_engine::ErrorKind::Api | shipshape_engine::ErrorKind::Io => ErrorKind::Io,
    };
    ImageError::new(kind, e.message)
}

/// Looks an image up; `Ok(None)` when the Engine does not have it.
pub fn inspect(name: &str, opts: &ImageOptions) -> Result<Option<EngineImage>> {
    engine(opts).image_inspect(name).map_err(image_error)
}

/// Exports an image into a temporary docker-archive file (deleted when the path is dropped).
pub fn export(name: &str, opts: &ImageOptions) -> Result<tempfile::TempPath> {
    let mut resp = engine(opts).image_export(name).map_err(image_error)?;
    let mut tmp = tempfile::Builder::new()
        .prefix("shipshape-export-")
        .suffix(".tar")
        .tempfile()
        .map_err(|e| ImageError::io("creating a temporary file for the export", e))?;
    let mut body = crate::progress::Reporting {
        inner: &mut resp.body,
        progress: &opts.progress,
        what: "exporting from the Docker Engine",
        done: 0,
        total: 0,
    };
    io::copy(&mut body, tmp.as_file_mut())
        .map_err(|e| ImageError::io("reading the Engine export", e))?;
    tmp.as_file_mut()
        .flush()
        .map_err(|e| ImageError::io("writing the export", e))?;
    Ok(tmp.into_temp_path())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn missing_socket_is_unavailable() {
        let opts = ImageOptions {
            docker_socket: Some(PathBuf::from("/nonexistent/docker.sock")),
            ..ImageOptions::default()
        };
        let e = inspect("x", &opts).expect_err("no engine there");
        assert_eq!(e.kind, ErrorKind::Unavailable);
    }
}
