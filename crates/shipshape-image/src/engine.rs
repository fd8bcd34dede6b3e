//! The local Docker Engine, over its unix socket: `GET /images/{name}/json` to find an image and
//! `GET /images/{name}/get` to export it as a docker-archive (what `docker save` does), with no
//! docker CLI. A small hand-written HTTP/1.1 client: two GET requests do not justify an async
//! runtime and hyper (bollard); `httparse` parses the response head, and chunked bodies are
//! decoded here.

use crate::error::{ErrorKind, ImageError, Result};
use crate::image::ImageOptions;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;

/// What the Engine says about an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineImage {
    pub id: String,
    pub repo_digests: Vec<String>,
}

fn socket_path(opts: &ImageOptions) -> PathBuf {
    if let Some(p) = &opts.docker_socket {
        return p.clone();
    }
    if let Ok(host) = std::env::var("DOCKER_HOST") {
        if let Some(p) = host.strip_prefix("unix://") {
            return PathBuf::from(p);
        }
    }
    PathBuf::from("/var/run/docker.sock")
}

/// Looks an image up; `Ok(None)` when the Engine does not have it.
pub fn inspect(name: &str, opts: &ImageOptions) -> Result<Option<EngineImage>> {
    #[derive(serde::Deserialize)]
    struct Inspect {
        #[serde(rename = "Id", default)]
        id: String,
        #[serde(rename = "RepoDigests", default)]
        repo_digests: Option<Vec<String>>,
    }
    let mut resp = get(opts, &format!("/images/{}/json", encode(name)))?;
    if resp.status == 404 {
        return Ok(None);
    }
    let body = crate::store::read_capped(&mut resp.body, 16 << 20, "Engine response")?;
    if resp.status != 200 {
        return Err(api_error(resp.status, &body));
    }
    let i: Inspect = crate::image::parse_json(&body, "Engine image inspect")?;
    Ok(Some(EngineImage {
        id: i.id,
        repo_digests: i.repo_digests.unwrap_or_default(),
    }))
}

/// Exports an image into a temporary docker-archive file (deleted when the path is dropped).
pub fn export(name: &str, opts: &ImageOptions) -> Result<tempfile::TempPath> {
    let mut resp = get(opts, &format!("/images/{}/get", encode(name)))?;
    if resp.status != 200 {
        let body = crate::store::read_capped(&mut resp.body, 1 << 20, "Engine response")?;
        return Err(api_error(resp.status, &body));
    }
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

fn api_error(status: u16, body: &[u8]) -> ImageError {
    #[derive(serde::Deserialize)]
    struct Msg {
        message: String,
    }
    let msg = serde_json::from_slice::<Msg>(body)
        .map(|m| m.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(body).chars().take(200).collect());
    let kind = match status {
        404 => ErrorKind::NotFound,
        401 | 403 => ErrorKind::Auth,
        _ => ErrorKind::Io,
    };
    ImageError::new(kind, format!("Docker Engine answered {status}: {msg}"))
}

/// Percent-encodes an image name for a URL path (keeps `/`, `:` and `@`, which the Engine's
/// router accepts in names).
fn encode(name: &str) -> String {
    let mut s = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

struct Response {
    status: u16,
    body: Box<dyn Read + Send>,
}

#[cfg(unix)]
fn get(opts: &ImageOptions, path: &str) -> Result<Response> {
    use std::os::unix::net::UnixStream;
    let sock = socket_path(opts);
    let unavailable = |e: io::Error| {
        ImageError::new(
            ErrorKind::Unavailable,
            format!("Docker Engine not reachable at {}: {e}", sock.display()),
        )
    };
    let mut stream = UnixStream::connect(&sock).map_err(unavailable)?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: shipshape\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(req.as_bytes()).map_err(unavailable)?;
    read_response(Box::new(stream))
}

#[cfg(not(unix))]
fn get(_opts: &ImageOptions, _path: &str) -> Result<Response> {
    Err(ImageError::new(
        ErrorKind::Unavailable,
        "the Docker Engine socket is only supported on unix",
    ))
}

fn read_response(stream: Box<dyn Read + Send>) -> Result<Response> {
    let mut r = BufReader::with_capacity(64 << 10, stream);
    let mut head = Vec::new();
    // Read the head line by line until the blank line.
    loop {
        let n = r
            .by_ref()
            .take(8192)
            .read_until(b'\n', &mut head)
            .map_err(|e| ImageError::io("reading the Engine response", e))?;
        if n == 0 {
            return Err(ImageError::new(
                ErrorKind::Io,
                "the Engine closed the connection",
            ));
        }
        if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") {
            break;
        }
        if head.len() > 64 << 10 {
            return Err(ImageError::new(
                ErrorKind::Format,
                "oversized response head from the Engine",
            ));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => {
            return Err(ImageError::new(
                ErrorKind::Format,
                "malformed HTTP response from the Engine",
            ))
        }
    }
    let status = resp.code.unwrap_or(0);
    let mut chunked = false;
    let mut length = None;
    for h in resp.headers.iter() {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = String::from_utf8_lossy(h.value)
                .to_ascii_lowercase()
                .contains("chunked");
        } else if h.name.eq_ignore_ascii_case("content-length") {
            length = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok());
        }
    }
    let body: Box<dyn Read + Send> = if chunked {
        Box::new(Chunked {
            inner: r,
            left: 0,
            done: false,
        })
    } else if let Some(n) = length {
        Box::new(r.take(n))
    } else {
        Box::new(r)
    };
    Ok(Response { status, body })
}

