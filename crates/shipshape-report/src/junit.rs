//! JUnit XML: one test suite per checklist item, one failing test case per finding (a skipped
//! one for a finding that cannot decide the exit code: a non-gating path, or what only the
//! restricted profile forbids), a passing case for a passed item and a skipped one for an item
//! that could not be analysed; scan errors are `<error>` cases of their own suite. CI dashboards
//! then show the checklist as tests.

use crate::{Context, Emitter};
use quick_xml::escape::escape;
use shipshape_core::{ChecklistStatus, Report};
use std::io::{self, Write};

pub struct Junit;

fn attr(s: &str) -> String {
    // XML 1.0 forbids most control characters even escaped: drop them.
    let cleaned: String = s
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    escape(cleaned.as_str()).into_owned()
}

impl Emitter for Junit {
    fn emit(&self, report: &Report, _ctx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
        let failures: usize = report
            .findings
            .iter()
            .filter(|f| report.not_gating(f).is_none())
            .count();
        let tests: usize = report
            .checklist
            .iter()
            .map(|c| match c.status {
                ChecklistStatus::Fail => report
                    .findings
                    .iter()
                    .filter(|f| f.checklist == c.id)
                    .count()
                    .max(1),
                _ => 1,
            })
            .sum::<usize>()
            + report.errors.len();
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="shipshape" tests="{tests}" failures="{failures}" errors="{}">"#,
            report.errors.len()
        )?;
        for c in &report.checklist {
            let items: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.checklist == c.id)
                .collect();
            let skipped = matches!(
                c.status,
                ChecklistStatus::NotAnalysed | ChecklistStatus::NotApplicable
            );
            let deferred = items
                .iter()
                .filter(|f| report.not_gating(f).is_some())
                .count();
            writeln!(
                out,
                r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="{}">"#,
                attr(c.id.id()),
                items.len().max(1),
                items.len() - deferred,
                usize::from(skipped && items.is_empty()) + deferred
            )?;
            if items.is_empty() {
                write!(
                    out,
                    r#"    <testcase classname="{}" name="{}">"#,
                    attr(c.id.id()),
                    attr(c.title)
                )?;
                if skipped {
                    write!(
                        out,
                        r#"<skipped message="{}"/>"#,
                        attr(&format!(
                            "{}{}",
                            c.status.as_str(),
                            c.note
                                .as_ref()
                                .map(|n| format!(": {n}"))
                                .unwrap_or_default()
                        ))
                    )?;
                } else if let Some(note) = &c.note {
                    // A pass says what it rests on.
                    write!(out, "<system-out>{}</system-out>", attr(note))?;
                }
                writeln!(out, "</testcase>")?;
            }
            for f in items {
                let place = match f.location.line() {
                    Some(l) => format!("{}:{l}", f.location.path),
                    None => f.location.path.clone(),
                };
                writeln!(
                    out,
                    r#"    <testcase classname="{}" name="{} {} {}" file="{}">"#,
                    attr(c.id.id()),
                    attr(f.rule.code),
                    attr(f.slug()),
                    attr(&place),
                    attr(&f.location.path)
                )?;
                let text = format!("{} [{}] {}: {}", place, f.severity, f.rule, f.message);
                match report.not_gating(f) {
                    Some(why) => writeln!(
                        out,
                        r#"      <skipped message="{}"/><system-out>{}</system-out>"#,
                        attr(&format!("{why}: not gating")),
                        attr(&text)
                    )?,
                    None => writeln!(
                        out,
                        r#"      <failure type="{}" message="{}">{}</failure>"#,
                        attr(f.severity.as_str()),
                        attr(&f.message),
                        attr(&text)
                    )?,
                }
                writeln!(out, "    </testcase>")?;
            }
            writeln!(out, "  </testsuite>")?;
        }
        if !report.errors.is_empty() {
            writeln!(
                out,
                r#"  <testsuite name="scan-errors" tests="{0}" failures="0" errors="{0}">"#,
                report.errors.len()
            )?;
            for e in &report.errors {
                writeln!(
                    out,
                    r#"    <testcase classname="scan" name="{}"><error message="{}"/></testcase>"#,
                    attr(&e.path),
                    attr(&e.to_string())
                )?;
            }
            writeln!(out, "  </testsuite>")?;
        }
        writeln!(out, "</testsuites>")
    }
}
