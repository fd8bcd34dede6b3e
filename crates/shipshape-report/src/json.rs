//! JSON output: a versioned contract, documented by `schemas/shipshape-report-v1.schema.json`.
//! The structs here are the contract; internal types are mapped onto them, never dumped, so a
//! refactor cannot change the output by accident.

use crate::{Context, Emitter};
use rayon::prelude::*;
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
    /// What an image scan looked at (image scans only).
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<ImageV1<'a>>,
    findings: Vec<FindingV1<'a>>,
    suppressed: Vec<SuppressedV1<'a>>,
    errors: Vec<ErrorV1<'a>>,
    checklist: Vec<ChecklistV1<'a>>,
    inputs: Vec<InputV1<'a>>,
    skipped: Vec<SkippedV1<'a>>,
    summary: SummaryV1,
}

#[derive(Serialize)]
struct ImageV1<'a> {
    reference: &'a str,
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manifest_digest: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config_digest: Option<&'a str>,
    repo_digests: &'a [String],
    platform: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    os: Option<&'a str>,
    user: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_image: Option<&'a str>,
    layers: Vec<ImageLayerV1<'a>>,
    /// `null`: the source keeps no attestations.
    attestations: Option<Vec<AttestationV1<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerabilities: Option<QuickViewV1>,
}

#[derive(Serialize)]
struct ImageLayerV1<'a> {
    digest: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff_id: Option<&'a str>,
    size: u64,
    uncompressed_size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    verified_earlier: bool,
}

#[derive(Serialize)]
struct AttestationV1<'a> {
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    predicate_type: Option<&'a str>,
    media_type: &'a str,
    source: &'a str,
    digest: &'a str,
}

#[derive(Serialize)]
struct QuickViewV1 {
    #[serde(flatten)]
    all: CountsV1,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_base_image: Option<CountsV1>,
}

#[derive(Serialize)]
struct CountsV1 {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    unrated: usize,
}

impl CountsV1 {
    fn from(c: &shipshape_core::subject::VulnerabilityCounts) -> Self {
        CountsV1 {
            critical: c.critical,
            high: c.high,
            medium: c.medium,
            low: c.low,
            unrated: c.unrated,
        }
    }
}

impl<'a> ImageV1<'a> {
    fn from(i: &'a shipshape_core::subject::ImageSubject) -> Self {
        ImageV1 {
            reference: &i.reference,
            source: &i.source,
            name: i.name.as_deref(),
            manifest_digest: i.manifest_digest.as_deref(),
            config_digest: i.config_digest.as_deref(),
            repo_digests: &i.repo_digests,
            platform: &i.platform,
            os: i.os.as_deref(),
            user: &i.user,
            base_image: i.base_image.as_deref(),
            layers: i
                .layers
                .iter()
                .map(|l| ImageLayerV1 {
                    digest: &l.digest,
                    diff_id: l.diff_id.as_deref(),
                    size: l.size,
                    uncompressed_size: l.uncompressed_size,
                    created_by: l.created_by.as_deref(),
                    verified_earlier: l.verified_earlier,
                })
                .collect(),
            attestations: i.attestations.as_ref().map(|list| {
                list.iter()
                    .map(|a| AttestationV1 {
                        kind: &a.kind,
                        predicate_type: a.predicate_type.as_deref(),
                        media_type: &a.media_type,
                        source: &a.source,
                        digest: &a.digest,
                    })
                    .collect()
            }),
            vulnerabilities: i.vulnerabilities.as_ref().map(|q| QuickViewV1 {
                all: CountsV1::from(&q.all),
                from_base_image: q.from_base.as_ref().map(CountsV1::from),
            }),
        }
    }
}

#[derive(Serialize)]
struct SkippedV1<'a> {
    path: &'a str,
    reason: &'a str,
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
    /// Text replacements in the finding's file (byte offsets), empty when the fix is advice.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    edits: &'a [shipshape_core::finding::Edit],
}

#[derive(Serialize)]
struct FindingV1<'a> {
    rule: &'a str,
    slug: &'a str,
    severity: &'static str,
    confidence: &'static str,
    context: &'static str,
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
    equivalents: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerability: Option<VulnerabilityV1<'a>>,
}

/// What a vulnerability finding carries besides its message.
#[derive(Serialize)]
struct VulnerabilityV1<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    aliases: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kev: Option<KevV1<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    epss: Option<EpssV1<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vex: Option<VexV1<'a>>,
}

