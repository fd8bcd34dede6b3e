//! VEX: statements that a product is, or is not, affected by a vulnerability, applied to the
//! vulnerability findings of a scan.
//!
//! Two formats, told apart by content:
//! - OpenVEX v0.2.0 JSON (`@context` of `https://openvex.dev/ns…`): `statements[]` with a
//!   `vulnerability` (`@id`, `name`, `aliases`), `products[]` (a purl or IRI as `@id`, or
//!   `identifiers.purl`, with optional `subcomponents[]`), a `status`, `justification`,
//!   `impact_statement`, `action_statement` and timestamps. The v0.0.1 shapes vexctl first
//!   wrote are read too: a bare vulnerability name, bare product identifiers, and
//!   `subcomponents[]` beside the products (narrowing each of them).
//! - CycloneDX VEX JSON (`bomFormat: CycloneDX`): `vulnerabilities[]` whose `analysis.state`
//!   (`not_affected`, `false_positive`, `resolved`, `resolved_with_pedigree`, `exploitable`,
//!   `in_triage`) says the status of the components its `affects[].ref` names (bom-refs of the
//!   BOM's components, resolved to their purls, or BOM-Links whose fragment is a purl).
//!
//! The models are hand-written serde structs: no maintained Rust crate reads OpenVEX v0.2.0,
//! and `cyclonedx-bom` stops at spec 1.5 (see the SBOM crate for the same choice). Only what
//! matching needs is read; other fields are ignored.
//!
//! Matching ([`VexSet::apply`]): a statement applies to a finding when one of its vulnerability
//! ids (id, name, aliases; CycloneDX `id` and `references[].id`) is one of the finding's ids and
//! one of its products names the finding's package: a purl equal in type, namespace, name and
//! version (a product purl without a version names every version; qualifiers count only when
//! both purls give them), or the scanned image itself (an `oci`/`docker` purl, or an `@id` equal
//! to the image reference, name or digest) when the statement has no subcomponents or one of
//! them names the package. When several statements apply, the latest (`last_updated`, else
//! `timestamp`, else the document's) wins, and among equals the one read last.
//!
//! CycloneDX `affects[].versions[]` (spec 1.5/1.6: each entry a `version` or a `range` in the
//! purl project's `vers:` syntax, and a `status` of `affected`, `unaffected` or `unknown`,
//! `affected` when absent, described as "the vulnerability status for the version or range of
//! versions"). The status is the vulnerability's status for those versions, so an entry speaks
//! for the statement only where the two agree: `not_affected`, `false_positive`, `resolved`
//! and `resolved_with_pedigree` hold for versions listed `unaffected`; `exploitable` for
//! versions listed `affected`; `in_triage` for versions listed `affected` or `unknown`. When an
//! affects entry has `versions`, it names the finding's package only if the package's version
//! is covered by an agreeing entry and by no disagreeing one (a document that contradicts
//! itself about a version does not suppress it). Everything else fails closed, because hiding a
//! real finding is the worse mistake for a gate: a version no entry covers, a package without a
//! version, a range of another ecosystem's scheme, and the BOM's own subject or an image purl
//! (the image's version is not known) leave the finding as it was. A component purl with a
//! version must still match as well, so `versions` can only narrow it. Ranges are compared with
//! the comparators OSV matching uses ([`crate::vers`]); a malformed range, an unknown scheme, a
//! scheme that does not fit the component's purl type, or an entry with both or neither of
//! `version` and `range` is an error naming the document and the statement.

use crate::vers::{order_of_type, Order, Vers};
use packageurl::PackageUrl;
use serde::Deserialize;
use shipshape_core::report::Analysis;
use shipshape_core::vulnerability::{VexStatus, VexVerdict};
use shipshape_core::{Finding, Location, SourceFile};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// A VEX document that cannot be used: its file and, for syntax and field errors, the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexError {
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for VexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.path, self.message),
            (Some(l), None) => write!(f, "{}:{l}: {}", self.path, self.message),
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for VexError {}

/// Something a product or subcomponent is identified by.
#[derive(Debug, Clone)]
enum Ident {
    Purl(Box<PackageUrl<'static>>),
    /// An IRI or other identifier (compared with the image's reference, names and digests).
    Other(String),
}

#[derive(Debug, Clone)]
struct Product {
    idents: Vec<Ident>,
    subcomponents: Vec<Vec<Ident>>,
    /// CycloneDX `affects[].versions`: when given, the statement holds only for the versions
    /// these entries cover (see the module docs).
    versions: Option<Vec<VersionEntry>>,
}

/// One `affects[].versions[]` entry, read against the statement's analysis state.
#[derive(Debug, Clone)]
struct VersionEntry {
    /// The entry's status agrees with the statement (`unaffected` for a suppressing state).
    agrees: bool,
    covers: Covers,
}

#[derive(Debug, Clone)]
enum Covers {
    Exact(String),
    Range(Vers),
}

/// One statement, whichever format it came from.
#[derive(Debug, Clone)]
struct Statement {
    source: String,
    key: String,
    /// The document (an index into `VexSet::files`) and the byte range of the statement's
    /// first line, for findings about it.
    place: (usize, usize, usize),
    /// The vulnerability's ids, for messages (the first) and matching (all).
    ids: Vec<String>,
    products: Vec<Product>,
    status: VexStatus,
    justification: Option<String>,
    statement: Option<String>,
    action: Option<String>,
    time: Option<jiff::Timestamp>,
    /// Why no product could be identified (a BOM-Link to another BOM), if so.
    unresolved: Option<String>,
}

/// The scanned image, as VEX products may name it.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// The reference as given, the name it was selected by (`app:1`), repo digests
    /// (`repo@sha256:…`).
    pub names: Vec<String>,
    /// Manifest and config digests (`sha256:…`).
    pub digests: Vec<String>,
}

/// A statement that applied to no finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unused {
    pub source: String,
    pub key: String,
    pub vulnerability: String,
    pub why: Option<String>,
    /// Where the statement starts in its document.
    pub location: Location,
}

/// The statements of every VEX document given, in the order read.
#[derive(Debug, Clone, Default)]
pub struct VexSet {
    statements: Vec<Statement>,
    /// The documents read, for locations and excerpts.
    files: Vec<SourceFile>,
}

