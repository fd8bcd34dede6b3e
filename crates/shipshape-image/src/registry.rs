//! Pulling from a registry with the OCI distribution API (`/v2/<repo>/manifests|blobs/<ref>`):
//! anonymous, basic and bearer-token auth (credentials from options, `config.json` or a
//! credential helper), multi-platform indexes, digest verification of every document and blob.
//! Blobs are spooled compressed to a temporary directory (never extracted), hashed as they
//! arrive.

use crate::error::{ErrorKind, ImageError, Result};
use crate::image::{select_platform, ImageOptions};
use crate::progress::Reporting;
use crate::reference::RegistryRef;
use crate::spec::{self, Index, Manifest};
use crate::store::{self, blob_path, read_capped, verify_bytes, DirStore, HashingReader};
use base64::Engine as _;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

/// A pulled image: its manifest, config and a spool of verified blobs.
pub(crate) struct Pulled {
    pub(crate) manifest: Manifest,
    pub(crate) manifest_digest: String,
    pub(crate) config: Vec<u8>,
    pub(crate) store: DirStore,
    /// The registry, kept for the attestations (looked up only when asked for).
    pub(crate) remote: Remote,
}

/// The registry an image was pulled from, for what the pull itself does not fetch: attestation
/// manifests of the index, OCI referrers, and their blobs.
pub(crate) struct Remote {
    client: std::sync::Mutex<Client>,
    /// The index the image manifest was picked from, if any (BuildKit attestation manifests sit
    /// beside the image manifests there).
    pub(crate) index: Option<Index>,
    cap: u64,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("index", &self.index.is_some())
            .finish()
    }
}

/// How a registry's referrers of a manifest were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReferrersLookup {
    /// `GET /v2/<name>/referrers/<digest>` (OCI distribution 1.1).
    Api,
    /// The registry has no referrers API: the `sha256-<hex>` tag holding an index of them.
    TagSchema,
}

