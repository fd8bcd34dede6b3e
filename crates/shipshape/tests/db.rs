//! `shipshape db import` and `db status` end to end: counts, exit 2 on corrupt input naming it,
//! a killed import and an update killed mid-download leaving the previous database working.

mod common;

use common::{db_import, run_db_import, shared_dir, shipshape};
use predicates::prelude::*;
use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

fn record(id: &str, name: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"npm","name":"{name}"}},"ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}},{{"fixed":"1.0.0"}}]}}]}}]}}"#
    )
}

/// `db status --cache-dir CACHE`, for assertions.
fn db_status(cache: &Path) -> assert_cmd::assert::Assert {
    shipshape()
        .args(["db", "status", "--cache-dir"])
        .arg(cache)
        .assert()
}

fn status_json(cache: &Path) -> serde_json::Value {
    let out = shipshape()
        .args(["db", "status", "--json", "--cache-dir"])
        .arg(cache)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON status")
}

#[test]
fn import_then_status_counts_per_ecosystem() {
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("A-1.json"), record("A-1", "lodash")).unwrap();
    std::fs::write(src.path().join("A-2.json"), record("A-2", "express")).unwrap();
    let cache = tempfile::tempdir().unwrap();
    shipshape()
        .args(["db", "import"])
        .arg(src.path())
        .env("SHIPSHAPE_CACHE_DIR", cache.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 2 records"));
    let status = status_json(cache.path());
    assert_eq!(status["records"], 2);
    assert_eq!(status["ecosystems"][0]["ecosystem"], "npm");
    assert_eq!(status["ecosystems"][0]["packages"], 2);
    db_status(cache.path())
        .success()
        .stdout(predicate::str::contains("npm").and(predicate::str::contains("records: 2")));
}

