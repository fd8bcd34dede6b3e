//! `db update` against a local HTTP server on loopback: a first download, a 304, a retried 500,
//! a truncated download and a corrupt zip; the failures leave the previous database untouched.

use shipshape_vuln::matcher::PackageQuery;
use shipshape_vuln::store::{self, Store};
use shipshape_vuln::update::{update, update_with, Extras, Outcome};
use shipshape_vuln::Ecosystem;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

fn zip_of(records: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (id, eco, name) in records {
            z.start_file(format!("{id}.json"), opts).unwrap();
            let rec = format!(
                r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"{eco}","name":"{name}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0.0"}}]}}]}}]}}"#
            );
            z.write_all(rec.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

struct Server {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

/// Serves `/npm/all.zip` (ETag "v1", 304 when it matches), `/PyPI/all.zip` (a 500 first),
/// `/crates.io/all.zip` (always cut in half) and `/Go/all.zip` (not a zip).
fn serve() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    let pypi_calls = Arc::new(AtomicUsize::new(0));
    let npm = zip_of(&[("GHSA-1", "npm", "lodash"), ("GHSA-2", "npm", "express")]);
    let pypi = zip_of(&[("PYSEC-1", "PyPI", "jinja2")]);
    let crates = zip_of(&[("RUSTSEC-1", "crates.io", "time")]);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            let mut if_none_match = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("if-none-match:") {
                    if_none_match = Some(v.trim().to_string());
                }
            }
            let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
            log.lock().unwrap().push(format!(
                "{path} {}",
                if_none_match.clone().unwrap_or_default()
            ));
            let send = |stream: &mut std::net::TcpStream,
                        status: &str,
                        headers: &str,
                        body: &[u8],
                        len: usize| {
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n{headers}\r\n"
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body);
                let _ = stream.flush();
            };
            match path.as_str() {
                "/npm/all.zip" if if_none_match.as_deref() == Some("\"v1\"") => {
                    send(&mut stream, "304 Not Modified", "ETag: \"v1\"\r\n", b"", 0)
                }
                "/npm/all.zip" => send(&mut stream, "200 OK", "ETag: \"v1\"\r\n", &npm, npm.len()),
                "/PyPI/all.zip" => {
                    if pypi_calls.fetch_add(1, Ordering::SeqCst) == 0 {
                        send(&mut stream, "500 Internal Server Error", "", b"", 0)
                    } else {
                        send(&mut stream, "200 OK", "", &pypi, pypi.len())
                    }
                }
                "/crates.io/all.zip" => send(
                    &mut stream,
                    "200 OK",
                    "",
                    &crates[..crates.len() / 2],
                    crates.len(),
                ),
                "/kev.json" if if_none_match.as_deref() == Some("\"k1\"") => {
                    send(&mut stream, "304 Not Modified", "ETag: \"k1\"\r\n", b"", 0)
                }
                "/kev.json" => send(
                    &mut stream,
                    "200 OK",
                    "ETag: \"k1\"\r\n",
                    KEV.as_bytes(),
                    KEV.len(),
                ),
                "/epss.csv" => send(&mut stream, "200 OK", "", EPSS.as_bytes(), EPSS.len()),
                "/epss-bad.csv" => {
                    let bad = EPSS.replace("0.5,", "x,");
                    send(&mut stream, "200 OK", "", bad.as_bytes(), bad.len())
                }
                "/Go/all.zip" => {
                    let junk = b"this is not a zip archive at all";
                    send(&mut stream, "200 OK", "", junk, junk.len())
                }
                _ => send(&mut stream, "404 Not Found", "", b"", 0),
            }
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    });
    Server { base, requests }
}