impl Remote {
    fn client(&self) -> Result<std::sync::MutexGuard<'_, Client>> {
        self.client
            .lock()
            .map_err(|_| ImageError::new(ErrorKind::Io, "the registry client failed earlier"))
    }

    /// A manifest by digest, verified.
    pub(crate) fn manifest(&self, digest: &str) -> Result<Vec<u8>> {
        store::split_digest(digest)?;
        let (bytes, _) = self.client()?.manifest(digest, self.cap)?;
        verify_bytes(&bytes, digest, &format!("manifest {digest}"))?;
        Ok(bytes)
    }

    /// A blob's content as it arrives (the caller verifies it).
    pub(crate) fn blob(&self, digest: &str) -> Result<Box<dyn Read + Send>> {
        self.client()?.blob(digest)
    }

    /// cosign's attestation manifest for `subject` (the `sha256-<hex>.att` tag), with its digest;
    /// `None` when the tag does not exist.
    pub(crate) fn cosign_attestations(&self, subject: &str) -> Result<Option<(String, Vec<u8>)>> {
        let (_, hex) = store::split_digest(subject)?;
        match self
            .client()?
            .manifest(&format!("sha256-{hex}.att"), self.cap)
        {
            Ok((bytes, digest)) => Ok(Some((digest, bytes))),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The referrers of `subject`: the referrers API, else the tag schema's `sha256-<hex>` index
    /// (none when that tag does not exist either).
    pub(crate) fn referrers(&self, subject: &str) -> Result<(Index, ReferrersLookup)> {
        let (_, hex) = store::split_digest(subject)?;
        let mut c = self.client()?;
        let mut url = format!("{}/referrers/{subject}", c.base);
        let what = format!("referrers of {}@{subject}", c.repo);
        let mut all = Index::default();
        // The answer may come in pages, each naming the next in a `Link` header.
        for page in 0.. {
            let (status, resp) = c.get(&url, spec::MT_OCI_INDEX)?;
            if !(200..300).contains(&status) {
                if page > 0 {
                    check_status(status, &what)?;
                }
                // A registry without the API answers 404 (distribution spec), some 400 or 405.
                if !matches!(status, 400 | 404 | 405) {
                    check_status(status, &what)?;
                }
                break;
            }
            if page >= 64 {
                return Err(ImageError::new(
                    ErrorKind::Limit,
                    format!("{what}: more than 64 pages"),
                ));
            }
            let next = resp
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(|l| next_link(l, &c.base));
            let bytes = read_capped(resp.into_body().into_reader(), self.cap, &what)?;
            let index: Index = crate::image::parse_json(&bytes, &what)?;
            all.manifests.extend(index.manifests);
            match next {
                Some(n) => url = n,
                None => return Ok((all, ReferrersLookup::Api)),
            }
        }
        let tag = format!("sha256-{hex}");
        match c.manifest(&tag, self.cap) {
            Ok((bytes, _)) => {
                let index: Index =
                    crate::image::parse_json(&bytes, &format!("referrers tag {tag}"))?;
                Ok((index, ReferrersLookup::TagSchema))
            }
            Err(e) if e.kind == ErrorKind::NotFound => {
                Ok((Index::default(), ReferrersLookup::TagSchema))
            }
            Err(e) => Err(e),
        }
    }
}

const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

struct Client {
    agent: ureq::Agent,
    base: String,
    repo: String,
    registry: String,
    creds: Option<(String, String)>,
    auth: Option<String>,
}

pub(crate) fn pull(rr: &RegistryRef, opts: &ImageOptions) -> Result<Pulled> {
    let scheme = if opts.insecure { "http" } else { "https" };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_per_read(Some(Duration::from_secs(120)))
        .user_agent("shipshape")
        .build()
        .into();
    let mut c = Client {
        agent,
        base: format!("{scheme}://{}/v2/{}", rr.api_host(), rr.repository),
        repo: rr.repository.clone(),
        registry: rr.registry.clone(),
        creds: opts
            .credentials
            .clone()
            .or_else(|| credentials(opts, &rr.registry)),
        auth: None,
    };
    let cap = opts.limits.max_doc_bytes;
    let (mut bytes, mut digest) = c.manifest(rr.reference(), cap)?;
    if let Some(want) = &rr.digest {
        verify_bytes(&bytes, want, "manifest")?;
    }
    let mut picked_from = None;
    for _ in 0..4 {
        if !spec::sniff_is_index(&bytes) {
            break;
        }
        let index: Index = crate::image::parse_json(&bytes, "image index")?;
        let d = select_platform(&index, opts.platform.as_deref())?;
        let (b, got) = c.manifest(&d.digest, cap)?;
        verify_bytes(&b, &d.digest, "manifest")?;
        bytes = b;
        digest = got;
        picked_from = Some(index);
    }
    let manifest: Manifest = crate::image::parse_json(&bytes, "image manifest")?;
    if manifest.schema_version == 1 || manifest.config.digest.is_empty() {
        return Err(ImageError::new(
            ErrorKind::Unsupported,
            "schema 1 manifests (without a config blob) are not supported",
        ));
    }
    let spool = tempfile::Builder::new()
        .prefix("shipshape-pull-")
        .tempdir()
        .map_err(|e| ImageError::io("creating the pull spool", e))?;
    let root: PathBuf = spool.path().to_path_buf();
    let config = {
        let mut r = c.blob(&manifest.config.digest)?;
        let b = read_capped(&mut r, cap, "image config")?;
        verify_bytes(&b, &manifest.config.digest, "image config")?;
        b
    };
    let total: u64 = manifest
        .layers
        .iter()
        .map(|l| u64::try_from(l.size).unwrap_or(0))
        .sum();
    let mut pulled: u64 = 0;
    for (i, l) in manifest.layers.iter().enumerate() {
        let path = root.join(blob_path(&l.digest)?);
        if path.exists() {
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| ImageError::io(dir.display(), e))?;
        }
        let body = c.blob(&l.digest)?;
        let what = format!("pulling layer {}/{}", i + 1, manifest.layers.len());
        let mut h = HashingReader::new(Reporting {
            inner: body,
            progress: &opts.progress,
            what: &what,
            done: pulled,
            total,
        });
        let tmp = path.with_extension("part");
        let mut f = std::fs::File::create(&tmp).map_err(|e| ImageError::io(tmp.display(), e))?;
        io::copy(&mut h, &mut f)
            .map_err(|e| ImageError::io(format!("downloading {}", l.digest), e))?;
        f.flush().map_err(|e| ImageError::io(tmp.display(), e))?;
        let got = h.finish().map_err(|e| ImageError::io(&l.digest, e))?;
        pulled += h.count;
        if !got.eq_ignore_ascii_case(&l.digest) {
            return Err(ImageError::new(
                ErrorKind::Digest,
                format!("blob {}: digest mismatch: content is {got}", l.digest),
            ));
        }
        std::fs::rename(&tmp, &path).map_err(|e| ImageError::io(path.display(), e))?;
    }
    Ok(Pulled {
        manifest,
        manifest_digest: digest,
        config,
        store: DirStore::new(&root, Some(spool)),
        remote: Remote {
            client: std::sync::Mutex::new(c),
            index: picked_from,
            cap,
        },
    })
}

