//! Human output: findings grouped by file with the source line and its span underlined (rustc
//! style, via annotate-snippets), then the checklist and a one-line summary.

use crate::{summary_line, Context, Emitter};
use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use anstyle::{AnsiColor, Style};
use shipshape_core::report::ChecklistEntry;
use shipshape_core::{exit, ChecklistStatus, Finding, Report, Severity};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub struct Human;

fn level(sev: Severity) -> Level<'static> {
    match sev {
        Severity::Critical => Level::ERROR.with_name("critical"),
        Severity::High => Level::ERROR.with_name("high"),
        Severity::Medium => Level::WARNING.with_name("medium"),
        Severity::Low => Level::NOTE.with_name("low"),
        Severity::Info => Level::INFO.with_name("info"),
    }
}

fn paint(ctx: &Context<'_>, style: Style, text: &str) -> String {
    if ctx.color {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

fn render_finding(report: &Report, f: &Finding, renderer: &Renderer) -> String {
    let mut title = match f.confidence {
        shipshape_core::Confidence::High => format!("{} ({})", f.message, f.slug()),
        c => format!("{} ({}, {c} confidence)", f.message, f.slug()),
    };
    if let Some(why) = report.not_gating(f) {
        title.push_str(&format!(" [{why}: not gating]"));
    }
    let source = report.sources.get(&f.location.path);
    let group = match (source, f.location.span) {
        (Some(file), Some(span)) => {
            let end = span.byte_end.max(span.byte_start);
            let label = f.fix.as_ref().map(|fx| fx.description.as_str());
            let mut ann = AnnotationKind::Primary.span(span.byte_start..end);
            if let Some(l) = label {
                ann = ann.label(l);
            }
            let mut snippet = Snippet::source(file.text())
                .line_start(1)
                .path(f.location.path.as_str())
                .fold(true)
                .annotation(ann);
            for rel in &f.related {
                if rel.path == f.location.path {
                    if let Some(rs) = rel.span {
                        snippet = snippet.annotation(
                            AnnotationKind::Context
                                .span(rs.byte_start..rs.byte_end)
                                .label(rel.key.as_deref().unwrap_or("related")),
                        );
                    }
                }
            }
            level(f.severity)
                .primary_title(title)
                .id(f.rule.code)
                .element(snippet)
        }
        _ => {
            let mut where_ = f.location.path.clone();
            if let Some(k) = &f.location.key {
                where_.push_str(&format!(" ({k})"));
            }
            if let Some(layer) = &f.location.layer {
                where_.push_str(&format!(" [layer {layer}]"));
            }
            let mut origin = annotate_snippets::Origin::path(where_);
            if let Some(span) = f.location.span {
                origin = origin
                    .line(span.line as usize)
                    .char_column(span.column as usize);
            }
            let mut group = level(f.severity)
                .primary_title(title)
                .id(f.rule.code)
                .element(origin);
            if let Some(fx) = &f.fix {
                group = group.element(Level::HELP.message(fx.description.as_str()));
            }
            group
        }
    };
    renderer.render(&[group])
}

/// `path:line:col: severity[rule] message`, as ruff's concise output.
fn concise_line(report: &Report, f: &Finding) -> String {
    let mut at = f.location.path.clone();
    if let Some(span) = f.location.span {
        at.push_str(&format!(":{}:{}", span.line, span.column));
    }
    let mut line = format!("{at}: {}[{}] {}", f.severity, f.rule.code, f.message);
    if let Some(why) = report.not_gating(f) {
        line.push_str(&format!(" [{why}: not gating]"));
    }
    line
}

/// Several findings on one span: one excerpt, each rule with its severity, each fix once.
fn render_group(report: &Report, fs: &[&Finding], renderer: &Renderer) -> String {
    let Some(first) = fs.first() else {
        return String::new();
    };
    let worst = fs
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(first.severity);
    let (Some(file), Some(span)) = (
        report.sources.get(&first.location.path),
        first.location.span,
    ) else {
        return fs
            .iter()
            .map(|f| render_finding(report, f, renderer))
            .collect::<Vec<_>>()
            .join("\n");
    };
    let subject = file
        .text()
        .get(span.byte_start..span.byte_end)
        .and_then(|t| t.lines().next())
        .unwrap_or("")
        .trim();
    let title = format!("{} findings on `{subject}`", fs.len());
    let snippet = Snippet::source(file.text())
        .line_start(1)
        .path(first.location.path.as_str())
        .fold(true)
        .annotation(
            AnnotationKind::Primary.span(span.byte_start..span.byte_end.max(span.byte_start)),
        );
    let mut group = level(worst).primary_title(title).element(snippet);
    let mut fixes: Vec<&str> = Vec::new();
    for f in fs {
        let mut line = format!(
            "{}[{}] {} ({})",
            f.severity,
            f.rule.code,
            f.message,
            f.slug()
        );
        if let Some(why) = report.not_gating(f) {
            line.push_str(&format!(" [{why}: not gating]"));
        }
        group = group.element(Level::NOTE.no_name().message(line));
        if let Some(fx) = &f.fix {
            if !fixes.contains(&fx.description.as_str()) {
                fixes.push(&fx.description);
            }
        }
    }
    for fix in fixes {
        group = group.element(Level::HELP.message(fix));
    }
    renderer.render(&[group])
}

/// `--statistics`: findings per rule, most frequent first.
fn write_statistics(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut counts: BTreeMap<&str, (usize, &Finding)> = BTreeMap::new();
    for f in &report.findings {
        counts.entry(f.rule.code).or_insert((0, f)).0 += 1;
    }
    let mut rows: Vec<(usize, &Finding)> = counts.into_values().collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.rule.code.cmp(b.1.rule.code)));
    let width = rows.first().map_or(1, |r| r.0.to_string().len());
    for (n, f) in &rows {
        writeln!(
            out,
            "{n:>width$}  {}  {:<8}  {}",
            f.rule.code,
            f.rule.severity.as_str(),
            f.rule.slug
        )?;
    }
    if !rows.is_empty() {
        writeln!(out)?;
    }
    Ok(())
}

