//! The offline advisory store: one SQLite file indexed by ecosystem and package name.
//!
//! Why SQLite (rusqlite, bundled): lookups are by `(ecosystem, name)` through a B-tree index,
//! so a scan touches only the records of its packages (no full load of hundreds of thousands of
//! records); the file is one self-describing artefact with schema checks and clear corruption
//! errors; any number of processes read it at once; and the same dependency reads the RPM
//! `rpmdb.sqlite` for the SBOM. redb or a directory of files would need their own format
//! versioning and crash handling for no gain here; a single serialized blob would have to be
//! loaded whole on every scan.
//!
//! Updates never write into the live file. An import copies the current database (if any) to a
//! temporary file beside it, writes the new records there in one transaction with journaling off
//! (fast, and the file is private until finished), syncs it, and renames it over the live file:
//! the rename is atomic, so a killed or failed import leaves the previous database in place,
//! and readers that opened the old file keep reading it until they close. Writers take an
//! exclusive lock file, and the next writer deletes temporary files a killed one left behind.

use crate::error::VulnError;
use crate::matcher::{
    match_record, merge, record_ecosystem_key, Hit, MatchError, PackageQuery, Vulnerability,
};
use crate::osv::Record;
use crate::priority::{EpssScores, KevCatalog};
use crate::source::Loaded;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use shipshape_core::vulnerability::{Epss, Kev};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Version of the table layout and index. 2 added the `kev` and `epss` tables: a version 1
/// database is read as it is (with no KEV or EPSS data) and migrated by its next import (the
/// tables are created in the copy that replaces it). 3 indexes Red Hat's RHEL streams, which
/// older versions stored without index rows: a version 1 or 2 database is read as it is (a RHEL
/// package is then reported as not checked, its ecosystem absent), its next write indexes the
/// records that have no index row, and `db update` downloads everything again instead of asking
/// whether the files changed. Any other version must be rebuilt.
const SCHEMA_VERSION: &str = "3";
const READABLE_VERSIONS: [&str; 3] = ["1", "2", "3"];
const DB_FILE: &str = "osv.sqlite";

/// shipshape's cache directory: `explicit` (from `--cache-dir` or `SHIPSHAPE_CACHE_DIR`), else
/// `$XDG_CACHE_HOME/shipshape`, else `~/.cache/shipshape` (`~/Library/Caches/shipshape` on macOS).
pub fn cache_dir(explicit: Option<&Path>) -> Result<PathBuf, VulnError> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from) {
        if x.is_absolute() {
            return Ok(x.join("shipshape"));
        }
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
        .ok_or_else(|| {
            VulnError::Other(
                "cannot find a cache directory: HOME is not set; pass --cache-dir or set SHIPSHAPE_CACHE_DIR"
                    .to_string(),
            )
        })?;
    if cfg!(target_os = "macos") {
        Ok(home.join("Library/Caches/shipshape"))
    } else {
        Ok(home.join(".cache/shipshape"))
    }
}

/// The database file inside a cache directory.
pub fn db_path(cache_dir: &Path) -> PathBuf {
    cache_dir.join("vuln").join(DB_FILE)
}

/// Counts for one ecosystem key (`Debian:12`, `npm`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EcosystemStatus {
    pub ecosystem: String,
    pub records: u64,
    pub packages: u64,
    /// The newest `modified` time among its records.
    pub newest_modified: Option<String>,
}

/// The vulnerabilities of one package.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PackageVulns {
    pub package: PackageQuery,
    pub vulnerabilities: Vec<Vulnerability>,
}

/// The result of matching a package list.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ScanOutcome {
    /// Packages with at least one vulnerability, in input order.
    pub packages: Vec<PackageVulns>,
    /// Packages that could not be matched, with the reason.
    pub errors: Vec<String>,
}

/// What `db status` shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    pub path: PathBuf,
    /// When advisories were last written (RFC 3339, UTC); none when only KEV or EPSS data was
    /// imported.
    pub built_at: Option<String>,
    pub records: u64,
    pub ecosystems: Vec<EcosystemStatus>,
    /// The CISA KEV catalog imported, if any.
    pub kev: Option<PriorityStatus>,
    /// The EPSS scores imported, if any.
    pub epss: Option<PriorityStatus>,
}

