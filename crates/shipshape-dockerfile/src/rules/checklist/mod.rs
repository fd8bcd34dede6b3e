//! Rules of the production checklist items a Dockerfile decides: non-root, base image, image tag,
//! health check, minimal image, secrets, build context, provenance.

mod add_remote_url;
mod base_image_eol;
mod base_image_tag;
mod build_tools_single_stage;
mod common;
mod copy_context_without_dockerignore;
mod copy_sensitive_file;
mod curl_pipe_shell;
mod dockerignore_incomplete;
mod evidence;
mod expose_sensitive_port;
mod missing_healthcheck;
mod missing_oci_labels;
mod multiple_healthchecks;
mod non_minimal_base;
mod root_user;
mod secret_build_arg;
mod secret_in_env;
mod setuid_bit;
mod sudo_in_run;
mod tools_in_final_image;
mod untrusted_registry;
mod world_writable;

pub(crate) use evidence::record as record_evidence;

shipshape_core::register_rules! { dyn crate::rules::Rule;
    root_user::RootUser,
    sudo_in_run::SudoInRun,
    setuid_bit::SetuidBit,
    missing_healthcheck::MissingHealthcheck,
    multiple_healthchecks::MultipleHealthchecks,
    base_image_tag::BaseImageTag,
    base_image_eol::BaseImageEol,
    untrusted_registry::UntrustedRegistry,
    non_minimal_base::NonMinimalBase,
    tools_in_final_image::ToolsInFinalImage,
    build_tools_single_stage::BuildToolsSingleStage,
    missing_oci_labels::MissingOciLabels,
    secret_in_env::SecretInEnv,
    secret_build_arg::SecretBuildArg,
    copy_context_without_dockerignore::CopyContextWithoutDockerignore,
    dockerignore_incomplete::DockerignoreIncomplete,
    copy_sensitive_file::CopySensitiveFile,
    curl_pipe_shell::CurlPipeShell,
    add_remote_url::AddRemoteUrl,
    expose_sensitive_port::ExposeSensitivePort,
    world_writable::WorldWritable,
}
