//! rpm's own "NDB" package database, `Packages.db` (SLES 15, openSUSE Leap 15).
//!
//! Hand-written for the reason given in [`super::bdb`] (no maintained crate reads it); the
//! format facts come from rpm's `lib/backend/ndb/rpmpkg.c`. All integers are little-endian.
//!
//! Layout: 4096-byte slot pages at the start of the file; the first 32 bytes of page 0 are the
//! database header (magic `RpmP`, version 0, generation, number of slot pages). Every other
//! 16-byte slot is `Slot`, package index, block offset, block count, where a block is 16 bytes
//! and a block offset of 0 marks a free slot. A used slot's blocks hold one blob: a 16-byte
//! head (`BlbS`, package index, timestamp, length), the header blob, zero padding, and a
//! 12-byte tail (Adler-32 of everything before the tail, length, `BlbE`).
//!
//! Every check rpm makes when it reads a blob is made here (magics, index, length, block
//! count, checksum), and slots may not overlap, so each byte of the file is read for at most
//! one package.

const DB_MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_HEAD_MAGIC: &[u8; 4] = b"BlbS";
const BLOB_TAIL_MAGIC: &[u8; 4] = b"BlbE";
const SLOT_PAGE: usize = 4096;
const SLOT_SIZE: usize = 16;
const BLOCK: u64 = 16;
const BLOB_HEAD: usize = 16;
const BLOB_TAIL: usize = 12;

/// Whether `bytes` starts like an NDB package database.
pub(super) fn is_ndb(bytes: &[u8]) -> bool {
    bytes.starts_with(DB_MAGIC)
}