#[derive(Serialize)]
struct KevV1<'a> {
    cve: &'a str,
    date_added: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    due_date: Option<&'a str>,
    known_ransomware_use: bool,
}

#[derive(Serialize)]
struct EpssV1<'a> {
    cve: &'a str,
    score: f64,
    percentile: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
}

#[derive(Serialize)]
struct VexV1<'a> {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statement: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'a str>,
    source: &'a str,
    key: &'a str,
}

impl<'a> VulnerabilityV1<'a> {
    fn from(v: &'a shipshape_core::vulnerability::VulnerabilityInfo) -> Self {
        VulnerabilityV1 {
            id: &v.id,
            aliases: &v.aliases,
            purl: v.purl.as_deref(),
            kev: v.kev.as_ref().map(|k| KevV1 {
                cve: &k.cve,
                date_added: &k.date_added,
                due_date: k.due_date.as_deref(),
                known_ransomware_use: k.ransomware,
            }),
            epss: v.epss.as_ref().map(|e| EpssV1 {
                cve: &e.cve,
                score: e.score,
                percentile: e.percentile,
                date: e.date.as_deref(),
            }),
            vex: v.vex.as_ref().map(|x| VexV1 {
                status: x.status.as_str(),
                justification: x.justification.as_deref(),
                statement: x.statement.as_deref(),
                action: x.action.as_deref(),
                source: &x.source,
                key: &x.key,
            }),
        }
    }
}

impl<'a> FindingV1<'a> {
    fn from(f: &'a Finding) -> Self {
        FindingV1 {
            rule: f.rule.code,
            slug: f.slug(),
            severity: f.severity.as_str(),
            confidence: f.confidence.as_str(),
            context: f.context.as_str(),
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
                edits: &fx.edits,
            }),
            equivalents: f
                .rule
                .equivalents
                .iter()
                .map(|(tool, id)| format!("{tool}:{id}"))
                .collect(),
            profile: f.profile.map(|p| p.as_str()),
            vulnerability: f.vulnerability.as_deref().map(VulnerabilityV1::from),
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
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    evidence: &'a [shipshape_core::report::EvidenceEntry],
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
    /// Findings outside the gating contexts, by context.
    not_gating: std::collections::BTreeMap<&'static str, usize>,
    fail_on: &'static str,
    exit_code: i32,
}

impl Emitter for Json {
    fn emit(&self, report: &Report, ctx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
        render_pretty(&document(report, ctx), out)?;
        writeln!(out)
    }
}

/// The report as the v1 contract.
fn document<'a>(report: &'a Report, ctx: &Context<'a>) -> V1<'a> {
    let s = &report.summary;
    V1 {
        version: JSON_VERSION,
        tool: Tool {
            name: "shipshape",
            version: ctx.tool_version,
        },
        target: &report.target,
        image: report.image.as_deref().map(ImageV1::from),
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
                evidence: &c.evidence,
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
        skipped: report
            .skipped
            .iter()
            .map(|k| SkippedV1 {
                path: &k.path,
                reason: &k.reason,
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
            not_gating: s.not_gating.clone(),
            fail_on: s.fail_on.map_or("high", |f| f.as_str()),
            exit_code: s.exit_code,
        },
    }
}

/// Renders the report as `serde_json::to_vec_pretty` would, byte for byte, with the finding
/// arrays rendered in parallel: on a large scan, serialising 20,000 findings on one thread was a
/// fifth of the run. Each part is rendered on its own and indented to its depth; JSON strings
/// never hold a raw newline, so indenting after every newline is exact.
fn render_pretty(doc: &V1<'_>, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"{")?;
    let mut first = true;
    let mut key = |out: &mut dyn Write, name: &str| {
        let sep: &[u8] = if first { b"\n  \"" } else { b",\n  \"" };
        first = false;
        out.write_all(sep)?;
        out.write_all(name.as_bytes())?;
        out.write_all(b"\": ")
    };
    let small = |out: &mut dyn Write, value: Vec<u8>| {
        let mut buf = Vec::with_capacity(value.len() + 64);
        indent_into(&mut buf, &value, b"  ");
        out.write_all(&buf)
    };
    key(out, "version")?;
    small(out, pretty(&doc.version)?)?;
    key(out, "tool")?;
    small(out, pretty(&doc.tool)?)?;
    key(out, "target")?;
    small(out, pretty(&doc.target)?)?;
    if let Some(image) = &doc.image {
        key(out, "image")?;
        small(out, pretty(image)?)?;
    }
    key(out, "findings")?;
    write_array(out, &doc.findings)?;
    key(out, "suppressed")?;
    write_array(out, &doc.suppressed)?;
    key(out, "errors")?;
    small(out, pretty(&doc.errors)?)?;
    key(out, "checklist")?;
    small(out, pretty(&doc.checklist)?)?;
    key(out, "inputs")?;
    small(out, pretty(&doc.inputs)?)?;
    key(out, "skipped")?;
    small(out, pretty(&doc.skipped)?)?;
    key(out, "summary")?;
    small(out, pretty(&doc.summary)?)?;
    out.write_all(b"\n}")
}

fn pretty<T: Serialize + ?Sized>(value: &T) -> io::Result<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(crate::json_io_error)
}