#[test]
fn missing_database_and_corrupt_input_exit_2_naming_them() {
    let cache = tempfile::tempdir().unwrap();
    db_status(cache.path()).code(2).stderr(
        predicate::str::contains("shipshape db update").and(predicate::str::contains("db import")),
    );
    let src = tempfile::tempdir().unwrap();
    let bad = src.path().join("BAD-1.json");
    std::fs::write(&bad, r#"{"id":"BAD-1","affected":[{"package":"#).unwrap();
    run_db_import(&bad, cache.path()).code(2).stderr(
        predicate::str::contains("BAD-1.json").and(predicate::str::contains("corrupt OSV record")),
    );
    let zip = src.path().join("all.zip");
    std::fs::write(&zip, b"not a zip at all").unwrap();
    run_db_import(&zip, cache.path())
        .code(2)
        .stderr(predicate::str::contains("all.zip").and(predicate::str::contains("corrupt zip")));
    // A corrupt database file.
    let db_dir = cache.path().join("vuln");
    std::fs::create_dir_all(&db_dir).unwrap();
    std::fs::write(db_dir.join("osv.sqlite"), vec![7u8; 4096]).unwrap();
    db_status(cache.path()).code(2).stderr(
        predicate::str::contains("osv.sqlite")
            .and(predicate::str::contains("corrupt vulnerability database")),
    );
}

/// A cache whose database holds one record (A-1), and the directory it was imported from.
fn cache_with_one_record() -> (tempfile::TempDir, tempfile::TempDir) {
    let cache = tempfile::tempdir().unwrap();
    let small = tempfile::tempdir().unwrap();
    std::fs::write(small.path().join("A-1.json"), record("A-1", "lodash")).unwrap();
    db_import(small.path(), cache.path());
    (cache, small)
}

/// `shipshape ARGS` started in the background, its output discarded (to be killed mid-way).
fn spawn_quiet(args: &[OsString]) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("shipshape"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn shipshape")
}

/// The temporary databases an import or update left in the cache's `vuln` folder.
fn tmp_files(vuln: &Path) -> Vec<std::fs::DirEntry> {
    std::fs::read_dir(vuln)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect()
}

/// The arguments of `db update` of the npm records served at `base` into `cache`.
fn npm_update(base: &str, cache: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "db",
        "update",
        "--quiet",
        "--ecosystem",
        "npm",
        "--base-url",
        base,
        "--cache-dir",
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    args.push(cache.into());
    args
}

#[test]
fn a_killed_import_leaves_the_previous_database_working() {
    let (cache, small) = cache_with_one_record();
    // A large import, killed while it runs.
    let big = tempfile::tempdir().unwrap();
    for i in 0..10_000 {
        std::fs::write(
            big.path().join(format!("B-{i}.json")),
            record(&format!("B-{i}"), &format!("pkg{i}")),
        )
        .unwrap();
    }
    let mut child = spawn_quiet(&[
        "db".into(),
        "import".into(),
        big.path().into(),
        "--cache-dir".into(),
        cache.path().into(),
    ]);
    // Kill once the import is writing its temporary database (or after a while).
    let vuln = cache.path().join("vuln");
    for _ in 0..400 {
        if !tmp_files(&vuln).is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("kill");
    let finished = child.wait().expect("wait").success();
    let status = status_json(cache.path());
    // Either the import was killed (the old database, 1 record) or it finished first (all of
    // them); never anything in between.
    let records = status["records"].as_u64().unwrap();
    assert!(
        records == 1 || (finished && records == 10_001),
        "{records} records"
    );
    // The next import removes the leftovers and works.
    db_import(small.path(), cache.path());
    let left = tmp_files(&vuln);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn corpus_imports_whole() {
    let Some(osv) = shared_dir("corpus/osv") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    db_import(&osv, cache.path())
        .stderr(predicate::str::contains("not OSV records and were skipped"));
    let status = status_json(cache.path());
    let eco = |name: &str| {
        status["ecosystems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["ecosystem"] == name)
            .map(|e| e["records"].as_u64().unwrap())
            .unwrap_or(0)
    };
    assert_eq!(eco("Debian:12"), 157);
    assert!(eco("Go") > 4000 && eco("PyPI") > 6000 && eco("crates.io") > 1000);
}

/// A zip of OSV records, stored uncompressed.
fn zip_of(records: &[(String, String)]) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (id, text) in records {
            z.start_file(format!("{id}.json"), opts).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// Serves `body` as `/npm/all.zip` on loopback. With `stall`, only the first half is sent, then
/// the connection is held open (a download that never finishes) and `sent` is signalled.
fn serve_npm(body: Vec<u8>, stall: bool) -> (String, std::sync::mpsc::Receiver<()>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            if !first.contains("/npm/all.zip") {
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            if stall {
                let _ = stream.write_all(&body[..body.len() / 2]);
                let _ = stream.flush();
                let _ = tx.send(());
                // Hold the connection: the client waits for the rest until it is killed.
                std::thread::sleep(Duration::from_secs(60));
            } else {
                let _ = stream.write_all(&body);
                let _ = stream.flush();
            }
        }
    });
    (base, rx)
}

#[test]
fn an_update_killed_mid_download_leaves_the_previous_database_working() {
    let (cache, _small) = cache_with_one_record();
    // A download big enough to be mid-way when killed.
    let records: Vec<(String, String)> = (0..2_000)
        .map(|i| {
            let id = format!("B-{i}");
            let text = record(&id, &format!("pkg{i}"));
            (id, text)
        })
        .collect();
    let body = zip_of(&records);
    let (base, sent) = serve_npm(body.clone(), true);
    let mut child = spawn_quiet(&npm_update(&base, cache.path()));
    sent.recv_timeout(Duration::from_secs(60))
        .expect("the update started downloading");
    // Half the body is on the wire; give the client a moment to write it to its download file.
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        child.try_wait().expect("wait").is_none(),
        "the update must still be waiting for the rest of the download"
    );
    child.kill().expect("kill");
    child.wait().expect("wait");
    // The previous database answers as before.
    let status = status_json(cache.path());
    assert_eq!(status["records"].as_u64(), Some(1), "{status}");
    // A scan-side read works too: the database opens and the old record is there.
    db_status(cache.path()).success();
    // The next update, from a server that sends everything, replaces the npm records.
    let (base, _) = serve_npm(body, false);
    shipshape()
        .args(npm_update(&base, cache.path()))
        .assert()
        .success();
    let status = status_json(cache.path());
    let records = status["records"].as_u64().unwrap();
    assert!(records >= 2_000, "{status}");
}

/// `db status` run in `cwd` with `args`: exit code and standard error.
fn status_in(cwd: &Path, cache: &Path, args: &[&str]) -> (i32, String) {
    let out = shipshape()
        .args(["db", "status", "--cache-dir"])
        .arg(cache)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn status_warns_by_the_configs_db_max_age_unless_the_flag_says_otherwise() {
    let (cache, _src) = cache_with_one_record();
    let stale = "warning: the vulnerability database was built";
    // Built seconds ago: within the default 7 days, older than 0 days.
    let plain = tempfile::tempdir().unwrap();
    let (code, err) = status_in(plain.path(), cache.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains(stale), "{err}");
    let (code, err) = status_in(plain.path(), cache.path(), &["--max-age-days", "0"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(stale) && err.contains("db-max-age of 0"),
        "{err}"
    );

    // The nearest configuration's `db-max-age`, as the scans read it.
    let project = tempfile::tempdir().unwrap();
    let config = project.path().join("shipshape.toml");
    std::fs::write(&config, "[vulnerabilities]\ndb-max-age = 0\n").unwrap();
    let sub = project.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let (code, err) = status_in(&sub, cache.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(stale) && err.contains("db-max-age of 0"),
        "{err}"
    );
    // The flag overrides it.
    let (_, err) = status_in(&sub, cache.path(), &["--max-age-days", "7"]);
    assert!(!err.contains(stale), "{err}");
    // `--config` names one from elsewhere.
    let (_, err) = status_in(
        plain.path(),
        cache.path(),
        &["--config", config.to_str().unwrap()],
    );
    assert!(err.contains("db-max-age of 0"), "{err}");
    // A bad value is an error naming the file, exit 2.
    std::fs::write(&config, "[vulnerabilities]\ndb-max-age = -1\n").unwrap();
    let (code, err) = status_in(&sub, cache.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("shipshape.toml") && err.contains("db-max-age"),
        "{err}"
    );
}
