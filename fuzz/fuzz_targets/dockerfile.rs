//! The Dockerfile parser and analyser (stages, shell scripts of RUN, every rule): any text is
//! findings or a syntax error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_core::config::DockerfileOptions;
use shipshape_core::SourceFile;
use shipshape_dockerfile::{analyse, ContextFiles, DockerfileInput};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("Dockerfile", text);
    let options = DockerfileOptions::default();
    let input = DockerfileInput {
        file: &file,
        dockerignore: None,
        context_files: ContextFiles::Unknown,
        options: &options,
        today: jiff::civil::date(2026, 1, 1),
        read_context: None,
        deployments: &[],
    };
    let _ = analyse(&input);
});
