//! The vulnerability options shared by the commands that report vulnerabilities: VEX documents
//! (`--vex`, `vex = [...]`) applied to the findings, and `--fail-on-kev`.

use crate::cli::VulnGateArgs;
use shipshape_core::config::Config;
use shipshape_core::exit;
use shipshape_core::report::Analysis;
use shipshape_core::ScanError;
use shipshape_image::{AttestationKind, Image};
use shipshape_vuln::vex::{unused_findings, Subject, VexSet};

/// The largest VEX attestation read (a vendor's VEX for a whole image is a few hundred KB).
const MAX_ATTESTED_VEX: u64 = 32 << 20;

/// VEX documents read from an image's attestations, added to the user's.
pub struct Attested {
    /// The names the attested documents go by (`REF@sha256:… (VEX attestation, …)`).
    pub sources: Vec<String>,
    /// Attestations that could not be read or parsed.
    pub errors: Vec<ScanError>,
}

/// Adds the VEX documents attached to `image` (BuildKit attestation manifests, OCI referrers,
/// cosign attestations) to `set`, as Docker Scout applies a hardened image's own VEX. An
/// attestation that cannot be read or is not a VEX document is a scan error naming it: its
/// statements would be silently missing otherwise. Attestations the source cannot list are the
/// `provenance` item's business (reported by the audit), not repeated here.
pub fn add_attested(set: &mut Option<VexSet>, image: &Image) -> Attested {
    let mut out = Attested {
        sources: Vec::new(),
        errors: Vec::new(),
    };
    let Ok(attestations) = image.attestations() else {
        return out;
    };
    for a in attestations.of_kind(AttestationKind::Vex) {
        let source = format!("{}@{} ({})", image.reference, a.digest, a.describe());
        let added = image
            .read_attestation(a, MAX_ATTESTED_VEX)
            .map_err(|e| ScanError::new(&source, e.to_string()))
            .and_then(|bytes| {
                set.get_or_insert_with(VexSet::default)
                    .add_attestation(&source, &bytes)
                    .map_err(|e| ScanError {
                        path: e.path.clone(),
                        line: e.line.and_then(|l| u32::try_from(l).ok()),
                        column: e.column.and_then(|c| u32::try_from(c).ok()),
                        message: e.message.clone(),
                    })
            });
        match added {
            Ok(()) => out.sources.push(source),
            Err(e) => out.errors.push(e),
        }
    }
    out
}

/// The VEX documents of the configuration, then those of `--vex`, read and parsed; sets
/// `fail-on-kev` from the flag. A document that cannot be read or parsed is printed with its
/// file and line: `Err` carries the exit code 2.
pub fn prepare(config: &mut Config, args: &VulnGateArgs) -> Result<Option<VexSet>, i32> {
    if args.fail_on_kev {
        config.fail_on_kev = true;
    }
    let paths: Vec<_> = config.vex.iter().chain(&args.vex).cloned().collect();
    if paths.is_empty() {
        return Ok(None);
    }
    match VexSet::load(&paths) {
        Ok(set) => Ok(Some(set)),
        Err(e) => {
            eprintln!("error: {e}");
            Err(exit::ERROR)
        }
    }
}

/// Marks the vulnerability findings of `vulns` with the VEX statement that applies to each;
/// when the packages were checked against a database (SS5001 ran), statements that applied to
/// nothing are reported (SS5002).
///
/// Statements of the image's own attested VEX (`attested`) that applied to nothing are not
/// reported: a vendor's VEX covers every variant of its image, and its unused statements are
/// not the user's to clean up.
pub fn apply(set: Option<&VexSet>, vulns: &mut Analysis, subject: &Subject, attested: &[String]) {
    let Some(set) = set else { return };
    let mut unused = set.apply(vulns, subject);
    unused.retain(|u| !attested.contains(&u.source));
    let looked_up = vulns
        .evaluated
        .contains_key(shipshape_vuln::rules::package_vulnerable::META.code);
    if looked_up {
        vulns.evaluated_by([&shipshape_vuln::rules::vex_statement_unused::META]);
        if !unused.is_empty() {
            for f in set.files() {
                vulns.add_source(f);
            }
        }
        vulns.findings.extend(unused_findings(&unused));
    }
}
