use crate::model::RuntimeSpec;
use crate::rules::image_latest::split_ref;
use crate::rules::Cx;
use crate::rules::Rule;
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
    docs: "## What it does\nReports image references with a version tag but no `@sha256:` digest. Untagged and `latest` references are SS2022's; images built by the same Compose file are not reported.\n\n\
## Why it matters\nTags are mutable: the registry (or whoever controls it) can point `1.4.2` at different content tomorrow. A digest names exactly the bytes you tested.\n\n\
## How to fix\nAppend the digest: `docker buildx imagetools inspect app:1.4.2` prints it; tools like Renovate keep it current.\n\n\
## Example\n```sh\ndocker run registry.example.com/app:1.4.2@sha256:<digest>\n```\n",
};

pub struct ImageDigest;

impl Rule for ImageDigest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_spec(&self, spec: &RuntimeSpec, cx: &mut Cx<'_>) {
        let Some(img) = &spec.image else { return };
        if spec.image_built {
            return;
        }
        // `app:${TAG}`: the tag is unknown here, but without `@sha256:` it is not pinned either way
        let v = if spec.image_unresolved {
            spec.image_raw.as_deref().unwrap_or("").trim()
        } else {
            img.value.trim()
        };
        if v.is_empty() || v.contains('@') {
            return;
        }
        if let (_, Some(tag), None) = split_ref(v) {
            if !tag.is_empty() && !crate::rules::image_latest::is_floating(tag) {
                cx.report(
                    &META,
                    spec,
                    &img.loc,
                    format!("`{}` image `{v}` is not pinned by digest", spec.name),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::*;
    #[test]
    fn cases() {
        assert!(fires("SS2023", "docker run -d nginx:1.27"));
        assert!(!fires("SS2023", "docker run -d nginx:latest"));
        assert!(!fires("SS2023", HARD));
        assert!(fires("SS2023", "docker run -d nginx:$TAG"));
        assert!(!fires("SS2023", "docker run -d $IMAGE"));
    }
}
