//! Java archives (jar, war, ear, par): zip files read with the `zip` crate.
//!
//! Each `META-INF/maven/GROUP/ARTIFACT/pom.properties` is a package
//! (`pkg:maven/GROUP/ARTIFACT@VERSION`; a fat or shaded jar holds one per bundled library). An
//! archive without one is named the way syft falls back: its `META-INF/MANIFEST.MF` (the name
//! from the file name, else `Bundle-SymbolicName`, `Extension-Name` or `Implementation-Title`;
//! the version from `Implementation-Version`, `Bundle-Version` or `Specification-Version`, else
//! the file name), else the file name alone (`NAME-VERSION.jar`). Archives inside archives
//! (`WEB-INF/lib`, `BOOT-INF/lib`, an ear's modules) are read the same way, to
//! [`MAX_DEPTH`] levels.
//!
//! A zip's table of contents is at its end, so a streamed archive is first copied to a private
//! temporary file; so is each nested archive. Every entry read is bounded (declared size,
//! actual size, compression ratio), as are the entries and inflated bytes of one archive tree
//! and its nesting: a zip bomb is an error, never a full disk or memory.

use super::{io_error, Input, MAX_SPILL};
use crate::catalog::{CatalogError, Found};
use crate::model::Ecosystem;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use zip::ZipArchive;

/// Archives inside archives read to this depth (a war in an ear in a jar is 3).
const MAX_DEPTH: usize = 4;
/// Entries of one archive tree.
const MAX_ENTRIES: usize = 100_000;
/// Bytes inflated from one archive tree (nested archives and metadata files).
const MAX_INFLATED: u64 = 2 << 30;
/// Archives in one archive tree.
const MAX_ARCHIVES: usize = 5_000;
/// A `pom.properties` or `MANIFEST.MF` (real ones are a few KiB).
const MAX_TEXT: u64 = 1 << 20;
/// Inflated-to-compressed ratio above which an entry is refused (real jars stay under 20;
/// a zip bomb's is in the thousands), for entries above [`RATIO_FLOOR`] bytes.
const MAX_RATIO: u64 = 200;
const RATIO_FLOOR: u64 = 1 << 20;

/// The largest central directory (the zip's table of contents) read: the `zip` crate keeps it
/// in memory, so a hostile one is refused before it is parsed. 8 MiB is about 80,000 entries.
const MAX_CENTRAL_DIRECTORY: u64 = 8 << 20;

const EXTENSIONS: [&str; 4] = [".jar", ".war", ".ear", ".par"];

/// Whether `path` names a Java archive.
pub(super) fn is_archive_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.len() > 4
        && EXTENSIONS
            .iter()
            .any(|e| name[name.len() - 4..].eq_ignore_ascii_case(e))
}

/// What one archive tree may still use.
struct Budget {
    entries: usize,
    inflated: u64,
    archives: usize,
}

pub(super) fn scan(
    location: &str,
    layer: Option<&str>,
    _size: u64,
    input: Input<'_>,
) -> Result<Found, CatalogError> {
    let file = match input {
        Input::File(f) => f,
        Input::Stream(r) => super::spill(r, MAX_SPILL, "Java archive")?,
    };
    let mut budget = Budget {
        entries: MAX_ENTRIES,
        inflated: MAX_INFLATED,
        archives: MAX_ARCHIVES,
    };
    let mut found = Found::default();
    archive(file, location, "", layer, 0, &mut budget, &mut found)?;
    Ok(found)
}

