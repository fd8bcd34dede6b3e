//! VEX documents (OpenVEX, CycloneDX VEX) given with `--vex`, and the ones image attestations
//! carry (in-toto statements, DSSE envelopes): any input is statements or an error, never a
//! panic or a hang. The first byte picks the entry point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_vuln::vex::VexSet;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let mut set = VexSet::default();
    if pick & 1 == 0 {
        if let Ok(text) = std::str::from_utf8(rest) {
            let _ = set.add("vex.json", text);
        }
    } else {
        let _ = set.add_attestation("sha256:0 (attestation)", rest);
    }
});
