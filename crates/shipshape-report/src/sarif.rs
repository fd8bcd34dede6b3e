//! SARIF 2.1.0, shaped for GitHub code scanning: rule metadata with the rule docs as help text,
//! `security-severity`, checklist tags, stable partial fingerprints. A small hand-written model
//! (as ruff, zizmor and cargo-deny do): the generated `serde-sarif` crate is heavy codegen.

use crate::{Context, Emitter};
use serde_json::{json, Map, Value};
use shipshape_core::{Finding, Location, Report, RuleMeta, Severity};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub struct Sarif;

fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub ranks alerts by this 0–10 score.
fn security_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// Percent-encodes a relative path into a URI reference (RFC 3986 path characters are kept,
/// `:` too is encoded so that `docker-archive:x.tar` is not read as a scheme).
pub(crate) fn path_to_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn pascal(slug: &str) -> String {
    slug.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

fn physical(loc: &Location) -> Value {
    let mut phys = Map::new();
    phys.insert(
        "artifactLocation".into(),
        json!({ "uri": path_to_uri(&loc.path), "uriBaseId": "%SRCROOT%" }),
    );
    if let Some(s) = loc.span {
        let end_column = if s.end_line == s.line {
            s.end_column.max(s.column)
        } else {
            s.end_column.max(1)
        };
        phys.insert(
            "region".into(),
            json!({
                "startLine": s.line.max(1),
                "startColumn": s.column.max(1),
                "endLine": s.end_line.max(s.line).max(1),
                "endColumn": end_column,
            }),
        );
    }
    let mut location = Map::new();
    location.insert("physicalLocation".into(), Value::Object(phys));
    let mut logical = Vec::new();
    if let Some(k) = &loc.key {
        logical.push(json!({ "fullyQualifiedName": k, "kind": "member" }));
    }
    if !logical.is_empty() {
        location.insert("logicalLocations".into(), Value::Array(logical));
    }
    Value::Object(location)
}

fn rule_entry(meta: &RuleMeta) -> Value {
    let mut tags = vec![
        "security".to_string(),
        meta.checklist.id().to_string(),
        meta.source.as_str().to_string(),
    ];
    tags.extend(meta.equivalents.iter().map(|(t, id)| format!("{t}:{id}")));
    json!({
        "id": meta.code,
        "name": pascal(meta.slug),
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": meta.summary },
        "help": { "text": meta.docs, "markdown": meta.docs },
        "defaultConfiguration": { "level": level(meta.severity) },
        "properties": {
            "tags": tags,
            "precision": "high",
            "security-severity": security_severity(meta.severity),
            "slug": meta.slug,
            "checklist": meta.checklist.id(),
        }
    })
}

/// One result. `not_gating`: why the finding cannot decide the exit code; such a result is a
/// `note` whatever its severity (its severity stays in the properties).
fn result(f: &Finding, rule_index: usize, not_gating: Option<String>) -> Value {
    let mut props = Map::new();
    props.insert("severity".into(), json!(f.severity.as_str()));
    props.insert("checklist".into(), json!(f.checklist.id()));
    props.insert("source".into(), json!(f.source.as_str()));
    props.insert("confidence".into(), json!(f.confidence.as_str()));
    if let Some(layer) = &f.location.layer {
        props.insert("layer".into(), json!(layer));
    }
    if let Some(c) = &f.location.container {
        props.insert("container".into(), json!(c));
    }
    if let Some(fx) = &f.fix {
        props.insert("fix".into(), json!(fx.description));
    }
    if let Some(why) = &not_gating {
        props.insert("notGating".into(), json!(why));
    }
    if let Some(v) = &f.vulnerability {
        props.insert("vulnerability".into(), json!(v.id));
        if let Some(k) = &v.kev {
            props.insert("knownExploited".into(), json!(k.date_added));
        }
        if let Some(e) = &v.epss {
            props.insert("epss".into(), json!(e.score));
        }
        if let Some(x) = &v.vex {
            props.insert("vex".into(), json!(x.status.as_str()));
        }
    }
    let mut r = json!({
        "ruleId": f.rule.code,
        "ruleIndex": rule_index,
        "level": if not_gating.is_some() { "note" } else { level(f.severity) },
        "message": { "text": f.message },
        "locations": [physical(&f.location)],
        "partialFingerprints": { "shipshapeFingerprint/v1": f.fingerprint },
        "properties": Value::Object(props),
    });
    if !f.related.is_empty() {
        let related: Vec<Value> = f
            .related
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut v = physical(l);
                if let Value::Object(m) = &mut v {
                    m.insert("id".into(), json!(i + 1));
                    m.insert(
                        "message".into(),
                        json!({ "text": l.key.clone().unwrap_or_else(|| "related".into()) }),
                    );
                }
                v
            })
            .collect();
        if let Value::Object(m) = &mut r {
            m.insert("relatedLocations".into(), Value::Array(related));
        }
    }
    r
}

impl Emitter for Sarif {
    fn emit(&self, report: &Report, ctx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
        // Only the rules that have results, in code order, so ruleIndex is stable.
        let mut used: BTreeMap<&str, &RuleMeta> = BTreeMap::new();
        for f in &report.findings {
            used.insert(f.rule.code, f.rule);
        }
        let index: BTreeMap<&str, usize> = used.keys().enumerate().map(|(i, k)| (*k, i)).collect();
        let rules: Vec<Value> = used.values().map(|m| rule_entry(m)).collect();
        let results: Vec<Value> = report
            .findings
            .iter()
            .map(|f| {
                result(
                    f,
                    index.get(f.rule.code).copied().unwrap_or_default(),
                    report.not_gating(f),
                )
            })
            .collect();
        let notifications: Vec<Value> = report
            .errors
            .iter()
            .map(|e| {
                let loc = Location {
                    path: e.path.clone(),
                    ..Location::default()
                };
                let mut phys = physical(&loc);
                if let (Some(line), Value::Object(m)) = (e.line, &mut phys) {
                    if let Some(Value::Object(p)) = m.get_mut("physicalLocation") {
                        p.insert(
                            "region".into(),
                            json!({ "startLine": line.max(1), "startColumn": e.column.unwrap_or(1).max(1) }),
                        );
                    }
                }
                json!({
                    "level": "error",
                    "message": { "text": format!("cannot scan: {}", e.message) },
                    "locations": [phys],
                })
            })
            .collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "shipshape",
                    "version": ctx.tool_version,
                    "semanticVersion": ctx.tool_version,
                    "rules": rules,
                }},
                "columnKind": "unicodeCodePoints",
                "results": results,
                "invocations": [{
                    "executionSuccessful": report.errors.is_empty(),
                    "exitCode": report.exit_code(),
                    "toolExecutionNotifications": notifications,
                }],
                "properties": {
                    "checklist": report.checklist.iter().map(|c| {
                        let mut item = json!({
                            "id": c.id.id(), "status": c.status.as_str(), "findings": c.findings
                        });
                        if let Some(note) = &c.note {
                            item["note"] = json!(note);
                        }
                        item
                    }).collect::<Vec<_>>(),
                }
            }]
        });
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(crate::json_io_error)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_encoding() {
        assert_eq!(path_to_uri("a b/Dockerfile"), "a%20b/Dockerfile");
        assert_eq!(path_to_uri("img:1/etc"), "img%3A1/etc");
        assert_eq!(pascal("root-user"), "RootUser");
    }
}