/// Reads the archive `file`: `location` is the outermost file, `inner` the path of this archive
/// inside it (`""` for the outermost, `WEB-INF/lib/a.jar`, `lib/b.war:WEB-INF/lib/c.jar`).
fn archive(
    file: File,
    location: &str,
    inner: &str,
    layer: Option<&str>,
    depth: usize,
    budget: &mut Budget,
    found: &mut Found,
) -> Result<(), CatalogError> {
    let here = if inner.is_empty() {
        location.to_string()
    } else {
        format!("{location}:{inner}")
    };
    let err = |m: String| {
        if inner.is_empty() {
            CatalogError::new(m)
        } else {
            CatalogError::new(format!("{inner}: {m}"))
        }
    };
    budget.archives = budget
        .archives
        .checked_sub(1)
        .ok_or_else(|| err(format!("more than {MAX_ARCHIVES} nested archives")))?;
    let mut file = file;
    central_directory(&mut file)
        .map_err(|m| err(format!("not a readable Java archive (zip): {m}")))?;
    let mut zip = ZipArchive::new(file)
        .map_err(|e| err(format!("not a readable Java archive (zip): {e}")))?;
    budget.entries = budget.entries.checked_sub(zip.len()).ok_or_else(|| {
        err(format!(
            "more than {MAX_ENTRIES} entries in the archive and the archives it holds"
        ))
    })?;
    let mut poms = Vec::new();
    let mut manifest = None;
    let mut nested = Vec::new();
    for (i, raw) in zip.file_names_raw().enumerate() {
        let name = String::from_utf8_lossy(raw);
        let parts: Vec<&str> = name.split('/').collect();
        if matches!(
            parts.as_slice(),
            ["META-INF", "maven", _, _, "pom.properties"]
        ) {
            poms.push((i, name.into_owned()));
        } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            manifest = Some(i);
        } else if is_archive_name(&name) {
            nested.push((i, name.into_owned()));
        }
    }
    let file_name = inner.rsplit(['/', ':']).next().filter(|n| !n.is_empty());
    let file_name = file_name.unwrap_or_else(|| location.rsplit('/').next().unwrap_or(location));
    let (stem_name, stem_version) = from_file_name(file_name);
    let mut push = |group: &str, artifact: &str, version: &str| -> Result<(), CatalogError> {
        let mut p = crate::lang::package(
            Ecosystem::Maven,
            Some(group),
            artifact,
            version,
            &here,
            layer,
        )?;
        p.name = if group.is_empty() {
            artifact.to_string()
        } else {
            format!("{group}:{artifact}")
        };
        found.packages.push(p);
        Ok(())
    };
    if !poms.is_empty() {
        for (i, name) in &poms {
            let text = read_text(&mut zip, *i, budget).map_err(|m| err(format!("{name}: {m}")))?;
            let props = properties(&text);
            let get = |k: &str| {
                props
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.as_str())
            };
            match (get("groupId"), get("artifactId"), get("version")) {
                (Some(g), Some(a), Some(v)) if !a.is_empty() && !v.is_empty() => push(g, a, v)?,
                _ => return Err(err(format!("{name}: no groupId, artifactId and version"))),
            }
        }
    } else {
        let main = match manifest {
            Some(i) => {
                let text = read_text(&mut zip, i, budget)
                    .map_err(|m| err(format!("META-INF/MANIFEST.MF: {m}")))?;
                main_attributes(&text)
            }
            None => Vec::new(),
        };
        let get = |k: &str| {
            main.iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let symbolic = get("Bundle-SymbolicName").map(|s| s.split(';').next().unwrap_or(s).trim());
        let name = stem_name
            .or(symbolic)
            .or_else(|| get("Extension-Name"))
            .or_else(|| get("Implementation-Title"));
        let version = get("Implementation-Version")
            .or_else(|| get("Bundle-Version"))
            .or_else(|| get("Specification-Version"))
            .or(stem_version)
            .unwrap_or_default();
        let group = get("Implementation-Vendor-Id").unwrap_or_default();
        if let Some(name) = name {
            push(group, name, version)?;
        }
    }
    if nested.is_empty() {
        return Ok(());
    }
    if depth + 1 > MAX_DEPTH {
        return Err(err(format!(
            "archives nested deeper than {MAX_DEPTH} levels"
        )));
    }
    for (i, name) in nested {
        let Some(f) = extract(&mut zip, i, budget).map_err(|m| err(format!("{name}: {m}")))? else {
            continue;
        };
        let path = if inner.is_empty() {
            name
        } else {
            format!("{inner}:{name}")
        };
        archive(f, location, &path, layer, depth + 1, budget, found)?;
    }
    Ok(())
}