impl VexSet {
    /// Reads every file; the first one that cannot be read or parsed is the error.
    pub fn load(paths: &[PathBuf]) -> Result<VexSet, VexError> {
        let mut set = VexSet::default();
        for p in paths {
            let shown = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|e| VexError {
                path: shown.clone(),
                line: None,
                column: None,
                message: format!("cannot read VEX document: {e}"),
            })?;
            set.add(&shown, &text)?;
        }
        Ok(set)
    }

    /// Adds the statements of one document, named `source` in errors and verdicts.
    pub fn add(&mut self, source: &str, text: &str) -> Result<(), VexError> {
        let before = self.statements.len();
        let result = self.add_document(source, text);
        match result {
            Ok(()) => self.files.push(SourceFile::new(source, text)),
            Err(_) => self.statements.truncate(before),
        }
        result
    }

    /// Adds the VEX document an image attestation carries, named `source` (the attestation's
    /// digest and where it was found). The blob is the document itself (an OCI referrer with an
    /// OpenVEX or CycloneDX artifact), an in-toto statement whose `predicate` is the document
    /// (BuildKit, `cosign attest`), or a DSSE envelope around such a statement (cosign's
    /// `.att` tags). Errors name `source`; lines are those of the document as read, or of the
    /// predicate re-written one value per line when it came out of a statement.
    pub fn add_attestation(&mut self, source: &str, bytes: &[u8]) -> Result<(), VexError> {
        let fail = |message: String| VexError {
            path: source.to_string(),
            line: None,
            column: None,
            message,
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|e| fail(format!("VEX attestation is not UTF-8: {e}")))?;
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| json_error(source, text, text, &e))?;
        let statement = match dsse_payload(&value) {
            Some(payload) => {
                use base64::Engine as _;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(payload)
                    .map_err(|e| fail(format!("DSSE payload is not base64: {e}")))?;
                Some(
                    serde_json::from_slice::<serde_json::Value>(&decoded)
                        .map_err(|e| fail(format!("DSSE payload is not JSON: {e}")))?,
                )
            }
            None => None,
        };
        let inner = statement.as_ref().unwrap_or(&value);
        let is_statement = inner
            .get("_type")
            .and_then(|t| t.as_str())
            .is_some_and(|t| t.starts_with("https://in-toto.io/Statement"));
        if is_statement {
            let predicate = inner
                .get("predicate")
                .ok_or_else(|| fail("in-toto statement without a predicate".to_string()))?;
            let doc = serde_json::to_string_pretty(predicate)
                .map_err(|e| fail(format!("cannot re-write the predicate: {e}")))?;
            self.add(source, &doc)
        } else if statement.is_some() {
            Err(fail("DSSE payload is not an in-toto statement".to_string()))
        } else {
            self.add(source, text)
        }
    }

    /// The documents read, to add to a report's sources (excerpts of SS5002 findings).
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Where `part` (a statement, a slice of `text`) is: the document about to be added, and
    /// the byte range of its first line.
    fn place(&self, text: &str, part: &str) -> (usize, usize, usize) {
        let start = (part.as_ptr() as usize)
            .saturating_sub(text.as_ptr() as usize)
            .min(text.len());
        let end = start + part.find('\n').unwrap_or(part.len());
        (self.files.len(), start, end)
    }

    fn add_document(&mut self, source: &str, text: &str) -> Result<(), VexError> {
        let err = |e: serde_json::Error| json_error(source, text, text, &e);
        let probe: Probe = serde_json::from_str(text).map_err(err)?;
        let openvex = match &probe.context {
            Some(serde_json::Value::String(c)) => is_openvex_context(c),
            // JSON-LD allows a list of contexts.
            Some(serde_json::Value::Array(cs)) => cs
                .iter()
                .any(|c| c.as_str().is_some_and(is_openvex_context)),
            _ => false,
        };
        if openvex {
            let doc: OpenVexDoc = serde_json::from_str(text).map_err(err)?;
            self.add_openvex(source, text, doc)
        } else if probe.bom_format.as_deref() == Some("CycloneDX") {
            let doc: CdxBom = serde_json::from_str(text).map_err(err)?;
            self.add_cyclonedx(source, text, doc)
        } else {
            Err(VexError {
                path: source.to_string(),
                line: None,
                column: None,
                message: "not a VEX document: neither OpenVEX (an `@context` of https://openvex.dev/ns) nor CycloneDX (`bomFormat: \"CycloneDX\"`) JSON".to_string(),
            })
        }
    }

    /// How many statements were read.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    fn add_openvex(&mut self, source: &str, text: &str, doc: OpenVexDoc) -> Result<(), VexError> {
        let doc_time = doc.timestamp;
        for (i, raw) in doc.statements.into_iter().enumerate() {
            let part = raw.get();
            let r: RawOvStatement =
                serde_json::from_str(part).map_err(|e| json_error(source, text, part, &e))?;
            let s = OvStatement::try_from(r)
                .map_err(|message| at_start(source, text, part, message))?;
            let mut ids = vec![s.vulnerability.name];
            ids.extend(s.vulnerability.id);
            ids.extend(s.vulnerability.aliases);
            let place = self.place(text, part);
            self.statements.push(Statement {
                source: source.to_string(),
                key: format!("statements[{i}]"),
                place,
                ids,
                products: s.products,
                status: s.status,
                justification: s.justification,
                statement: s.impact_statement.or(s.status_notes),
                action: s.action_statement,
                time: s.last_updated.or(s.timestamp).or(doc_time),
                unresolved: None,
            });
        }
        Ok(())
    }

    fn add_cyclonedx(&mut self, source: &str, text: &str, bom: CdxBom) -> Result<(), VexError> {
        let mut refs: Vec<(String, Option<String>)> = Vec::new();
        let mut image_refs: Vec<String> = Vec::new();
        if let Some(c) = bom.metadata.as_ref().and_then(|m| m.component.as_ref()) {
            // The BOM's subject: an image-level statement when a vulnerability names it.
            if let Some(r) = &c.bom_ref {
                image_refs.push(r.clone());
            }
        }
        fn walk(cs: &[CdxComponent], out: &mut Vec<(String, Option<String>)>) {
            for c in cs {
                if let Some(r) = &c.bom_ref {
                    out.push((r.clone(), c.purl.clone()));
                }
                walk(&c.components, out);
            }
        }
        walk(&bom.components, &mut refs);
        let doc_time = bom.metadata.and_then(|m| m.timestamp);
        for (i, raw) in bom.vulnerabilities.into_iter().enumerate() {
            let key = format!("vulnerabilities[{i}]");
            let part = raw.get();
            let v: CdxVulnerability =
                serde_json::from_str(part).map_err(|e| json_error(source, text, part, &e))?;
            let Some(analysis) = v.analysis else { continue };
            let Some(state) = analysis.state else {
                continue;
            };
            let bad = |message: String| at_start(source, text, part, format!("{key}: {message}"));
            let (status, justification) = match state.as_str() {
                "not_affected" => (VexStatus::NotAffected, analysis.justification),
                "false_positive" => (
                    VexStatus::NotAffected,
                    Some(
                        analysis
                            .justification
                            .unwrap_or_else(|| "false_positive".into()),
                    ),
                ),
                "resolved" | "resolved_with_pedigree" => (VexStatus::Fixed, analysis.justification),
                "exploitable" => (VexStatus::Affected, analysis.justification),
                "in_triage" => (VexStatus::UnderInvestigation, analysis.justification),
                other => return Err(bad(format!("unknown analysis state `{other}`"))),
            };
            let mut ids: Vec<String> = v.id.into_iter().collect();
            ids.extend(v.references.into_iter().map(|r| r.id));
            if ids.is_empty() {
                return Err(bad("no vulnerability id".to_string()));
            }
            let mut products = Vec::new();
            let mut unresolved = None;
            for (j, a) in v.affects.iter().enumerate() {
                let r = a.reference.as_str();
                let before = products.len();
                if image_refs.iter().any(|x| x == r) {
                    // The BOM's own subject: applies to the scanned image as a whole.
                    products.push(Product {
                        idents: vec![Ident::Other(IMAGE_SUBJECT.to_string())],
                        subcomponents: Vec::new(),
                        versions: None,
                    });
                } else if let Some((_, purl)) = refs.iter().find(|(x, _)| x == r) {
                    match purl.as_deref().map(parse_purl) {
                        Some(Ok(p)) => products.push(Product {
                            idents: vec![Ident::Purl(Box::new(p))],
                            subcomponents: Vec::new(),
                            versions: None,
                        }),
                        Some(Err(e)) => {
                            return Err(bad(format!("affects[{j}]: the component's purl: {e}")))
                        }
                        None => {
                            unresolved = Some(format!(
                                "affects[{j}] names component `{r}`, which has no purl"
                            ))
                        }
                    }
                } else if let Ok(p) = parse_purl(r) {
                    products.push(Product {
                        idents: vec![Ident::Purl(Box::new(p))],
                        subcomponents: Vec::new(),
                        versions: None,
                    });
                } else if let Some((_, fragment)) =
                    r.strip_prefix("urn:cdx:").and_then(|x| x.split_once('#'))
                {
                    // A BOM-Link into another BOM: usable when its bom-ref is a purl.
                    match parse_purl(fragment) {
                        Ok(p) => products.push(Product {
                            idents: vec![Ident::Purl(Box::new(p))],
                            subcomponents: Vec::new(),
                            versions: None,
                        }),
                        Err(_) => {
                            unresolved = Some(format!(
                                "affects[{j}] links `{r}` in another BOM, and its bom-ref is not a purl"
                            ))
                        }
                    }
                } else {
                    return Err(bad(format!(
                        "affects[{j}]: `{r}` names no component of this BOM"
                    )));
                }
                if a.versions.is_empty() {
                    continue;
                }
                if let Some(p) = products.get_mut(before) {
                    p.versions = Some(
                        cdx_versions(&a.versions, status, &p.idents)
                            .map_err(|m| bad(format!("affects[{j}].{m}")))?,
                    );
                    let image = p.idents.iter().any(|i| match i {
                        Ident::Other(_) => true,
                        Ident::Purl(p) => p.ty() == "oci" || p.ty() == "docker",
                    });
                    if image {
                        unresolved = Some(format!(
                            "affects[{j}] limits the statement to some versions of the image, whose version is not known"
                        ));
                    }
                }
            }
            if v.affects.is_empty() {
                return Err(bad(
                    "no `affects`: the statement names no product".to_string()
                ));
            }
            let place = self.place(text, part);
            self.statements.push(Statement {
                source: source.to_string(),
                key,
                place,
                ids,
                products,
                status,
                justification,
                statement: analysis.detail,
                action: (!analysis.response.is_empty()).then(|| analysis.response.join(", ")),
                time: analysis
                    .last_updated
                    .or(analysis.first_issued)
                    .or(v.updated)
                    .or(v.published)
                    .or(doc_time),
                unresolved,
            });
        }
        Ok(())
    }

    /// Marks the vulnerability findings of `analysis` with the statement that applies to each
    /// (the policy then suppresses `not_affected` and `fixed` ones; `affected` and
    /// `under_investigation` are kept, their message saying so) and returns the statements
    /// that applied to none.
    pub fn apply(&self, analysis: &mut Analysis, subject: &Subject) -> Vec<Unused> {
        let mut used = vec![false; self.statements.len()];
        for f in &mut analysis.findings {
            let Some(info) = f.vulnerability.as_deref_mut() else {
                continue;
            };
            let package = info.purl.as_deref().and_then(|p| parse_purl(p).ok());
            let mut best: Option<usize> = None;
            for (i, s) in self.statements.iter().enumerate() {
                if !s.ids.iter().any(|id| info.has_id(id)) {
                    continue;
                }
                if !s
                    .products
                    .iter()
                    .any(|p| product_applies(p, package.as_ref(), subject))
                {
                    continue;
                }
                used[i] = true;
                // Later statements win: by time, then by order read.
                if best.is_none_or(|b| self.statements[b].time <= s.time) {
                    best = Some(i);
                }
            }
            let Some(b) = best else { continue };
            let s = &self.statements[b];
            let verdict = VexVerdict {
                status: s.status,
                justification: s.justification.clone(),
                statement: s.statement.clone(),
                action: s.action.clone(),
                source: s.source.clone(),
                key: s.key.clone(),
            };
            if !s.status.suppresses() {
                f.message
                    .push_str(&format!("; VEX: {}", verdict.describe()));
            }
            info.vex = Some(verdict);
        }
        self.statements
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(s, _)| {
                let (file, start, end) = s.place;
                let location = match self.files.get(file) {
                    Some(f) => Location::in_file(f, start, end),
                    None => Location::path(s.source.clone()),
                };
                Unused {
                    source: s.source.clone(),
                    key: s.key.clone(),
                    vulnerability: s.ids.first().cloned().unwrap_or_default(),
                    why: s.unresolved.clone(),
                    location: location.with_key(s.key.clone()),
                }
            })
            .collect()
    }
}

