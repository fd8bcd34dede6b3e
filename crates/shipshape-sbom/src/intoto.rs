//! The SBOM as an in-toto Statement v1 (the attestation layer that binds a predicate to a subject
//! by digest): `_type` `https://in-toto.io/Statement/v1`, one subject (the image, by its manifest
//! digest), and the CycloneDX or SPDX document as the predicate. This is the shape BuildKit's
//! SBOM attestations carry and what signing tools take as a whole statement; the statement is
//! unsigned (no envelope).

use crate::Sbom;
use serde_json::{json, Value};

/// The statement type this module writes.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// The predicate type of a CycloneDX document.
pub const PREDICATE_CYCLONEDX: &str = "https://cyclonedx.org/bom";
/// The predicate type of an SPDX document.
pub const PREDICATE_SPDX: &str = "https://spdx.dev/Document";

/// Which SBOM document the statement carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predicate {
    CycloneDx,
    Spdx,
}

/// The statement about the image `name` whose digest is `digest` (`sha256:<hex>`).
/// Fails when the digest is not a SHA-256 digest: the spec requires every subject to carry one.
pub fn statement(
    sbom: &Sbom,
    name: &str,
    digest: &str,
    predicate: Predicate,
    created: &str,
) -> Result<Value, String> {
    let hex = digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| format!("`{digest}` is not a sha256 digest"))?;
    let (predicate_type, document) = match predicate {
        Predicate::CycloneDx => (
            PREDICATE_CYCLONEDX,
            crate::cyclonedx::document(sbom, created),
        ),
        Predicate::Spdx => (PREDICATE_SPDX, crate::spdx::document(sbom, created)),
    };
    Ok(json!({
        "_type": STATEMENT_V1,
        "subject": [{"name": name, "digest": {"sha256": hex.to_ascii_lowercase()}}],
        "predicateType": predicate_type,
        "predicate": document,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Subject, SubjectKind};

    fn sbom() -> Sbom {
        Sbom::new(
            Subject {
                name: "app:1".into(),
                kind: SubjectKind::Image,
                digest: None,
            },
            None,
            Vec::new(),
        )
    }

    #[test]
    fn statement_shape() {
        let d = format!("sha256:{}", "ab".repeat(32));
        let s = statement(
            &sbom(),
            "app",
            &d,
            Predicate::CycloneDx,
            "2025-01-15T00:00:00Z",
        )
        .expect("statement");
        assert_eq!(s["_type"], STATEMENT_V1);
        assert_eq!(s["subject"][0]["digest"]["sha256"], "ab".repeat(32));
        assert_eq!(s["subject"][0]["name"], "app");
        assert_eq!(s["predicateType"], PREDICATE_CYCLONEDX);
        assert_eq!(s["predicate"]["bomFormat"], "CycloneDX");
        let s = statement(&sbom(), "app", &d, Predicate::Spdx, "2025-01-15T00:00:00Z")
            .expect("statement");
        assert_eq!(s["predicateType"], PREDICATE_SPDX);
        assert_eq!(s["predicate"]["spdxVersion"], "SPDX-2.3");
        assert!(statement(&sbom(), "app", "sha512:00", Predicate::Spdx, "x").is_err());
        assert!(statement(&sbom(), "app", "sha256:xyz", Predicate::Spdx, "x").is_err());
    }
}