/// Checks the entry count and size the zip's end record declares for its central directory
/// before the `zip` crate reads it all into memory (the crate has no limit of its own). The end
/// record is the last 22 bytes plus a comment of up to 64 KiB; a zip64 end record, which a
/// locator just before it points to, takes over when the classic fields are saturated.
fn central_directory(f: &mut File) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    let len = f.seek(SeekFrom::End(0)).map_err(io)?;
    let tail_len = len.min(22 + 0xffff);
    f.seek(SeekFrom::Start(len - tail_len)).map_err(io)?;
    let mut tail = Vec::new();
    f.by_ref()
        .take(tail_len)
        .read_to_end(&mut tail)
        .map_err(io)?;
    let le16 = |b: &[u8], at: usize| {
        b.get(at..at + 2)
            .map(|s| u64::from(u16::from_le_bytes([s[0], s[1]])))
    };
    let le32 = |b: &[u8], at: usize| {
        b.get(at..at + 4)
            .map(|s| u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])))
    };
    let le64 = |b: &[u8], at: usize| {
        b.get(at..at + 8).map(|s| {
            let mut a = [0u8; 8];
            a.copy_from_slice(s);
            u64::from_le_bytes(a)
        })
    };
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(b"PK\x05\x06"))
        .ok_or("no end of central directory record")?;
    let (mut entries, mut size) = (
        le16(&tail, eocd + 10).ok_or("truncated end record")?,
        le32(&tail, eocd + 12).ok_or("truncated end record")?,
    );
    if entries == 0xffff || size == 0xffff_ffff {
        // Zip64: the locator (20 bytes) just before the end record gives the zip64 record's offset.
        let at = eocd.checked_sub(20).ok_or("zip64 locator missing")?;
        if !tail[at..].starts_with(b"PK\x06\x07") {
            return Err("zip64 locator missing".into());
        }
        let offset = le64(&tail, at + 8).ok_or("truncated zip64 locator")?;
        f.seek(SeekFrom::Start(offset)).map_err(io)?;
        let mut rec = Vec::new();
        f.by_ref().take(56).read_to_end(&mut rec).map_err(io)?;
        if !rec.starts_with(b"PK\x06\x06") {
            return Err("zip64 end record missing".into());
        }
        entries = le64(&rec, 32).ok_or("truncated zip64 end record")?;
        size = le64(&rec, 40).ok_or("truncated zip64 end record")?;
    }
    if entries > MAX_ENTRIES as u64 || size > MAX_CENTRAL_DIRECTORY {
        return Err(format!(
            "{entries} entries in a {size}-byte central directory, more than the {MAX_ENTRIES} \
             entries or {MAX_CENTRAL_DIRECTORY} bytes read"
        ));
    }
    f.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(())
}

/// Checks an entry's declared sizes before it is inflated.
fn check_entry(declared: u64, compressed: u64, limit: u64) -> Result<(), String> {
    if declared > limit {
        return Err(format!("{declared} bytes, more than the {limit} read"));
    }
    if declared > RATIO_FLOOR && declared / compressed.max(1) > MAX_RATIO {
        return Err(format!(
            "compressed {}:1 ({compressed} bytes inflate to {declared}): refused as a zip bomb",
            declared / compressed.max(1)
        ));
    }
    Ok(())
}

/// Inflates at most `limit` bytes of `r` into `out`; an error when it holds more than `declared`.
fn bounded(
    r: &mut dyn Read,
    declared: u64,
    out: &mut dyn std::io::Write,
    budget: &mut Budget,
) -> Result<u64, String> {
    let n =
        std::io::copy(&mut r.take(declared.saturating_add(1)), out).map_err(|e| e.to_string())?;
    if n > declared {
        return Err(format!(
            "inflates to more than the {declared} bytes its header declares: refused as a zip bomb"
        ));
    }
    budget.inflated = budget.inflated.checked_sub(n).ok_or_else(|| {
        format!(
            "more than {MAX_INFLATED} bytes inflated from the archive and the archives it holds"
        )
    })?;
    Ok(n)
}

