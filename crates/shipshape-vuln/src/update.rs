//! `db update`: downloads the OSV bucket's per-ecosystem `all.zip` and swaps them into the store.
//!
//! Each ecosystem is fetched from `BASE/<Ecosystem>/all.zip` (the base URL is configurable for
//! mirrors) with the ETag and Last-Modified of the previous download, so an unchanged ecosystem
//! costs one 304. Transient failures (connection errors, 429, 5xx) are retried with a growing
//! pause; a download shorter than its Content-Length, or a zip that does not read, is an error
//! naming the URL. Everything downloaded is imported in one atomic swap, after all downloads
//! succeeded: a failed or killed update leaves the previous database as it was. A KEV catalog
//! and EPSS scores ([`Extras`]) are fetched the same way, from URLs the user names, and land in
//! the same swap.

use crate::error::VulnError;
use crate::source::{load, Loaded};
use crate::store::{self, ImportMode, Store};
use crate::Ecosystem;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

/// The OSV bucket, overridable with `--base-url` / `SHIPSHAPE_OSV_URL`.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Attempts per download.
const ATTEMPTS: u32 = 3;

/// Progress events for the caller's display.
pub enum Progress<'a> {
    /// A download starts; the total is the Content-Length when known.
    Start {
        ecosystem: &'a str,
        total: Option<u64>,
    },
    /// Bytes received so far for the current download.
    Bytes(u64),
    /// The current download finished (or was not modified).
    Done,
}

/// What happened to one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Outcome {
    NotModified,
    Updated { bytes: u64 },
}

/// Downloads and imports the given ecosystems into the database at `db`.
pub fn update(
    db: &Path,
    base_url: &str,
    ecosystems: &[Ecosystem],
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Vec<(Ecosystem, Outcome)>, VulnError> {
    update_with(db, base_url, ecosystems, &Extras::default(), progress).map(|r| r.ecosystems)
}

/// Where to download the prioritisation data from, when wanted (no default: there is no
/// mirror convention for them, so each is fetched only from a URL the user names).
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// A CISA KEV catalog (`known_exploited_vulnerabilities.json`).
    pub kev_url: Option<String>,
    /// An EPSS score file (`epss_scores-current.csv.gz`).
    pub epss_url: Option<String>,
}

/// What [`update_with`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateReport {
    pub ecosystems: Vec<(Ecosystem, Outcome)>,
    pub kev: Option<Outcome>,
    pub epss: Option<Outcome>,
}

