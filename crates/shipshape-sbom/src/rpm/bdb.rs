//! The Berkeley DB hash database rpm kept its `Packages` in until rpm 4.16 (RHEL/CentOS 5–8,
//! Amazon Linux 2, SLES 12): one record per installed package, the key its header number (four
//! bytes), the value its header blob.
//!
//! Hand-written: the one Rust crate that reads it (`rpmdb` 0.1, a single 2023 release) is a
//! port of go-rpmdb that is not maintained and pulls an older rusqlite (0.30), whose SQLite
//! binding cannot be linked beside ours (both claim `links = "sqlite3"`); the format facts come from Berkeley DB's page layout (`db_page.h`) and
//! rpm's own read-only reader (`lib/backend/bdb_ro.c`), which walks the hash buckets as this
//! one does.
//!
//! Layout: fixed-size pages. Page 0 is the hash metadata (magic, version, page size, last page,
//! the highest bucket and the `spares` table that maps a bucket to its page). Each bucket is a
//! chain of hash pages (linked by their next-page field) holding key/value pairs through an
//! index of 16-bit item offsets. A value that does not fit on the page is an "off-page" item
//! that names the first page of a chain of overflow pages and the value's total length.
//! Integers are in the byte order of the machine that wrote the file: the metadata magic tells
//! which.
//!
//! Every read is bounds-checked; every page is visited at most once (a page reached twice is a
//! cycle or a shared chain, and an error), so the work and the memory are bounded by the file.

use std::borrow::Cow;

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
/// Every page starts with this header: LSN, page number, previous and next page, item count,
/// free-space offset (for overflow pages: the bytes of data on the page), level, type.
const PAGE_HEADER: usize = 26;

const PAGE_HASH_UNSORTED: u8 = 2;
const PAGE_OVERFLOW: u8 = 7;
const PAGE_HASH_META: u8 = 8;
const PAGE_HASH: u8 = 13;

/// Item types on a hash page.
const ITEM_KEYDATA: u8 = 1;
const ITEM_DUPLICATE: u8 = 2;
const ITEM_OFFPAGE: u8 = 3;
const ITEM_OFFDUP: u8 = 4;

/// Whether `bytes` starts like a Berkeley DB database (hash or btree, either byte order).
pub(super) fn is_bdb(bytes: &[u8]) -> bool {
    bytes.get(12..16).is_some_and(|m| {
        let le = u32::from_le_bytes([m[0], m[1], m[2], m[3]]);
        let be = u32::from_be_bytes([m[0], m[1], m[2], m[3]]);
        [HASH_MAGIC, BTREE_MAGIC].contains(&le) || [HASH_MAGIC, BTREE_MAGIC].contains(&be)
    })
}

/// The database's pages and the byte order they were written in.
struct Db<'a> {
    bytes: &'a [u8],
    page_size: usize,
    big_endian: bool,
    /// Pages already read: a second visit is a cycle.
    seen: Vec<bool>,
}

impl<'a> Db<'a> {
    fn u32_at(&self, b: &[u8], at: usize) -> Result<u32, String> {
        let s = b
            .get(at..at + 4)
            .ok_or_else(|| format!("truncated field at offset {at}"))?;
        let a = [s[0], s[1], s[2], s[3]];
        Ok(if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }

    fn u16_at(&self, b: &[u8], at: usize) -> Result<usize, String> {
        let s = b
            .get(at..at + 2)
            .ok_or_else(|| format!("truncated field at offset {at}"))?;
        let a = [s[0], s[1]];
        Ok(usize::from(if self.big_endian {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }))
    }

    /// Page `no`, checked to be in the file, not visited before, numbered as itself and of one
    /// of the `types`.
    fn page(&mut self, no: u32, types: &[u8], what: &str) -> Result<&'a [u8], String> {
        let idx = no as usize;
        let start = idx
            .checked_mul(self.page_size)
            .filter(|s| s.saturating_add(self.page_size) <= self.bytes.len())
            .ok_or_else(|| format!("{what} page {no} is beyond the end of the file"))?;
        let seen = self
            .seen
            .get_mut(idx)
            .ok_or_else(|| format!("{what} page {no} is beyond the end of the file"))?;
        if *seen {
            return Err(format!(
                "{what} page {no} is reached twice (a cycle in the page chains)"
            ));
        }
        *seen = true;
        let page = &self.bytes[start..start + self.page_size];
        let own = self.u32_at(page, 8)?;
        if own != no {
            return Err(format!("page {no} calls itself page {own}"));
        }
        let ty = page[25];
        if !types.contains(&ty) {
            return Err(format!("{what} page {no} has page type {ty}"));
        }
        Ok(page)
    }

