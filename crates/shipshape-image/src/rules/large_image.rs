//! SS3019: a very large image or layer.

use crate::audit::Ctx;
use crate::rules::Rule;
use shipshape_core::{ChecklistItem, Finding, Location, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS3019",
    slug: "image-large",
    summary: "The image is very large (over 1 GiB uncompressed, or a layer over 512 MiB)",
    severity: Severity::Info,
    checklist: ChecklistItem::MinimalImage,
    source: SourceKind::Image,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Adds up the uncompressed size of every layer and reports images over 1 GiB or layers over
512 MiB, naming the largest layers and the build steps that created them.

## Why it matters
Size is not a vulnerability, but it is a symptom: build tools, caches and documentation shipped to
production, slow pulls that delay scaling and recovery, and a larger attack surface.

## How to fix
Use a multi-stage build, clean package caches in the same `RUN` that fills them, and start from a
slim base image.

## Example
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends x && rm -rf /var/lib/apt/lists/*
```
"#,
};

shipshape_core::declare_rule!(LargeImage);

impl Rule for LargeImage {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let Some(fs) = ctx.fs else {
            return Vec::new();
        };
        let total: u64 = fs.stats.iter().map(|s| s.uncompressed_bytes).sum();
        let mut order: Vec<usize> = (0..fs.stats.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(fs.stats[i].uncompressed_bytes));
        let Some(&largest) = order.first() else {
            return Vec::new();
        };
        if total <= ctx.opts.large_image_bytes
            && fs.stats[largest].uncompressed_bytes <= ctx.opts.large_layer_bytes
        {
            return Vec::new();
        }
        let top: Vec<String> = order
            .iter()
            .take(3)
            .map(|&i| {
                format!(
                    "{}: {}",
                    ctx.layer_label(i),
                    human(fs.stats[i].uncompressed_bytes)
                )
            })
            .collect();
        let mut loc = Location::path("");
        loc.layer = Some(ctx.image.layer_digest(largest).to_string());
        vec![Finding::new(
            &META,
            loc,
            format!(
                "the image is {} uncompressed; largest layers: {}",
                human(total),
                top.join(", ")
            ),
            "size",
        )]
    }
}

/// `1.2 GiB`.
pub(crate) fn human(n: u64) -> String {
    const UNITS: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::human;
    use crate::build::{ImageBuilder, LayerBuilder};
    use crate::rules::testing::{audit_image, audit_image_with, of};

    #[test]
    fn fires_for_a_large_layer() {
        let b = ImageBuilder::new()
            .layer(LayerBuilder::new().file("/small", b"x"))
            .layer(LayerBuilder::new().file("/big", &[7u8; 300_000]));
        let opts = crate::AuditOptions {
            large_layer_bytes: 200_000,
            ..Default::default()
        };
        let a = audit_image_with(&b, &opts);
        let f = of(&a, "SS3019");
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.starts_with("the image is 29"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("layer 2"));
    }

    #[test]
    fn quiet_for_small_images() {
        let b = ImageBuilder::new().layer(LayerBuilder::new().file("/x", b"x"));
        assert!(of(&audit_image(&b), "SS3019").is_empty());
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(12), "12 B");
    }
}