impl Client {
    fn manifest(&mut self, reference: &str, cap: u64) -> Result<(Vec<u8>, String)> {
        let url = format!("{}/manifests/{reference}", self.base);
        let (status, resp) = self.get(&url, ACCEPT)?;
        let what = format!("manifest {}:{reference}", self.repo);
        check_status(status, &what)?;
        let header_digest = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = read_capped(resp.into_body().into_reader(), cap, &what)?;
        let digest = format!(
            "sha256:{}",
            store::hex_lower(&<sha2::Sha256 as sha2::Digest>::digest(&bytes))
        );
        if let Some(h) = header_digest.filter(|h| h.starts_with("sha256:")) {
            if !h.eq_ignore_ascii_case(&digest) {
                return Err(ImageError::new(
                    ErrorKind::Digest,
                    format!("{what}: the registry says {h} but the content is {digest}"),
                ));
            }
        }
        Ok((bytes, digest))
    }

    fn blob(&mut self, digest: &str) -> Result<Box<dyn Read + Send>> {
        store::split_digest(digest)?;
        let url = format!("{}/blobs/{digest}", self.base);
        let (status, resp) = self.get(&url, "*/*")?;
        check_status(status, &format!("blob {digest}"))?;
        Ok(Box::new(resp.into_body().into_reader()))
    }

    /// GET with the current auth; on 401, follows the challenge once.
    fn get(&mut self, url: &str, accept: &str) -> Result<(u16, ureq::http::Response<ureq::Body>)> {
        let resp = self.send(url, accept)?;
        if resp.status().as_u16() != 401 {
            return Ok((resp.status().as_u16(), resp));
        }
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        self.authenticate(&challenge)?;
        let resp = self.send(url, accept)?;
        Ok((resp.status().as_u16(), resp))
    }

    fn send(&self, url: &str, accept: &str) -> Result<ureq::http::Response<ureq::Body>> {
        let mut req = self.agent.get(url).header("Accept", accept);
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        req.call().map_err(|e| {
            ImageError::new(
                ErrorKind::Unavailable,
                format!("registry {}: {e}", self.registry),
            )
        })
    }

    /// The scope a challenge asks for, or pull access to this repository.
    fn scope(&self, params: &[(String, String)]) -> String {
        params
            .iter()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| format!("repository:{}:pull", self.repo))
    }

    /// Exchanges an identity (refresh) token for an access token: the OAuth2 form of the token
    /// service (`POST realm` with `grant_type=refresh_token`), which `docker login` identity
    /// tokens and credential helpers answering `<token>` rely on.
    fn oauth_token(&mut self, realm: &str, params: &[(String, String)], token: &str) -> Result<()> {
        let scope = self.scope(params);
        let mut form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", token.to_string()),
            ("client_id", "shipshape".to_string()),
            ("scope", scope),
        ];
        if let Some((_, service)) = params.iter().find(|(k, _)| k == "service") {
            form.push(("service", service.clone()));
        }
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let resp = self
            .agent
            .post(realm)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body.as_bytes());
        let token = read_token(resp, realm, "the identity token")?;
        self.auth = Some(format!("Bearer {token}"));
        Ok(())
    }

    fn authenticate(&mut self, challenge: &str) -> Result<()> {
        let (scheme, params) = parse_challenge(challenge);
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => {
                let (u, p) = self.creds.clone().ok_or_else(|| {
                    ImageError::new(
                        ErrorKind::Auth,
                        format!("registry {} requires credentials", self.registry),
                    )
                })?;
                if u == IDENTITY_TOKEN_USER {
                    return Err(ImageError::new(
                        ErrorKind::Auth,
                        format!(
                            "registry {} asks for a password, but the stored credential is an identity token (it needs a token service)",
                            self.registry
                        ),
                    ));
                }
                self.auth = Some(basic(&u, &p));
                Ok(())
            }
            "bearer" => {
                let realm = params
                    .iter()
                    .find(|(k, _)| k == "realm")
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| {
                        ImageError::new(ErrorKind::Auth, "bearer challenge without a realm")
                    })?;
                let mut url = realm.clone();
                let mut sep = if url.contains('?') { '&' } else { '?' };
                let scope = self.scope(&params);
                for (k, v) in params
                    .iter()
                    .filter(|(k, _)| k == "service")
                    .chain([("scope".to_string(), scope)].iter())
                {
                    url.push(sep);
                    url.push_str(k);
                    url.push('=');
                    url.push_str(&urlencode(v));
                    sep = '&';
                }
                if let Some((u, token)) = &self.creds {
                    if u == IDENTITY_TOKEN_USER {
                        let token = token.clone();
                        return self.oauth_token(&realm, &params, &token);
                    }
                }
                let mut req = self.agent.get(&url);
                if let Some((u, p)) = &self.creds {
                    req = req.header("Authorization", basic(u, p));
                }
                let token = read_token(req.call(), &realm, "the credentials")?;
                self.auth = Some(format!("Bearer {token}"));
                Ok(())
            }
            _ => Err(ImageError::new(
                ErrorKind::Auth,
                format!(
                    "registry {} refused access (401) with challenge `{challenge}`",
                    self.registry
                ),
            )),
        }
    }
}