/// `Transfer-Encoding: chunked` decoder (RFC 9112 §7.1).
struct Chunked<R> {
    inner: R,
    left: u64,
    done: bool,
}

impl<R: BufRead> Chunked<R> {
    fn line(&mut self) -> io::Result<String> {
        let mut l = Vec::new();
        (&mut self.inner).take(4096).read_until(b'\n', &mut l)?;
        if !l.ends_with(b"\n") {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "truncated chunked body",
            ));
        }
        Ok(String::from_utf8_lossy(&l).trim().to_string())
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let line = self.line()?;
            let size = line.split(';').next().unwrap_or("").trim();
            self.left = u64::from_str_radix(size, 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            if self.left == 0 {
                // Trailers, up to the blank line.
                while !self.line()?.is_empty() {}
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "truncated chunked body",
            ));
        }
        self.left -= n as u64;
        if self.left == 0 {
            self.line()?; // the CRLF after the chunk data
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nTrailer: 1\r\n\r\n";
        let mut resp =
            read_response(Box::new(io::Cursor::new(raw.to_vec()))).expect("valid response");
        assert_eq!(resp.status, 200);
        let mut s = String::new();
        resp.body.read_to_string(&mut s).expect("valid body");
        assert_eq!(s, "hello world");
    }

    #[test]
    fn truncated_chunked_body_is_an_error() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort";
        let mut resp = read_response(Box::new(io::Cursor::new(raw.to_vec()))).expect("valid head");
        let mut s = Vec::new();
        assert!(resp.body.read_to_end(&mut s).is_err());
    }

    #[test]
    fn content_length_and_errors() {
        let raw = b"HTTP/1.1 404 Not Found\r\nContent-Length: 27\r\n\r\n{\"message\":\"no such image\"}extra";
        let mut resp = read_response(Box::new(io::Cursor::new(raw.to_vec()))).expect("valid");
        let body = crate::store::read_capped(&mut resp.body, 100, "t").expect("body");
        let e = api_error(resp.status, &body);
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(e.message.contains("no such image"));
        assert!(read_response(Box::new(io::Cursor::new(b"garbage\r\n\r\n".to_vec()))).is_err());
        assert_eq!(encode("a b/c:1@x"), "a%20b/c:1@x");
    }

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
