//! The image rules (`SS3xxx`), one module each, and their registry.

use crate::audit::Ctx;
use shipshape_core::Finding;

pub mod attestations;
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

/// An image rule: metadata and one check over the image (its config, history and, when the
/// layers were read, the final filesystem).
pub use shipshape_core::rule::HasMeta;

pub trait Rule: HasMeta + Sync {
    /// The rule's findings for the image.
    fn check(&self, ctx: &Ctx) -> Vec<Finding>;
}

shipshape_core::register_rules! { dyn Rule;
    root_user::RootUser,
    healthcheck::Healthcheck,
    sensitive_port::SensitivePort,
    env_secret::EnvSecret,
    label_secret::LabelSecret,
    history_secret::HistorySecret,
    history_pipe_shell::HistoryPipeShell,
    provenance::Provenance,
    unpinned::Unpinned,
    os_eol::OsEol,
    tool_shell::ToolShell,
    tool_package_manager::ToolPackageManager,
    tool_network::ToolNetwork,
    tool_compiler::ToolCompiler,
    setuid::Setuid,
    world_writable::WorldWritable,
    user_writable::UserWritable,
    secret_files::SecretFiles,
    large_image::LargeImage,
    attestations::Attestations,
}

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
        let reg = RuleRegistry::new(&[METAS]);
        assert!(reg.problems().is_empty(), "{:?}", reg.problems());
        for r in METAS {
            assert!(r.code.starts_with("SS3"));
            assert_eq!(r.source, shipshape_core::SourceKind::Image);
        }
    }
}