/// The SS5002 findings of statements that applied to nothing.
pub fn unused_findings(unused: &[Unused]) -> Vec<Finding> {
    use crate::rules::vex_statement_unused::META;
    unused
        .iter()
        .map(|u| {
            let why = u
                .why
                .as_ref()
                .map(|w| format!(" ({w})"))
                .unwrap_or_default();
            Finding::new(
                &META,
                u.location.clone(),
                format!(
                    "VEX statement about {} matched no vulnerability finding{why}",
                    u.vulnerability
                ),
                &u.vulnerability,
            )
        })
        .collect()
}

/// Where `part` (a slice of `text`) starts: 1-based line and column.
fn position(text: &str, part: &str) -> (usize, usize) {
    let offset = (part.as_ptr() as usize)
        .saturating_sub(text.as_ptr() as usize)
        .min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A serde error in `part` (a slice of `text`, or `text` itself), at its place in `text`.
fn json_error(source: &str, text: &str, part: &str, e: &serde_json::Error) -> VexError {
    let (line, column) = position(text, part);
    let message = e.to_string();
    VexError {
        path: source.to_string(),
        line: Some(line + e.line().saturating_sub(1)),
        column: Some(if e.line() <= 1 {
            column + e.column().saturating_sub(1)
        } else {
            e.column()
        }),
        message: message.split(" at line ").next().unwrap_or("").to_string(),
    }
}

/// An error about the whole of `part` (a statement), at its first line.
fn at_start(source: &str, text: &str, part: &str, message: String) -> VexError {
    let (line, column) = position(text, part);
    VexError {
        path: source.to_string(),
        line: Some(line),
        column: Some(column),
        message,
    }
}

/// The `@id` that stands for "the BOM's subject" (CycloneDX `metadata.component`).
const IMAGE_SUBJECT: &str = "\u{0}image";

fn is_openvex_context(c: &str) -> bool {
    c.starts_with("https://openvex.dev/ns")
}

fn parse_purl(s: &str) -> Result<PackageUrl<'static>, String> {
    let err = |e: packageurl::Error| format!("`{s}`: {e}");
    let p = PackageUrl::from_str(s).map_err(err)?;
    // Owned, so that statements outlive the document text.
    let mut o = PackageUrl::new(p.ty().to_string(), p.name().to_string()).map_err(err)?;
    if let Some(n) = p.namespace() {
        o.with_namespace(n.to_string()).map_err(err)?;
    }
    if let Some(v) = p.version() {
        o.with_version(v.to_string()).map_err(err)?;
    }
    for (k, v) in p.qualifiers() {
        o.add_qualifier(k.to_string(), v.to_string()).map_err(err)?;
    }
    Ok(o)
}

fn eq_opt(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

/// `pattern` names `actual`: type, namespace and name equal, the version equal unless the
/// pattern has none, qualifiers equal where both give them.
fn purl_matches(pattern: &PackageUrl, actual: &PackageUrl) -> bool {
    pattern.ty().eq_ignore_ascii_case(actual.ty())
        && eq_opt(pattern.namespace(), actual.namespace())
        && pattern.name() == actual.name()
        && pattern
            .version()
            .is_none_or(|v| Some(v) == actual.version())
        && pattern
            .qualifiers()
            .iter()
            .all(|(k, v)| actual.qualifiers().get(k).is_none_or(|a| a == v))
}

fn names_package(idents: &[Ident], package: Option<&PackageUrl>) -> bool {
    let Some(pkg) = package else { return false };
    idents.iter().any(|i| match i {
        Ident::Purl(p) => purl_matches(p, pkg),
        Ident::Other(_) => false,
    })
}

/// The repository of an image name (`docker.io/library/debian:12` → `docker.io/library/debian`).
fn repository(name: &str) -> &str {
    let name = name.split('@').next().unwrap_or(name);
    match name.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => name,
    }
}

