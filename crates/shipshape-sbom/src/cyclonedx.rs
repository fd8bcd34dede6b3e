//! CycloneDX 1.6 JSON: the image or directory as `metadata.component`, each package a
//! component with its purl, licenses and (as properties) its source package, file and layer;
//! the operating system as an `operating-system` component; dependencies where the databases
//! say.

use crate::model::{Sbom, SubjectKind};
use serde_json::{json, Value};

/// How a declared license string maps onto the SPDX license list.
pub(crate) enum License<'a> {
    /// One SPDX license id (current, not deprecated).
    Id(&'a str),
    /// A valid SPDX expression of several ids.
    Expression(&'a str),
    /// Anything else, kept as written.
    Text(&'a str),
}

pub(crate) fn classify(s: &str) -> License<'_> {
    let s = s.trim();
    match spdx::Expression::parse(s) {
        Ok(_) if spdx::license_id(s).is_some_and(|l| l.name == s && !l.is_deprecated()) => {
            License::Id(s)
        }
        Ok(_) => License::Expression(s),
        Err(_) => License::Text(s),
    }
}

/// The bom-ref of the root component.
fn root_ref(sbom: &Sbom) -> String {
    match sbom.subject.kind {
        SubjectKind::Image => format!("image:{}", sbom.subject.name),
        SubjectKind::Directory => format!("directory:{}", sbom.subject.name),
    }
}

fn licenses(list: &[String]) -> Option<Value> {
    if list.is_empty() {
        return None;
    }
    // The schema takes either license objects or one single expression, never both.
    if let [one] = list {
        if let License::Expression(e) = classify(one) {
            return Some(json!([{ "expression": e }]));
        }
    }
    Some(Value::Array(
        list.iter()
            .map(|l| match classify(l) {
                License::Id(id) => json!({ "license": { "id": id } }),
                License::Expression(t) | License::Text(t) => json!({ "license": { "name": t } }),
            })
            .collect(),
    ))
}

/// A serial number for this document: a UUID derived from its content and creation time.
pub(crate) fn serial(sbom: &Sbom, created: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(sbom.subject.name.as_bytes());
    h.update(created.as_bytes());
    for p in &sbom.packages {
        h.update(p.id.as_bytes());
        h.update([0]);
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50; // version nibble: name-based
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The document. `created` is an RFC 3339 UTC timestamp (`2025-01-15T10:00:00Z`).
pub fn document(sbom: &Sbom, created: &str) -> Value {
    let root = root_ref(sbom);
    let mut root_component = json!({
        "type": match sbom.subject.kind {
            SubjectKind::Image => "container",
            SubjectKind::Directory => "application",
        },
        "bom-ref": root,
        "name": sbom.subject.name,
    });
    if let Some(d) = &sbom.subject.digest {
        if let Some(hex) = d.strip_prefix("sha256:") {
            root_component["hashes"] = json!([{ "alg": "SHA-256", "content": hex }]);
        }
    }
    let mut components = Vec::new();
    let mut dependencies = Vec::new();
    let mut root_deps = Vec::new();
    if let Some(d) = &sbom.distro {
        let os_ref = format!("os:{}", d.qualifier());
        let mut c = json!({
            "type": "operating-system",
            "bom-ref": os_ref,
            "name": d.id,
        });
        if let Some(v) = &d.version_id {
            c["version"] = json!(v);
        }
        if let Some(p) = &d.pretty_name {
            c["description"] = json!(p);
        }
        components.push(c);
        root_deps.push(os_ref);
    }
    for p in &sbom.packages {
        let mut props = Vec::new();
        if let Some(s) = &p.source {
            props.push(json!({ "name": "shipshape:source:name", "value": s.name }));
            if let Some(v) = &s.version {
                props.push(json!({ "name": "shipshape:source:version", "value": v }));
            }
        }
        props.push(json!({ "name": "shipshape:location", "value": p.location }));
        if let Some(l) = &p.layer {
            props.push(json!({ "name": "shipshape:layer", "value": l }));
        }
        let mut c = json!({
            "type": "library",
            "bom-ref": p.id,
            "name": p.name,
            "version": p.version,
            "purl": p.purl,
            "properties": props,
        });
        if let Some(l) = licenses(&p.licenses) {
            c["licenses"] = l;
        }
        components.push(c);
        root_deps.push(p.id.clone());
        dependencies.push(json!({ "ref": p.id, "dependsOn": p.depends_on }));
    }
    dependencies.insert(0, json!({ "ref": root, "dependsOn": root_deps }));
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", serial(sbom, created)),
        "version": 1,
        "metadata": {
            "timestamp": created,
            "tools": {
                "components": [{
                    "type": "application",
                    "name": "shipshape",
                    "version": env!("CARGO_PKG_VERSION"),
                }]
            },
            "component": root_component,
        },
        "components": components,
        "dependencies": dependencies,
    })
}
