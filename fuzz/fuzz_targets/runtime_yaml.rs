//! Compose files and Kubernetes manifests: any text is runtime findings or a scan error, never
//! a panic or a hang. The first byte picks the reader; the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_core::SourceFile;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match pick % 3 {
        0 => {
            let file = SourceFile::new("compose.yaml", text);
            // A project directory that does not exist: `.env` and relative `extends`/`include`
            // files are not found, so nothing outside the input is read.
            let _ = shipshape_runtime::analyse_compose(
                std::slice::from_ref(&file),
                Path::new("/nonexistent/shipshape-fuzz"),
            );
        }
        1 => {
            let file = SourceFile::new("deploy.yaml", text);
            let _ = shipshape_runtime::analyse_kubernetes(&file);
        }
        _ => {
            // What `shipshape check -` does: compose or Kubernetes by shape.
            let _ = shipshape_runtime::analyse_stdin(text.to_string());
        }
    }
});
