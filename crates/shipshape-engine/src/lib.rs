//! A small synchronous client of the Docker Engine API over its unix socket.
//!
//! shipshape reads images from the Engine today (`GET /images/{name}/json`, `GET
//! /images/{name}/get`, what `docker save` does) and will audit and watch live containers next
//! (`/containers/json`, `/containers/{id}/json`, `/events`). A few GET requests over a unix
//! socket do not justify an async runtime and hyper (bollard): `httparse` parses the response
//! head, and chunked bodies are decoded here. No docker CLI is needed.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// What kind of failure an Engine request met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No Engine at the socket (not running, no permission).
    Unavailable,
    /// The Engine answered 404.
    NotFound,
    /// The Engine answered 401 or 403.
    Auth,
    /// Another error status from the Engine.
    Api,
    /// A response that is not valid HTTP or JSON.
    Protocol,
    /// Reading or writing the socket failed mid-way.
    Io,
    /// A response larger than the caller allows.
    Limit,
}

/// An Engine request that failed, with what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EngineError {
    pub kind: ErrorKind,
    pub message: String,
}

impl EngineError {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        EngineError {
            kind,
            message: message.into(),
        }
    }

    fn io(what: &str, e: io::Error) -> Self {
        EngineError::new(ErrorKind::Io, format!("{what}: {e}"))
    }
}

/// An Engine response: the status and the body as a stream.
pub struct Response {
    pub status: u16,
    pub body: Box<dyn Read + Send>,
}

impl Response {
    /// The body, at most `cap` bytes (an error beyond: a hostile or confused peer must not
    /// exhaust memory).
    pub fn read_capped(&mut self, cap: u64) -> Result<Vec<u8>, EngineError> {
        let mut buf = Vec::new();
        (&mut self.body)
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| EngineError::io("reading the Engine response", e))?;
        if buf.len() as u64 > cap {
            return Err(EngineError::new(
                ErrorKind::Limit,
                format!("the Engine response is larger than {cap} bytes"),
            ));
        }
        Ok(buf)
    }
}

/// What the Engine says about an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineImage {
    pub id: String,
    pub repo_digests: Vec<String>,
}

/// A client of one Engine socket.
#[derive(Debug, Clone)]
pub struct Engine {
    socket: PathBuf,
}

impl Engine {
    /// The Engine at `socket`, else `DOCKER_HOST` (`unix://` only), else `/var/run/docker.sock`.
    pub fn new(socket: Option<&Path>) -> Engine {
        let socket = match socket {
            Some(p) => p.to_path_buf(),
            None => match std::env::var("DOCKER_HOST") {
                Ok(host) if host.starts_with("unix://") => {
                    PathBuf::from(host.trim_start_matches("unix://"))
                }
                _ => PathBuf::from("/var/run/docker.sock"),
            },
        };
        Engine { socket }
    }

    /// The socket this client talks to.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// `GET /version`: whether an Engine answers, and which.
    pub fn version(&self) -> Result<serde_json::Value, EngineError> {
        let mut resp = self.get("/version")?;
        let body = resp.read_capped(1 << 20)?;
        if resp.status != 200 {
            return Err(api_error(resp.status, &body));
        }
        json(&body, "Engine version")
    }

    /// Looks an image up; `Ok(None)` when the Engine does not have it.
    pub fn image_inspect(&self, name: &str) -> Result<Option<EngineImage>, EngineError> {
        #[derive(serde::Deserialize)]
        struct Inspect {
            #[serde(rename = "Id", default)]
            id: String,
            #[serde(rename = "RepoDigests", default)]
            repo_digests: Option<Vec<String>>,
        }
        let mut resp = self.get(&format!("/images/{}/json", encode(name)))?;
        if resp.status == 404 {
            return Ok(None);
        }
        let body = resp.read_capped(16 << 20)?;
        if resp.status != 200 {
            return Err(api_error(resp.status, &body));
        }
        let i: Inspect = json(&body, "Engine image inspect")?;
        Ok(Some(EngineImage {
            id: i.id,
            repo_digests: i.repo_digests.unwrap_or_default(),
        }))
    }

