//! The quick view of a scan's vulnerabilities, one line as `docker scout quickview` shows it:
//! `vulnerabilities: 0C 2H 10M 2L 1?` (critical, high, medium, low and negligible, unrated),
//! and the part from the base image's layers when the image says where its base ends.
//!
//! It counts every vulnerability finding the database gave, before ignores and filters: it is
//! the image's picture, and the report below it says what was accepted or hidden.

use shipshape_core::subject::{QuickView, VulnerabilityCounts};
use shipshape_core::Finding;
use shipshape_image::Image;
use shipshape_vuln::rules::package_vulnerable::META;
use shipshape_vuln::severity::Rating;
use std::collections::{HashMap, HashSet};

fn add(counts: &mut VulnerabilityCounts, rating: Rating) {
    match rating {
        Rating::Critical => counts.critical += 1,
        Rating::High => counts.high += 1,
        Rating::Medium => counts.medium += 1,
        Rating::Low | Rating::Negligible => counts.low += 1,
        Rating::Unknown => counts.unrated += 1,
    }
}

fn show(c: &VulnerabilityCounts) -> String {
    format!(
        "{}C {}H {}M {}L {}?",
        c.critical, c.high, c.medium, c.low, c.unrated
    )
}

/// The quick view of `findings` (SS5001 ones are counted). `ratings` holds each finding's
/// rating by fingerprint (`scan::lookup`); a finding missing from it counts by its severity.
/// `base_layers`: the digests of the layers the base image made, when known.
pub fn count(
    findings: &[Finding],
    ratings: &HashMap<String, Rating>,
    base_layers: Option<&[String]>,
) -> QuickView {
    let mut all = VulnerabilityCounts::default();
    let mut base = VulnerabilityCounts::default();
    let base_set: Option<HashSet<&str>> =
        base_layers.map(|l| l.iter().map(String::as_str).collect());
    for f in findings.iter().filter(|f| std::ptr::eq(f.rule, &META)) {
        let rating = ratings
            .get(&f.fingerprint)
            .copied()
            .unwrap_or(match f.severity {
                shipshape_core::Severity::Critical => Rating::Critical,
                shipshape_core::Severity::High => Rating::High,
                shipshape_core::Severity::Medium => Rating::Medium,
                shipshape_core::Severity::Low => Rating::Low,
                shipshape_core::Severity::Info => Rating::Negligible,
            });
        add(&mut all, rating);
        if let (Some(set), Some(layer)) = (&base_set, f.location.layer.as_deref()) {
            if set.contains(layer) {
                add(&mut base, rating);
            }
        }
    }
    QuickView {
        all,
        from_base: base_set.map(|_| base),
    }
}

/// The quick view as one line: `vulnerabilities: 0C 2H 10M 2L 1?`, with the base image's share
/// when known.
pub fn line(q: &QuickView) -> String {
    match &q.from_base {
        Some(base) => format!(
            "vulnerabilities: {} (from the base image's layers: {})",
            show(&q.all),
            show(base)
        ),
        None => format!("vulnerabilities: {}", show(&q.all)),
    }
}

/// The layers of `image` that its base image made, when the history says where the base ends:
/// it starts with a root filesystem added to `/` (`ADD file:… in /`, as official images do) and
/// the base's own `CMD` follows, after which the image's own steps begin. Anything else
/// (no history, a history that does not match the layers, no such `CMD`) is unknown: the share
/// is left out rather than guessed.
pub fn base_layers(image: &Image) -> Option<Vec<String>> {
    let history = &image.config.history;
    let first = history.first()?;
    let cb = first.created_by.trim_end();
    if !(cb.contains("ADD file:") && cb.ends_with(" in /")) {
        return None;
    }
    let with_layers = history.iter().filter(|h| !h.empty_layer).count();
    if with_layers != image.layers.len() {
        return None;
    }
    let end = history
        .iter()
        .position(|h| h.empty_layer && is_cmd(&h.created_by))?;
    let n = history[..end].iter().filter(|h| !h.empty_layer).count();
    if n == 0 || n >= image.layers.len() {
        // The image is its base (nothing of its own on top): no share to tell apart.
        return None;
    }
    Some((0..n).map(|i| image.layer_digest(i).to_string()).collect())
}

/// A `CMD` step, as BuildKit (`CMD ["bash"]`) and the classic builder
/// (`/bin/sh -c #(nop)  CMD ["bash"]`) record it.
fn is_cmd(created_by: &str) -> bool {
    let t = created_by.trim();
    t.starts_with("CMD ") || t.contains("#(nop)  CMD ") || t.contains("#(nop) CMD ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipshape_core::Location;

    fn finding(severity: shipshape_core::Severity, layer: &str) -> Finding {
        let mut loc = Location::path("/var/lib/dpkg/status").with_key(format!("p@{layer}"));
        loc.layer = Some(layer.to_string());
        Finding::new(&META, loc, "m", &format!("{layer} {severity}")).with_severity(severity)
    }

    #[test]
    fn counts_by_rating_and_base_share() {
        use shipshape_core::Severity::*;
        let fs = vec![
            finding(High, "sha256:a"),
            finding(Medium, "sha256:a"),
            finding(Medium, "sha256:b"),
            finding(Info, "sha256:b"),
        ];
        // The second medium is unrated: its rating says so.
        let ratings: HashMap<String, Rating> =
            [(fs[2].fingerprint.clone(), Rating::Unknown)].into();
        assert_eq!(
            line(&count(&fs, &ratings, None)),
            "vulnerabilities: 0C 1H 1M 1L 1?"
        );
        let base = vec!["sha256:a".to_string()];
        assert_eq!(
            line(&count(&fs, &ratings, Some(&base))),
            "vulnerabilities: 0C 1H 1M 1L 1? (from the base image's layers: 0C 1H 1M 0L 0?)"
        );
    }

    #[test]
    fn cmd_steps() {
        assert!(is_cmd("CMD [\"bash\"]"));
        assert!(is_cmd("/bin/sh -c #(nop)  CMD [\"bash\"]"));
        assert!(!is_cmd("RUN echo CMD"));
    }
}