    /// A value stored off-page: `len` bytes from the overflow chain starting at `first`.
    fn overflow(&mut self, first: u32, len: usize) -> Result<Vec<u8>, String> {
        // A value cannot be longer than the file that holds it: this bounds the allocation.
        if len == 0 || len > self.bytes.len() {
            return Err(format!("off-page item of implausible length {len}"));
        }
        let mut out = Vec::with_capacity(len);
        let mut no = first;
        while out.len() < len {
            if no == 0 {
                return Err(format!(
                    "overflow chain ends after {} of {len} bytes",
                    out.len()
                ));
            }
            let page = self.page(no, &[PAGE_OVERFLOW], "overflow")?;
            let on_page = self.u16_at(page, 22)?;
            let data = page
                .get(PAGE_HEADER..PAGE_HEADER + on_page)
                .ok_or_else(|| format!("overflow page {no} claims {on_page} bytes"))?;
            if data.len() > len - out.len() {
                return Err(format!(
                    "overflow chain holds more than the item's {len} bytes"
                ));
            }
            out.extend_from_slice(data);
            no = self.u32_at(page, 16)?;
        }
        Ok(out)
    }

    /// The bytes of the item at `off` (of length `len`) on a hash page.
    fn item(&mut self, page: &'a [u8], off: usize, len: usize) -> Result<Cow<'a, [u8]>, String> {
        let item = page
            .get(off..off.saturating_add(len))
            .filter(|i| !i.is_empty())
            .ok_or_else(|| format!("item at offset {off} (length {len}) is outside its page"))?;
        match item[0] {
            ITEM_KEYDATA => Ok(Cow::Borrowed(&item[1..])),
            ITEM_OFFPAGE if item.len() == 12 => {
                let first = self.u32_at(item, 4)?;
                let total = self.u32_at(item, 8)? as usize;
                self.overflow(first, total).map(Cow::Owned)
            }
            ITEM_OFFPAGE => Err(format!("off-page item of length {len} (not 12)")),
            ITEM_DUPLICATE | ITEM_OFFDUP => {
                Err("duplicate records, which rpm's package database never holds".to_string())
            }
            t => Err(format!("unknown item type {t}")),
        }
    }
}

/// Every package header blob in the database, in bucket order.
pub(super) fn blobs(bytes: &[u8]) -> Result<Vec<Cow<'_, [u8]>>, String> {
    let meta = bytes
        .get(..512)
        .ok_or("shorter than its 512-byte metadata page")?;
    let magic = [meta[12], meta[13], meta[14], meta[15]];
    let big_endian = if u32::from_le_bytes(magic) == HASH_MAGIC {
        false
    } else if u32::from_be_bytes(magic) == HASH_MAGIC {
        true
    } else if [u32::from_le_bytes(magic), u32::from_be_bytes(magic)].contains(&BTREE_MAGIC) {
        return Err("a btree database, not the hash database rpm keeps its packages in".into());
    } else {
        return Err("no Berkeley DB hash magic number".into());
    };
    let mut db = Db {
        bytes,
        page_size: 0,
        big_endian,
        seen: Vec::new(),
    };
    let version = db.u32_at(meta, 16)?;
    if !(8..=10).contains(&version) {
        return Err(format!("unsupported hash database version {version}"));
    }
    let page_size = db.u32_at(meta, 20)? as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("invalid page size {page_size}"));
    }
    if meta[24] != 0 {
        return Err("the database is encrypted".into());
    }
    if meta[25] != PAGE_HASH_META {
        return Err(format!("metadata page has page type {}", meta[25]));
    }
    // With page checksums the item index moves; rpm never turns them on.
    if meta[26] & 1 != 0 {
        return Err("pages carry checksums, which rpm databases do not use".into());
    }
    db.page_size = page_size;
    db.seen = vec![false; bytes.len() / page_size];
    let last_page = db.u32_at(meta, 32)?;
    let max_bucket = db.u32_at(meta, 72)?;
    if max_bucket > last_page {
        return Err(format!(
            "{} buckets but only {last_page} pages",
            u64::from(max_bucket) + 1
        ));
    }
    let mut spares = [0u32; 32];
    for (i, s) in spares.iter_mut().enumerate() {
        *s = db.u32_at(meta, 96 + 4 * i)?;
    }
    if let Some(meta_seen) = db.seen.first_mut() {
        *meta_seen = true;
    }

    let mut out = Vec::new();
    for bucket in 0..=max_bucket {
        // The bucket's first page: the bucket number plus the spare pages allocated before
        // the doubling it belongs to (indexed by its bit length).
        let doubling = (u32::BITS - bucket.leading_zeros()) as usize;
        let mut no = bucket
            .checked_add(spares[doubling])
            .ok_or_else(|| format!("bucket {bucket} maps past the last page"))?;
        loop {
            let page = db.page(no, &[PAGE_HASH, PAGE_HASH_UNSORTED], "hash")?;
            let items = db.u16_at(page, 20)?;
            if !items.is_multiple_of(2) {
                return Err(format!(
                    "hash page {no} holds {items} items, not key/value pairs"
                ));
            }
            if PAGE_HEADER + 2 * items > page_size {
                return Err(format!(
                    "hash page {no} claims {items} items, more than fit"
                ));
            }
            // Items are stored from the end of the page down: an item ends where the previous
            // one (or the page) begins.
            let mut end = page_size;
            for pair in 0..items / 2 {
                let key_off = db.u16_at(page, PAGE_HEADER + 4 * pair)?;
                let value_off = db.u16_at(page, PAGE_HEADER + 4 * pair + 2)?;
                if !(value_off < key_off && key_off < end) || value_off < PAGE_HEADER + 2 * items {
                    return Err(format!(
                        "hash page {no}: item offsets out of order or inside the page header"
                    ));
                }
                let key = db.item(page, key_off, end - key_off)?;
                let value = db.item(page, value_off, key_off - value_off)?;
                end = value_off;
                if key.len() != 4 {
                    return Err(format!(
                        "hash page {no}: a key of {} bytes, not a 4-byte header number",
                        key.len()
                    ));
                }
                // Header number 0 is rpm's own bookkeeping record, not a package.
                if key.iter().all(|&b| b == 0) {
                    continue;
                }
                out.push(value);
            }
            no = db.u32_at(page, 16)?;
            if no == 0 {
                break;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A little-endian hash database of `page_size` pages: one bucket (page 1), its chain
    /// continued on page 2, values as given (inline when they fit, else on overflow pages).
    pub(crate) fn build(values: &[Vec<u8>], page_size: usize) -> Vec<u8> {
        let mut pages: Vec<Vec<u8>> = vec![vec![0; page_size]; 3];
        let header = |p: &mut Vec<u8>, no: u32, next: u32, ty: u8| {
            p[8..12].copy_from_slice(&no.to_le_bytes());
            p[16..20].copy_from_slice(&next.to_le_bytes());
            p[25] = ty;
        };
        // Metadata.
        pages[0][12..16].copy_from_slice(&HASH_MAGIC.to_le_bytes());
        pages[0][16..20].copy_from_slice(&9u32.to_le_bytes());
        pages[0][20..24].copy_from_slice(&(page_size as u32).to_le_bytes());
        pages[0][25] = PAGE_HASH_META;
        // Bucket 0 maps to page 1 (spares[0] = 1).
        pages[0][96..100].copy_from_slice(&1u32.to_le_bytes());
        header(&mut pages[1], 1, 2, PAGE_HASH);
        header(&mut pages[2], 2, 0, PAGE_HASH);
        let mut counts = [0usize; 3];
        let mut ends = [page_size; 3];
        let mut items = |pages: &mut Vec<Vec<u8>>, pg: usize, item: Vec<u8>| {
            let off = ends[pg] - item.len();
            pages[pg][off..ends[pg]].copy_from_slice(&item);
            let at = PAGE_HEADER + 2 * counts[pg];
            pages[pg][at..at + 2].copy_from_slice(&(off as u16).to_le_bytes());
            counts[pg] += 1;
            ends[pg] = off;
        };
        // The bookkeeping record (key 0) first.
        items(&mut pages, 1, vec![ITEM_KEYDATA, 0, 0, 0, 0]);
        items(&mut pages, 1, vec![ITEM_KEYDATA, 9, 0, 0, 0]);
        for (i, v) in values.iter().enumerate() {
            let pg = 1 + i % 2;
            let mut key = vec![ITEM_KEYDATA];
            key.extend((i as u32 + 1).to_le_bytes());
            items(&mut pages, pg, key);
            if v.len() < page_size / 4 {
                let mut item = vec![ITEM_KEYDATA];
                item.extend(v);
                items(&mut pages, pg, item);
            } else {
                let first = pages.len() as u32;
                let chunk = page_size - PAGE_HEADER;
                let n = v.len().div_ceil(chunk);
                for (j, part) in v.chunks(chunk).enumerate() {
                    let no = first + j as u32;
                    let next = if j + 1 < n { no + 1 } else { 0 };
                    let mut p = vec![0; page_size];
                    header(&mut p, no, next, PAGE_OVERFLOW);
                    p[22..24].copy_from_slice(&(part.len() as u16).to_le_bytes());
                    p[PAGE_HEADER..PAGE_HEADER + part.len()].copy_from_slice(part);
                    pages.push(p);
                }
                let mut item = vec![ITEM_OFFPAGE, 0, 0, 0];
                item.extend(first.to_le_bytes());
                item.extend((v.len() as u32).to_le_bytes());
                items(&mut pages, pg, item);
            }
        }
        for (pg, n) in counts.iter().enumerate().skip(1) {
            pages[pg][20..22].copy_from_slice(&(*n as u16).to_le_bytes());
        }
        let last = pages.len() as u32 - 1;
        pages[0][32..36].copy_from_slice(&last.to_le_bytes());
        pages.concat()
    }

    #[test]
    fn inline_and_overflow_values() {
        let big: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        let db = build(&[b"small".to_vec(), big.clone(), b"other".to_vec()], 512);
        let got = blobs(&db).unwrap();
        let got: Vec<&[u8]> = got.iter().map(|c| c.as_ref()).collect();
        assert_eq!(got, [&b"small"[..], &b"other"[..], &big[..]]);
    }

    #[test]
    fn big_endian_magic_is_read_in_its_order() {
        let mut db = build(&[], 512);
        // Swap every field the reader uses on the metadata page and the two hash pages.
        for at in [12, 16, 20, 32, 72, 96] {
            db[at..at + 4].reverse();
        }
        for pg in [1usize, 2] {
            let p = pg * 512;
            db[p + 8..p + 12].reverse();
            db[p + 16..p + 20].reverse();
            db[p + 20..p + 22].reverse();
            let n = usize::from(u16::from_be_bytes([db[p + 20], db[p + 21]]));
            for i in 0..n {
                db[p + 26 + 2 * i..p + 28 + 2 * i].reverse();
            }
        }
        assert!(blobs(&db).unwrap().is_empty());
    }

    #[test]
    fn damage_is_an_error() {
        let big = vec![7u8; 2000];
        let db = build(&[big], 512);
        // A cycle: the last overflow page points back at the first.
        let mut cyc = db.clone();
        let last = cyc.len() / 512 - 1;
        cyc[last * 512 + 16..last * 512 + 20].copy_from_slice(&3u32.to_le_bytes());
        cyc[last * 512 + 22..last * 512 + 24].copy_from_slice(&1u16.to_le_bytes());
        let e = blobs(&cyc).unwrap_err();
        assert!(e.contains("twice") || e.contains("more than"), "{e}");
        // A hash chain pointing at itself.
        let mut selfloop = db.clone();
        selfloop[2 * 512 + 16..2 * 512 + 20].copy_from_slice(&2u32.to_le_bytes());
        assert!(blobs(&selfloop).unwrap_err().contains("twice"));
        // Truncated.
        assert!(blobs(&db[..db.len() - 100]).unwrap_err().contains("beyond"));
        // A wrong page type in the chain.
        let mut ty = db.clone();
        ty[3 * 512 + 25] = PAGE_HASH;
        assert!(blobs(&ty).unwrap_err().contains("page type"));
        // Not a database.
        assert!(blobs(&[0; 600]).is_err());
        assert!(blobs(&[0; 10]).is_err());
    }
}
