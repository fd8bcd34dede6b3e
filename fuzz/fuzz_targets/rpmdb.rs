//! The rpm package database readers (Berkeley DB, NDB; the format is told by the content) and
//! the header parser behind them: any input is a package list or an error, never a panic, a
//! hang or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_sbom::{catalog_bytes, Env};

fuzz_target!(|data: &[u8]| {
    // SQLite input goes through a temporary file and SQLite itself: fuzzed upstream, and too
    // slow to be worth the fuzzer's time here.
    if data.starts_with(b"SQLite format 3\0") {
        return;
    }
    let _ = catalog_bytes(
        "/var/lib/rpm/Packages",
        "Packages",
        None,
        data,
        &Env::default(),
    );
});
