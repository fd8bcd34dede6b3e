//! rpm: the package database under `/var/lib/rpm`, `/usr/lib/sysimage/rpm` or `/usr/share/rpm`,
//! in each of the three formats rpm has written:
//!
//! - `rpmdb.sqlite`: current Fedora, RHEL 9, CentOS Stream, Mariner, openSUSE Tumbleweed;
//! - `Packages`, a Berkeley DB hash database: RHEL/CentOS 5–8, Amazon Linux 2, older SUSE
//!   ([`bdb`]);
//! - `Packages.db`, rpm's own "NDB" format: SLES 15 and openSUSE Leap 15 ([`ndb`]).
//!
//! Each holds one header blob per package, in rpm's header format: a count of index entries and
//! the size of the data store (big-endian u32s), then 16-byte index entries (tag, type, offset,
//! count), then the data store. Every offset is bounds-checked: a damaged blob or database is an
//! error naming the database and what is wrong, never a skipped package.
//!
//! A non-empty write-ahead log (`rpmdb.sqlite-wal`) beside the SQLite database is not replayed
//! yet and is an error (rpm checkpoints it when a transaction ends, so images normally hold an
//! empty one or none).

mod bdb;
mod ndb;

use crate::catalog::{resolve_edges, CatalogError, Cataloger, Env, Found};
use crate::model::{Ecosystem, Package, SourcePackage};
use std::borrow::Cow;
use std::io::Write;

pub struct RpmCataloger;

const DIRS: [&str; 3] = ["/var/lib/rpm/", "/usr/lib/sysimage/rpm/", "/usr/share/rpm/"];

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;
const TAG_PROVIDENAME: u32 = 1047;
const TAG_REQUIRENAME: u32 = 1049;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

impl Cataloger for RpmCataloger {
    fn id(&self) -> &'static str {
        "rpm"
    }

    fn wants(&self, path: &str) -> bool {
        // The name first: this runs for every file of an image.
        path.rsplit_once('/').is_some_and(|(dir, name)| {
            matches!(
                name,
                "rpmdb.sqlite" | "rpmdb.sqlite-wal" | "Packages" | "Packages.db"
            ) && DIRS.iter().any(|d| dir.ends_with(d.trim_end_matches('/')))
        })
    }

    fn catalog(
        &self,
        location: &str,
        layer: Option<&str>,
        bytes: &[u8],
        env: &Env,
    ) -> Result<Found, CatalogError> {
        if location.ends_with("rpmdb.sqlite-wal") {
            // An empty log holds nothing; a non-empty one may hold packages the database
            // file does not show yet.
            if bytes.is_empty() {
                return Ok(Found::default());
            }
            return Err(CatalogError::new(
                "the rpm database has uncheckpointed changes in its write-ahead log, which is \
                 not replayed yet: the package list could be incomplete",
            ));
        }
        // The format is told by the content, not the file name: a database renamed or copied
        // for a test is read all the same.
        let blobs: Vec<Cow<'_, [u8]>> = if bytes.starts_with(b"SQLite format 3\0") {
            read_blobs(bytes)?.into_iter().map(Cow::Owned).collect()
        } else if ndb::is_ndb(bytes) {
            ndb::blobs(bytes)
                .map_err(|e| CatalogError::new(format!("not a readable rpm NDB database: {e}")))?
                .into_iter()
                .map(Cow::Borrowed)
                .collect()
        } else if bdb::is_bdb(bytes) {
            bdb::blobs(bytes).map_err(|e| {
                CatalogError::new(format!("not a readable rpm Berkeley DB database: {e}"))
            })?
        } else {
            return Err(CatalogError::new(format!(
                "not an rpm database: neither SQLite, Berkeley DB nor NDB ({} bytes)",
                bytes.len()
            )));
        };
        let mut found = Found::default();
        let mut requires = Vec::new();
        let mut provides = Vec::new();
        for (row, blob) in blobs.iter().enumerate() {
            let h = Header::parse(blob)
                .map_err(|e| CatalogError::new(format!("package header {}: {e}", row + 1)))?;
            let name = h.string(TAG_NAME).unwrap_or_default();
            if name.is_empty() {
                return Err(CatalogError::new(format!(
                    "package header {} has no name",
                    row + 1
                )));
            }
            // Imported signing keys are stored as pseudo-packages: they are not software.
            if name == "gpg-pubkey" {
                continue;
            }
            let version = h.string(TAG_VERSION).unwrap_or_default();
            let release = h.string(TAG_RELEASE).unwrap_or_default();
            if version.is_empty() {
                return Err(CatalogError::new(format!("package {name} has no version")));
            }
            let vr = if release.is_empty() {
                version.clone()
            } else {
                format!("{version}-{release}")
            };
            let epoch = h.int32(TAG_EPOCH).map(|e| e.to_string());
            let arch = h.string(TAG_ARCH).filter(|a| !a.is_empty());
            let purl = crate::purl::os_package(
                Ecosystem::Rpm,
                env.distro.as_ref(),
                &name,
                &vr,
                arch.as_deref(),
                epoch.as_deref(),
            )
            .map_err(|e| CatalogError::new(format!("package {name}: {e}")))?;
            requires.push(
                h.strings(TAG_REQUIRENAME)
                    .into_iter()
                    .filter(|r| !r.starts_with("rpmlib("))
                    .map(|r| vec![r])
                    .collect(),
            );
            let mut prov = vec![name.clone()];
            prov.extend(h.strings(TAG_PROVIDENAME));
            provides.push(prov);
            found.packages.push(Package {
                id: String::new(),
                version: match epoch.as_deref() {
                    Some(e) if e != "0" => format!("{e}:{vr}"),
                    _ => vr.clone(),
                },
                name,
                ecosystem: Ecosystem::Rpm,
                purl,
                licenses: h
                    .string(TAG_LICENSE)
                    .filter(|l| !l.is_empty())
                    .into_iter()
                    .collect(),
                source: h.string(TAG_SOURCERPM).and_then(|s| source_rpm(&s)),
                arch,
                location: location.to_string(),
                layer: layer.map(str::to_string),
                depends_on: Vec::new(),
            });
        }
        found.edges = resolve_edges(&requires, &provides);
        Ok(found)
    }
}

