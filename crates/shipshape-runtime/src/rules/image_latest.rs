use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2022",
    slug: "container-image-latest",
    summary: "the image is untagged or uses `latest` (or another moving tag)",
    severity: Severity::Medium,
    checklist: ChecklistItem::ImageTag,
    source: SourceKind::Runtime,
    equivalents: &[("compose-lint", "CL-0004"), ("trivy", "KSV013"), ("checkov", "CKV_K8S_14")],
    fix: None,
    docs: "## What it does\nReports image references with no tag and no digest, the `latest` tag or another channel name (`stable`, `edge`, `dev`, `nightly`, `main`, `master`, `beta`, `lts`, `mainline`, ...), and variable defaults that fall back to one (`app:${TAG:-latest}`, `${IMAGE:-app}`). Images built by the same Compose file (`build:`) are not reported.\n\n\
## Why it matters\n`latest` is whatever was pushed last: deployments are not reproducible, a rollback may pull the broken version again and an upstream compromise reaches you on the next pull.\n\n\
## How to fix\nPin a version tag and, better, its digest: `postgres:16.4@sha256:...`.\n\n\
## Example\n```yaml\nimage: postgres:16.4-bookworm@sha256:<digest>\n```\n",
};

/// Splits an image reference into (name, tag, digest).
pub fn split_ref(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..]), digest),
        None => (rest, None, digest),
    }
}

/// Tags that name a channel rather than a release.
pub fn is_floating(tag: &str) -> bool {
    matches!(
        tag.to_ascii_lowercase().as_str(),
        "latest"
            | "stable"
            | "edge"
            | "dev"
            | "develop"
            | "development"
            | "nightly"
            | "main"
            | "master"
            | "beta"
            | "alpha"
            | "rolling"
            | "release"
            | "current"
            | "lts"
            | "mainline"
            | "testing"
            | "unstable"
            | "canary"
            | "next"
    )
}

pub struct ImageLatest;

impl Rule for ImageLatest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        let Some(img) = &spec.image else { return };
        if spec.image_built {
            return;
        }
        let v = img.value.trim();
        let written = match spec.image_raw.as_deref() {
            Some(raw) if raw != v => format!("`{raw}` (`{v}` after interpolation)"),
            _ => format!("`{v}`"),
        };
        // `app:${TAG}` with TAG unknown: nothing to judge; `app:${TAG:-latest}` resolves to latest
        if v.is_empty()
            || v.contains('$')
            || (spec.image_unresolved && split_ref(v).1.is_none_or(str::is_empty))
        {
            return;
        }
        match split_ref(v) {
            (_, _, Some(_)) => {}
            (_, Some(tag), None) if is_floating(tag) => cx.report(
                &META,
                spec,
                &img.loc,
                format!(
                    "`{}` uses image {written}: `{tag}` is a moving tag",
                    spec.name
                ),
            ),
            (_, Some(""), None) | (_, None, None) => cx.report(
                &META,
                spec,
                &img.loc,
                format!(
                    "`{}` uses untagged image {written} (implies latest)",
                    spec.name
                ),
            ),
            (_, Some(_), None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_ref;
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert_eq!(
            split_ref("localhost:5000/a/b:1@sha256:x"),
            ("localhost:5000/a/b", Some("1"), Some("sha256:x"))
        );
        assert_eq!(
            split_ref("localhost:5000/a"),
            ("localhost:5000/a", None, None)
        );
        assert!(fires("SS2022", "docker run -d nginx"));
        assert!(fires("SS2022", "docker run -d nginx:latest"));
        assert!(!fires("SS2022", "docker run -d nginx:1.27"));
        assert!(fires("SS2022", "docker run -d nginx:mainline"));
        assert!(!fires("SS2022", "docker run -d nginx@sha256:abc"));
        assert!(!fires("SS2022", "docker run -d nginx:$TAG"));
        assert!(fires("SS2022", "docker run -d nginx:${TAG:-latest}"));
        assert!(!fires("SS2022", "docker run -d nginx:${TAG:-1.27}"));
    }
}