/// An imported KEV catalog or EPSS score file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PriorityStatus {
    /// KEV `catalogVersion`, EPSS `model_version`.
    pub version: Option<String>,
    /// KEV `dateReleased`, EPSS `score_date`.
    pub date: Option<String>,
    /// CVEs listed or scored.
    pub cves: u64,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Records written (new or replaced).
    pub imported: u64,
    /// Withdrawn records (removed from the database if present).
    pub withdrawn: u64,
    /// Records without any affected package of a supported ecosystem (kept for aliases only).
    pub unsupported: u64,
    /// Documents that were not OSV records, by path (shown so nothing is skipped silently).
    pub not_osv: Vec<String>,
    pub other_files: usize,
}

/// A read-only handle on the store.
pub struct Store {
    path: PathBuf,
    conn: Connection,
    /// Whether the KEV and EPSS tables exist (schema 2).
    priorities: bool,
    /// Whether the index is the current one (schema 3): see [`SCHEMA_VERSION`].
    current: bool,
}

fn corrupt(path: &Path) -> impl Fn(rusqlite::Error) -> VulnError + '_ {
    move |e| VulnError::CorruptDatabase {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

impl Store {
    /// Opens the database read-only; a missing one is [`VulnError::NoDatabase`], an unreadable
    /// or foreign one [`VulnError::CorruptDatabase`].
    pub fn open(path: &Path) -> Result<Store, VulnError> {
        if !path.exists() {
            return Err(VulnError::NoDatabase {
                path: path.to_path_buf(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(corrupt(path))?;
        let version = check_schema(&conn, path)?;
        Ok(Store {
            path: path.to_path_buf(),
            conn,
            priorities: version != "1",
            current: version == SCHEMA_VERSION,
        })
    }

    /// Whether the database was written by this schema version; an older one is readable but
    /// lacks index rows its next write adds (see [`SCHEMA_VERSION`]).
    pub fn is_current(&self) -> bool {
        self.current
    }

    /// The KEV entry and the highest EPSS score among `cves` (ids that are not CVEs are
    /// skipped).
    pub fn priorities(&self, ids: &[String]) -> Result<(Option<Kev>, Option<Epss>), VulnError> {
        if !self.priorities {
            return Ok((None, None));
        }
        let c = corrupt(&self.path);
        let mut kev = None;
        let mut epss: Option<Epss> = None;
        let date = self.meta("epss_score_date")?;
        let mut k = self
            .conn
            .prepare("SELECT date_added, due_date, ransomware FROM kev WHERE cve = ?1")
            .map_err(&c)?;
        let mut e = self
            .conn
            .prepare("SELECT score, percentile FROM epss WHERE cve = ?1")
            .map_err(&c)?;
        for id in ids.iter().filter(|i| i.starts_with("CVE-")) {
            if kev.is_none() {
                kev = k
                    .query_row([id], |r| {
                        Ok(Kev {
                            cve: id.clone(),
                            date_added: r.get(0)?,
                            due_date: r.get(1)?,
                            ransomware: r.get(2)?,
                        })
                    })
                    .optional()
                    .map_err(&c)?;
            }
            let score = e
                .query_row([id], |r| Ok((r.get::<_, f64>(0)?, r.get::<_, f64>(1)?)))
                .optional()
                .map_err(&c)?;
            if let Some((score, percentile)) = score {
                if epss.as_ref().is_none_or(|x| x.score < score) {
                    epss = Some(Epss {
                        cve: id.clone(),
                        score,
                        percentile,
                        date: date.clone(),
                    });
                }
            }
        }
        Ok((kev, epss))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every record that affects the package (withdrawn records are never stored). A record
    /// whose ranges do not parse does not hide the others: it is returned in the second list.
    /// A package that cannot be looked up at all (no release, a version its ecosystem refuses)
    /// is an error.
    pub fn query(&self, q: &PackageQuery) -> Result<(Vec<Hit>, Vec<MatchError>), VulnError> {
        let key = q.ecosystem_key()?;
        let name = q.advisory_name();
        let c = corrupt(&self.path);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.body FROM affected a JOIN records r ON r.rowid = a.record \
                 WHERE a.ecosystem = ?1 AND a.name = ?2",
            )
            .map_err(&c)?;
        let rows = stmt
            .query_map(params![key, name], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
            })
            .map_err(&c)?;
        let mut hits = Vec::new();
        let mut record_errors = Vec::new();
        for row in rows {
            let (id, body) = row.map_err(&c)?;
            let record: Record =
                serde_json::from_slice(&body).map_err(|e| VulnError::CorruptDatabase {
                    path: self.path.clone(),
                    message: format!("record {id}: {e}"),
                })?;
            match match_record(&record, q) {
                Ok(Some(hit)) => hits.push(hit),
                Ok(None) => {}
                Err(e @ MatchError::Record { .. }) => record_errors.push(e),
                Err(e) => return Err(e.into()),
            }
        }
        Ok((hits, record_errors))
    }

    /// Matches every package, merging the records of one vulnerability per package. A package
    /// that cannot be looked up (no release, a version its ecosystem refuses, a record whose
    /// range does not parse) is listed in `errors`, never silently passed.
    pub fn scan(&self, packages: &[PackageQuery]) -> Result<ScanOutcome, VulnError> {
        let mut out = ScanOutcome::default();
        for p in packages {
            match self.query(p) {
                Ok((hits, record_errors)) => {
                    out.errors.extend(
                        record_errors
                            .iter()
                            .map(|e| format!("{}: {e}", p.display())),
                    );
                    let vulnerabilities = merge(p, hits);
                    if !vulnerabilities.is_empty() {
                        out.packages.push(PackageVulns {
                            package: p.clone(),
                            vulnerabilities,
                        });
                    }
                }
                Err(VulnError::Match(e)) => out.errors.push(e.to_string()),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Whether the database holds any advisory for the ecosystem key (`npm`, `Debian:12`): a
    /// package of an ecosystem the database knows nothing of was not checked, whatever the
    /// lookup says (one indexed probe).
    pub fn has_ecosystem(&self, key: &str) -> Result<bool, VulnError> {
        self.conn
            .query_row(
                "SELECT 1 FROM affected WHERE ecosystem = ?1 LIMIT 1",
                [key],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(corrupt(&self.path))
    }

    /// A metadata value (`etag:npm`, `built_at`).
    pub fn meta(&self, key: &str) -> Result<Option<String>, VulnError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(corrupt(&self.path))
    }

    /// One record by id.
    pub fn record(&self, id: &str) -> Result<Option<Record>, VulnError> {
        let c = corrupt(&self.path);
        let body: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT body FROM records WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(&c)?;
        body.map(|b| {
            serde_json::from_slice(&b).map_err(|e| VulnError::CorruptDatabase {
                path: self.path.clone(),
                message: format!("record {id}: {e}"),
            })
        })
        .transpose()
    }

    /// Age and counts per ecosystem.
    pub fn status(&self) -> Result<Status, VulnError> {
        let c = corrupt(&self.path);
        let built_at = self.meta("built_at")?;
        let priority = |table: &str, version: &str, date: &str| -> Result<_, VulnError> {
            if !self.priorities {
                return Ok(None);
            }
            let n: i64 = self
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .map_err(&c)?;
            Ok((n > 0).then_some(PriorityStatus {
                version: self.meta(version)?,
                date: self.meta(date)?,
                cves: count(n),
            }))
        };
        let kev = priority("kev", "kev_catalog_version", "kev_date_released")?;
        let epss = priority("epss", "epss_model_version", "epss_score_date")?;
        let records: i64 = self
            .conn
            .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
            .map_err(&c)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.ecosystem, count(DISTINCT a.record), count(DISTINCT a.name), max(r.modified) \
                 FROM affected a JOIN records r ON r.rowid = a.record GROUP BY a.ecosystem ORDER BY a.ecosystem",
            )
            .map_err(&c)?;
        let ecosystems = stmt
            .query_map([], |r| {
                Ok(EcosystemStatus {
                    ecosystem: r.get(0)?,
                    records: count(r.get(1)?),
                    packages: count(r.get(2)?),
                    newest_modified: r.get(3)?,
                })
            })
            .map_err(&c)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(&c)?;
        Ok(Status {
            path: self.path.clone(),
            built_at,
            records: count(records),
            ecosystems,
            kev,
            epss,
        })
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn check_schema(conn: &Connection, path: &Path) -> Result<String, VulnError> {
    let version: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(corrupt(path))?;
    match version {
        Some(v) if READABLE_VERSIONS.contains(&v.as_str()) => Ok(v),
        Some(other) => Err(VulnError::CorruptDatabase {
            path: path.to_path_buf(),
            message: format!(
                "schema version {other}, this shipshape reads {SCHEMA_VERSION}; run `shipshape db update` or import again"
            ),
        }),
        None => Err(VulnError::CorruptDatabase {
            path: path.to_path_buf(),
            message: "no schema version".to_string(),
        }),
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    modified TEXT,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS affected (
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    record INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS affected_package ON affected (ecosystem, name);
CREATE INDEX IF NOT EXISTS affected_record ON affected (record);
CREATE TABLE IF NOT EXISTS kev (
    cve TEXT PRIMARY KEY,
    date_added TEXT NOT NULL,
    due_date TEXT,
    ransomware INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS epss (
    cve TEXT PRIMARY KEY,
    score REAL NOT NULL,
    percentile REAL NOT NULL
);
";

/// How an import treats what is already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportMode {
    /// Add or replace the imported records, keep the others (`db import`).
    Merge,
    /// Replace every record of these ecosystem names (`Debian`, `npm`) with the imported ones:
    /// a full per-ecosystem snapshot such as an `all.zip` (`db update`).
    ReplaceEcosystems(Vec<String>),
}

/// Writes `loaded` into the database at `path` with an atomic swap (see the module docs).
pub fn import(path: &Path, loaded: Loaded, mode: &ImportMode) -> Result<ImportSummary, VulnError> {
    import_with_meta(path, loaded, mode, &[])
}

/// [`import`], also recording `meta` entries (download validators) in the same swap.
pub fn import_with_meta(
    path: &Path,
    loaded: Loaded,
    mode: &ImportMode,
    meta: &[(String, String)],
) -> Result<ImportSummary, VulnError> {
    swap(path, |txn, tmp| {
        let summary = write_records(txn, tmp, loaded, mode)?;
        let c = corrupt(tmp);
        for (k, v) in meta {
            txn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                [k, v],
            )
            .map_err(&c)?;
        }
        txn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('built_at', ?1)",
            [jiff::Timestamp::now().to_string()],
        )
        .map_err(&c)?;
        Ok(summary)
    })
}

/// Replaces the stored KEV catalog with `catalog` (a catalog is a full snapshot), with the
/// same atomic swap as advisories. Returns the number of CVEs stored.
pub fn import_kev(path: &Path, catalog: &KevCatalog) -> Result<u64, VulnError> {
    swap(path, |txn, tmp| write_kev(txn, tmp, catalog))
}

fn write_kev(
    txn: &rusqlite::Transaction,
    tmp: &Path,
    catalog: &KevCatalog,
) -> Result<u64, VulnError> {
    {
        let c = corrupt(tmp);
        txn.execute("DELETE FROM kev", []).map_err(&c)?;
        let mut ins = txn
            .prepare(
                "INSERT OR REPLACE INTO kev (cve, date_added, due_date, ransomware) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(&c)?;
        for e in &catalog.entries {
            ins.execute(params![e.cve, e.date_added, e.due_date, e.ransomware])
                .map_err(&c)?;
        }
        set_meta(
            txn,
            tmp,
            &[
                ("kev_catalog_version", Some(&catalog.catalog_version)),
                ("kev_date_released", Some(&catalog.date_released)),
            ],
        )?;
        Ok(catalog.entries.len() as u64)
    }
}

/// Replaces the stored EPSS scores with `scores` (one day's file covers every scored CVE).
/// Returns the number of CVEs stored.
pub fn import_epss(path: &Path, scores: &EpssScores) -> Result<u64, VulnError> {
    swap(path, |txn, tmp| write_epss(txn, tmp, scores))
}

fn write_epss(
    txn: &rusqlite::Transaction,
    tmp: &Path,
    scores: &EpssScores,
) -> Result<u64, VulnError> {
    {
        let c = corrupt(tmp);
        txn.execute("DELETE FROM epss", []).map_err(&c)?;
        let mut ins = txn
            .prepare("INSERT OR REPLACE INTO epss (cve, score, percentile) VALUES (?1, ?2, ?3)")
            .map_err(&c)?;
        for (cve, score, pct) in &scores.scores {
            ins.execute(params![cve, score, pct]).map_err(&c)?;
        }
        set_meta(
            txn,
            tmp,
            &[
                ("epss_model_version", scores.model_version.as_ref()),
                ("epss_score_date", scores.score_date.as_ref()),
            ],
        )?;
        Ok(scores.scores.len() as u64)
    }
}

/// What one `db update` writes, in one swap: per-ecosystem snapshots of advisories, a KEV
/// catalog and EPSS scores (each optional), and the download validators.
pub struct UpdateBatch<'a> {
    pub advisories: Option<(Loaded, ImportMode)>,
    pub kev: Option<&'a KevCatalog>,
    pub epss: Option<&'a EpssScores>,
    pub meta: Vec<(String, String)>,
}

/// Writes an [`UpdateBatch`] with one atomic swap.
pub fn import_batch(path: &Path, batch: UpdateBatch<'_>) -> Result<(), VulnError> {
    swap(path, |txn, tmp| {
        if let Some((loaded, mode)) = batch.advisories {
            write_records(txn, tmp, loaded, &mode)?;
            set_meta(
                txn,
                tmp,
                &[("built_at", Some(&jiff::Timestamp::now().to_string()))],
            )?;
        }
        if let Some(k) = batch.kev {
            write_kev(txn, tmp, k)?;
        }
        if let Some(e) = batch.epss {
            write_epss(txn, tmp, e)?;
        }
        let meta: Vec<(&str, Option<&String>)> = batch
            .meta
            .iter()
            .map(|(k, v)| (k.as_str(), Some(v)))
            .collect();
        set_meta(txn, tmp, &meta)
    })
}

fn set_meta(
    txn: &rusqlite::Transaction,
    tmp: &Path,
    entries: &[(&str, Option<&String>)],
) -> Result<(), VulnError> {
    let c = corrupt(tmp);
    for (k, v) in entries {
        match v {
            Some(v) => txn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![k, v],
            ),
            None => txn.execute("DELETE FROM meta WHERE key = ?1", [k]),
        }
        .map_err(&c)?;
    }
    Ok(())
}

/// The atomic swap every write goes through (see the module docs): under the writer lock, the
/// live database (if any) is copied to a temporary file, brought to the current schema
/// (migrating an older one), changed by `write` in one transaction, synced, and renamed over
/// the live file.
fn swap<T>(
    path: &Path,
    write: impl FnOnce(&rusqlite::Transaction, &Path) -> Result<T, VulnError>,
) -> Result<T, VulnError> {
    let dir = path
        .parent()
        .ok_or_else(|| VulnError::Other(format!("{}: no parent directory", path.display())))?;
    std::fs::create_dir_all(dir).map_err(|e| VulnError::io(dir, e))?;
    let lock_path = dir.join("osv.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| VulnError::io(&lock_path, e))?;
    lock.lock().map_err(|e| VulnError::io(&lock_path, e))?;
    // We hold the writer lock: any temporary file left is from a killed writer.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with(".osv.sqlite.tmp-")
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let tmp = dir.join(format!(
        ".osv.sqlite.tmp-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    match build(path, &tmp, write) {
        Ok(out) => {
            std::fs::rename(&tmp, path).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                VulnError::io(path, e)
            })?;
            // Make the rename itself durable.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(out)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn build<T>(
    live: &Path,
    tmp: &Path,
    write: impl FnOnce(&rusqlite::Transaction, &Path) -> Result<T, VulnError>,
) -> Result<T, VulnError> {
    let mut reindex = false;
    if live.exists() {
        // Refuse to build on top of a database we cannot read.
        reindex = !Store::open(live)?.is_current();
        std::fs::copy(live, tmp).map_err(|e| VulnError::io(tmp, e))?;
    }
    let c = corrupt(tmp);
    let mut conn = Connection::open(tmp).map_err(&c)?;
    conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        .map_err(&c)?;
    // Creates what is missing: a new database, or the tables an older schema lacks.
    conn.execute_batch(SCHEMA).map_err(&c)?;
    let out = {
        let txn = conn.transaction().map_err(&c)?;
        if reindex {
            index_unindexed(&txn, tmp)?;
        }
        let out = write(&txn, tmp)?;
        txn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
            [SCHEMA_VERSION],
        )
        .map_err(&c)?;
        txn.commit().map_err(&c)?;
        out
    };
    conn.execute_batch("PRAGMA journal_mode = DELETE;")
        .map_err(&c)?;
    conn.close().map_err(|(_, e)| c(e))?;
    std::fs::File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| VulnError::io(tmp, e))?;
    Ok(out)
}

/// Adds the index rows of the records that have none: the records an older schema version
/// stored without a matchable ecosystem (Red Hat's, before version 3).
fn index_unindexed(txn: &rusqlite::Transaction, tmp: &Path) -> Result<(), VulnError> {
    let c = corrupt(tmp);
    let rows: Vec<(i64, String, Vec<u8>)> = {
        let mut stmt = txn
            .prepare(
                "SELECT rowid, id, body FROM records \
                 WHERE rowid NOT IN (SELECT record FROM affected)",
            )
            .map_err(&c)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(&c)?;
        rows.collect::<Result<_, _>>().map_err(&c)?
    };
    let mut ins = txn
        .prepare("INSERT INTO affected (ecosystem, name, record) VALUES (?1, ?2, ?3)")
        .map_err(&c)?;
    for (rowid, id, body) in rows {
        let record: Record =
            serde_json::from_slice(&body).map_err(|e| VulnError::CorruptDatabase {
                path: tmp.to_path_buf(),
                message: format!("record {id}: {e}"),
            })?;
        for (eco, name) in index_keys(&record) {
            ins.execute(params![eco, name, rowid]).map_err(&c)?;
        }
    }
    Ok(())
}

/// The `(ecosystem key, name)` index rows of a record, once each.
fn index_keys(r: &Record) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for a in &r.affected {
        let Some(p) = &a.package else { continue };
        if let Some((eco, key)) = record_ecosystem_key(&p.ecosystem) {
            let pair = (key, eco.normalize_name(&p.name));
            if !keys.contains(&pair) {
                keys.push(pair);
            }
        }
    }
    keys
}

fn write_records(
    txn: &rusqlite::Transaction,
    tmp: &Path,
    loaded: Loaded,
    mode: &ImportMode,
) -> Result<ImportSummary, VulnError> {
    let c = corrupt(tmp);
    let mut summary = ImportSummary {
        not_osv: loaded.not_osv,
        other_files: loaded.other_files,
        ..ImportSummary::default()
    };
    if let ImportMode::ReplaceEcosystems(names) = mode {
        for n in names {
            // Delete the records whose every affected entry is in this ecosystem.
            txn.execute(
                "DELETE FROM records WHERE rowid IN (SELECT record FROM affected \
                 WHERE ecosystem = ?1 OR ecosystem LIKE ?1 || ':%')",
                [n],
            )
            .map_err(&c)?;
        }
        txn.execute(
            "DELETE FROM affected WHERE record NOT IN (SELECT rowid FROM records)",
            [],
        )
        .map_err(&c)?;
    }
    {
        let mut find = txn
            .prepare("SELECT rowid FROM records WHERE id = ?1")
            .map_err(&c)?;
        let mut del_aff = txn
            .prepare("DELETE FROM affected WHERE record = ?1")
            .map_err(&c)?;
        let mut del_rec = txn
            .prepare("DELETE FROM records WHERE rowid = ?1")
            .map_err(&c)?;
        let mut ins_rec = txn
            .prepare("INSERT INTO records (id, modified, body) VALUES (?1, ?2, ?3)")
            .map_err(&c)?;
        let mut ins_aff = txn
            .prepare("INSERT INTO affected (ecosystem, name, record) VALUES (?1, ?2, ?3)")
            .map_err(&c)?;
        // The last record of an id wins within one import.
        let mut by_id: BTreeMap<String, Record> = BTreeMap::new();
        for r in loaded.records {
            by_id.insert(r.id.clone(), r);
        }
        for (id, r) in by_id {
            let old: Option<i64> = find
                .query_row([&id], |row| row.get(0))
                .optional()
                .map_err(&c)?;
            if let Some(rowid) = old {
                del_aff.execute([rowid]).map_err(&c)?;
                del_rec.execute([rowid]).map_err(&c)?;
            }
            if r.withdrawn.is_some() {
                summary.withdrawn += 1;
                continue;
            }
            let keys = index_keys(&r);
            if keys.is_empty() {
                summary.unsupported += 1;
            }
            let body = serde_json::to_vec(&r)
                .map_err(|e| VulnError::Other(format!("record {id}: {e}")))?;
            ins_rec.execute(params![id, r.modified, body]).map_err(&c)?;
            let rowid = txn.last_insert_rowid();
            for (eco, name) in keys {
                ins_aff.execute(params![eco, name, rowid]).map_err(&c)?;
            }
            summary.imported += 1;
        }
    }
    Ok(summary)
}
