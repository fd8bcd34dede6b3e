//! The text package catalogers (dpkg status, apk installed, the lockfiles, installed-package
//! metadata): any input is a package list or an error, never a panic, a hang or unbounded
//! memory. The first byte picks the file name, and so the cataloger; the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_sbom::{catalog_bytes, Env};

const PATHS: &[&str] = &[
    "/var/lib/dpkg/status",
    "/var/lib/dpkg/status.d/libssl3",
    "/lib/apk/db/installed",
    "/app/yarn.lock",
    "/app/pnpm-lock.yaml",
    "/app/package-lock.json",
    "/app/poetry.lock",
    "/app/Gemfile.lock",
    "/app/go.mod",
    "/app/Cargo.lock",
    "/app/requirements.txt",
    "/app/Pipfile.lock",
    "/app/uv.lock",
    "/app/composer.lock",
    "/app/node_modules/left-pad/package.json",
    "/usr/lib/python3/site-packages/six-1.16.0.dist-info/METADATA",
    "/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(pick) % PATHS.len()];
    let name = path.rsplit('/').next().unwrap_or(path);
    let _ = catalog_bytes(path, name, None, rest, &Env::default());
});
