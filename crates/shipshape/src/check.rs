//! `shipshape check` and `shipshape init`.

use crate::cli::{CheckArgs, OutputArgs, PolicyArgs};
use crate::registry::registry;
use anyhow::Context as _;
use rayon::prelude::*;
use shipshape_core::config::{Config, DEFAULT_CONFIG};
use shipshape_core::policy::{self, PolicyRun};
use shipshape_core::progress::Progress;
use shipshape_core::report::Analysis;
use shipshape_core::{exit, Report, Scope, Severity, SourceFile};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Loads the configuration: `--config`, else the nearest one above `start`, else defaults.
/// Problems are printed with file and line; `Err` carries the exit code 2.
pub fn load_config(policy: &PolicyArgs, start: &Path) -> Result<Config, i32> {
    let path = match &policy.config {
        Some(p) => Some(p.clone()),
        None => Config::discover(start),
    };
    let mut config = match path {
        None => Config::default(),
        Some(path) => {
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read config {}: {e}", path.display());
                    return Err(exit::ERROR);
                }
            };
            let shown = path.to_string_lossy().to_string();
            // The core options, then every analyser's own section: all problems at once.
            let parsed = Config::parse(SourceFile::new(shown, text), registry()).and_then(|c| {
                let errors: Vec<_> = crate::registry::analysers()
                    .iter()
                    .flat_map(|a| a.check_config(&c))
                    .collect();
                if errors.is_empty() {
                    Ok(c)
                } else {
                    Err(errors)
                }
            });
            match parsed {
                Ok(c) => c,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("error: {e}");
                    }
                    eprintln!(
                        "error: invalid configuration ({} problem{}); see README.md, section Configuration",
                        errors.len(),
                        if errors.len() == 1 { "" } else { "s" }
                    );
                    return Err(exit::ERROR);
                }
            }
        }
    };
    if let Some(f) = &policy.fail_on {
        match f.parse::<Severity>() {
            Ok(s) => config.fail_on = s,
            Err(e) => {
                eprintln!("error: --fail-on: {e}");
                return Err(exit::ERROR);
            }
        }
    }
    if let Some(c) = &policy.min_confidence {
        match c.parse() {
            Ok(c) => config.min_confidence = c,
            Err(e) => {
                eprintln!("error: --min-confidence: {e}");
                return Err(exit::ERROR);
            }
        }
    }
    if let Some(p) = &policy.profile {
        match p.parse() {
            Ok(p) => config.profile = p,
            Err(e) => {
                eprintln!("error: --profile: {e}");
                return Err(exit::ERROR);
            }
        }
    }
    Ok(config)
}

/// Today in the local calendar, for ignore expiry and end-of-life dates.
pub fn today() -> jiff::civil::Date {
    jiff::Zoned::now().date()
}

