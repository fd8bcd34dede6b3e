use crate::model::RuntimeSpec;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::imageref::{ImageClass, ImageRef};
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
    docs: "## What it does\nReports image references with no tag and no digest or the `latest` tag (**medium**), and moving tags (**low**): tags that are not a specific version, such as a channel (`stable`, `lts`, `edge`, `nightly`, `main`), a variant or codename alone (`alpine`, `slim`, `bookworm`) or a bare major version (`20`, `20-alpine`). A version tag has at least `major.minor` at its start or after a `-` (`1.27`, `16.4-bookworm`, `min-6.3.0`) or holds a date stamp or commit hash; those are SS2023's. The classes and severities are the same for Dockerfiles (SS1006), Compose, Kubernetes, `docker run` and images (SS3009). Variable defaults count (`app:${TAG:-latest}`). In `docker run` lines, the variables the file itself defines are expanded first: a Makefile's `IMAGE ?= x`, `IMAGE := x`, `IMAGE = x` (as `$(IMAGE)`/`${IMAGE}`, and `$$IMAGE` for exported ones), a script's `IMAGE=x` or `export IMAGE=x` before the command; values never come from the scanning machine's environment. A tag that comes from a variable with no value here (`app:${TAG}`, `${IMAGE}`, `$1`, `$(cat tag)`) is not judged, but a tag written out is (`${REGISTRY}/app:latest`, `$(IMAGE):latest`). Images built by the same Compose file (`build:`), Kubernetes images that a Skaffold configuration of the scan builds (it deploys the exact reference it built), references pinned by digest or image ID, and invalid references are not reported.\n\n\
## Why it matters\n`latest` is whatever was pushed last: deployments are not reproducible, a rollback may pull the broken version again and an upstream compromise reaches you on the next pull.\n\n\
## How to fix\nPin a version tag and, better, its digest: `postgres:16.4@sha256:...`.\n\n\
## Example\n```yaml\nimage: postgres:16.4-bookworm@sha256:<digest>\n```\n",
};

/// The pinning class of a container's image (`shipshape_core::imageref`), shared with SS2023, and
/// the reference it was judged on with how it reads in messages. The interpolated value is judged
/// when every variable had a value (or it kept the ones that had none, as `docker run` lines do);
/// otherwise the text as written, variables kept (`app:${TAG}` is
/// a [`ImageClass::Variable`], `${REGISTRY}/app:latest` is still [`ImageClass::Latest`]). `None`
/// when there is no image, the image is built by the same Compose file, or the text is not a valid
/// reference.
pub(crate) fn image_class(spec: &RuntimeSpec) -> Option<(ImageRef<'_>, String)> {
    let img = spec.image.as_ref()?;
    if spec.image_built {
        return None;
    }
    let v = img.value.trim();
    // Compose drops a variable with no value (`postgres:`), so judge what was written; `docker
    // run` lines keep it in the value (`$(REGISTRY)/app:latest`), so judge the value
    let text = if spec.image_unresolved && !v.contains(['$', '`']) {
        spec.image_raw.as_deref().unwrap_or(v).trim()
    } else {
        v
    };
    // invalid text, and image IDs (pinned content), have nothing to report
    let image = ImageRef::parse(text).ok()?;
    let written = match spec.image_raw.as_deref().map(str::trim) {
        Some(raw) if raw != text => format!("`{raw}` (`{text}` after interpolation)"),
        _ => format!("`{text}`"),
    };
    Some((image, written))
}

shipshape_core::declare_rule!(ImageLatest);

impl Rule for ImageLatest {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        let Some(img) = &spec.image else { return };
        let Some((image, written)) = image_class(spec) else {
            return;
        };
        let class = image.class();
        let Some(severity) = class.unpinned_severity() else {
            return;
        };
        let message = match class {
            ImageClass::Untagged => format!(
                "`{}` uses untagged image {written} (implies latest)",
                spec.name
            ),
            ImageClass::Latest | ImageClass::MovingTag => format!(
                "`{}` uses image {written}: `{}` is a moving tag",
                spec.name,
                image.tag.unwrap_or_default()
            ),
            // version tags are SS2023's
            _ => return,
        };
        cx.report_with(&META, spec, &img.loc, message, severity);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    use shipshape_core::Severity;
    #[test]
    fn cases() {
        let sev = |cmd: &str| {
            run(cmd)
                .into_iter()
                .find(|(c, _)| c == "SS2022")
                .map(|(_, s)| s)
        };
        assert_eq!(sev("docker run -d nginx"), Some(Severity::Medium));
        assert_eq!(sev("docker run -d nginx:latest"), Some(Severity::Medium));
        assert_eq!(sev("docker run -d nginx:mainline"), Some(Severity::Low));
        assert_eq!(sev("docker run -d node:20"), Some(Severity::Low));
        assert_eq!(sev("docker run -d $IMAGE:latest"), Some(Severity::Medium));
        assert!(!fires("SS2022", "docker run -d nginx:1.27"));
        assert!(!fires(
            "SS2022",
            "docker run -d nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        ));
        assert!(!fires("SS2022", "docker run -d nginx:$TAG"));
        assert!(!fires("SS2022", "docker run -d $IMAGE"));
        assert!(fires("SS2022", "docker run -d nginx:${TAG:-latest}"));
        assert!(!fires("SS2022", "docker run -d nginx:${TAG:-1.27}"));
    }
}
