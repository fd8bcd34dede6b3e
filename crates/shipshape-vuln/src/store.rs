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
use crate::source::Loaded;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Version of the table layout; a database of another version must be rebuilt.
const SCHEMA_VERSION: &str = "1";
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
    /// When the database was last written (RFC 3339, UTC).
    pub built_at: String,
    pub records: u64,
    pub ecosystems: Vec<EcosystemStatus>,
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
        check_schema(&conn, path)?;
        Ok(Store {
            path: path.to_path_buf(),
            conn,
        })
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
        let built_at: String = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'built_at'", [], |r| {
                r.get(0)
            })
            .map_err(&c)?;
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
        })
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn check_schema(conn: &Connection, path: &Path) -> Result<(), VulnError> {
    let version: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(corrupt(path))?;
    match version.as_deref() {
        Some(SCHEMA_VERSION) => Ok(()),
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
    let result = build(path, &tmp, loaded, mode, meta);
    match result {
        Ok(summary) => {
            std::fs::rename(&tmp, path).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                VulnError::io(path, e)
            })?;
            // Make the rename itself durable.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn build(
    live: &Path,
    tmp: &Path,
    loaded: Loaded,
    mode: &ImportMode,
    meta: &[(String, String)],
) -> Result<ImportSummary, VulnError> {
    if live.exists() {
        // Refuse to build on top of a database we cannot read.
        drop(Store::open(live)?);
        std::fs::copy(live, tmp).map_err(|e| VulnError::io(tmp, e))?;
    }
    let c = corrupt(tmp);
    let mut conn = Connection::open(tmp).map_err(&c)?;
    conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        .map_err(&c)?;
    conn.execute_batch(SCHEMA).map_err(&c)?;
    let mut summary = ImportSummary {
        not_osv: loaded.not_osv,
        other_files: loaded.other_files,
        ..ImportSummary::default()
    };
    {
        let txn = conn.transaction().map_err(&c)?;
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
        txn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
            [SCHEMA_VERSION],
        )
        .map_err(&c)?;
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
        txn.commit().map_err(&c)?;
    }
    conn.execute_batch("PRAGMA journal_mode = DELETE;")
        .map_err(&c)?;
    conn.close().map_err(|(_, e)| c(e))?;
    std::fs::File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| VulnError::io(tmp, e))?;
    Ok(summary)
}