/// Applies the policy to an analysis and writes the report; returns the exit code.
pub fn finish(
    analysis: Analysis,
    config: &Config,
    target: String,
    output: &OutputArgs,
    show_secrets: bool,
) -> anyhow::Result<i32> {
    let report: Report = policy::apply(
        analysis,
        &PolicyRun {
            config,
            today: today(),
            target,
            show_secrets,
        },
    );
    let to_terminal = output.output.is_none() && std::io::stdout().is_terminal();
    let color = to_terminal
        && !output.no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let ctx = shipshape_report::Context {
        registry: registry(),
        color,
        verbose: output.verbose,
        quiet: output.quiet,
        tool_version: env!("CARGO_PKG_VERSION"),
        errors_on_stderr: output.output.is_none(),
        concise: output.concise,
        statistics: output.statistics,
    };
    // One error path: every scan error reaches standard error, whatever the format and wherever
    // the report goes, so a failed CI job always says why (the report keeps them too).
    {
        let stderr = std::io::stderr();
        let mut err = stderr.lock();
        for e in &report.errors {
            let _ = writeln!(err, "error: {e}");
        }
    }
    let format = output.format.into();
    match &output.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            shipshape_report::emit(format, &report, &ctx, &mut out)
                .and_then(|_| out.flush())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            // Block-buffered: pretty JSON and SARIF are many short lines.
            let mut lock = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            match shipshape_report::emit(format, &report, &ctx, &mut lock)
                .and_then(|_| lock.flush())
            {
                Ok(()) => {}
                // A closed pipe (`| head`) is not an error of the scan.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(report.exit_code())
}

/// `shipshape check PATH`.
pub fn run(args: &CheckArgs) -> anyhow::Result<i32> {
    if args.path.as_os_str() == "-" {
        return run_stdin(args);
    }
    let mut config = match load_config(&args.policy, &args.path) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    if let Some(t) = &args.target {
        config.dockerfile.target = Some(t.clone());
    }
    crate::vulns::apply(&mut config, &args.vulns, args.cache_dir.as_deref());
    let vex = match crate::vex::prepare(&mut config, &args.gate) {
        Ok(v) => v,
        Err(code) => return Ok(code),
    };
    let found = match shipshape_core::analyser::discover(&args.path, &config) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot scan {e}");
            return Ok(exit::ERROR);
        }
    };
    if let Some(file) = &args.sbom {
        if let Err(code) =
            crate::sbom::write_project(&args.path, &found.inputs, &config, args.sbom_format, file)
        {
            return Ok(code);
        }
    }
    let no_facts = shipshape_core::facts::Facts::default();
    let mut scope = Scope {
        root: &args.path,
        inputs: &found.inputs,
        config: &config,
        today: today(),
        show_secrets: args.show_secrets,
        progress: Progress::default(),
        facts: &no_facts,
    };
    // Two phases over the same scope, each analyser in parallel; the binary knows none of their
    // inputs. First what each analyser publishes for the others (one picture of a workload
    // across sources), then the analyses, which may read it.
    let facts = crate::registry::analysers()
        .par_iter()
        .map(|a| a.facts(&scope))
        .reduce(shipshape_core::facts::Facts::default, |mut a, b| {
            a.merge(b);
            a
        });
    scope.facts = &facts;
    let parts: Vec<Analysis> = crate::registry::analysers()
        .par_iter()
        .filter(|a| !(args.no_secrets && a.id() == "secrets"))
        .map(|a| a.analyse(&scope))
        .collect();
    let mut analysis = Analysis::concat(parts);
    analysis.inputs.sort_by(|a, b| a.path.cmp(&b.path));
    analysis.inputs.dedup();
    analysis.skipped.extend(found.skipped);
    analysis.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    // Nothing scanned is said: a gate that saw nothing must not look like a gate that passed.
    if !args.output.quiet {
        let configs = analysis
            .inputs
            .iter()
            .filter(|i| {
                !matches!(
                    i.kind,
                    shipshape_core::SourceKind::Secret | shipshape_core::SourceKind::Sbom
                )
            })
            .count();
        if analysis.inputs.is_empty() {
            eprintln!("warning: nothing was scanned under {}", args.path.display());
        } else if configs == 0 {
            eprintln!(
                "warning: no Dockerfile, Compose file, Kubernetes manifest, `docker run` line or `docker inspect` output under {}{}",
                args.path.display(),
                if args.no_secrets { "" } else { " (only secrets were scanned)" }
            );
        }
    }
    crate::vulns::warn_if_stale(&mut analysis, &config);
    // Every finding in the context of its path (tests, docs, vendored code do not gate).
    analysis.assign_contexts(&shipshape_core::context::ContextClassifier::new(
        &config, &args.path,
    ));
    // Analysers name everything relative to the root (fingerprints do not depend on where the
    // scan started); the report shows paths as the user named them.
    analysis.reroot(&shipshape_core::analyser::display_prefix(&args.path));
    // VEX statements name packages by purl, whatever lockfile they came from; after re-rooting,
    // as the documents are named as the user gave them.
    crate::vex::apply(
        vex.as_ref(),
        &mut analysis,
        &shipshape_vuln::vex::Subject::default(),
        &[],
    );
    let target = args.path.to_string_lossy().to_string();
    finish(analysis, &config, target, &args.output, args.show_secrets)
}

/// `shipshape check -`: rendered manifests (`helm template`, `kustomize build`) or a compose
/// file on standard input, shown as `<stdin>`; the configuration is looked up from the current
/// directory.
fn run_stdin(args: &CheckArgs) -> anyhow::Result<i32> {
    let config = match load_config(&args.policy, Path::new(".")) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let mut text = String::new();
    if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text) {
        eprintln!("error: cannot read standard input: {e}");
        return Ok(exit::ERROR);
    }
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    let Some(mut analysis) = shipshape_runtime::analyse_stdin(text) else {
        eprintln!(
            "error: {}: neither Kubernetes manifests (documents with apiVersion and kind) nor a compose file (a services mapping)",
            shipshape_runtime::STDIN_NAME
        );
        return Ok(exit::ERROR);
    };
    analysis.assign_contexts(&shipshape_core::context::ContextClassifier::new(
        &config,
        Path::new("."),
    ));
    let target = shipshape_runtime::STDIN_NAME.to_string();
    finish(analysis, &config, target, &args.output, args.show_secrets)
}

/// `shipshape init DIR`.
pub fn init(dir: &Path, force: bool) -> anyhow::Result<i32> {
    let path = dir.join("shipshape.toml");
    if path.exists() && !force {
        eprintln!(
            "error: {} already exists (use --force to overwrite)",
            path.display()
        );
        return Ok(exit::ERROR);
    }
    // Write to a temporary file in the same directory, then rename: never a half-written config.
    let tmp = dir.join(".shipshape.toml.tmp");
    std::fs::write(&tmp, DEFAULT_CONFIG)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    outln!("wrote {}", path.display());
    Ok(exit::CLEAN)
}