fn le32(b: &[u8], at: usize) -> u32 {
    // Callers index within slices they have bounds-checked to hold `at + 4` bytes.
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

/// Every package header blob, in the order the slots list them.
pub(super) fn blobs(bytes: &[u8]) -> Result<Vec<&[u8]>, String> {
    let header = bytes.get(..32).ok_or("shorter than its 32-byte header")?;
    if !header.starts_with(DB_MAGIC) {
        return Err("no NDB magic number".into());
    }
    let version = le32(header, 4);
    if version != 0 {
        return Err(format!("unsupported version {version}"));
    }
    let slot_pages = le32(header, 12) as usize;
    if slot_pages == 0 {
        return Err("no slot pages".into());
    }
    let slots_end = slot_pages
        .checked_mul(SLOT_PAGE)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| {
            format!(
                "{slot_pages} slot pages do not fit in the file's {} bytes",
                bytes.len()
            )
        })?;
    if !(bytes.len() as u64).is_multiple_of(BLOCK) {
        return Err(format!(
            "the file's {} bytes are not a whole number of 16-byte blocks",
            bytes.len()
        ));
    }
    let file_blocks = bytes.len() as u64 / BLOCK;
    let first_data_block = (slots_end as u64) / BLOCK;

    // (block offset, block count, package index) of every used slot.
    let mut used = Vec::new();
    for (n, slot) in bytes[..slots_end]
        .chunks_exact(SLOT_SIZE)
        .enumerate()
        .skip(2)
    {
        if &slot[..4] != SLOT_MAGIC {
            return Err(format!("slot {n} has no slot magic number"));
        }
        let (pkg, off, count) = (le32(slot, 4), le32(slot, 8), le32(slot, 12));
        if off == 0 {
            continue;
        }
        let (off, count) = (u64::from(off), u64::from(count));
        if pkg == 0 || count == 0 || off < first_data_block {
            return Err(format!(
                "slot {n} is damaged (package {pkg}, block {off}, {count} blocks)"
            ));
        }
        if off + count > file_blocks {
            return Err(format!(
                "slot {n} (package {pkg}) points past the end of the file (truncated?)"
            ));
        }
        used.push((off, count, pkg));
    }
    let mut by_offset = used.clone();
    by_offset.sort_unstable();
    for w in by_offset.windows(2) {
        if w[0].0 + w[0].1 > w[1].0 {
            return Err(format!(
                "the blobs of packages {} and {} overlap",
                w[0].2, w[1].2
            ));
        }
    }

    let mut out = Vec::with_capacity(used.len());
    for (off, count, pkg) in used {
        // Both fit in usize: they were checked against the file's length.
        let start = (off * BLOCK) as usize;
        let end = ((off + count) * BLOCK) as usize;
        let region = &bytes[start..end];
        let bad = |what: &str| format!("the blob of package {pkg} {what}");
        if region.len() < BLOB_HEAD + BLOB_TAIL {
            return Err(bad("is too short"));
        }
        if &region[..4] != BLOB_HEAD_MAGIC {
            return Err(bad("has no blob magic number"));
        }
        if le32(region, 4) != pkg {
            return Err(bad("names another package"));
        }
        let len = le32(region, 12) as usize;
        let want_blocks = (BLOB_HEAD + BLOB_TAIL)
            .checked_add(len)
            .map(|n| n.div_ceil(BLOCK as usize) as u64);
        if want_blocks != Some(count) {
            return Err(bad(&format!(
                "is {len} bytes long, which does not fill its {count} blocks"
            )));
        }
        let tail_at = region.len() - BLOB_TAIL;
        let tail = &region[tail_at..];
        if &tail[8..12] != BLOB_TAIL_MAGIC || le32(tail, 4) as usize != len {
            return Err(bad("has a damaged tail"));
        }
        let sum = adler2::adler32_slice(&region[..tail_at]);
        if sum != le32(tail, 0) {
            return Err(bad("fails its checksum"));
        }
        out.push(&region[BLOB_HEAD..BLOB_HEAD + len]);
    }
    Ok(out)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// An NDB database holding `blobs` (one slot page).
    pub(crate) fn build(blobs: &[&[u8]]) -> Vec<u8> {
        let mut db = vec![0u8; SLOT_PAGE];
        db[..4].copy_from_slice(DB_MAGIC);
        db[12..16].copy_from_slice(&1u32.to_le_bytes());
        for s in (32..SLOT_PAGE).step_by(SLOT_SIZE) {
            db[s..s + 4].copy_from_slice(SLOT_MAGIC);
        }
        for (i, b) in blobs.iter().enumerate() {
            let pkg = i as u32 + 1;
            let mut region = Vec::new();
            region.extend(BLOB_HEAD_MAGIC);
            region.extend(pkg.to_le_bytes());
            region.extend(0u32.to_le_bytes());
            region.extend((b.len() as u32).to_le_bytes());
            region.extend(*b);
            while !(region.len() + BLOB_TAIL).is_multiple_of(16) {
                region.push(0);
            }
            let sum = adler2::adler32_slice(&region);
            region.extend(sum.to_le_bytes());
            region.extend((b.len() as u32).to_le_bytes());
            region.extend(BLOB_TAIL_MAGIC);
            let slot = 32 + i * SLOT_SIZE;
            db[slot + 4..slot + 8].copy_from_slice(&pkg.to_le_bytes());
            let block = (db.len() / 16) as u32;
            db[slot + 8..slot + 12].copy_from_slice(&block.to_le_bytes());
            db[slot + 12..slot + 16].copy_from_slice(&((region.len() / 16) as u32).to_le_bytes());
            db.extend(region);
        }
        db
    }

    #[test]
    fn reads_blobs() {
        let db = build(&[b"first", &[9u8; 100]]);
        assert_eq!(blobs(&db).unwrap(), [&b"first"[..], &[9u8; 100][..]]);
    }

    #[test]
    fn damage_is_an_error() {
        let db = build(&[b"first", b"second"]);
        let mut sum = db.clone();
        sum[SLOT_PAGE + 17] ^= 1;
        assert!(blobs(&sum).unwrap_err().contains("checksum"));
        assert!(blobs(&db[..db.len() - 16])
            .unwrap_err()
            .contains("past the end"));
        assert!(blobs(&db[..db.len() - 3]).unwrap_err().contains("16-byte"));
        let mut overlap = db.clone();
        overlap[32 + 16 + 8..32 + 16 + 12].copy_from_slice(&256u32.to_le_bytes());
        assert!(blobs(&overlap).unwrap_err().contains("overlap"));
        let mut slot = db.clone();
        slot[64] = b'X';
        assert!(blobs(&slot).unwrap_err().contains("slot magic"));
        assert!(blobs(b"RpmP").is_err());
        let mut pages = db.clone();
        pages[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(blobs(&pages).unwrap_err().contains("do not fit"));
    }
}