    /// `GET /images/{name}/get`: the image as a docker-archive stream (what `docker save` writes).
    pub fn image_export(&self, name: &str) -> Result<Response, EngineError> {
        let mut resp = self.get(&format!("/images/{}/get", encode(name)))?;
        if resp.status != 200 {
            let body = resp.read_capped(1 << 20)?;
            return Err(api_error(resp.status, &body));
        }
        Ok(resp)
    }

    /// A GET request to the Engine API (`path` starts with `/`).
    #[cfg(unix)]
    pub fn get(&self, path: &str) -> Result<Response, EngineError> {
        use std::os::unix::net::UnixStream;
        let unavailable = |e: io::Error| {
            EngineError::new(
                ErrorKind::Unavailable,
                format!(
                    "Docker Engine not reachable at {}: {e}",
                    self.socket.display()
                ),
            )
        };
        let mut stream = UnixStream::connect(&self.socket).map_err(unavailable)?;
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: shipshape\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(req.as_bytes()).map_err(unavailable)?;
        read_response(Box::new(stream))
    }

    /// A GET request to the Engine API (`path` starts with `/`).
    #[cfg(not(unix))]
    pub fn get(&self, _path: &str) -> Result<Response, EngineError> {
        Err(EngineError::new(
            ErrorKind::Unavailable,
            "the Docker Engine socket is only supported on unix",
        ))
    }
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, EngineError> {
    serde_json::from_slice(bytes)
        .map_err(|e| EngineError::new(ErrorKind::Protocol, format!("{what} is not valid: {e}")))
}

/// The error for a non-success status, with the Engine's own message.
fn api_error(status: u16, body: &[u8]) -> EngineError {
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
        _ => ErrorKind::Api,
    };
    EngineError::new(kind, format!("Docker Engine answered {status}: {msg}"))
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

fn read_response(stream: Box<dyn Read + Send>) -> Result<Response, EngineError> {
    let mut r = BufReader::with_capacity(64 << 10, stream);
    let mut head = Vec::new();
    // Read the head line by line until the blank line.
    loop {
        let n = r
            .by_ref()
            .take(8192)
            .read_until(b'\n', &mut head)
            .map_err(|e| EngineError::io("reading the Engine response", e))?;
        if n == 0 {
            return Err(EngineError::new(
                ErrorKind::Io,
                "the Engine closed the connection",
            ));
        }
        if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") {
            break;
        }
        if head.len() > 64 << 10 {
            return Err(EngineError::new(
                ErrorKind::Protocol,
                "oversized response head from the Engine",
            ));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => {
            return Err(EngineError::new(
                ErrorKind::Protocol,
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
        Box::new(Exact { inner: r, left: n })
    } else {
        Box::new(r)
    };
    Ok(Response { status, body })
}

/// A body of `Content-Length` bytes: a connection that closes before all of them arrived is an
/// error (a truncated image export must not look like a shorter, valid one).
struct Exact<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the Engine closed the connection {} bytes before the end of the body",
                    self.left
                ),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
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
        let body = resp.read_capped(100).expect("body");
        let e = api_error(resp.status, &body);
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(e.message.contains("no such image"));
        assert!(read_response(Box::new(io::Cursor::new(b"garbage\r\n\r\n".to_vec()))).is_err());
        assert_eq!(encode("a b/c:1@x"), "a%20b/c:1@x");
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
        let mut resp = read_response(Box::new(io::Cursor::new(raw.to_vec()))).expect("valid");
        assert_eq!(
            resp.read_capped(5).expect_err("too big").kind,
            ErrorKind::Limit
        );
    }

    #[test]
    fn body_shorter_than_content_length_is_an_error() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234";
        let mut r = read_response(Box::new(io::Cursor::new(raw.to_vec()))).unwrap();
        let e = r.read_capped(1 << 20).unwrap_err();
        assert!(e.to_string().contains("5 bytes before the end"), "{e}");
    }

    #[test]
    fn missing_socket_is_unavailable() {
        let engine = Engine::new(Some(Path::new("/nonexistent/docker.sock")));
        let e = engine.image_inspect("x").expect_err("no engine there");
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert_eq!(
            engine.version().expect_err("none").kind,
            ErrorKind::Unavailable
        );
    }
}
