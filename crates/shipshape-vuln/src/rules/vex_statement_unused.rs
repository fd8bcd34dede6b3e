//! SS5002: a VEX statement applied to no vulnerability finding.

use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS5002",
    slug: "vex-statement-unused",
    summary: "A VEX statement matched no vulnerability finding",
    severity: Severity::Info,
    checklist: ChecklistItem::Vulnerabilities,
    source: SourceKind::Vulnerability,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Reports each statement of the VEX documents given with `--vex FILE` or `vex = [...]` in
shipshape.toml that applied to no vulnerability finding of the scan: its vulnerability id (or
aliases) and its products (a package purl, or the scanned image with its subcomponents) named
no finding together. The finding points at the document and the statement (`statements[2]`
for OpenVEX, `vulnerabilities[0]` for CycloneDX) and says why when the product could not be
identified at all (a CycloneDX BOM-Link into another BOM whose bom-ref is not a purl) or its
versions cannot be checked (CycloneDX `affects[].versions` on the image itself). A CycloneDX
statement whose `affects[].versions` cover none of the installed versions is reported too.

Reported only when the image's packages were checked against a vulnerability database.

## Why it matters
A statement that matches nothing does not do what its author meant: a typo in a CVE id or a
purl, a product version that is no longer shipped, or a statement about another image. Left
alone, the finding it was written for fails the gate, or a stale statement lingers after the
package was fixed.

## How to fix
Correct the statement's vulnerability id or product purl (type, namespace, name and version
must equal the package's; leave the version out to cover every version; for CycloneDX, list
the installed version or a `vers:` range holding it in `affects[].versions` with the status
`unaffected`), or delete the statement when the vulnerability is gone.

## Example
```json
{"vulnerability": {"name": "CVE-2025-4802"},
 "products": [{"@id": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u10"}],
 "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}
```
"#,
};
