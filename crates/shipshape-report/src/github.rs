//! GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

use crate::{summary_line, Context, Emitter};
use shipshape_core::{Report, Severity};
use std::io::{self, Write};

pub struct Github;

/// Escapes the message part of a workflow command.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

impl Emitter for Github {
    fn emit(&self, report: &Report, _ctx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
        for e in &report.errors {
            let mut props = format!("file={}", prop(&e.path));
            if let Some(l) = e.line {
                props.push_str(&format!(",line={l}"));
            }
            writeln!(
                out,
                "::error {props},title=shipshape scan error::{}",
                data(&e.message)
            )?;
        }
        for f in &report.findings {
            // A finding that cannot decide the exit code is a notice, whatever its severity: an
            // error annotation would say the gate failed on it.
            let not_gating = report.not_gating(f);
            let cmd = match f.severity {
                _ if not_gating.is_some() => "notice",
                Severity::Critical | Severity::High => "error",
                Severity::Medium => "warning",
                Severity::Low | Severity::Info => "notice",
            };
            let mut props = format!("file={}", prop(&f.location.path));
            if let Some(s) = f.location.span {
                props.push_str(&format!(",line={},col={}", s.line, s.column));
                if s.end_line != s.line {
                    props.push_str(&format!(",endLine={}", s.end_line));
                } else {
                    props.push_str(&format!(",endColumn={}", s.end_column));
                }
            }
            let why = not_gating
                .map(|w| format!(", {w}: not gating"))
                .unwrap_or_default();
            props.push_str(&format!(
                ",title={}",
                prop(&format!("{} {} ({}{why})", f.rule, f.slug(), f.severity))
            ));
            writeln!(out, "::{cmd} {props}::{}", data(&f.message))?;
        }
        writeln!(out, "shipshape: {}", summary_line(report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(prop("a:b,c"), "a%3Ab%2Cc");
    }
}
