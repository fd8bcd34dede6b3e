//! The .NET deps.json cataloger: any input is a package list or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_sbom::{catalog_bytes, Env};

fuzz_target!(|data: &[u8]| {
    let _ = catalog_bytes(
        "/app/App.deps.json",
        "App.deps.json",
        None,
        data,
        &Env::default(),
    );
});