fn ids(db: &std::path::Path, eco: Ecosystem, name: &str) -> Vec<String> {
    let store = Store::open(db).unwrap();
    let q = PackageQuery::new(eco, name, "1.0.0");
    store
        .query(&q)
        .unwrap()
        .0
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[test]
fn update_downloads_revalidates_retries_and_fails_safely() {
    let server = serve();
    let cache = tempfile::tempdir().unwrap();
    let db = store::db_path(cache.path());
    let mut noop = |_: shipshape_vuln::update::Progress<'_>| {};

    let out = update(&db, &server.base, &[Ecosystem::Npm], &mut noop).unwrap();
    assert!(matches!(out[0].1, Outcome::Updated { .. }));
    assert_eq!(ids(&db, Ecosystem::Npm, "lodash"), ["GHSA-1"]);

    // The second update sends the ETag and gets a 304.
    let out = update(&db, &server.base, &[Ecosystem::Npm], &mut noop).unwrap();
    assert_eq!(out[0].1, Outcome::NotModified);
    assert!(server
        .requests
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .contains("\"v1\""));

    // A truncated download fails after its retries; the database is untouched.
    let before = std::fs::read(&db).unwrap();
    let err = update(
        &db,
        &server.base,
        &[Ecosystem::Npm, Ecosystem::CratesIo],
        &mut noop,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("crates.io/all.zip") && err.contains("truncated"),
        "{err}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);

    // A body that is not a zip is an error naming the URL; the database is untouched.
    let err = update(&db, &server.base, &[Ecosystem::Go], &mut noop)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Go/all.zip") && err.contains("zip"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);

    // A 500 is retried.
    let out = update(&db, &server.base, &[Ecosystem::PyPI], &mut noop).unwrap();
    assert!(matches!(out[0].1, Outcome::Updated { .. }));
    assert_eq!(ids(&db, Ecosystem::PyPI, "jinja2"), ["PYSEC-1"]);
    // npm is still there.
    assert_eq!(ids(&db, Ecosystem::Npm, "express"), ["GHSA-2"]);
    // No download left behind.
    let left: Vec<_> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

const KEV: &str = r#"{"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2025.06.02",
 "dateReleased": "2025-06-02T17:00:00.0000Z", "count": 1, "vulnerabilities": [{"cveID": "CVE-2024-1",
 "vendorProject": "x", "product": "y", "vulnerabilityName": "z", "dateAdded": "2025-01-10",
 "shortDescription": "s", "requiredAction": "r", "dueDate": "2025-01-31",
 "knownRansomwareCampaignUse": "Unknown", "notes": ""}]}"#;
const EPSS: &str = "#model_version:v2025.03.14,score_date:2025-06-02T00:00:00+0000\ncve,epss,percentile\nCVE-2024-1,0.5,0.9\n";

#[test]
fn update_fetches_kev_and_epss_revalidates_and_refuses_damaged_ones() {
    let server = serve();
    let cache = tempfile::tempdir().unwrap();
    let db = store::db_path(cache.path());
    let mut noop = |_: shipshape_vuln::update::Progress<'_>| {};
    let extras = Extras {
        kev_url: Some(format!("{}/kev.json", server.base)),
        epss_url: Some(format!("{}/epss.csv", server.base)),
    };
    let r = update_with(&db, &server.base, &[Ecosystem::Npm], &extras, &mut noop).unwrap();
    assert!(matches!(r.kev, Some(Outcome::Updated { .. })), "{r:?}");
    assert!(matches!(r.epss, Some(Outcome::Updated { .. })), "{r:?}");
    let cves = vec!["CVE-2024-1".to_string()];
    let (kev, epss) = Store::open(&db).unwrap().priorities(&cves).unwrap();
    assert_eq!(kev.unwrap().date_added, "2025-01-10");
    assert_eq!(epss.unwrap().score, 0.5);
    // Again: the catalog answers 304, the advisories too.
    let r = update_with(&db, &server.base, &[Ecosystem::Npm], &extras, &mut noop).unwrap();
    assert_eq!(r.kev, Some(Outcome::NotModified));
    assert_eq!(r.ecosystems, vec![(Ecosystem::Npm, Outcome::NotModified)]);
    assert!(server
        .requests
        .lock()
        .unwrap()
        .iter()
        .any(|l| l == "/kev.json \"k1\""));
    // A damaged score file: an error naming the URL and line; the database keeps its scores.
    let bad = Extras {
        kev_url: None,
        epss_url: Some(format!("{}/epss-bad.csv", server.base)),
    };
    let e = update_with(&db, &server.base, &[Ecosystem::Npm], &bad, &mut noop)
        .unwrap_err()
        .to_string();
    assert!(e.contains("/epss-bad.csv:3: EPSS scores:"), "{e}");
    let (_, epss) = Store::open(&db).unwrap().priorities(&cves).unwrap();
    assert_eq!(epss.unwrap().score, 0.5);
    // A URL that serves something else is refused.
    let wrong = Extras {
        kev_url: Some(format!("{}/epss.csv", server.base)),
        epss_url: None,
    };
    let e = update_with(&db, &server.base, &[Ecosystem::Npm], &wrong, &mut noop)
        .unwrap_err()
        .to_string();
    assert!(e.ends_with("/epss.csv: not a CISA KEV catalog"), "{e}");
}

#[test]
fn a_database_of_an_older_schema_is_downloaded_again_whole() {
    let server = serve();
    let cache = tempfile::tempdir().unwrap();
    let db = store::db_path(cache.path());
    let mut noop = |_: shipshape_vuln::update::Progress<'_>| {};
    update(&db, &server.base, &[Ecosystem::Npm], &mut noop).unwrap();
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("UPDATE meta SET value = '2' WHERE key = 'schema_version';")
            .unwrap();
    }
    assert!(!Store::open(&db).unwrap().is_current());
    // No ETag sent: the server answers 200 and the rewrite brings the schema up to date.
    let out = update(&db, &server.base, &[Ecosystem::Npm], &mut noop).unwrap();
    assert!(matches!(out[0].1, Outcome::Updated { .. }), "{out:?}");
    assert!(server
        .requests
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .ends_with(".zip "));
    assert!(Store::open(&db).unwrap().is_current());
    assert_eq!(ids(&db, Ecosystem::Npm, "lodash"), ["GHSA-1"]);
    // Then the ETag is sent again.
    let out = update(&db, &server.base, &[Ecosystem::Npm], &mut noop).unwrap();
    assert_eq!(out[0].1, Outcome::NotModified);
}