/// The next page's URL in a `Link: <URL>; rel="next"` header, made absolute against `base`
/// (`scheme://host/v2/repo`).
fn next_link(header: &str, base: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        if !params.replace(' ', "").contains("rel=\"next\"") {
            return None;
        }
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        if target.starts_with('/') {
            let root = base.find("/v2/").map_or(base, |i| &base[..i]);
            Some(format!("{root}{target}"))
        } else {
            Some(target.to_string())
        }
    })
}

fn check_status(status: u16, what: &str) -> Result<()> {
    match status {
        200..=299 => Ok(()),
        401 | 403 => Err(ImageError::new(
            ErrorKind::Auth,
            format!("{what}: access denied ({status})"),
        )),
        404 => Err(ImageError::new(
            ErrorKind::NotFound,
            format!("{what}: not found"),
        )),
        s => Err(ImageError::new(
            ErrorKind::Io,
            format!("{what}: the registry answered {s}"),
        )),
    }
}

fn basic(u: &str, p: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
    )
}

fn urlencode(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// `Bearer realm="…",service="…",scope="…"` → scheme and parameters.
pub(crate) fn parse_challenge(h: &str) -> (String, Vec<(String, String)>) {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut params = Vec::new();
    let mut s = rest.trim();
    while !s.is_empty() {
        let Some((k, after)) = s.split_once('=') else {
            break;
        };
        let k = k.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (v, rest) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(end) => (&q[..end], &q[end + 1..]),
                None => (q, ""),
            }
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        params.push((k, v.to_string()));
        s = rest.trim_start().trim_start_matches(',').trim_start();
    }
    (scheme.to_string(), params)
}

