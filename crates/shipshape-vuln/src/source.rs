//! Reading OSV records from a zip (the OSV bucket's per-ecosystem `all.zip`), a directory of
//! JSON/YAML records, or one record file.

use crate::error::VulnError;
use crate::osv::{parse, Parsed, Record};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest record accepted, compressed or not (the largest real OSV records are a few MiB).
const MAX_RECORD_BYTES: u64 = 64 << 20;

/// Records read from one source, and what was set aside.
#[derive(Debug, Default)]
pub struct Loaded {
    pub records: Vec<Record>,
    /// JSON/YAML documents that are not OSV records (schemas, other formats), by path.
    pub not_osv: Vec<String>,
    /// Files skipped because of their extension (not `.json`, `.yaml`, `.yml`).
    pub other_files: usize,
}

fn syntax_of(name: &str) -> Option<bool> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".json") {
        Some(false)
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Some(true)
    } else {
        None
    }
}

/// Loads records from `path`: a `.zip`, a directory (recursively, hidden entries skipped) or a
/// single record. Any unreadable or corrupt record is an error naming it.
pub fn load(path: &Path) -> Result<Loaded, VulnError> {
    let meta = std::fs::metadata(path).map_err(|e| VulnError::io(path, e))?;
    let mut out = Loaded::default();
    if meta.is_dir() {
        let mut files = Vec::new();
        walk(path, &mut files)?;
        files.sort();
        for f in files {
            let name = f.to_string_lossy().to_string();
            let Some(yaml) = syntax_of(&name) else {
                out.other_files += 1;
                continue;
            };
            let text = read_text(&f)?;
            match parse(&text, yaml).map_err(|message| VulnError::CorruptRecord {
                path: name.clone(),
                message,
            })? {
                Parsed::Record(r) => out.records.push(*r),
                Parsed::NotOsv => out.not_osv.push(name),
            }
        }
    } else if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        load_zip(path, &mut out)?;
    } else {
        let name = path.to_string_lossy().to_string();
        let text = read_text(path)?;
        // An extension-less record is JSON when it starts like JSON, else YAML.
        let yaml = syntax_of(&name).unwrap_or(!text.trim_start().starts_with('{'));
        match parse(&text, yaml).map_err(|message| VulnError::CorruptRecord {
            path: name.clone(),
            message,
        })? {
            Parsed::Record(r) => out.records.push(*r),
            Parsed::NotOsv => {
                return Err(VulnError::NotOsv {
                    path: path.to_path_buf(),
                })
            }
        }
    }
    Ok(out)
}

fn read_text(path: &Path) -> Result<String, VulnError> {
    let meta = std::fs::metadata(path).map_err(|e| VulnError::io(path, e))?;
    if meta.len() > MAX_RECORD_BYTES {
        return Err(VulnError::CorruptRecord {
            path: path.to_string_lossy().to_string(),
            message: format!("larger than {} MiB", MAX_RECORD_BYTES >> 20),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| VulnError::io(path, e))?;
    String::from_utf8(bytes).map_err(|_| VulnError::CorruptRecord {
        path: path.to_string_lossy().to_string(),
        message: "not UTF-8 text".to_string(),
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), VulnError> {
    let entries = std::fs::read_dir(dir).map_err(|e| VulnError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| VulnError::io(dir, e))?;
        let p = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let ft = entry.file_type().map_err(|e| VulnError::io(&p, e))?;
        if ft.is_dir() {
            walk(&p, out)?;
        } else if ft.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

fn load_zip(path: &Path, out: &mut Loaded) -> Result<(), VulnError> {
    let corrupt = |message: String| VulnError::CorruptZip {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| VulnError::io(path, e))?;
    let mut archive =
        zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| corrupt(e.to_string()))?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| corrupt(e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_err(|e| corrupt(e.to_string()))?
            .to_string();
        let Some(yaml) = syntax_of(&name) else {
            out.other_files += 1;
            continue;
        };
        let shown = format!("{}!{}", path.display(), name);
        if entry.size() > MAX_RECORD_BYTES {
            return Err(VulnError::CorruptRecord {
                path: shown,
                message: format!("larger than {} MiB", MAX_RECORD_BYTES >> 20),
            });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        // Read at most one byte past the limit, whatever the header claims.
        (&mut entry)
            .take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| corrupt(format!("{name}: {e}")))?;
        if bytes.len() as u64 > MAX_RECORD_BYTES {
            return Err(VulnError::CorruptRecord {
                path: shown,
                message: format!("larger than {} MiB", MAX_RECORD_BYTES >> 20),
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| VulnError::CorruptRecord {
            path: shown.clone(),
            message: "not UTF-8 text".to_string(),
        })?;
        match parse(&text, yaml).map_err(|message| VulnError::CorruptRecord {
            path: shown.clone(),
            message,
        })? {
            Parsed::Record(r) => out.records.push(*r),
            Parsed::NotOsv => out.not_osv.push(shown),
        }
    }
    Ok(())
}