fn names_image(idents: &[Ident], subject: &Subject) -> bool {
    idents.iter().any(|i| match i {
        Ident::Other(s) => {
            s == IMAGE_SUBJECT
                || subject.names.iter().any(|n| n == s)
                || subject.digests.iter().any(|d| d == s)
        }
        Ident::Purl(p) if p.ty() == "oci" || p.ty() == "docker" => {
            let version_ok = p.version().is_none_or(|v| {
                subject.digests.iter().any(|d| d == v)
                    || subject
                        .names
                        .iter()
                        .any(|n| n.rsplit_once(':').is_some_and(|(_, t)| t == v))
            });
            let wanted_repo = p.qualifiers().get("repository_url").map(|r| r.to_string());
            let wanted_tag = p.qualifiers().get("tag").map(|t| t.to_string());
            let name_ok = subject.names.iter().any(|n| {
                let repo = repository(n);
                let last = repo.rsplit('/').next().unwrap_or(repo);
                let ns_ok = p.namespace().is_none_or(|ns| {
                    repo.trim_end_matches(last)
                        .trim_end_matches('/')
                        .ends_with(ns)
                });
                let tag = n
                    .split('@')
                    .next()
                    .and_then(|x| x.rsplit_once(':'))
                    .map(|(_, t)| t)
                    .filter(|t| !t.contains('/'));
                last == p.name()
                    && ns_ok
                    && wanted_tag.as_deref().is_none_or(|w| tag == Some(w))
                    && wanted_repo.as_deref().is_none_or(|w| {
                        w == repo
                            || repo.ends_with(&format!("/{w}"))
                            || w.ends_with(&format!("/{repo}"))
                    })
            });
            // A digest names the image on its own; a name needs the tag or no version.
            (p.version()
                .is_some_and(|v| subject.digests.iter().any(|d| d == v)))
                || (name_ok && version_ok)
        }
        Ident::Purl(_) => false,
    })
}

fn product_applies(p: &Product, package: Option<&PackageUrl>, subject: &Subject) -> bool {
    if let Some(versions) = &p.versions {
        // An image's own version is not known: a version-limited image product never applies.
        return names_package(&p.idents, package)
            && package.is_some_and(|pkg| versions_cover(versions, pkg));
    }
    if names_package(&p.idents, package) {
        return true;
    }
    names_image(&p.idents, subject)
        && (p.subcomponents.is_empty() || p.subcomponents.iter().any(|s| names_package(s, package)))
}

// ---- OpenVEX v0.2.0 ----

#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "@context")]
    context: Option<serde_json::Value>,
    #[serde(rename = "bomFormat")]
    bom_format: Option<String>,
}

#[derive(Deserialize)]
struct OpenVexDoc<'a> {
    timestamp: Option<jiff::Timestamp>,
    /// Parsed one by one, so that an error names the statement's line.
    #[serde(borrow)]
    statements: Vec<&'a serde_json::value::RawValue>,
}

/// A statement's vulnerability: an object (v0.2.0), or a bare name (v0.0.1).
#[derive(Deserialize)]
#[serde(try_from = "serde_json::Value")]
struct OvVulnerability {
    id: Option<String>,
    name: String,
    aliases: Vec<String>,
}

#[derive(Deserialize)]
struct RawOvVulnerability {
    #[serde(rename = "@id")]
    id: Option<String>,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

impl TryFrom<serde_json::Value> for OvVulnerability {
    type Error = String;

    fn try_from(v: serde_json::Value) -> Result<Self, String> {
        match v {
            serde_json::Value::String(name) => Ok(OvVulnerability {
                id: None,
                name,
                aliases: Vec::new(),
            }),
            v @ serde_json::Value::Object(_) => {
                let r: RawOvVulnerability =
                    serde_json::from_value(v).map_err(|e| format!("`vulnerability`: {e}"))?;
                Ok(OvVulnerability {
                    id: r.id,
                    name: r.name,
                    aliases: r.aliases,
                })
            }
            _ => Err("`vulnerability` must be an object with a `name`, or a name".to_string()),
        }
    }
}

struct OvStatement {
    vulnerability: OvVulnerability,
    timestamp: Option<jiff::Timestamp>,
    last_updated: Option<jiff::Timestamp>,
    products: Vec<Product>,
    status: VexStatus,
    status_notes: Option<String>,
    justification: Option<String>,
    impact_statement: Option<String>,
    action_statement: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawJustification {
    ComponentNotPresent,
    VulnerableCodeNotPresent,
    VulnerableCodeNotInExecutePath,
    VulnerableCodeCannotBeControlledByAdversary,
    InlineMitigationsAlreadyExist,
}

impl RawJustification {
    fn as_str(&self) -> &'static str {
        match self {
            RawJustification::ComponentNotPresent => "component_not_present",
            RawJustification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            RawJustification::VulnerableCodeNotInExecutePath => {
                "vulnerable_code_not_in_execute_path"
            }
            RawJustification::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            RawJustification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
        }
    }
}

#[derive(Deserialize)]
struct RawOvStatement {
    vulnerability: OvVulnerability,
    timestamp: Option<jiff::Timestamp>,
    last_updated: Option<jiff::Timestamp>,
    #[serde(default)]
    products: Vec<RawOvProduct>,
    /// v0.0.1: the subcomponents of every product, named beside the products.
    #[serde(default)]
    subcomponents: Vec<RawOvComponent>,
    status: RawStatus,
    status_notes: Option<String>,
    justification: Option<RawJustification>,
    impact_statement: Option<String>,
    action_statement: Option<String>,
}

/// A product or subcomponent: an object (v0.2.0), or a bare identifier (v0.0.1).
#[derive(Deserialize, Clone)]
#[serde(try_from = "serde_json::Value")]
struct RawOvComponent {
    id: Option<String>,
    purl: Option<String>,
}

#[derive(Deserialize)]
struct RawOvComponentObject {
    #[serde(rename = "@id")]
    id: Option<String>,
    identifiers: Option<RawIdentifiers>,
}

impl TryFrom<serde_json::Value> for RawOvComponent {
    type Error = String;

    fn try_from(v: serde_json::Value) -> Result<Self, String> {
        match v {
            serde_json::Value::String(id) => Ok(RawOvComponent {
                id: Some(id),
                purl: None,
            }),
            v @ serde_json::Value::Object(_) => {
                let o: RawOvComponentObject =
                    serde_json::from_value(v).map_err(|e| e.to_string())?;
                Ok(RawOvComponent {
                    id: o.id,
                    purl: o.identifiers.and_then(|i| i.purl),
                })
            }
            _ => Err("a product or subcomponent must be an object or an identifier".to_string()),
        }
    }
}

/// A product: an object with its subcomponents (v0.2.0), or a bare identifier (v0.0.1).
#[derive(Deserialize)]
#[serde(try_from = "serde_json::Value")]
struct RawOvProduct {
    component: RawOvComponent,
    subcomponents: Vec<RawOvComponent>,
}

impl TryFrom<serde_json::Value> for RawOvProduct {
    type Error = String;

    fn try_from(mut v: serde_json::Value) -> Result<Self, String> {
        let subcomponents = match v.as_object_mut().and_then(|o| o.remove("subcomponents")) {
            Some(list) => {
                serde_json::from_value(list).map_err(|e| format!("`subcomponents`: {e}"))?
            }
            None => Vec::new(),
        };
        Ok(RawOvProduct {
            component: RawOvComponent::try_from(v)?,
            subcomponents,
        })
    }
}

#[derive(Deserialize)]
struct RawIdentifiers {
    purl: Option<String>,
}

fn idents(c: RawOvComponent) -> Result<Vec<Ident>, String> {
    let mut out = Vec::new();
    if let Some(id) = c.id {
        if id.starts_with("pkg:") {
            out.push(Ident::Purl(Box::new(parse_purl(&id)?)));
        } else {
            out.push(Ident::Other(id));
        }
    }
    if let Some(p) = c.purl {
        out.push(Ident::Purl(Box::new(parse_purl(&p)?)));
    }
    if out.is_empty() {
        return Err("a product or subcomponent without `@id` or `identifiers.purl`".to_string());
    }
    Ok(out)
}

impl TryFrom<RawOvStatement> for OvStatement {
    type Error = String;

