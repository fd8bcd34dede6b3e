//! The image rules (`SS3xxx`), one module each, and their registry.

use crate::audit::Ctx;
use shipshape_core::{Finding, RuleMeta};

pub mod env_secret;
pub mod healthcheck;
pub mod history_pipe_shell;
pub mod history_secret;
pub mod label_secret;
pub mod large_image;
pub mod os_eol;
pub mod provenance;
pub mod root_user;
pub mod secret_files;
pub mod sensitive_port;
pub mod setuid;
pub mod tool_compiler;
pub mod tool_network;
pub mod tool_package_manager;
pub mod tool_shell;
pub mod unpinned;
pub mod user_writable;
pub mod world_writable;

mod tools;

/// Every image rule.
pub static RULES: &[&RuleMeta] = &[
    &root_user::META,
    &healthcheck::META,
    &sensitive_port::META,
    &env_secret::META,
    &label_secret::META,
    &history_secret::META,
    &history_pipe_shell::META,
    &provenance::META,
    &unpinned::META,
    &os_eol::META,
    &tool_shell::META,
    &tool_package_manager::META,
    &tool_network::META,
    &tool_compiler::META,
    &setuid::META,
    &world_writable::META,
    &user_writable::META,
    &secret_files::META,
    &large_image::META,
];

type Check = fn(&Ctx) -> Vec<Finding>;

/// Each rule's check, in code order.
pub(crate) static CHECKS: &[(&RuleMeta, Check)] = &[
    (&root_user::META, root_user::check),
    (&healthcheck::META, healthcheck::check),
    (&sensitive_port::META, sensitive_port::check),
    (&env_secret::META, env_secret::check),
    (&label_secret::META, label_secret::check),
    (&history_secret::META, history_secret::check),
    (&history_pipe_shell::META, history_pipe_shell::check),
    (&provenance::META, provenance::check),
    (&unpinned::META, unpinned::check),
    (&os_eol::META, os_eol::check),
    (&tool_shell::META, tool_shell::check),
    (&tool_package_manager::META, tool_package_manager::check),
    (&tool_network::META, tool_network::check),
    (&tool_compiler::META, tool_compiler::check),
    (&setuid::META, setuid::check),
    (&world_writable::META, world_writable::check),
    (&user_writable::META, user_writable::check),
    (&secret_files::META, secret_files::check),
    (&large_image::META, large_image::check),
];

#[cfg(test)]
pub(crate) mod testing {
    use crate::build::ImageBuilder;
    use shipshape_core::report::Analysis;
    use shipshape_core::Finding;

    /// Writes `b` as an OCI layout, opens it and audits it as of 2025-01-15.
    pub(crate) fn audit_image(b: &ImageBuilder) -> Analysis {
        audit_image_with(b, &crate::AuditOptions::default())
    }

    /// Same with options (the day is still fixed unless set).
    pub(crate) fn audit_image_with(b: &ImageBuilder, opts: &crate::AuditOptions) -> Analysis {
        let dir = tempfile::tempdir().expect("temp dir");
        b.write_oci_layout(dir.path(), "test")
            .expect("write layout");
        let image = crate::open(
            &format!("oci:{}", dir.path().display()),
            &Default::default(),
        )
        .expect("open");
        let opts = crate::AuditOptions {
            today: Some(opts.today.unwrap_or(jiff::civil::date(2025, 1, 15))),
            ..opts.clone()
        };
        let a = crate::audit(&image, &opts);
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        a
    }

    /// Findings of one rule.
    pub(crate) fn of<'a>(a: &'a Analysis, code: &str) -> Vec<&'a Finding> {
        a.findings.iter().filter(|f| f.rule == code).collect()
    }

    /// A tool rule (`code`) reports an executable at `path`, once, at its layer.
    pub(crate) fn assert_tool_fires(code: &str, path: &str) {
        use crate::build::LayerBuilder;
        let b = ImageBuilder::new().layer(LayerBuilder::new().file(path, b"\x7fELF"));
        let a = audit_image(&b);
        let f = of(&a, code);
        assert_eq!(f.len(), 1);
        assert!(f[0].location.path.ends_with(&format!(":{path}")));
        assert!(f[0]
            .location
            .layer
            .as_deref()
            .is_some_and(|l| l.starts_with("sha256:")));
    }

    /// A tool rule (`code`) stays quiet when the executable at `path` was deleted by a later
    /// layer and only a documentation file of the same name remains.
    pub(crate) fn assert_tool_quiet_when_deleted(code: &str, path: &str) {
        use crate::build::LayerBuilder;
        let name = path.rsplit('/').next().unwrap_or(path);
        let b = ImageBuilder::new()
            .layer(
                LayerBuilder::new()
                    .file(path, b"\x7fELF")
                    .file(&format!("/usr/share/doc/x/{name}"), b"doc"),
            )
            .layer(LayerBuilder::new().whiteout(path));
        assert!(of(&audit_image(&b), code).is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipshape_core::RuleRegistry;

    #[test]
    fn registry_is_consistent() {
        let reg = RuleRegistry::new(&[RULES]);
        assert!(reg.problems().is_empty(), "{:?}", reg.problems());
        assert_eq!(RULES.len(), CHECKS.len());
        for (r, (c, _)) in RULES.iter().zip(CHECKS) {
            assert_eq!(r.code, c.code);
            assert!(r.code.starts_with("SS3"));
            assert_eq!(r.source, shipshape_core::SourceKind::Image);
            for section in [
                "## What it does",
                "## Why it matters",
                "## How to fix",
                "## Example",
            ] {
                assert!(r.docs.contains(section), "{} lacks {section}", r.code);
            }
        }
    }
}
