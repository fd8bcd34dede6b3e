//! OSV records (<https://ossf.github.io/osv-schema/>), read leniently.
//!
//! Every field shipshape does not need is ignored, every optional list may be absent or `null`,
//! and the ecosystem is a plain string: one record of an ecosystem shipshape does not know never
//! breaks an import (the `osv` crate's enum of ecosystems would). A record that is not JSON or
//! YAML, has no `id`, or has fields of the wrong type is an error naming the file.

use serde::{Deserialize, Deserializer, Serialize};

/// One OSV record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub aliases: Vec<String>,
    /// Ids of the upstream vulnerabilities this record derives from (schema 1.7:
    /// `DEBIAN-CVE-2024-1234` lists `CVE-2024-1234`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub upstream: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub severity: Vec<Severity>,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub affected: Vec<Affected>,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub severity: Vec<Severity>,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ranges: Vec<Range>,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub events: Vec<Event>,
}

/// One range event: exactly one of the fields is set in a valid record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Event {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// A list that may be absent or `null`.
fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// What a file held.
#[derive(Debug)]
pub enum Parsed {
    /// One OSV record.
    Record(Box<Record>),
    /// Valid JSON or YAML that is not an OSV record (no `id` with `modified` or `affected`):
    /// other documents that live beside records, such as schemas or another format's data.
    NotOsv,
}

/// Parses a record from JSON or YAML text (`yaml` selects the syntax). The error says what is
/// wrong, without the file name (the caller adds it).
pub fn parse(text: &str, yaml: bool) -> Result<Parsed, String> {
    let value: serde_json::Value = if yaml {
        yaml_to_json(text)?
    } else {
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?
    };
    let looks_like_osv = value.as_object().is_some_and(|o| {
        o.get("id").is_some_and(serde_json::Value::is_string)
            && (o.contains_key("modified") || o.contains_key("affected"))
    });
    if !looks_like_osv {
        return Ok(Parsed::NotOsv);
    }
    let record: Record =
        serde_json::from_value(value).map_err(|e| format!("not a valid OSV record: {e}"))?;
    if record.id.trim().is_empty() {
        return Err("not a valid OSV record: empty id".to_string());
    }
    Ok(Parsed::Record(Box::new(record)))
}

/// Converts a YAML document to JSON, keeping every plain scalar as written: OSV fields are
/// strings, and a resolved `1.10` would become the float 1.1.
fn yaml_to_json(text: &str) -> Result<serde_json::Value, String> {
    shipshape_yaml::first_document(text).map_err(|e| match (e.line, e.column) {
        (Some(l), Some(c)) => format!("{} at line {l} column {c}", e.message),
        _ => e.message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_keeps_versions_as_written() {
        let y = "id: PYSEC-1\nmodified: 2024-01-01T00:00:00Z\naffected:\n- package:\n    name: x\n    ecosystem: PyPI\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: \"0\"\n    - fixed: 1.10\n  versions: [1.0, 1.9]\n";
        let Parsed::Record(r) = parse(y, true).unwrap() else {
            panic!("not a record")
        };
        assert_eq!(
            r.affected[0].ranges[0].events[1].fixed.as_deref(),
            Some("1.10")
        );
        assert_eq!(r.affected[0].versions, vec!["1.0", "1.9"]);
    }

    #[test]
    fn lenient_and_strict_where_it_matters() {
        // Unknown ecosystems, nulls and extra fields are fine.
        let j = r#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","aliases":null,
            "affected":[{"package":{"ecosystem":"Hackage","name":"x"},"versions":null}],
            "something_new":{"a":1}}"#;
        assert!(matches!(parse(j, false), Ok(Parsed::Record(_))));
        // A schema or another format is not a record.
        assert!(matches!(
            parse(r#"{"$schema":"x"}"#, false),
            Ok(Parsed::NotOsv)
        ));
        // Broken syntax and wrong types are errors.
        assert!(parse(r#"{"id":"X-1","#, false).is_err());
        assert!(parse(r#"{"id":"X-1","affected":"nope"}"#, false).is_err());
        assert!(parse("id: [unclosed\n", true).is_err());
    }
}