    fn try_from(r: RawOvStatement) -> Result<Self, String> {
        let name = &r.vulnerability.name;
        let status = match r.status {
            RawStatus::NotAffected => VexStatus::NotAffected,
            RawStatus::Affected => VexStatus::Affected,
            RawStatus::Fixed => VexStatus::Fixed,
            RawStatus::UnderInvestigation => VexStatus::UnderInvestigation,
        };
        if status == VexStatus::NotAffected
            && r.justification.is_none()
            && r.impact_statement.is_none()
        {
            return Err(format!(
                "statement about {name}: `not_affected` needs a `justification` or an `impact_statement`"
            ));
        }
        if r.products.is_empty() {
            return Err(format!("statement about {name} names no product"));
        }
        let products = r
            .products
            .into_iter()
            .map(|p| {
                Ok(Product {
                    idents: idents(p.component)?,
                    subcomponents: p
                        .subcomponents
                        .into_iter()
                        .chain(r.subcomponents.iter().cloned())
                        .map(idents)
                        .collect::<Result<_, String>>()?,
                    versions: None,
                })
            })
            .collect::<Result<Vec<_>, String>>()
            .map_err(|e| format!("statement about {name}: {e}"))?;
        Ok(OvStatement {
            vulnerability: r.vulnerability,
            timestamp: r.timestamp,
            last_updated: r.last_updated,
            products,
            status,
            status_notes: r.status_notes,
            justification: r.justification.map(|j| j.as_str().to_string()),
            impact_statement: r.impact_statement,
            action_statement: r.action_statement,
        })
    }
}

// ---- CycloneDX VEX ----

#[derive(Deserialize)]
struct CdxBom<'a> {
    metadata: Option<CdxMetadata>,
    #[serde(default)]
    components: Vec<CdxComponent>,
    /// Parsed one by one, so that an error names the vulnerability's line.
    #[serde(default, borrow)]
    vulnerabilities: Vec<&'a serde_json::value::RawValue>,
}