/// Every header blob of the `Packages` table. SQLite reads files, so the bytes go to a private
/// temporary file first.
fn read_blobs(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CatalogError> {
    let io = |e: std::io::Error| CatalogError::new(format!("cannot stage the database: {e}"));
    let mut tmp = tempfile::NamedTempFile::new().map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.flush().map_err(io)?;
    let sql =
        |e: rusqlite::Error| CatalogError::new(format!("not a readable rpm SQLite database: {e}"));
    let conn = rusqlite::Connection::open_with_flags(
        tmp.path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    let mut stmt = conn.prepare("SELECT blob FROM Packages").map_err(sql)?;
    let rows = stmt
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .map_err(sql)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(sql)
}

/// `curl-8.6.0-7.fc40.src.rpm` → `curl`, `8.6.0-7.fc40`.
fn source_rpm(file: &str) -> Option<SourcePackage> {
    let stem = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty()).then(|| SourcePackage {
        name: name.to_string(),
        version: Some(format!("{version}-{release}")),
    })
}

/// One parsed header: its index entries and data store.
struct Header<'a> {
    entries: Vec<(u32, u32, usize, usize)>,
    data: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Header<'a> {
    fn parse(blob: &'a [u8]) -> Result<Header<'a>, String> {
        let il = be32(blob, 0).ok_or("truncated header")? as usize;
        let dl = be32(blob, 4).ok_or("truncated header")? as usize;
        if il > 0x1_0000 || dl > 0x1000_0000 {
            return Err(format!(
                "implausible header sizes ({il} entries, {dl} bytes)"
            ));
        }
        let data_at = 8 + il * 16;
        let data = blob
            .get(data_at..data_at + dl)
            .ok_or("header shorter than its index says")?;
        let mut entries = Vec::with_capacity(il);
        for i in 0..il {
            let at = 8 + i * 16;
            let tag = be32(blob, at).ok_or("truncated index")?;
            let ty = be32(blob, at + 4).ok_or("truncated index")?;
            let off = be32(blob, at + 8).ok_or("truncated index")? as usize;
            let count = be32(blob, at + 12).ok_or("truncated index")? as usize;
            if off > dl {
                return Err(format!("tag {tag} points outside the header"));
            }
            entries.push((tag, ty, off, count));
        }
        Ok(Header { entries, data })
    }

    fn entry(&self, tag: u32) -> Option<(u32, usize, usize)> {
        self.entries
            .iter()
            .find(|e| e.0 == tag)
            .map(|&(_, ty, off, count)| (ty, off, count))
    }

    fn cstr(&self, off: usize) -> Option<(String, usize)> {
        let rest = self.data.get(off..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        Some((
            String::from_utf8_lossy(&rest[..end]).into_owned(),
            off + end + 1,
        ))
    }

    fn string(&self, tag: u32) -> Option<String> {
        match self.entry(tag)? {
            (TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY, off, _) => {
                self.cstr(off).map(|(s, _)| s)
            }
            _ => None,
        }
    }

    fn strings(&self, tag: u32) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((TYPE_STRING_ARRAY, mut off, count)) = self.entry(tag) {
            for _ in 0..count.min(0x10000) {
                match self.cstr(off) {
                    Some((s, next)) => {
                        out.push(s);
                        off = next;
                    }
                    None => break,
                }
            }
        }
        out
    }

    fn int32(&self, tag: u32) -> Option<u32> {
        match self.entry(tag)? {
            (TYPE_INT32, off, c) if c >= 1 => be32(self.data, off),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header blob with the given (tag, type, value) string and int entries.
    fn blob(entries: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut data = Vec::new();
        let mut index = Vec::new();
        for (tag, ty, v) in entries {
            if *ty == TYPE_INT32 {
                while data.len() % 4 != 0 {
                    data.push(0);
                }
            }
            index.extend(tag.to_be_bytes());
            index.extend(ty.to_be_bytes());
            index.extend((data.len() as u32).to_be_bytes());
            index.extend(1u32.to_be_bytes());
            data.extend(v);
        }
        let mut out = Vec::new();
        out.extend((entries.len() as u32).to_be_bytes());
        out.extend((data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    fn s(v: &str) -> Vec<u8> {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        b
    }

    #[test]
    fn header_fields() {
        let b = blob(&[
            (TAG_NAME, TYPE_STRING, s("curl")),
            (TAG_VERSION, TYPE_STRING, s("8.6.0")),
            (TAG_RELEASE, TYPE_STRING, s("7.fc40")),
            (TAG_EPOCH, TYPE_INT32, 1u32.to_be_bytes().to_vec()),
            (TAG_SOURCERPM, TYPE_STRING, s("curl-8.6.0-7.fc40.src.rpm")),
        ]);
        let h = Header::parse(&b).unwrap();
        assert_eq!(h.string(TAG_NAME).as_deref(), Some("curl"));
        assert_eq!(h.int32(TAG_EPOCH), Some(1));
        assert_eq!(h.string(TAG_ARCH), None);
        let src = source_rpm(&h.string(TAG_SOURCERPM).unwrap()).unwrap();
        assert_eq!(
            (src.name.as_str(), src.version.as_deref()),
            ("curl", Some("8.6.0-7.fc40"))
        );
    }

    #[test]
    fn damaged_headers_are_errors() {
        assert!(Header::parse(&[0, 0]).is_err());
        let mut b = blob(&[(TAG_NAME, TYPE_STRING, s("curl"))]);
        b.truncate(b.len() - 2);
        assert!(Header::parse(&b).is_err());
        let e = RpmCataloger
            .catalog(
                "/var/lib/rpm/rpmdb.sqlite",
                None,
                b"not sqlite at all, no",
                &Env::default(),
            )
            .unwrap_err();
        assert!(e.message.contains("SQLite"), "{e}");
        assert!(RpmCataloger
            .catalog("/var/lib/rpm/rpmdb.sqlite-wal", None, b"", &Env::default())
            .unwrap()
            .packages
            .is_empty());
        assert!(RpmCataloger
            .catalog(
                "/var/lib/rpm/rpmdb.sqlite-wal",
                None,
                b"WAL",
                &Env::default()
            )
            .is_err());
        let e = RpmCataloger
            .catalog("/var/lib/rpm/Packages", None, b"", &Env::default())
            .unwrap_err();
        assert!(e.message.contains("Berkeley DB"), "{e}");
        let e = RpmCataloger
            .catalog("/var/lib/rpm/Packages.db", None, b"RpmP", &Env::default())
            .unwrap_err();
        assert!(e.message.contains("NDB"), "{e}");
    }

    fn package(name: &str, filler: usize) -> Vec<u8> {
        blob(&[
            (TAG_NAME, TYPE_STRING, s(name)),
            (TAG_VERSION, TYPE_STRING, s("1.0")),
            (TAG_RELEASE, TYPE_STRING, s("1.el8")),
            (TAG_ARCH, TYPE_STRING, s("x86_64")),
            (TAG_LICENSE, TYPE_STRING, s(&"MIT ".repeat(filler))),
        ])
    }

    fn names(bytes: &[u8]) -> Result<Vec<String>, CatalogError> {
        let f = RpmCataloger.catalog("/var/lib/rpm/Packages", None, bytes, &Env::default())?;
        Ok(f.packages.into_iter().map(|p| p.name).collect())
    }

    #[test]
    fn berkeley_db_and_ndb_packages() {
        // One header small enough to sit on its hash page, one spread over overflow pages.
        let blobs = [package("tiny", 0), package("big", 300)];
        let bdb = bdb::tests::build(&blobs, 512);
        assert_eq!(names(&bdb).unwrap(), ["tiny", "big"]);
        let ndb = ndb::tests::build(&[&blobs[0], &blobs[1]]);
        assert_eq!(names(&ndb).unwrap(), ["tiny", "big"]);
    }

    /// Every truncation and every single-byte change of small databases: an error or a list
    /// no longer than the original, never a panic or a hang.
    #[test]
    fn every_truncation_and_garbled_byte() {
        let blobs = [package("tiny", 0), package("big", 300)];
        for db in [
            bdb::tests::build(&blobs, 512),
            ndb::tests::build(&[&blobs[0], &blobs[1]]),
        ] {
            for cut in 0..db.len() {
                if let Ok(n) = names(&db[..cut]) {
                    assert!(n.len() <= 2, "cut at {cut}");
                }
            }
            for at in 0..db.len() {
                for x in [0x01, 0x80, 0xff] {
                    let mut b = db.clone();
                    b[at] ^= x;
                    if let Ok(n) = names(&b) {
                        assert!(n.len() <= 2, "byte {at} ^ {x:#x}");
                    }
                }
            }
        }
    }
}
