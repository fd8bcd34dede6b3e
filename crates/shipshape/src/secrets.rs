//! The secrets analyser's wiring: options from the config, `check`'s tree scan, image layers,
//! and the `shipshape secrets` command.

use crate::check::{finish, load_config};
use crate::cli::SecretsArgs;
use shipshape_core::config::Config;
use shipshape_core::report::Analysis;
use shipshape_core::{exit, SourceFile};
use shipshape_secrets::{Baseline, SecretsOptions};
use std::path::Path;
use std::sync::Arc;

/// Secrets options from the configuration (the secrets crate reads its own table).
pub fn options(config: &Config, show_secrets: bool) -> Result<SecretsOptions, String> {
    shipshape_secrets::options_from_config(config, show_secrets).map_err(|e| e.to_string())
}

/// Findings of the secrets analyser carry paths relative to the scanned directory (so baselines
/// and fingerprints do not depend on where the scan starts); the report shows them as the user
/// would name them, like every other analyser.
fn reroot(analysis: &mut Analysis, root: &Path) {
    analysis.reroot(&shipshape_core::analyser::display_prefix(root));
}

/// `shipshape secrets PATH`.
pub fn run(args: &SecretsArgs) -> anyhow::Result<i32> {
    let stdin = args.path.as_os_str() == "-";
    let start = if stdin {
        Path::new(".")
    } else {
        args.path.as_path()
    };
    let config = match load_config(&args.policy, start) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let mut opts = match options(&config, args.show_secrets) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::ERROR);
        }
    };
    opts.no_ignore = args.no_ignore;
    if let Some(size) = args.max_file_size {
        opts.max_file_size = size;
    }
    if let Some(path) = &args.gitleaks_config {
        match shipshape_secrets::gitleaks::GitleaksConfig::load(path) {
            Ok(c) => opts.gitleaks_config = Some(Arc::new(c)),
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return Ok(exit::ERROR);
            }
        }
    }
    if let Some(path) = &args.baseline {
        match Baseline::load(path) {
            Ok(b) => opts.baseline = Some(Arc::new(b)),
            Err(e) => {
                eprintln!("error: baseline {}: {e}", path.display());
                return Ok(exit::ERROR);
            }
        }
    }
    let analysis = if stdin {
        let mut text = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
            eprintln!("error: cannot read standard input: {e}");
            return Ok(exit::ERROR);
        }
        let file = SourceFile::new("<stdin>", text);
        let mut a = Analysis {
            findings: shipshape_secrets::scan_source(&file, &opts),
            ..Analysis::default()
        };
        a.evaluated_by(shipshape_secrets::rules_slice().iter().copied());
        a.add_source(&file);
        a
    } else if args.git {
        let (bar, hook) = crate::progress::bar(
            &format!("reading the git history of {}", args.path.display()),
            args.output.quiet,
            crate::progress::Unit::Items,
        );
        let opts = SecretsOptions {
            progress: hook,
            ..opts.clone()
        };
        let scanned = shipshape_secrets::scan_git(&args.path, &opts);
        crate::progress::finish(bar);
        match scanned {
            Ok(mut a) => {
                reroot(&mut a, &args.path);
                a
            }
            Err(e) => {
                eprintln!("error: {}: {e}", args.path.display());
                return Ok(exit::ERROR);
            }
        }
    } else {
        if !args.path.exists() {
            eprintln!(
                "error: cannot scan {}: no such file or directory",
                args.path.display()
            );
            return Ok(exit::ERROR);
        }
        let mut a = shipshape_secrets::scan_tree(&args.path, &opts);
        reroot(&mut a, &args.path);
        a
    };
    if let (Some(b), Some(path)) = (&opts.baseline, &args.baseline) {
        let n = b.accepted();
        if n > 0 && !args.output.quiet {
            eprintln!(
                "{n} known finding{} accepted by the baseline {}",
                if n == 1 { "" } else { "s" },
                path.display()
            );
        }
    }
    if let Some(path) = &args.write_baseline {
        if let Err(e) = shipshape_secrets::baseline::write_baseline(path, &analysis.findings) {
            eprintln!("error: cannot write baseline {}: {e}", path.display());
            return Ok(exit::ERROR);
        }
        eprintln!(
            "wrote {} finding{} to the baseline {}",
            analysis.findings.len(),
            if analysis.findings.len() == 1 {
                ""
            } else {
                "s"
            },
            path.display()
        );
    }
    let target = args.path.to_string_lossy().to_string();
    finish(analysis, &config, target, &args.output, args.show_secrets)
}