/// [`update`], also fetching the KEV catalog and EPSS scores of `extras` with the same
/// validators, retries and checks, all swapped in together.
pub fn update_with(
    db: &Path,
    base_url: &str,
    ecosystems: &[Ecosystem],
    extras: &Extras,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<UpdateReport, VulnError> {
    let current = if db.exists() {
        Some(Store::open(db)?)
    } else {
        None
    };
    // A database of an older schema is downloaded again whole (no validators), so that its
    // rewrite indexes what the older version did not.
    let validator = |key: String| -> Result<Option<String>, VulnError> {
        match &current {
            Some(s) if s.is_current() => s.meta(&key),
            _ => Ok(None),
        }
    };
    let dir = db
        .parent()
        .ok_or_else(|| VulnError::Other(format!("{}: no parent directory", db.display())))?;
    std::fs::create_dir_all(dir).map_err(|e| VulnError::io(dir, e))?;
    remove_stale_downloads(dir);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_body(Some(Duration::from_secs(120)))
        .build()
        .into();
    let mut outcomes = Vec::new();
    let mut merged = Loaded::default();
    let mut replaced = Vec::new();
    let mut meta = Vec::new();
    for &eco in ecosystems {
        let name = eco.osv_name();
        let url = format!(
            "{}/{}/all.zip",
            base_url.trim_end_matches('/'),
            name.replace(' ', "%20")
        );
        let etag = validator(format!("etag:{name}"))?;
        let last_modified = validator(format!("last-modified:{name}"))?;
        let tmp = tempfile::Builder::new()
            .prefix(".download-")
            .suffix(".zip")
            .tempfile_in(dir)
            .map_err(|e| VulnError::io(dir, e))?;
        let fetched = fetch(
            &agent,
            &url,
            etag.as_deref(),
            last_modified.as_deref(),
            tmp.path(),
            name,
            progress,
        )?;
        progress(Progress::Done);
        match fetched {
            None => outcomes.push((eco, Outcome::NotModified)),
            Some(f) => {
                let loaded = load(tmp.path()).map_err(|e| match e {
                    VulnError::CorruptZip { message, .. } => VulnError::Other(format!(
                        "{url}: the download is not a readable zip: {message}"
                    )),
                    other => other,
                })?;
                merged.records.extend(loaded.records);
                merged.not_osv.extend(loaded.not_osv);
                replaced.push(name.to_string());
                if let Some(e) = f.etag {
                    meta.push((format!("etag:{name}"), e));
                }
                if let Some(l) = f.last_modified {
                    meta.push((format!("last-modified:{name}"), l));
                }
                outcomes.push((eco, Outcome::Updated { bytes: f.bytes }));
            }
        }
    }
    let mut kev = (None, None);
    let mut epss = (None, None);
    for (what, url, slot) in [
        ("kev", &extras.kev_url, &mut kev),
        ("epss", &extras.epss_url, &mut epss),
    ] {
        let Some(url) = url else { continue };
        let tmp = tempfile::Builder::new()
            .prefix(".download-")
            .tempfile_in(dir)
            .map_err(|e| VulnError::io(dir, e))?;
        let fetched = fetch(
            &agent,
            url,
            validator(format!("etag:{what}"))?.as_deref(),
            validator(format!("last-modified:{what}"))?.as_deref(),
            tmp.path(),
            what,
            progress,
        )?;
        progress(Progress::Done);
        let Some(f) = fetched else {
            slot.0 = Some(Outcome::NotModified);
            continue;
        };
        let detected = crate::priority::detect(tmp.path()).map_err(|e| match e {
            // Named by the URL, not the temporary file.
            VulnError::CorruptPriority { message, .. } => {
                VulnError::Other(format!("{url}:{message}"))
            }
            other => other,
        })?;
        let expected = matches!(
            (&detected, what),
            (crate::priority::Detected::Kev(_), "kev")
                | (crate::priority::Detected::Epss(_), "epss")
        );
        if !expected {
            return Err(VulnError::Other(format!(
                "{url}: not {}",
                if what == "kev" {
                    "a CISA KEV catalog"
                } else {
                    "an EPSS score file"
                }
            )));
        }
        if let Some(e) = f.etag {
            meta.push((format!("etag:{what}"), e));
        }
        if let Some(l) = f.last_modified {
            meta.push((format!("last-modified:{what}"), l));
        }
        *slot = (Some(Outcome::Updated { bytes: f.bytes }), Some(detected));
    }
    drop(current);
    let kev_data = match &kev.1 {
        Some(crate::priority::Detected::Kev(k)) => Some(k),
        _ => None,
    };
    let epss_data = match &epss.1 {
        Some(crate::priority::Detected::Epss(e)) => Some(e),
        _ => None,
    };
    if !replaced.is_empty() || kev_data.is_some() || epss_data.is_some() {
        store::import_batch(
            db,
            store::UpdateBatch {
                advisories: (!replaced.is_empty())
                    .then_some((merged, ImportMode::ReplaceEcosystems(replaced))),
                kev: kev_data,
                epss: epss_data,
                meta,
            },
        )?;
    } else if !db.exists() {
        return Err(VulnError::Other(
            "the server reported nothing to download and there is no database yet".to_string(),
        ));
    }
    Ok(UpdateReport {
        ecosystems: outcomes,
        kev: kev.0,
        epss: epss.0,
    })
}

struct Fetched {
    bytes: u64,
    etag: Option<String>,
    last_modified: Option<String>,
}

fn fetch(
    agent: &ureq::Agent,
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
    to: &Path,
    name: &str,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Option<Fetched>, VulnError> {
    let mut last_err = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 << attempt));
        }
        let mut req = agent.get(url);
        if let Some(e) = etag {
            req = req.header("If-None-Match", e);
        }
        if let Some(l) = last_modified {
            req = req.header("If-Modified-Since", l);
        }
        let resp = match req.call() {
            Ok(r) => r,
            Err(e) => {
                last_err = e.to_string();
                continue;
            }
        };
        let status = resp.status().as_u16();
        if status == 304 {
            return Ok(None);
        }
        if status == 429 || status >= 500 {
            last_err = format!("HTTP {status}");
            continue;
        }
        if status != 200 {
            return Err(VulnError::Other(format!("{url}: HTTP {status}")));
        }
        let header = |h: &str| {
            resp.headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let new_etag = header("etag");
        let new_last_modified = header("last-modified");
        let total = header("content-length").and_then(|v| v.parse::<u64>().ok());
        progress(Progress::Start {
            ecosystem: name,
            total,
        });
        let mut body = resp.into_body().into_with_config().limit(8 << 30).reader();
        let mut file = std::fs::File::create(to).map_err(|e| VulnError::io(to, e))?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut got: u64 = 0;
        let read_result: Result<(), String> = loop {
            match body.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    file.write_all(&buf[..n])
                        .map_err(|e| VulnError::io(to, e))?;
                    got += n as u64;
                    progress(Progress::Bytes(got));
                }
                Err(e) => break Err(e.to_string()),
            }
        };
        if let Err(e) = read_result {
            last_err = format!("truncated download: interrupted after {got} bytes: {e}");
            continue;
        }
        if let Some(t) = total {
            if got != t {
                last_err = format!("truncated download: {got} of {t} bytes");
                continue;
            }
        }
        file.sync_all().map_err(|e| VulnError::io(to, e))?;
        return Ok(Some(Fetched {
            bytes: got,
            etag: new_etag,
            last_modified: new_last_modified,
        }));
    }
    Err(VulnError::Other(format!(
        "{url}: failed after {ATTEMPTS} attempts: {last_err}"
    )))
}

/// Removes downloads an interrupted update left behind (older than an hour, so that a running
/// update's file is never touched).
fn remove_stale_downloads(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let stale = e.file_name().to_string_lossy().starts_with(".download-")
            && e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(3600));
        if stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