#[derive(Deserialize)]
struct CdxMetadata {
    timestamp: Option<jiff::Timestamp>,
    component: Option<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxComponent {
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    purl: Option<String>,
    #[serde(default)]
    components: Vec<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxVulnerability {
    id: Option<String>,
    #[serde(default)]
    references: Vec<CdxReference>,
    analysis: Option<CdxAnalysis>,
    #[serde(default)]
    affects: Vec<CdxAffects>,
    published: Option<jiff::Timestamp>,
    updated: Option<jiff::Timestamp>,
}

#[derive(Deserialize)]
struct CdxReference {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CdxAnalysis {
    state: Option<String>,
    justification: Option<String>,
    #[serde(default)]
    response: Vec<String>,
    detail: Option<String>,
    first_issued: Option<jiff::Timestamp>,
    last_updated: Option<jiff::Timestamp>,
}

#[derive(Deserialize)]
struct CdxAffects {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    versions: Vec<CdxVersion>,
}

#[derive(Deserialize)]
struct CdxVersion {
    version: Option<String>,
    range: Option<String>,
    /// The schema's default is `affected`.
    #[serde(default)]
    status: CdxAffectedStatus,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum CdxAffectedStatus {
    #[default]
    Affected,
    Unaffected,
    Unknown,
}

/// Reads an `affects[].versions` list for a statement of `status` about the product
/// `idents`; the error starts with `versions[k]` (the caller prefixes the `affects` entry).
fn cdx_versions(
    list: &[CdxVersion],
    status: VexStatus,
    idents: &[Ident],
) -> Result<Vec<VersionEntry>, String> {
    let component = idents.iter().find_map(|i| match i {
        Ident::Purl(p) if p.ty() != "oci" && p.ty() != "docker" => Some(p),
        _ => None,
    });
    list.iter()
        .enumerate()
        .map(|(k, e)| {
            let agrees = match status {
                VexStatus::NotAffected | VexStatus::Fixed => {
                    e.status == CdxAffectedStatus::Unaffected
                }
                VexStatus::Affected => e.status == CdxAffectedStatus::Affected,
                VexStatus::UnderInvestigation => e.status != CdxAffectedStatus::Unaffected,
            };
            let covers = match (&e.version, &e.range) {
                (Some(v), None) => Covers::Exact(v.clone()),
                (None, Some(r)) => {
                    let vers = Vers::parse(r)
                        .map_err(|m| format!("versions[{k}]: range `{r}`: {m}"))?;
                    if let (Some(p), Some(order)) = (component, vers.order()) {
                        if order != Order::SemVer && order_of_type(p.ty()) != Some(order) {
                            return Err(format!(
                                "versions[{k}]: range `{r}` compares {} versions, and the component `{p}` is a {} package",
                                vers.scheme,
                                p.ty()
                            ));
                        }
                    }
                    Covers::Range(vers)
                }
                _ => {
                    return Err(format!(
                        "versions[{k}]: needs exactly one of `version` and `range`"
                    ))
                }
            };
            Ok(VersionEntry { agrees, covers })
        })
        .collect()
}

/// The version of `pkg` as its ecosystem compares it (an rpm's `epoch` qualifier in front),
/// and that ecosystem's order when shipshape knows it.
fn package_version(pkg: &PackageUrl) -> Option<(String, Option<Order>)> {
    let v = pkg.version()?;
    let v = match pkg.qualifiers().get("epoch") {
        Some(e) if pkg.ty() == "rpm" && !v.contains(':') => format!("{e}:{v}"),
        _ => v.to_string(),
    };
    Some((v, order_of_type(pkg.ty())))
}

/// Whether `versions` let a statement hold for `pkg`: an agreeing entry covers its version
/// and no disagreeing one does. A package without a version is covered by nothing.
fn versions_cover(versions: &[VersionEntry], pkg: &PackageUrl) -> bool {
    let Some((version, order)) = package_version(pkg) else {
        return false;
    };
    let covered = |e: &VersionEntry| match &e.covers {
        Covers::Exact(v) => {
            *v == version
                || order.is_some_and(|o| o.compare(v, &version) == Ok(std::cmp::Ordering::Equal))
        }
        Covers::Range(r) => r.contains(&version, order),
    };
    versions.iter().any(|e| e.agrees && covered(e))
        && !versions.iter().any(|e| !e.agrees && covered(e))
}

/// Loads `paths` as a [`VexSet`], or nothing when there are none.
pub fn load_optional(paths: &[PathBuf]) -> Result<Option<VexSet>, VexError> {
    if paths.is_empty() {
        Ok(None)
    } else {
        VexSet::load(paths).map(Some)
    }
}

/// The payload of a DSSE envelope (`payloadType` + base64 `payload`), if `v` is one.
fn dsse_payload(v: &serde_json::Value) -> Option<&str> {
    v.get("payloadType")?;
    v.get("payload")?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipshape_core::vulnerability::VulnerabilityInfo;

    fn finding(id: &str, aliases: &[&str], purl: &str) -> Finding {
        Finding::new(
            &crate::rules::package_vulnerable::META,
            Location::path("img:/var/lib/dpkg/status"),
            format!("libc6 is affected by {id}"),
            id,
        )
        .with_vulnerability(VulnerabilityInfo {
            id: id.into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            purl: Some(purl.into()),
            kev: None,
            epss: None,
            vex: None,
        })
    }

    const LIBC6: &str = "pkg:deb/debian/libc6@2.36-9+deb12u10?arch=amd64&distro=debian-12";

    fn openvex(statements: &str) -> String {
        format!(
            r#"{{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/1",
  "author": "Example Security",
  "timestamp": "2025-06-01T00:00:00Z",
  "version": 1,
  "statements": [{statements}]
}}"#
        )
    }

    fn subject() -> Subject {
        Subject {
            names: vec!["docker-archive:/tmp/app.tar".into(), "app:1".into()],
            digests: vec!["sha256:abc".into()],
        }
    }

    fn status_of(set: &VexSet, f: Finding) -> (Option<VexStatus>, Vec<Unused>, String) {
        let mut a = Analysis::default();
        a.findings.push(f);
        let unused = set.apply(&mut a, &subject());
        let f = a.findings.remove(0);
        let info = f.vulnerability.unwrap();
        (info.vex.map(|v| v.status), unused, f.message)
    }

    #[test]
    fn openvex_package_statement_by_alias_and_later_wins() {
        let mut set = VexSet::default();
        set.add(
            "vex.json",
            &openvex(
                r#"
    {"vulnerability": {"name": "DSA-9999-1", "aliases": ["CVE-2025-4802"]},
     "products": [{"@id": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u10"}],
     "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
     "timestamp": "2025-06-02T00:00:00Z"},
    {"vulnerability": {"name": "CVE-2025-4802"},
     "products": [{"@id": "pkg:deb/debian/libc6"}],
     "status": "affected", "action_statement": "upgrade", "timestamp": "2025-05-01T00:00:00Z"}"#,
            ),
        )
        .unwrap();
        let (status, unused, msg) = status_of(&set, finding("CVE-2025-4802", &[], LIBC6));
        assert_eq!(
            status,
            Some(VexStatus::NotAffected),
            "the later statement wins"
        );
        assert!(unused.is_empty(), "both statements applied: {unused:?}");
        assert_eq!(
            msg, "libc6 is affected by CVE-2025-4802",
            "suppressed: unchanged"
        );
        // Another version: the versioned statement does not apply, the unversioned one does.
        let (status, unused, msg) = status_of(
            &set,
            finding("CVE-2025-4802", &[], "pkg:deb/debian/libc6@2.36-9"),
        );
        assert_eq!(status, Some(VexStatus::Affected));
        assert_eq!(unused.len(), 1);
        assert_eq!(unused[0].key, "statements[0]");
        assert_eq!(
            unused[0].location.line(),
            Some(8),
            "the statement's first line"
        );
        assert!(
            msg.contains("; VEX: affected: upgrade, per VEX vex.json statements[1]"),
            "{msg}"
        );
        // Another vulnerability: nothing applies.
        let (status, unused, _) = status_of(&set, finding("CVE-2025-0001", &[], LIBC6));
        assert_eq!((status, unused.len()), (None, 2));
    }

    #[test]
    fn attested_vex_is_read_bare_in_a_statement_and_in_a_dsse_envelope() {
        use base64::Engine as _;
        let doc = openvex(
            r#"{"vulnerability": {"name": "CVE-2025-4802"},
     "products": [{"@id": "pkg:deb/debian/libc6"}],
     "status": "not_affected", "justification": "vulnerable_code_not_present"}"#,
        );
        let statement = format!(
            r#"{{"_type": "https://in-toto.io/Statement/v1",
  "subject": [{{"name": "app", "digest": {{"sha256": "abc"}}}}],
  "predicateType": "https://openvex.dev/ns/v0.2.0",
  "predicate": {doc}}}"#
        );
        let envelope = serde_json::json!({
            "payloadType": "application/vnd.in-toto+json",
            "payload": base64::engine::general_purpose::STANDARD.encode(&statement),
            "signatures": [],
        })
        .to_string();
        for (name, bytes) in [
            ("bare", &doc),
            ("statement", &statement),
            ("dsse", &envelope),
        ] {
            let mut set = VexSet::default();
            set.add_attestation(name, bytes.as_bytes()).unwrap();
            let (status, unused, _) = status_of(&set, finding("CVE-2025-4802", &[], LIBC6));
            assert_eq!(status, Some(VexStatus::NotAffected), "{name}");
            assert!(unused.is_empty(), "{name}");
            assert_eq!(set.files().len(), 1);
        }
        // A statement without a predicate, an envelope whose payload is not a statement, a
        // payload that is not base64: errors naming the attestation.
        let mut set = VexSet::default();
        for bad in [
            r#"{"_type": "https://in-toto.io/Statement/v1", "subject": []}"#.to_string(),
            serde_json::json!({"payloadType": "x", "payload": base64::engine::general_purpose::STANDARD.encode("{}")}).to_string(),
            r#"{"payloadType": "x", "payload": "%%%"}"#.to_string(),
        ] {
            let e = set.add_attestation("img@sha256:def", bad.as_bytes()).unwrap_err();
            assert_eq!(e.path, "img@sha256:def", "{e}");
        }
        assert!(set.is_empty());
    }

    #[test]
    fn openvex_image_product_with_subcomponents() {
        let mut set = VexSet::default();
        set.add(
            "vex.json",
            &openvex(
                r#"{"vulnerability": {"name": "CVE-2025-4802"},
     "products": [{"@id": "pkg:oci/app@sha256%3Aabc",
                   "subcomponents": [{"identifiers": {"purl": "pkg:deb/debian/libc6"}}]}],
     "status": "fixed"}"#,
            ),
        )
        .unwrap();
        let (s, ..) = status_of(&set, finding("CVE-2025-4802", &[], LIBC6));
        assert_eq!(s, Some(VexStatus::Fixed));
        let (s, ..) = status_of(
            &set,
            finding("CVE-2025-4802", &[], "pkg:deb/debian/zlib1g@1"),
        );
        assert_eq!(s, None, "subcomponents narrow the image");
        // An image named by another digest: not ours.
        let mut other = VexSet::default();
        other
            .add(
                "vex.json",
                &openvex(
                    r#"{"vulnerability": {"name": "CVE-2025-4802"},
     "products": [{"@id": "pkg:oci/app@sha256%3Adef"}], "status": "fixed"}"#,
                ),
            )
            .unwrap();
        let (s, ..) = status_of(&other, finding("CVE-2025-4802", &[], LIBC6));
        assert_eq!(s, None);
        // The image by its name, as an IRI: every package.
        let mut by_name = VexSet::default();
        by_name
            .add(
                "vex.json",
                &openvex(
                    r#"{"vulnerability": {"name": "CVE-2025-4802"},
     "products": [{"@id": "app:1"}], "status": "fixed"}"#,
                ),
            )
            .unwrap();
        let (s, ..) = status_of(&by_name, finding("CVE-2025-4802", &[], LIBC6));
        assert_eq!(s, Some(VexStatus::Fixed));
    }

    /// OpenVEX v0.0.1 (vexctl's first releases): the vulnerability and the products are bare
    /// strings, and the statement's own `subcomponents` narrow every product.
    #[test]
    fn openvex_v0_0_1_documents_are_read() {
        let doc = |statement: &str| {
            format!(
                r#"{{"@context": "https://openvex.dev/ns", "@id": "https://example.com/vex/old",
  "author": "Example Security", "timestamp": "2023-01-08T18:02:03Z", "version": "1",
  "statements": [{statement}]}}"#
            )
        };
        let mut set = VexSet::default();
        set.add(
            "old.json",
            &doc(
                r#"{"vulnerability": "CVE-2025-4802", "products": ["pkg:oci/app@sha256%3Aabc"],
     "subcomponents": ["pkg:deb/debian/libc6"], "status": "not_affected",
     "justification": "vulnerable_code_not_in_execute_path"}"#,
            ),
        )
        .unwrap();
        let (s, ..) = status_of(&set, finding("CVE-2025-4802", &[], LIBC6));
        assert_eq!(s, Some(VexStatus::NotAffected));
        let (s, ..) = status_of(
            &set,
            finding("CVE-2025-4802", &[], "pkg:deb/debian/zlib1g@1"),
        );
        assert_eq!(s, None, "the statement's subcomponents narrow the image");
        // A bare package product, with the v0.2.0 context too.
        let mut set = VexSet::default();
        set.add(
            "mixed.json",
            &openvex(r#"{"vulnerability": "CVE-2025-4802", "products": ["pkg:deb/debian/libc6"], "status": "fixed"}"#),
        )
        .unwrap();
        let (s, ..) = status_of(&set, finding("CVE-2025-4802", &[], LIBC6));
        assert_eq!(s, Some(VexStatus::Fixed));
        // Neither shape: an error naming the statement.
        let e = VexSet::default()
            .add(
                "bad.json",
                &openvex(r#"{"vulnerability": 5, "products": ["pkg:deb/debian/libc6"], "status": "fixed"}"#),
            )
            .unwrap_err();
        assert!(e.message.contains("`vulnerability` must be"), "{e}");
        assert_eq!(e.line, Some(7), "{e}");
        let e = VexSet::default()
            .add(
                "bad.json",
                &openvex(r#"{"vulnerability": "CVE-1", "products": [7], "status": "fixed"}"#),
            )
            .unwrap_err();
        assert!(
            e.message.contains("must be an object or an identifier"),
            "{e}"
        );
    }

    #[test]
    fn purl_qualifiers_count_only_when_both_give_them() {
        let p = |s: &str| parse_purl(s).unwrap();
        let actual = p(LIBC6);
        assert!(purl_matches(
            &p("pkg:deb/debian/libc6@2.36-9%2Bdeb12u10"),
            &actual
        ));
        assert!(purl_matches(&p("pkg:deb/debian/libc6?arch=amd64"), &actual));
        assert!(!purl_matches(
            &p("pkg:deb/debian/libc6?arch=arm64"),
            &actual
        ));
        assert!(purl_matches(&p("pkg:deb/debian/libc6?foo=bar"), &actual));
        assert!(!purl_matches(&p("pkg:deb/ubuntu/libc6"), &actual));
        assert!(!purl_matches(&p("pkg:deb/debian/libc6@2.36-9"), &actual));
    }

    #[test]
    fn malformed_documents_name_the_line() {
        let mut set = VexSet::default();
        let text = openvex(
            r#"
    {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:deb/debian/a"}],
     "status": "not_affected"}"#,
        );
        let e = set.add("v.json", &text).unwrap_err();
        assert_eq!(e.line, Some(8), "the statement's first line: {e}");
        assert!(e.to_string().starts_with("v.json:8:5: "), "{e}");
        assert!(e.message.contains("needs a `justification`"), "{e}");
        let text = openvex(
            r#"
    {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:deb/debian/a"}],
     "status": "maybe"}"#,
        );
        let e = set.add("v.json", &text).unwrap_err();
        assert_eq!(e.line, Some(9), "{e}");
        assert!(e.message.contains("unknown variant `maybe`"), "{e}");
        let e = set
            .add(
                "v.json",
                "{\n  \"@context\": \"https://openvex.dev/ns/v0.2.0\",\n  \"statements\": [\n",
            )
            .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        let e = set.add("v.json", "{\"foo\": 1}").unwrap_err();
        assert!(e.message.starts_with("not a VEX document"), "{e}");
        assert!(set.is_empty());
    }

    fn cyclonedx(vulns: &str) -> String {
        format!(
            r#"{{
  "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
  "metadata": {{"timestamp": "2025-06-01T00:00:00Z",
               "component": {{"bom-ref": "image", "type": "container", "name": "app"}}}},
  "components": [
    {{"bom-ref": "libc6-ref", "type": "library", "name": "libc6",
      "purl": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u10?arch=amd64"}}
  ],
  "vulnerabilities": [{vulns}]
}}"#
        )
    }

    #[test]
    fn cyclonedx_states_and_refs() {
        for (state, expect) in [
            ("not_affected", Some(VexStatus::NotAffected)),
            ("false_positive", Some(VexStatus::NotAffected)),
            ("resolved", Some(VexStatus::Fixed)),
            ("exploitable", Some(VexStatus::Affected)),
            ("in_triage", Some(VexStatus::UnderInvestigation)),
        ] {
            let mut set = VexSet::default();
            set.add(
                "bom.json",
                &cyclonedx(&format!(
                    r#"{{"id": "CVE-2025-4802", "analysis": {{"state": "{state}", "justification": "code_not_reachable"}},
                        "affects": [{{"ref": "libc6-ref"}}]}}"#
                )),
            )
            .unwrap();
            let (s, ..) = status_of(
                &set,
                finding("DEBIAN-CVE-2025-4802", &["CVE-2025-4802"], LIBC6),
            );
            assert_eq!(s, expect, "{state}");
        }
        // The BOM's subject: the whole image.
        let mut set = VexSet::default();
        set.add(
            "bom.json",
            &cyclonedx(
                r#"{"id": "GHSA-x", "references": [{"id": "CVE-2025-4802", "source": {"name": "NVD"}}],
                    "analysis": {"state": "not_affected", "detail": "not reachable"},
                    "affects": [{"ref": "image"}]}"#,
            ),
        )
        .unwrap();
        let (s, ..) = status_of(
            &set,
            finding("CVE-2025-4802", &[], "pkg:deb/debian/zlib1g@1"),
        );
        assert_eq!(s, Some(VexStatus::NotAffected));
        // A dangling local ref is an error; a BOM-Link to a non-purl is reported unused.
        let mut set = VexSet::default();
        let e = set
            .add(
                "bom.json",
                &cyclonedx(
                    r#"{"id": "CVE-1", "analysis": {"state": "not_affected"}, "affects": [{"ref": "nope"}]}"#,
                ),
            )
            .unwrap_err();
        assert!(
            e.message
                .contains("vulnerabilities[0]: affects[0]: `nope` names no component"),
            "{e}"
        );
        assert_eq!(e.line, Some(9), "the vulnerability's first line: {e}");
        assert!(set.is_empty(), "nothing kept of a rejected document");
        set.add(
            "bom.json",
            &cyclonedx(
                r#"{"id": "CVE-1", "analysis": {"state": "not_affected"}, "affects": [{"ref": "urn:cdx:f08a6ccd/1#comp-1"}]}"#,
            ),
        )
        .unwrap();
        let (_, unused, _) = status_of(&set, finding("CVE-1", &[], LIBC6));
        assert!(
            unused[0].why.as_deref().unwrap().contains("another BOM"),
            "{unused:?}"
        );
        let e = VexSet::default()
            .add("bom.json", &cyclonedx(r#"{"id": "CVE-1", "analysis": {"state": "bogus"}, "affects": [{"ref": "image"}]}"#))
            .unwrap_err();
        assert!(e.message.contains("unknown analysis state `bogus`"), "{e}");
    }

    /// A CycloneDX VEX document whose components carry purls without versions (and one with).
    fn cdx_unversioned(vulns: &str) -> String {
        format!(
            r#"{{
  "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
  "metadata": {{"component": {{"bom-ref": "image", "type": "container", "name": "app"}}}},
  "components": [
    {{"bom-ref": "libc6", "type": "library", "name": "libc6", "purl": "pkg:deb/debian/libc6?arch=amd64"}},
    {{"bom-ref": "lodash", "type": "library", "name": "lodash", "purl": "pkg:npm/lodash"}},
    {{"bom-ref": "libc6-pinned", "type": "library", "name": "libc6",
      "purl": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u10"}}
  ],
  "vulnerabilities": [{vulns}]
}}"#
        )
    }

    /// One statement about CVE-2025-4802 in `state`, on `reference`, limited by `versions`.
    fn limited(state: &str, reference: &str, versions: &str) -> VexSet {
        let mut set = VexSet::default();
        set.add(
            "vex.cdx.json",
            &cdx_unversioned(&format!(
                r#"{{"id": "CVE-2025-4802", "analysis": {{"state": "{state}", "justification": "code_not_reachable"}},
                    "affects": [{{"ref": "{reference}", "versions": [{versions}]}}]}}"#
            )),
        )
        .unwrap();
        set
    }

    fn status_at(set: &VexSet, purl: &str) -> Option<VexStatus> {
        status_of(set, finding("CVE-2025-4802", &[], purl)).0
    }

    const LIBC6_OLD: &str = "pkg:deb/debian/libc6@2.36-9?arch=amd64";
    const LIBC6_NEW: &str = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u11?arch=amd64";

    #[test]
    fn cyclonedx_versions_limit_an_unversioned_component() {
        // Without `versions`, a purl without a version names every version (unchanged).
        let all = limited("not_affected", "libc6", "");
        assert_eq!(status_at(&all, LIBC6_OLD), Some(VexStatus::NotAffected));
        // An explicit version: that version only.
        let one = limited(
            "not_affected",
            "libc6",
            r#"{"version": "2.36-9+deb12u10", "status": "unaffected"}"#,
        );
        assert_eq!(status_at(&one, LIBC6), Some(VexStatus::NotAffected));
        assert_eq!(status_at(&one, LIBC6_OLD), None, "another version stays");
        let (_, unused, _) = status_of(&one, finding("CVE-2025-4802", &[], LIBC6_OLD));
        assert_eq!(unused.len(), 1, "the statement applied to nothing");
        // A deb range, in dpkg order (`+deb12u10` sorts after `-9`).
        let deb = limited(
            "not_affected",
            "libc6",
            r#"{"range": "vers:deb/>=2.36-9|<2.36-9+deb12u11", "status": "unaffected"}"#,
        );
        assert_eq!(status_at(&deb, LIBC6), Some(VexStatus::NotAffected));
        assert_eq!(status_at(&deb, LIBC6_OLD), Some(VexStatus::NotAffected));
        assert_eq!(status_at(&deb, LIBC6_NEW), None, "outside the range");
        assert_eq!(status_at(&deb, "pkg:deb/debian/libc6@2.35-1"), None);
        // An npm range, in SemVer order (`4.17.9` is below `4.17.21`).
        let npm = limited(
            "resolved",
            "lodash",
            r#"{"range": "vers:npm/>=4.17.21", "status": "unaffected"}"#,
        );
        assert_eq!(
            status_at(&npm, "pkg:npm/lodash@4.17.21"),
            Some(VexStatus::Fixed)
        );
        assert_eq!(
            status_at(&npm, "pkg:npm/lodash@5.0.0"),
            Some(VexStatus::Fixed)
        );
        assert_eq!(status_at(&npm, "pkg:npm/lodash@4.17.9"), None);
        assert_eq!(
            status_at(&npm, "pkg:npm/lodash"),
            None,
            "no version: not covered"
        );
        // `!=` takes one version out of a range; `*` covers every version.
        let ne = limited(
            "not_affected",
            "libc6",
            r#"{"range": "vers:deb/>=2.36-1|!=2.36-9+deb12u10|<2.37", "status": "unaffected"}"#,
        );
        assert_eq!(status_at(&ne, LIBC6), None, "excluded by !=");
        assert_eq!(status_at(&ne, LIBC6_OLD), Some(VexStatus::NotAffected));
        let star = limited(
            "not_affected",
            "libc6",
            r#"{"range": "vers:deb/*", "status": "unaffected"}"#,
        );
        assert_eq!(status_at(&star, LIBC6_NEW), Some(VexStatus::NotAffected));
    }

    #[test]
    fn cyclonedx_version_status_must_agree_with_the_analysis() {
        // `affected` (also the default when `status` is absent) and `unknown` entries do not
        // let a not_affected statement suppress anything.
        for versions in [
            r#"{"range": "vers:deb/*", "status": "affected"}"#,
            r#"{"range": "vers:deb/*"}"#,
            r#"{"version": "2.36-9+deb12u10", "status": "unknown"}"#,
        ] {
            let set = limited("not_affected", "libc6", versions);
            assert_eq!(status_at(&set, LIBC6), None, "{versions}");
        }
        // An `exploitable` statement holds where the versions are listed `affected`.
        let exploitable = limited(
            "exploitable",
            "libc6",
            r#"{"range": "vers:deb/<2.36-9+deb12u11", "status": "affected"},
               {"range": "vers:deb/>=2.36-9+deb12u11", "status": "unaffected"}"#,
        );
        assert_eq!(status_at(&exploitable, LIBC6), Some(VexStatus::Affected));
        assert_eq!(status_at(&exploitable, LIBC6_NEW), None);
        // A document contradicting itself about a version does not suppress that version.
        let both = limited(
            "not_affected",
            "libc6",
            r#"{"range": "vers:deb/*", "status": "unaffected"},
               {"version": "2.36-9+deb12u10", "status": "affected"}"#,
        );
        assert_eq!(status_at(&both, LIBC6), None);
        assert_eq!(status_at(&both, LIBC6_OLD), Some(VexStatus::NotAffected));
    }

    #[test]
    fn cyclonedx_versions_narrow_a_versioned_component_and_never_an_image() {
        // The component's purl pins 2.36-9+deb12u10; the range leaves that version out.
        let contradicts = limited(
            "not_affected",
            "libc6-pinned",
            r#"{"range": "vers:deb/<2.36-9+deb12u10", "status": "unaffected"}"#,
        );
        assert_eq!(status_at(&contradicts, LIBC6), None);
        assert_eq!(
            status_at(&contradicts, LIBC6_OLD),
            None,
            "the purl's version still counts"
        );
        let agrees = limited(
            "not_affected",
            "libc6-pinned",
            r#"{"range": "vers:deb/<=2.36-9+deb12u10", "status": "unaffected"}"#,
        );
        assert_eq!(status_at(&agrees, LIBC6), Some(VexStatus::NotAffected));
        // The BOM's subject limited to versions: the image's version is unknown, so nothing.
        let image = limited(
            "not_affected",
            "image",
            r#"{"version": "1.0", "status": "unaffected"}"#,
        );
        let (s, unused, _) = status_of(&image, finding("CVE-2025-4802", &[], LIBC6));
        assert_eq!(s, None);
        assert!(
            unused[0]
                .why
                .as_deref()
                .unwrap_or("")
                .contains("version is not known"),
            "{unused:?}"
        );
    }

    #[test]
    fn bad_cyclonedx_versions_are_errors_naming_the_statement() {
        for (versions, why) in [
            (
                r#"{"range": "vers:deb/>=1.0|>=2.0", "status": "unaffected"}"#,
                "vulnerabilities[0]: affects[0].versions[0]: range `vers:deb/>=1.0|>=2.0`: bounds do not alternate",
            ),
            (
                r#"{"status": "unaffected"}, {"range": "vers:frob/1", "status": "unaffected"}"#,
                "affects[0].versions[0]: needs exactly one of `version` and `range`",
            ),
            (
                r#"{"range": "vers:frob/1", "status": "unaffected"}"#,
                "unknown or unsupported versioning scheme `frob`",
            ),
            (
                r#"{"range": "vers:npm/>=1.0.0", "status": "unaffected"}"#,
                "compares npm versions, and the component `pkg:deb/debian/libc6?arch=amd64` is a deb package",
            ),
            (
                r#"{"version": "1", "range": "vers:deb/*", "status": "unaffected"}"#,
                "needs exactly one of",
            ),
            (
                r#"{"range": "not-vers", "status": "unaffected"}"#,
                "does not start with `vers:`",
            ),
        ] {
            let mut set = VexSet::default();
            let e = set
                .add(
                    "vex.cdx.json",
                    &cdx_unversioned(&format!(
                        r#"{{"id": "CVE-2025-4802", "analysis": {{"state": "not_affected"}},
                    "affects": [{{"ref": "libc6", "versions": [{versions}]}}]}}"#
                    )),
                )
                .unwrap_err();
            assert_eq!(e.path, "vex.cdx.json");
            assert_eq!(e.line, Some(10), "the statement's first line: {e}");
            assert!(e.message.contains(why), "{e}");
            assert!(set.is_empty());
        }
        // An unknown status is a field error at its line.
        let e = VexSet::default()
            .add(
                "vex.cdx.json",
                &cdx_unversioned(
                    r#"{"id": "CVE-1", "analysis": {"state": "not_affected"},
                    "affects": [{"ref": "libc6", "versions": [{"version": "1", "status": "fixed"}]}]}"#,
                ),
            )
            .unwrap_err();
        assert!(e.message.contains("unknown variant `fixed`"), "{e}");
    }
}
