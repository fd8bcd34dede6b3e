//! JSON output: a versioned contract, documented by `schemas/shipshape-report-v1.schema.json`.
//! The structs here are the contract; internal types are mapped onto them, never dumped, so a
//! refactor cannot change the output by accident.

use crate::{Context, Emitter};
use serde::Serialize;
use shipshape_core::{Finding, Report};
use std::io::{self, Write};

/// The version of the JSON contract. Bumped only on incompatible changes.
pub const JSON_VERSION: u32 = 1;

pub struct Json;

#[derive(Serialize)]
struct V1<'a> {
    version: u32,
    tool: Tool<'a>,
    target: &'a str,
    findings: Vec<FindingV1<'a>>,
    suppressed: Vec<SuppressedV1<'a>>,
    errors: Vec<ErrorV1<'a>>,
    checklist: Vec<ChecklistV1<'a>>,
    inputs: Vec<InputV1<'a>>,
    summary: SummaryV1,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
pub(crate) struct LocationV1<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<&'a str>,
}

impl<'a> LocationV1<'a> {
    fn from(l: &'a shipshape_core::Location) -> Self {
        LocationV1 {
            path: &l.path,
            line: l.span.map(|s| s.line),
            column: l.span.map(|s| s.column),
            end_line: l.span.map(|s| s.end_line),
            end_column: l.span.map(|s| s.end_column),
            key: l.key.as_deref(),
            layer: l.layer.as_deref(),
            container: l.container.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct FixV1<'a> {
    description: &'a str,
    applicability: &'static str,
}

#[derive(Serialize)]
struct FindingV1<'a> {
    rule: &'a str,
    slug: &'a str,
    severity: &'static str,
    message: &'a str,
    location: LocationV1<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<LocationV1<'a>>,
    checklist: &'static str,
    source: &'static str,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixV1<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    equivalents: Vec<&'a str>,
}

impl<'a> FindingV1<'a> {
    fn from(f: &'a Finding) -> Self {
        FindingV1 {
            rule: &f.rule,
            slug: &f.slug,
            severity: f.severity.as_str(),
            message: &f.message,
            location: LocationV1::from(&f.location),
            related: f.related.iter().map(LocationV1::from).collect(),
            checklist: f.checklist.id(),
            source: f.source.as_str(),
            fingerprint: &f.fingerprint,
            fix: f.fix.as_ref().map(|fx| FixV1 {
                description: &fx.description,
                applicability: match fx.applicability {
                    shipshape_core::FixApplicability::Safe => "safe",
                    shipshape_core::FixApplicability::Unsafe => "unsafe",
                    shipshape_core::FixApplicability::DisplayOnly => "display-only",
                },
            }),
            equivalents: f.equivalents.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Serialize)]
struct SuppressedV1<'a> {
    #[serde(flatten)]
    finding: FindingV1<'a>,
    suppressed_by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

#[derive(Serialize)]
struct ErrorV1<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    message: &'a str,
}

#[derive(Serialize)]
struct ChecklistV1<'a> {
    id: &'static str,
    title: &'static str,
    status: &'static str,
    findings: usize,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct InputV1<'a> {
    path: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct SummaryV1 {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
    suppressed: usize,
    errors: usize,
    inputs: usize,
    fail_on: &'static str,
    exit_code: i32,
}

impl Emitter for Json {
    fn emit(&self, report: &Report, ctx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
        let s = &report.summary;
        let doc = V1 {
            version: JSON_VERSION,
            tool: Tool {
                name: "shipshape",
                version: ctx.tool_version,
            },
            target: &report.target,
            findings: report.findings.iter().map(FindingV1::from).collect(),
            suppressed: report
                .suppressed
                .iter()
                .map(|sp| SuppressedV1 {
                    finding: FindingV1::from(&sp.finding),
                    suppressed_by: sp.by,
                    reason: sp.reason.as_deref(),
                })
                .collect(),
            errors: report
                .errors
                .iter()
                .map(|e| ErrorV1 {
                    path: &e.path,
                    line: e.line,
                    column: e.column,
                    message: &e.message,
                })
                .collect(),
            checklist: report
                .checklist
                .iter()
                .map(|c| ChecklistV1 {
                    id: c.id.id(),
                    title: c.title,
                    status: c.status.as_str(),
                    findings: c.findings,
                    required: c.required,
                    note: c.note.as_deref(),
                })
                .collect(),
            inputs: report
                .inputs
                .iter()
                .map(|i| InputV1 {
                    path: &i.path,
                    kind: i.kind.as_str(),
                })
                .collect(),
            summary: SummaryV1 {
                critical: s.critical,
                high: s.high,
                medium: s.medium,
                low: s.low,
                info: s.info,
                suppressed: s.suppressed,
                errors: s.errors,
                inputs: s.inputs,
                fail_on: s.fail_on.map_or("high", |f| f.as_str()),
                exit_code: s.exit_code,
            },
        };
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(crate::json_io_error)?;
        writeln!(out)
    }
}
