//! SPDX 2.3 JSON: the image or directory as the described root package, which `CONTAINS`
//! every package (and the operating system); `DEPENDS_ON` between packages where the databases
//! say. Declared licenses that are valid SPDX expressions are kept; others are `NOASSERTION`
//! with the text in `licenseComments`.

use crate::cyclonedx::{classify, License};
use crate::model::{Sbom, SubjectKind};
use serde_json::{json, Value};
use std::collections::HashMap;

/// An SPDX element id: `SPDXRef-` then letters, digits, `.` and `-` only.
fn spdx_id(prefix: &str, name: &str, n: usize) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("SPDXRef-{prefix}-{clean}-{n}")
}

fn declared(list: &[String]) -> (String, Option<String>) {
    if list.is_empty() {
        return ("NOASSERTION".into(), None);
    }
    let valid = list
        .iter()
        .all(|l| matches!(classify(l), License::Id(_) | License::Expression(_)));
    if valid {
        let parts: Vec<String> = if list.len() == 1 {
            vec![list[0].trim().to_string()]
        } else {
            list.iter().map(|l| format!("({})", l.trim())).collect()
        };
        (parts.join(" AND "), None)
    } else {
        (
            "NOASSERTION".into(),
            Some(format!("declared: {}", list.join("; "))),
        )
    }
}

/// The document. `created` is an RFC 3339 UTC timestamp (`2025-01-15T10:00:00Z`).
pub fn document(sbom: &Sbom, created: &str) -> Value {
    let (kind, purpose) = match sbom.subject.kind {
        SubjectKind::Image => ("Image", "CONTAINER"),
        SubjectKind::Directory => ("Directory", "SOURCE"),
    };
    let root_id = spdx_id(&format!("DocumentRoot-{kind}"), &sbom.subject.name, 0);
    let mut root = json!({
        "name": sbom.subject.name,
        "SPDXID": root_id,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": purpose,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
    });
    if let Some(d) = &sbom.subject.digest {
        if let Some(hex) = d.strip_prefix("sha256:") {
            root["checksums"] = json!([{ "algorithm": "SHA256", "checksumValue": hex }]);
        }
    }
    let mut packages = vec![root];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": root_id,
    })];
    let contains = |id: &str| {
        json!({
            "spdxElementId": root_id,
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        })
    };
    if let Some(d) = &sbom.distro {
        let id = spdx_id("OperatingSystem", &d.id, 0);
        let mut os = json!({
            "name": d.id,
            "SPDXID": id,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "primaryPackagePurpose": "OPERATING-SYSTEM",
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
        });
        if let Some(v) = &d.version_id {
            os["versionInfo"] = json!(v);
        }
        if let Some(p) = &d.pretty_name {
            os["description"] = json!(p);
        }
        packages.push(os);
        relationships.push(contains(&id));
    }
    let ids: HashMap<&str, String> = sbom
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                p.id.as_str(),
                spdx_id(&format!("Package-{}", p.ecosystem), &p.name, i + 1),
            )
        })
        .collect();
    for p in &sbom.packages {
        let id = &ids[p.id.as_str()];
        let (lic, comment) = declared(&p.licenses);
        let mut pkg = json!({
            "name": p.name,
            "SPDXID": id,
            "versionInfo": p.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "primaryPackagePurpose": "LIBRARY",
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": lic,
            "copyrightText": "NOASSERTION",
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": p.purl,
            }],
        });
        if let Some(c) = comment {
            pkg["licenseComments"] = json!(c);
        }
        let mut about = vec![format!("found in {}", p.location)];
        if let Some(l) = &p.layer {
            about.push(format!("layer {l}"));
        }
        if let Some(s) = &p.source {
            pkg["sourceInfo"] = json!(match &s.version {
                Some(v) => format!("built from source package {} {}", s.name, v),
                None => format!("built from source package {}", s.name),
            });
        }
        pkg["comment"] = json!(about.join(", "));
        packages.push(pkg);
        relationships.push(contains(id));
        for d in &p.depends_on {
            if let Some(to) = ids.get(d.as_str()) {
                relationships.push(json!({
                    "spdxElementId": id,
                    "relationshipType": "DEPENDS_ON",
                    "relatedSpdxElement": to,
                }));
            }
        }
    }
    let serial = crate::cyclonedx::serial(sbom, created);
    let doc_name: String = sbom
        .subject
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": sbom.subject.name,
        "documentNamespace": format!("https://spdx.org/spdxdocs/shipshape-{doc_name}-{serial}"),
        "creationInfo": {
            "created": created,
            "creators": [format!("Tool: shipshape-{}", env!("CARGO_PKG_VERSION"))],
        },
        "documentDescribes": [root_id],
        "packages": packages,
        "relationships": relationships,
    })
}
