//! OSV records as the vulnerability store reads them (JSON, or YAML by the first byte): any
//! text is a record, "not OSV" or an error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let _ = shipshape_vuln::osv::parse(text, pick & 1 == 1);
});