fn status_mark(ctx: &Context<'_>, entry: &ChecklistEntry) -> String {
    let (mark, style) = match entry.status {
        ChecklistStatus::Pass => ("pass", Style::new().fg_color(Some(AnsiColor::Green.into()))),
        ChecklistStatus::Fail => (
            "FAIL",
            Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        ),
        ChecklistStatus::NotAnalysed => (
            "----",
            Style::new().fg_color(Some(AnsiColor::BrightBlack.into())),
        ),
        ChecklistStatus::NotApplicable => (
            "n/a ",
            Style::new().fg_color(Some(AnsiColor::BrightBlack.into())),
        ),
    };
    paint(ctx, style, mark)
}

/// Findings of one rule shown in full before the rest are only counted (`--verbose`: all).
pub const DISPLAY_PER_RULE: usize = 50;

impl Emitter for Human {
    fn emit(&self, report: &Report, ctx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
        let renderer = if ctx.color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let bold = Style::new().bold();

        let errors: &[_] = if ctx.errors_on_stderr {
            &[]
        } else {
            &report.errors
        };
        for e in errors {
            let prefix = paint(
                ctx,
                Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
                "error",
            );
            writeln!(out, "{prefix}: cannot scan {e}")?;
        }
        if !errors.is_empty() {
            writeln!(out)?;
        }

        if !ctx.quiet && ctx.statistics {
            write_statistics(report, out)?;
        } else if !ctx.quiet {
            let mut current: Option<&str> = None;
            // A display limit, not a policy: past DISPLAY_PER_RULE findings of one rule the
            // rest are counted (every format but this one, and --verbose, shows them all).
            let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
            let mut hidden: BTreeMap<&str, usize> = BTreeMap::new();
            let mut visible: Vec<&Finding> = Vec::new();
            for f in &report.findings {
                let n = shown.entry(f.rule.code).or_default();
                if !ctx.verbose && *n >= DISPLAY_PER_RULE {
                    *hidden.entry(f.rule.code).or_default() += 1;
                    continue;
                }
                *n += 1;
                visible.push(f);
            }
            // Findings on the same subject (the same span: a compose service, a container, a
            // `docker run` line, an instruction) are one block: one excerpt, every rule.
            for group in visible.chunk_by(|a, b| {
                a.location.path == b.location.path
                    && a.location.span.is_some()
                    && a.location.span == b.location.span
            }) {
                let Some(first) = group.first() else { continue };
                if ctx.concise {
                    for f in group {
                        writeln!(out, "{}", concise_line(report, f))?;
                    }
                    continue;
                }
                if current != Some(first.location.path.as_str()) {
                    current = Some(first.location.path.as_str());
                    writeln!(
                        out,
                        "{}",
                        paint(ctx, bold.underline(), &first.location.path)
                    )?;
                }
                if group.len() == 1 {
                    writeln!(out, "{}", render_finding(report, first, &renderer))?;
                } else {
                    writeln!(out, "{}", render_group(report, group, &renderer))?;
                }
                writeln!(out)?;
            }
            if ctx.concise && !visible.is_empty() {
                writeln!(out)?;
            }
            for (code, n) in &hidden {
                writeln!(
                    out,
                    "… and {n} more {code} finding{} (--verbose or --format json shows all)",
                    if *n == 1 { "" } else { "s" }
                )?;
            }
            if !hidden.is_empty() {
                writeln!(out)?;
            }
            if ctx.verbose {
                for s in &report.suppressed {
                    writeln!(
                        out,
                        "suppressed ({}): {}:{} {} {}{}",
                        s.by,
                        s.finding.location.path,
                        s.finding.location.line().unwrap_or(0),
                        s.finding.rule,
                        s.finding.message,
                        s.reason
                            .as_ref()
                            .map(|r| format!(" — {r}"))
                            .unwrap_or_default()
                    )?;
                }
                for i in &report.inputs {
                    writeln!(out, "scanned {} ({})", i.path, i.kind.as_str())?;
                }
                if !report.suppressed.is_empty() || !report.inputs.is_empty() {
                    writeln!(out)?;
                }
            }

            // What looked like an input and was not analysed is always said (templates and
            // other formats' files only with --verbose).
            let skipped: Vec<_> = report
                .skipped
                .iter()
                .filter(|s| ctx.verbose || !s.verbose_only)
                .collect();
            for s in &skipped {
                writeln!(out, "skipped {}: {}", s.path, s.reason)?;
            }
            if !skipped.is_empty() {
                writeln!(out)?;
            }

            writeln!(
                out,
                "{}",
                paint(
                    ctx,
                    bold,
                    &format!("Production checklist: {}", report.target)
                )
            )?;
            let width = report
                .checklist
                .iter()
                .map(|c| c.id.id().len())
                .max()
                .unwrap_or(0);
            for c in &report.checklist {
                let mut detail = match c.status {
                    ChecklistStatus::Fail => format!(
                        "{} finding{}",
                        c.findings,
                        if c.findings == 1 { "" } else { "s" }
                    ),
                    ChecklistStatus::Pass => c.note.clone().unwrap_or_else(|| c.title.to_string()),
                    ChecklistStatus::NotAnalysed => format!(
                        "not analysed{}",
                        c.note
                            .as_ref()
                            .map(|n| format!(": {n}"))
                            .unwrap_or_default()
                    ),
                    ChecklistStatus::NotApplicable => c
                        .note
                        .clone()
                        .unwrap_or_else(|| "not applicable".to_string()),
                };
                if c.required {
                    detail.push_str(" [required]");
                }
                writeln!(
                    out,
                    "  {}  {:width$}  {}",
                    status_mark(ctx, c),
                    c.id.id(),
                    detail,
                    width = width
                )?;
            }
            writeln!(out)?;
        }

        let verdict = match report.exit_code() {
            exit::CLEAN => paint(
                ctx,
                Style::new().fg_color(Some(AnsiColor::Green.into())).bold(),
                "passed",
            ),
            exit::FINDINGS => paint(
                ctx,
                Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
                "failed",
            ),
            _ => paint(
                ctx,
                Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
                "incomplete",
            ),
        };
        let unanalysed = report
            .checklist
            .iter()
            .filter(|c| c.status == ChecklistStatus::NotAnalysed)
            .count();
        let unanalysed = if unanalysed > 0 {
            format!(
                ", {unanalysed} checklist item{} not analysed",
                if unanalysed == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        let threshold = report
            .summary
            .fail_on
            .map(|s| {
                format!(
                    ", fails on {s} and above{} and on what the {} profile forbids",
                    if report.summary.fail_on_kev {
                        ", on known exploited vulnerabilities (KEV)"
                    } else {
                        ""
                    },
                    report.profile
                )
            })
            .unwrap_or_default();
        writeln!(
            out,
            "{}: {} · {} input{} scanned{}{}",
            verdict,
            summary_line(report),
            report.summary.inputs,
            if report.summary.inputs == 1 { "" } else { "s" },
            unanalysed,
            threshold
        )?;
        Ok(())
    }
}
