use crate::model::RuntimeSpec;
use crate::rules::image_latest::image_class;
use crate::rules::Cx;
use crate::rules::Rule;
use shipshape_core::imageref::ImageClass;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS2023",
    slug: "container-image-not-pinned",
    summary: "the image is pinned by tag but not by digest",
    severity: Severity::Low,
    checklist: ChecklistItem::ImageTag,
    source: SourceKind::Runtime,
    equivalents: &[("compose-lint", "CL-0019"), ("checkov", "CKV_K8S_43")],
    fix: None,
    docs: "## What it does\nReports image references with a version tag but no `@sha256:` digest, at **low** severity: a tag with at least `major.minor` at its start or after a `-` (`1.4.2`, `16.4-bookworm`, `min-6.3.0`) or holds a date stamp or commit hash. Untagged, `latest` and other moving tags (`20`, `lts`, `alpine`) are SS2022's. The classes and severities are the same for Dockerfiles (SS1006), Compose, Kubernetes, `docker run` and images (SS3009). Variables defined in the file (Makefile and script assignments, `${TAG:-1.4.2}` defaults) are expanded first, as for SS2022; a tag that comes from a variable with no value here (`app:${TAG}`) is not judged; images built by the same Compose file are not reported.\n\n\
## Why it matters\nTags are mutable: the registry (or whoever controls it) can point `1.4.2` at different content tomorrow. A digest names exactly the bytes you tested.\n\n\
## How to fix\nAppend the digest: `docker buildx imagetools inspect app:1.4.2` prints it; tools like Renovate keep it current.\n\n\
## Example\n```sh\ndocker run registry.example.com/app:1.4.2@sha256:<digest>\n```\n",
};

shipshape_core::declare_rule!(ImageDigest);

impl Rule for ImageDigest {
    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        let Some(img) = &spec.image else { return };
        let Some((image, written)) = image_class(spec) else {
            return;
        };
        let class = image.class();
        if class != ImageClass::VersionTag {
            return;
        }
        let Some(severity) = class.unpinned_severity() else {
            return;
        };
        cx.report_with(
            &META,
            spec,
            &img.loc,
            format!("`{}` image {written} is not pinned by digest", spec.name),
            severity,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(fires("SS2023", "docker run -d nginx:1.27"));
        assert!(fires(
            "SS2023",
            "docker run -d ghcr.io/acme/app:sha-1a2b3c4"
        ));
        assert!(!fires("SS2023", "docker run -d nginx:latest"));
        assert!(!fires("SS2023", "docker run -d node:20"));
        assert!(!fires("SS2023", HARD));
        assert!(!fires("SS2023", "docker run -d nginx:$TAG"));
        assert!(fires("SS2023", "docker run -d nginx:${TAG:-1.27}"));
        assert!(!fires("SS2023", "docker run -d $IMAGE"));
    }
}