/// Writes an array that is a top-level field (depth 1), its elements rendered in parallel
/// chunks, each chunk written as soon as the chunks before it are.
fn write_array<T: Serialize + Sync>(out: &mut dyn Write, items: &[T]) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    // Bounded batches keep at most a few megabytes rendered ahead of the writer.
    for (b, batch) in items.chunks(8192).enumerate() {
        let chunks = batch
            .par_chunks(256)
            .enumerate()
            .map(|(c, chunk)| {
                let mut buf = Vec::with_capacity(700 * chunk.len());
                for (i, item) in chunk.iter().enumerate() {
                    let sep: &[u8] = if b == 0 && c == 0 && i == 0 {
                        b"\n    "
                    } else {
                        b",\n    "
                    };
                    buf.extend_from_slice(sep);
                    indent_into(&mut buf, &pretty(item)?, b"    ");
                }
                Ok(buf)
            })
            .collect::<io::Result<Vec<Vec<u8>>>>()?;
        for chunk in chunks {
            out.write_all(&chunk)?;
        }
    }
    out.write_all(b"\n  ]")
}

/// Appends `src` to `dst`, with `pad` after every newline.
fn indent_into(dst: &mut Vec<u8>, src: &[u8], pad: &[u8]) {
    let mut from = 0;
    for nl in memchr::memchr_iter(b'\n', src) {
        dst.extend_from_slice(&src[from..=nl]);
        dst.extend_from_slice(pad);
        from = nl + 1;
    }
    dst.extend_from_slice(&src[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipshape_core::checklist::ChecklistItem;
    use shipshape_core::config::Config;
    use shipshape_core::finding::SourceKind;
    use shipshape_core::report::Analysis;
    use shipshape_core::rule::RuleMeta;
    use shipshape_core::{Severity, SourceFile};

    static RULE: RuleMeta = RuleMeta {
        code: "SS9998",
        slug: "json-test",
        summary: "a rule for the JSON writer test",
        severity: Severity::High,
        checklist: ChecklistItem::NonRoot,
        source: SourceKind::Dockerfile,
        equivalents: &[("hadolint", "DL3002")],
        fix: None,
        docs: "## What it does\nTests.\n## Why it matters\nTests.\n## How to fix\nNone.\n## Example\nNone.\n",
    };

    fn report(n: usize) -> Report {
        let file = SourceFile::new("dir/Dockerfile", "FROM x\nUSER \"root\\n\"\n");
        let mut analysis = Analysis::default();
        for i in 0..n {
            analysis.findings.push(shipshape_core::Finding::at(
                &RULE,
                &file,
                7,
                11 + i % 5,
                format!("message {i} with \"quotes\" and a\nnewline"),
            ));
        }
        let config = Config::default();
        shipshape_core::policy::apply(
            analysis,
            &shipshape_core::policy::PolicyRun {
                config: &config,
                today: jiff::civil::date(2026, 1, 1),
                target: "dir".into(),
                show_secrets: false,
            },
        )
    }

    #[test]
    fn the_human_display_limit_is_not_a_policy() {
        let report = report(60);
        let reg = shipshape_core::rule::RuleRegistry::new(&[&[&RULE]]);
        let ctx = |verbose| Context {
            registry: &reg,
            color: false,
            verbose,
            quiet: false,
            tool_version: "0.0.0",
            errors_on_stderr: false,
            concise: false,
            statistics: false,
        };
        let render = |format, verbose| {
            let mut out = Vec::new();
            crate::emit(format, &report, &ctx(verbose), &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let human = render(crate::Format::Human, false);
        assert_eq!(
            human.matches("message ").count(),
            crate::human::DISPLAY_PER_RULE
        );
        assert!(human.contains("… and 10 more SS9998 findings"), "{human}");
        assert_eq!(
            render(crate::Format::Human, true)
                .matches("message ")
                .count(),
            60
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(crate::Format::Json, false)).unwrap();
        assert_eq!(json["findings"].as_array().unwrap().len(), 60);
    }

    #[test]
    fn every_format_carries_the_evidence_of_a_pass() {
        let mut analysis = Analysis::default();
        analysis.evaluated_by([&RULE]);
        analysis.add_evidence(shipshape_core::Evidence::pass(
            ChecklistItem::NonRoot,
            "dir/Dockerfile",
            "USER app (line 7)",
        ));
        analysis.add_evidence(shipshape_core::Evidence::not_applicable(
            ChecklistItem::Healthcheck,
            "dir/Dockerfile",
            "not a service: no health check needed",
        ));
        let config = Config::default();
        let report = shipshape_core::policy::apply(
            analysis,
            &shipshape_core::policy::PolicyRun {
                config: &config,
                today: jiff::civil::date(2026, 1, 1),
                target: "dir".into(),
                show_secrets: false,
            },
        );
        let reg = shipshape_core::rule::RuleRegistry::new(&[&[&RULE]]);
        let ctx = Context {
            registry: &reg,
            color: false,
            verbose: false,
            quiet: false,
            tool_version: "0.0.0",
            errors_on_stderr: false,
            concise: false,
            statistics: false,
        };
        let render = |format| {
            let mut out = Vec::new();
            crate::emit(format, &report, &ctx, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let human = render(crate::Format::Human);
        assert!(
            human.contains("pass  non-root           USER app (line 7)"),
            "{human}"
        );
        assert!(
            human.contains("n/a   healthcheck        not a service: no health check needed"),
            "{human}"
        );
        let json: serde_json::Value = serde_json::from_str(&render(crate::Format::Json)).unwrap();
        let non_root = &json["checklist"][0];
        assert_eq!(non_root["status"], "pass");
        assert_eq!(non_root["note"], "USER app (line 7)");
        assert_eq!(non_root["evidence"][0]["path"], "dir/Dockerfile");
        let junit = render(crate::Format::Junit);
        assert!(
            junit.contains("<system-out>USER app (line 7)</system-out>"),
            "{junit}"
        );
        let sarif: serde_json::Value = serde_json::from_str(&render(crate::Format::Sarif)).unwrap();
        let items = &sarif["runs"][0]["properties"]["checklist"];
        assert_eq!(items[0]["note"], "USER app (line 7)");
    }

    #[test]
    fn a_finding_of_an_unregistered_rule_is_refused() {
        let report = report(1);
        let empty = shipshape_core::rule::RuleRegistry::default();
        let registered = shipshape_core::rule::RuleRegistry::new(&[&[&RULE]]);
        for format in [
            crate::Format::Human,
            crate::Format::Json,
            crate::Format::Sarif,
            crate::Format::Junit,
            crate::Format::Github,
        ] {
            let ctx = |registry| Context {
                registry,
                color: false,
                verbose: false,
                quiet: false,
                tool_version: "0.0.0",
                errors_on_stderr: false,
                concise: false,
                statistics: false,
            };
            let mut out = Vec::new();
            assert!(crate::emit(format, &report, &ctx(&registered), &mut out).is_ok());
            let refused = std::panic::catch_unwind(|| {
                let mut out = Vec::new();
                crate::emit(format, &report, &ctx(&empty), &mut out).is_err()
            });
            // A panic in debug builds (tests), an error in release builds: never written.
            assert!(
                refused.unwrap_or(true),
                "{format:?} wrote an unregistered rule"
            );
        }
    }

    #[test]
    fn parallel_rendering_is_byte_identical_to_serde_json() {
        for n in [0, 1, 2, 255, 256, 257, 8193] {
            let report = report(n);
            let reg = shipshape_core::rule::RuleRegistry::new(&[&[&RULE]]);
            let ctx = Context {
                registry: &reg,
                color: false,
                verbose: false,
                quiet: false,
                tool_version: "0.0.0",
                errors_on_stderr: false,
                concise: false,
                statistics: false,
            };
            let doc = document(&report, &ctx);
            let mut ours = Vec::new();
            render_pretty(&doc, &mut ours).unwrap();
            let reference = serde_json::to_vec_pretty(&doc).unwrap();
            assert_eq!(
                String::from_utf8(ours.clone()).unwrap(),
                String::from_utf8(reference).unwrap(),
                "{n} findings"
            );
            let parsed: serde_json::Value = serde_json::from_slice(&ours).unwrap();
            assert_eq!(parsed["findings"].as_array().map(Vec::len), Some(n));
        }
    }
}
