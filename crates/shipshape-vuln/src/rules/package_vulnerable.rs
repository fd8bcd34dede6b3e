//! SS5001: an installed package has a known vulnerability.

use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS5001",
    slug: "package-vulnerable",
    summary: "An installed package has a known vulnerability",
    severity: Severity::High,
    checklist: ChecklistItem::Vulnerabilities,
    source: SourceKind::Vulnerability,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Looks every package of the image's SBOM up in the local OSV database (`shipshape db update`, or
`shipshape db import PATH` offline) and reports each vulnerability that affects the installed
version, once per package with all its ids (the CVE, the distribution's advisories, aliases)
and the version that fixes it. Debian and Ubuntu packages are matched through their source
package and release, Alpine packages through their origin and branch, AlmaLinux and Rocky Linux
packages by name and major release.

RHEL and UBI packages are matched by their binary rpm name (the name Red Hat's advisories list)
against the advisories of their major release's main streams: `Red Hat:enterprise_linux:9` with
any repository (`::baseos`, `::appstream`, `::crb`, ...) for a RHEL 9.x package, whatever its
minor release. Advisories for the extended-update streams of one minor release (`rhel_aus`,
`rhel_eus`, `rhel_e4s`, `rhel_tus`) and for other Red Hat products are not matched: an image
does not say which subscription stream it follows, and the main stream's fix is what a
rebuild on the current RHEL release gets. A fix named `0:1.2-3` equals an installed `1.2-3`.

The finding's severity is the vulnerability's rating: the distribution's or database's own
rating when the record gives one (Debian rates some CVEs `unimportant` for the package as it
ships it, whatever their CVSS score), else the highest CVSS v3.x / v4.0 base score computed from
the records' vectors. Negligible is `info`; a
vulnerability no record rates is reported as `medium` (unknown is not harmless). The
`vulnerabilities` checklist item fails on a critical or high finding that is not ignored.

When the CISA KEV catalog or EPSS scores were imported (`shipshape db import`), the message
and the JSON `vulnerability` field say whether the CVE is known exploited and how likely it is
to be; `--fail-on-kev` fails the run on any known exploited one. A VEX statement (`--vex`,
`vex = [...]`) that the package is `not_affected` or `fixed` sets the finding aside, listed as
suppressed with the statement; `affected` and `under_investigation` are shown on it.

With no database the item stays *not analysed*, with a note saying how to get one: never a
silent "no vulnerabilities".

## Why it matters
A known vulnerability in a shipped package is the first thing an attacker (and a CI gate such
as `docker scout cves --only-severity critical,high`) looks for; most have a fixed version in
the same release, so rebuilding is usually enough.

## How to fix
Rebuild the image so that it installs the fixed version (a newer base image, `apt-get upgrade`
of the package in the build), or remove the package. If the vulnerable code cannot run in this
image, say so in a VEX document (`not_affected` with a justification) given with `--vex`, or
accept the finding with an ignore that says why.

## Example
```dockerfile
FROM debian:12-slim
RUN apt-get update && apt-get -y upgrade && rm -rf /var/lib/apt/lists/*
```
"#,
};