/// Credentials for `registry` from Docker's `config.json` (`auths`, `credHelpers`, `credsStore`).
pub(crate) fn credentials(opts: &ImageOptions, registry: &str) -> Option<(String, String)> {
    let dir = opts
        .docker_config
        .clone()
        .or_else(|| std::env::var_os("DOCKER_CONFIG").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")))?;
    let text = std::fs::read(dir.join("config.json")).ok()?;
    let cfg: serde_json::Value = serde_json::from_slice(&text).ok()?;
    from_config(&cfg, registry, &run_helper)
}

fn hub(registry: &str) -> bool {
    matches!(
        registry,
        "docker.io" | "index.docker.io" | "registry-1.docker.io"
    )
}

/// The server name Docker uses for a registry in `config.json` and with helpers.
fn server_key(registry: &str) -> String {
    if hub(registry) {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    }
}

fn normalize_key(k: &str) -> String {
    let k = k
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let host = k.split('/').next().unwrap_or(k);
    if hub(host) {
        "docker.io".into()
    } else {
        host.to_string()
    }
}

type Helper<'a> = &'a dyn Fn(&str, &str) -> Option<(String, String)>;

/// The token in a token service's answer (`token` or `access_token`); `offered` names what was
/// presented, for the error when the service refuses it.
fn read_token(
    resp: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    realm: &str,
    offered: &str,
) -> Result<String> {
    let resp = resp.map_err(|e| {
        ImageError::new(
            ErrorKind::Unavailable,
            format!("token service {realm}: {e}"),
        )
    })?;
    let status = resp.status().as_u16();
    if matches!(status, 400 | 401 | 403) {
        return Err(ImageError::new(
            ErrorKind::Auth,
            format!("token service {realm} refused {offered} ({status})"),
        ));
    }
    check_status(status, "token")?;
    #[derive(serde::Deserialize)]
    struct Token {
        token: Option<String>,
        access_token: Option<String>,
    }
    let body = read_capped(resp.into_body().into_reader(), 1 << 20, "token response")?;
    let t: Token = crate::image::parse_json(&body, "token response")?;
    t.token
        .or(t.access_token)
        .ok_or_else(|| ImageError::new(ErrorKind::Auth, "the token service returned no token"))
}

/// The user name credential helpers answer with when the secret is an identity token (to be
/// exchanged at the token service), not a password; also how `identitytoken` entries of
/// `config.json` are carried.
const IDENTITY_TOKEN_USER: &str = "<token>";

fn from_config(
    cfg: &serde_json::Value,
    registry: &str,
    helper: Helper,
) -> Option<(String, String)> {
    let want = normalize_key(registry);
    if let Some(h) = cfg["credHelpers"].as_object().and_then(|m| {
        m.iter()
            .find(|(k, _)| normalize_key(k) == want)
            .and_then(|(_, v)| v.as_str())
    }) {
        return helper(h, &server_key(registry));
    }
    if let Some(auths) = cfg["auths"].as_object() {
        for (k, v) in auths {
            if normalize_key(k) != want {
                continue;
            }
            if let Some(t) = v["identitytoken"].as_str().filter(|t| !t.is_empty()) {
                return Some((IDENTITY_TOKEN_USER.to_string(), t.to_string()));
            }
            if let (Some(u), Some(p)) = (v["username"].as_str(), v["password"].as_str()) {
                return Some((u.to_string(), p.to_string()));
            }
            if let Some(a) = v["auth"].as_str() {
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(a.trim())
                    .ok()?;
                let s = String::from_utf8(raw).ok()?;
                let (u, p) = s.split_once(':')?;
                return Some((u.to_string(), p.to_string()));
            }
        }
    }
    let store = cfg["credsStore"].as_str()?;
    helper(store, &server_key(registry))
}

/// Runs `docker-credential-<helper> get` with the server on stdin.
fn run_helper(helper: &str, server: &str) -> Option<(String, String)> {
    if !helper
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return None;
    }
    let mut child = std::process::Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(server.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct Cred {
        #[serde(rename = "Username")]
        username: String,
        #[serde(rename = "Secret")]
        secret: String,
    }
    let c: Cred = serde_json::from_slice(&out.stdout).ok()?;
    Some((c.username, c.secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links() {
        let base = "https://r.example/v2/team/app";
        assert_eq!(
            next_link(
                r#"</v2/team/app/referrers/sha256:ab?n=1&last=x>; rel="next""#,
                base
            )
            .as_deref(),
            Some("https://r.example/v2/team/app/referrers/sha256:ab?n=1&last=x")
        );
        assert_eq!(
            next_link(
                r#"<https://o.example/p>; rel="prev", <https://o.example/q>; rel="next""#,
                base
            )
            .as_deref(),
            Some("https://o.example/q")
        );
        assert_eq!(
            next_link(r#"<https://o.example/p>; rel="prev""#, base),
            None
        );
    }

    #[test]
    fn challenges_parse() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[0],
            ("realm".into(), "https://auth.docker.io/token".into())
        );
        assert_eq!(p[2].1, "repository:library/alpine:pull");
        let (s, p) = parse_challenge("Basic realm=Registry");
        assert_eq!(s, "Basic");
        assert_eq!(p, vec![("realm".to_string(), "Registry".to_string())]);
        assert_eq!(parse_challenge("").1.len(), 0);
    }

    #[test]
    fn config_json_credentials() {
        let cfg = serde_json::json!({
            "auths": {
                "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
                "127.0.0.1:5000": {"auth": "dTpw"}
            },
            "credHelpers": {"ghcr.io": "fake"},
            "credsStore": "desktop"
        });
        let helper = |h: &str, server: &str| Some((h.to_string(), server.to_string()));
        assert_eq!(
            from_config(&cfg, "docker.io", &helper),
            Some(("hub".into(), "secret".into()))
        );
        assert_eq!(
            from_config(&cfg, "127.0.0.1:5000", &helper),
            Some(("u".into(), "p".into()))
        );
        assert_eq!(
            from_config(&cfg, "ghcr.io", &helper),
            Some(("fake".into(), "ghcr.io".into()))
        );
        assert_eq!(
            from_config(&cfg, "quay.io", &helper),
            Some(("desktop".into(), "quay.io".into()))
        );
        let none = serde_json::json!({});
        assert_eq!(from_config(&none, "quay.io", &helper), None);
        assert_eq!(
            run_helper("../../bin/sh", "x"),
            None,
            "helper names are plain"
        );
    }
}