fn read_text(zip: &mut ZipArchive<File>, i: usize, budget: &mut Budget) -> Result<String, String> {
    let mut e = zip.by_index(i).map_err(|e| e.to_string())?;
    check_entry(e.size(), e.compressed_size(), MAX_TEXT)?;
    let declared = e.size();
    let mut out = Vec::new();
    bounded(&mut e, declared, &mut out, budget)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A nested archive, copied to a temporary file; `None` for a directory entry.
fn extract(
    zip: &mut ZipArchive<File>,
    i: usize,
    budget: &mut Budget,
) -> Result<Option<File>, String> {
    let mut e = zip.by_index(i).map_err(|e| e.to_string())?;
    if e.is_dir() {
        return Ok(None);
    }
    check_entry(e.size(), e.compressed_size(), MAX_SPILL)?;
    let declared = e.size();
    let mut f = tempfile::tempfile().map_err(|e| format!("cannot stage it: {e}"))?;
    bounded(&mut e, declared, &mut f, budget)?;
    f.seek(SeekFrom::Start(0))
        .map_err(|e| io_error(e).message)?;
    Ok(Some(f))
}

/// `key=value` and `key: value` lines of a Java properties file (comments and blank lines
/// skipped; no escapes: Maven writes plain coordinates).
fn properties(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .filter_map(|l| {
            let at = l.find(['=', ':'])?;
            Some((l[..at].trim().to_string(), l[at + 1..].trim().to_string()))
        })
        .collect()
}

/// The main section of a manifest: `Name: value` lines up to the first blank line, a line
/// starting with one space continuing the one before.
fn main_attributes(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if let Some(more) = line.strip_prefix(' ') {
            if let Some(last) = out.last_mut() {
                last.1.push_str(more);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// `commons-lang3-3.14.0.jar` → `commons-lang3`, `3.14.0`: the version starts at the last `-`
/// followed by a digit. `(None, None)` for a name with no stem.
fn from_file_name(file: &str) -> (Option<&str>, Option<&str>) {
    let stem = match file.rfind('.') {
        Some(i) => &file[..i],
        None => file,
    };
    if stem.is_empty() {
        return (None, None);
    }
    let split = stem
        .match_indices('-')
        .map(|(i, _)| i)
        .rfind(|&i| stem[i + 1..].starts_with(|c: char| c.is_ascii_digit()));
    match split {
        Some(i) if i > 0 => (Some(&stem[..i]), Some(&stem[i + 1..])),
        _ => (Some(stem), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn jar(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            w.start_file(*name, SimpleFileOptions::default()).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn run(location: &str, bytes: &[u8]) -> Result<Found, CatalogError> {
        let mut r = bytes;
        scan(location, None, bytes.len() as u64, Input::Stream(&mut r))
    }

    #[test]
    fn names() {
        assert!(
            is_archive_name("/a/b.JAR") && is_archive_name("x.war") && !is_archive_name(".jar")
        );
        assert_eq!(
            from_file_name("commons-lang3-3.14.0.jar"),
            (Some("commons-lang3"), Some("3.14.0"))
        );
        assert_eq!(from_file_name("app.jar"), (Some("app"), None));
    }

    #[test]
    fn pom_manifest_file_name_and_nesting() {
        let inner = jar(&[(
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.util;singleton:=true\r\nBundle-Version: 2.1.0\r\n\r\nName: x\r\nImplementation-Version: 9\r\n",
        )]);
        let bare = jar(&[("a.class", b"x")]);
        let outer = jar(&[
            (
                "META-INF/maven/org.example/app/pom.properties",
                b"#c\ngroupId=org.example\nartifactId=app\nversion=1.0.0\n",
            ),
            ("WEB-INF/lib/util.jar", &inner),
            ("WEB-INF/lib/guava-33.0.0-jre.jar", &bare),
        ]);
        let f = run("/srv/app.war", &outer).unwrap();
        let got: Vec<(&str, &str)> = f
            .packages
            .iter()
            .map(|p| (p.purl.as_str(), p.location.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("pkg:maven/org.example/app@1.0.0", "/srv/app.war"),
                ("pkg:maven/util@2.1.0", "/srv/app.war:WEB-INF/lib/util.jar"),
                (
                    "pkg:maven/guava@33.0.0-jre",
                    "/srv/app.war:WEB-INF/lib/guava-33.0.0-jre.jar"
                ),
            ]
        );
    }

    #[test]
    fn hostile_archives_are_errors() {
        assert!(run("/x.jar", b"not a zip")
            .unwrap_err()
            .message
            .contains("zip"));
        // A megabyte-scale entry of zeros: compression ratio ~1000:1.
        let bomb = jar(&[("META-INF/MANIFEST.MF", &vec![0u8; 2 << 20])]);
        let e = run("/b.jar", &bomb).unwrap_err();
        assert!(
            e.message.contains("more than") || e.message.contains("bomb"),
            "{e}"
        );
        let big = jar(&[("WEB-INF/lib/z.jar", &vec![0u8; 4 << 20])]);
        assert!(run("/c.war", &big)
            .unwrap_err()
            .message
            .contains("zip bomb"));
        // A central directory declaring more bytes than read (the zip crate would hold them).
        let mut many = jar(&[("a", b"x")]);
        let n = many.len();
        many[n - 10..n - 6].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
        let e = run("/m.jar", &many).unwrap_err();
        assert!(
            e.message.contains("2147418112-byte central directory"),
            "{e}"
        );
        let bad_pom = jar(&[("META-INF/maven/g/a/pom.properties", b"groupId=g\n")]);
        assert!(run("/d.jar", &bad_pom)
            .unwrap_err()
            .message
            .contains("pom.properties"));
        // Nesting deeper than the limit.
        let mut j = jar(&[("a.class", b"x")]);
        for _ in 0..=MAX_DEPTH {
            j = jar(&[("lib/n.jar", &j)]);
        }
        assert!(run("/e.jar", &j).unwrap_err().message.contains("deeper"));
    }
}
