//! Prints `path<TAB>line<TAB>key<TAB>rule<TAB>equivalents` for each finding of each Compose file
//! named on the command line (one project per file, `.env` from the file's directory). Used to
//! compare with other linters (docs/compare-compose-lint.md) and for quick timing.

use shipshape_core::SourceFile;
use std::path::Path;

fn main() {
    let mut errors = 0;
    for arg in std::env::args().skip(1) {
        let Ok(text) = std::fs::read_to_string(&arg) else {
            eprintln!("{arg}: unreadable");
            continue;
        };
        let dir = Path::new(&arg).parent().unwrap_or(Path::new("."));
        let a = shipshape_runtime::analyse_compose(&[SourceFile::new(arg.clone(), text)], dir);
        errors += a.errors.len();
        for f in a.findings {
            println!(
                "{}\t{}\t{}\t{}\t{}",
                f.location.path,
                f.location.line().unwrap_or(0),
                f.location.key.unwrap_or_default(),
                f.rule,
                f.rule
                    .equivalents
                    .iter()
                    .map(|(t, i)| format!("{t}:{i}"))
                    .collect::<Vec<_>>()
                    .join(",")
            );
        }
    }
    eprintln!("{errors} error(s)");
}
