//! Every output format of shipshape behind one trait, [`Emitter`]. Each format is one module over
//! the same [`Report`]; none of them decides anything (policy is applied before).

mod github;
mod human;
mod json;
mod junit;
mod sarif;

use shipshape_core::{Report, RuleRegistry};
use std::io::{self, Write};

pub use json::JSON_VERSION;

/// Output format, chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
}

/// What every emitter may need besides the report.
pub struct Context<'a> {
    pub registry: &'a RuleRegistry,
    /// ANSI colours (only on a terminal, never with --no-color or NO_COLOR).
    pub color: bool,
    /// Human output: show suppressed findings and inputs.
    pub verbose: bool,
    /// Human output: only the summary line and errors.
    pub quiet: bool,
    /// The shipshape version.
    pub tool_version: &'a str,
    /// Scan errors are already written to standard error (as `error: PATH:LINE:COL: message`),
    /// so the human report on the terminal does not repeat them (it still counts them). Reports
    /// written to a file and the machine formats always keep them.
    pub errors_on_stderr: bool,
    /// Human output: one line per finding (`path:line:col: severity[rule] message`).
    pub concise: bool,
    /// Human output: counts per rule instead of the findings.
    pub statistics: bool,
}

/// One output format.
pub trait Emitter {
    /// Writes the whole report.
    fn emit(&self, report: &Report, ctx: &Context<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// The emitter for a format.
pub fn emitter(format: Format) -> Box<dyn Emitter> {
    match format {
        Format::Human => Box::new(human::Human),
        Format::Json => Box::new(json::Json),
        Format::Sarif => Box::new(sarif::Sarif),
        Format::Junit => Box::new(junit::Junit),
        Format::Github => Box::new(github::Github),
    }
}

/// Writes `report` in `format`. Every finding names its rule's metadata, so no writer can drop
/// or misname a finding; a rule that is not in the registry (an analyser that forgot its
/// registry line, so `shipshape rule`, config names and SARIF rule lists would not know it) is
/// refused here: an `InvalidData` error naming the rule, and a panic in debug builds (tests).
pub fn emit(
    format: Format,
    report: &Report,
    ctx: &Context<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Each distinct rule once (a large scan has tens of thousands of findings, a few dozen rules).
    let used: std::collections::BTreeSet<&str> = report
        .findings
        .iter()
        .chain(report.suppressed.iter().map(|s| &s.finding))
        .map(|f| f.rule.code)
        .collect();
    if let Some(code) = used.into_iter().find(|c| ctx.registry.get(c).is_none()) {
        debug_assert!(false, "rule {code} is not registered");
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("internal error: rule {code} is not registered"),
        ));
    }
    emitter(format).emit(report, ctx, out)
}

/// The one-line summary: `0 critical, 2 high, 5 medium, 1 low`.
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let mut line = format!(
        "{} critical, {} high, {} medium, {} low",
        s.critical, s.high, s.medium, s.low
    );
    let mut extra = Vec::new();
    if s.info > 0 {
        extra.push(format!("{} info", s.info));
    }
    if s.suppressed > 0 {
        extra.push(format!("{} suppressed", s.suppressed));
    }
    let deferred = s.not_gating.get("restricted-profile").copied().unwrap_or(0);
    let not_gating: usize = s.not_gating.values().sum::<usize>() - deferred;
    if deferred > 0 {
        extra.push(format!("{deferred} only the restricted profile forbids"));
    }
    if not_gating > 0 {
        let by: Vec<String> = s
            .not_gating
            .iter()
            .filter(|(c, _)| **c != "restricted-profile")
            .map(|(c, n)| format!("{n} {c}"))
            .collect();
        extra.push(format!(
            "{not_gating} in non-gating paths: {}",
            by.join(", ")
        ));
    }
    if s.errors > 0 {
        extra.push(format!(
            "{} scan error{}",
            s.errors,
            if s.errors == 1 { "" } else { "s" }
        ));
    }
    if !extra.is_empty() {
        line.push_str(&format!(" ({})", extra.join(", ")));
    }
    line
}

/// Keeps the I/O error kind of a serde_json error (a closed pipe stays a `BrokenPipe`).
pub(crate) fn json_io_error(e: serde_json::Error) -> io::Error {
    match e.io_error_kind() {
        Some(kind) => io::Error::new(kind, e),
        None => io::Error::other(e),
    }
}
