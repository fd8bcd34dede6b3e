//! SS3010: the image's distribution release is out of support.

use crate::audit::Ctx;
use crate::eol::{self, EolStatus};
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3010",
    slug: "image-os-end-of-life",
    summary: "The image's OS release is past (or near) its end of life",
    severity: Severity::High,
    checklist: ChecklistItem::BaseImage,
    source: SourceKind::Image,
    equivalents: &[("trivy", "EOSL")],
    fix: None,
    docs: r#"## What it does
Reads `/etc/os-release` (or `/usr/lib/os-release`) from the image's final filesystem, and looks
the release up in shipshape's end-of-life table. Past the end of all free support: high.
Past regular support but within free extended support (Debian LTS): medium. Regular support
ending within 90 days: low.

## Why it matters
Once a release is out of support, new vulnerabilities in its packages are never fixed: scanners
go on reporting them, and nothing can be upgraded away.

## How to fix
Rebuild on a supported release of the base image (`debian:bookworm-slim` instead of
`debian:buster-slim`), and rebuild regularly.

## Example
```dockerfile
FROM debian:12-slim
```
"#,
};

/// What os-release says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OsRelease {
    pub(crate) id: String,
    pub(crate) version_id: String,
    pub(crate) pretty: String,
}

/// Parses the image's os-release, if any.
pub(crate) fn os_release(ctx: &Ctx) -> Option<OsRelease> {
    let text = ctx
        .content("/etc/os-release")
        .or_else(|| ctx.content("/usr/lib/os-release"))?;
    let text = String::from_utf8_lossy(text);
    let mut id = String::new();
    let mut version = String::new();
    let mut pretty = String::new();
    let mut codename = String::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        match k.trim() {
            "ID" => id = v,
            "VERSION_ID" => version = v,
            "PRETTY_NAME" => pretty = v,
            "VERSION_CODENAME" => codename = v,
            _ => {}
        }
    }
    if id.is_empty() {
        return None;
    }
    // Debian testing/unstable have no VERSION_ID; Alpine's os-release is exact.
    if version.is_empty() {
        version = codename;
    }
    if id == "debian" {
        if let Some(dv) = ctx.content("/etc/debian_version") {
            let dv = String::from_utf8_lossy(dv).trim().to_string();
            if version.is_empty() && dv.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                version = dv;
            }
        }
    }
    if pretty.is_empty() {
        pretty = format!("{id} {version}");
    }
    Some(OsRelease {
        id,
        version_id: version,
        pretty,
    })
}

shipshape_core::declare_rule!(OsEol);

impl Rule for OsEol {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let Some(os) = os_release(ctx) else {
            return Vec::new();
        };
        let Some(info) = eol::lookup(&os.id, &os.version_id) else {
            return Vec::new();
        };
        let (sev, msg) = match info.status(ctx.today) {
        EolStatus::Supported => return Vec::new(),
        EolStatus::EndingSoon => (
            Severity::Low,
            format!("{} ({}) reaches end of life on {}", os.pretty, info.label(), info.eol),
        ),
        EolStatus::ExtendedOnly => (
            Severity::Medium,
            format!(
                "{} ({}) ended regular security support on {}; only extended (LTS) support remains, until {}",
                os.pretty,
                info.label(),
                info.eol,
                info.extended.map(|d| d.to_string()).unwrap_or_default()
            ),
        ),
        EolStatus::EndOfLife => (
            Severity::High,
            format!(
                "{} ({}) is end of life since {}",
                os.pretty,
                info.label(),
                info.extended.unwrap_or(info.eol)
            ),
        ),
    };
        let mut loc = shipshape_core::Location::path("/etc/os-release");
        if let Some(e) = ctx.index().and_then(|ix| {
            ix.resolve(b"/etc/os-release")
                .or_else(|| ix.resolve(b"/usr/lib/os-release"))
        }) {
            loc.layer = Some(ctx.image.layer_digest(e.layer).to_string());
        }
        vec![Finding::new(&META, loc, msg, &info.label()).with_severity(sev)]
    }
}

#[cfg(test)]
mod tests {
    use crate::build::{ImageBuilder, LayerBuilder};
    use crate::rules::testing::{audit_image, of};
    use shipshape_core::Severity;

    fn with_os(text: &str) -> ImageBuilder {
        ImageBuilder::new().layer(
            LayerBuilder::new()
                .file("/usr/lib/os-release", text.as_bytes())
                .symlink("/etc/os-release", "../usr/lib/os-release"),
        )
    }

    #[test]
    fn fires_for_old_releases() {
        // As of 2025-01-15 (the test date): buster is past LTS, bullseye is in LTS.
        let a = audit_image(&with_os(
            "PRETTY_NAME=\"Debian GNU/Linux 10 (buster)\"\nID=debian\nVERSION_ID=\"10\"\n",
        ));
        let f = of(&a, "SS3010");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].location.path.ends_with(":/etc/os-release"));
        let a = audit_image(&with_os("ID=debian\nVERSION_ID=\"11\"\n"));
        assert_eq!(of(&a, "SS3010")[0].severity, Severity::Medium);
        let a = audit_image(&with_os("ID=alpine\nVERSION_ID=3.16.9\n"));
        assert_eq!(of(&a, "SS3010").len(), 1);
    }

    #[test]
    fn quiet_for_supported_or_unknown_releases() {
        assert!(of(
            &audit_image(&with_os("ID=debian\nVERSION_ID=\"12\"\n")),
            "SS3010"
        )
        .is_empty());
        assert!(of(&audit_image(&with_os("ID=plan9\nVERSION_ID=4\n")), "SS3010").is_empty());
        assert!(of(&audit_image(&ImageBuilder::new()), "SS3010").is_empty());
    }
}
