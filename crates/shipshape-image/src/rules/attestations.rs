//! SS3020: the image carries no SBOM or no provenance attestation.

use crate::attest::AttestationKind;
use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, Location, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3020",
    slug: "image-attestations-missing",
    summary: "The image carries no SBOM or no provenance attestation",
    severity: Severity::Low,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Image,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Looks at the attestations attached to the image, as Docker Scout's supply-chain attestations
policy does: the attestation manifests BuildKit puts in the image index
(`vnd.docker.reference.type: attestation-manifest`, in-toto statements), OCI 1.1 referrers (from
a registry's referrers API or its `sha256-<hex>` tag, or the manifests of an OCI layout whose
`subject` is the image), and on registries cosign's `sha256-<hex>.att` tag (attestations cosign
attached without referrers). An SBOM is an SPDX or CycloneDX statement or artifact; provenance is a
SLSA provenance statement (v0.2 or v1). It reports the image when it carries neither, or says
which of the two is missing. Every attestation blob is read and checked against its digest, and an
in-toto statement's `predicateType` is taken from the statement itself.

The rule runs on images whose source can carry attestations: registries, OCI layouts and OCI
archives. A `docker save` archive and the Docker Engine's classic image store drop them, so when
such a source holds none the rule says nothing and the `provenance` checklist item is not
analysed, with that reason in its note (never a pass or a fail it cannot know). When such an
archive does hold attestations (Docker 25 and later write an OCI `index.json` into it, and the
containerd image store keeps them), they are read and judged like any other.

Severity is `low`: a missing attestation is a supply-chain policy violation for a released image
(what Docker Scout reports), not a vulnerability, and the default `--fail-on high` does not fail a
build on it; it fails the `provenance` checklist item, so `require = ["provenance"]` makes it
gate. Local development images are usually inspected from the Engine or a `docker save` archive,
where the rule does not run, so it does not add noise there.

## Why it matters
An SBOM attached to the image lets anyone who pulls it list what is inside without unpacking it,
and lets scanners re-check it when new advisories appear. Provenance records how, from which
source and by which builder the image was made, so a consumer can verify it came from your CI and
not from a laptop. Without them, "what is in this image and where did it come from?" has no
verifiable answer.

## How to fix
Build with BuildKit's attestations and push to a registry or write an OCI layout:
`docker buildx build --sbom=true --provenance=mode=max --push -t REGISTRY/APP:TAG .`
(`--output type=oci,dest=app.tar` for an archive). Or attach them afterwards as referrers:
`shipshape sbom --format cyclonedx IMAGE > sbom.cdx.json` then
`cosign attest --type cyclonedx --predicate sbom.cdx.json IMAGE`, or
`oras attach --artifact-type application/vnd.cyclonedx+json IMAGE sbom.cdx.json`.

## Example
```console
$ docker buildx build --sbom=false --provenance=false --push -t registry.example.com/app:1.4.2 .
$ shipshape image registry.example.com/app:1.4.2
low[SS3020]: the image carries neither an SBOM nor a provenance attestation (image-attestations-missing)

$ docker buildx build --sbom=true --provenance=true --push -t registry.example.com/app:1.4.2 .
$ shipshape image registry.example.com/app:1.4.2
  pass  provenance         SBOM (SPDX, in-toto attestation) and SLSA provenance v0.2 (in-toto attestation); labelled with …
```
"#,
};

shipshape_core::declare_rule!(Attestations);

impl Rule for Attestations {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        // An error reading them is the audit's scan error; a source that cannot carry them is
        // the checklist note. Neither is a finding.
        let Ok(found) = ctx.image.attestations() else {
            return Vec::new();
        };
        if found.not_carried.is_some() {
            return Vec::new();
        }
        let sbom = found.has(AttestationKind::Sbom);
        let provenance = found.has(AttestationKind::Provenance);
        let (message, missing) = match (sbom, provenance) {
            (true, true) => return Vec::new(),
            (false, false) if found.list.is_empty() => (
                "the image carries neither an SBOM nor a provenance attestation".to_string(),
                "sbom,provenance",
            ),
            (false, false) => (
                format!(
                    "the image carries neither an SBOM nor a provenance attestation (it has {})",
                    found.summary()
                ),
                "sbom,provenance",
            ),
            (true, false) => (
                format!(
                    "the image carries {} but no provenance attestation",
                    found.summary()
                ),
                "provenance",
            ),
            (false, true) => (
                format!("the image carries {} but no SBOM", found.summary()),
                "sbom",
            ),
        };
        vec![Finding::new(&META, Location::path(""), message, missing)]
    }
}

#[cfg(test)]
mod tests {
    use crate::build::ImageBuilder;
    use crate::rules::testing::{audit_image, of};

    #[test]
    fn fires_without_attestations_and_names_the_missing_one() {
        let a = audit_image(&ImageBuilder::new());
        let f = of(&a, "SS3020");
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("neither"), "{}", f[0].message);
        let b = ImageBuilder::new().attestation(
            "https://spdx.dev/Document",
            serde_json::json!({"spdxVersion": "SPDX-2.3"}),
        );
        let a = audit_image(&b);
        let f = of(&a, "SS3020");
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "the image carries SBOM (SPDX, in-toto attestation) but no provenance attestation"
        );
    }

    #[test]
    fn quiet_with_sbom_and_provenance() {
        let b = ImageBuilder::new()
            .attestation(
                "https://spdx.dev/Document",
                serde_json::json!({"spdxVersion": "SPDX-2.3"}),
            )
            .attestation(
                "https://slsa.dev/provenance/v1",
                serde_json::json!({"buildDefinition": {}}),
            );
        assert!(of(&audit_image(&b), "SS3020").is_empty());
    }
}
