//! SS3007: a build step piped a download into a shell.

use crate::audit::Ctx;
use crate::rules::Rule;
use regex::Regex;
use shipshape_core::{ChecklistItem, Finding, RuleMeta, Severity, SourceKind};
use std::sync::OnceLock;

pub static META: RuleMeta = RuleMeta {
    code: "SS3007",
    slug: "image-history-pipe-to-shell",
    summary: "A build step ran a downloaded script unverified (`curl … | sh`)",
    severity: Severity::Medium,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Image,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Reads every `history[].created_by` and reports `curl` or `wget` output piped straight into a
shell (`sh`, `bash`, `zsh`…).

## Why it matters
What the server sent at build time ran as root in the image with no checksum or signature: a
compromised or hijacked download host puts arbitrary code into the image, and nothing records
what it was.

## How to fix
Download to a file, verify a pinned checksum (or signature), then run it.

## Example
```dockerfile
RUN curl -fsSLo install.sh https://example.com/install.sh \
 && echo "3b1f…  install.sh" | sha256sum -c - \
 && sh install.sh
```
"#,
};

fn pattern() -> Option<&'static Regex> {
    static P: OnceLock<Option<Regex>> = OnceLock::new();
    P.get_or_init(|| {
        Regex::new(r"(?i)\b(?:curl|wget)\b[^|;&\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:\S*/)?(?:ba|da|z|k|a)?sh\b").ok()
    })
    .as_ref()
}

shipshape_core::declare_rule!(HistoryPipeShell);

impl Rule for HistoryPipeShell {
    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let Some(re) = pattern() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, h) in ctx.image.config.history.iter().enumerate() {
            if let Some(m) = re.find(&h.created_by) {
                let shown: String = m.as_str().chars().take(120).collect();
                out.push(Finding::new(
                    &META,
                    ctx.config_location(&format!("history[{i}].created_by")),
                    format!(
                        "build step {} pipes a download into a shell: `{shown}`",
                        i + 1
                    ),
                    m.as_str(),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::build::ImageBuilder;
    use crate::rules::testing::{audit_image, of};

    #[test]
    fn fires_for_curl_pipe_sh() {
        let b = ImageBuilder::new()
            .history("RUN /bin/sh -c curl -fsSL https://get.example.com | sh")
            .history("RUN /bin/sh -c wget -qO- https://x.io/i.sh | sudo -E bash -");
        assert_eq!(of(&audit_image(&b), "SS3007").len(), 2);
    }

    #[test]
    fn quiet_for_verified_downloads() {
        let b = ImageBuilder::new()
            .history("RUN /bin/sh -c curl -fsSLo i.sh https://x && sha256sum -c sums && sh i.sh")
            .history("RUN /bin/sh -c curl https://x | tar xz");
        assert!(of(&audit_image(&b), "SS3007").is_empty());
    }
}
