//! Build practices (the correctness, security and size checks hadolint is known for), each
//! mapped to the checklist item it protects.

mod common;

mod add_copy;
mod apt_not_apt_get;
mod apt_recommends;
mod apt_update_alone;
mod cd_workdir;
mod copy_dest_dir;
mod copy_from;
mod copy_relative_dest;
mod curl_wget;
mod duplicate_stage;
mod env_self_reference;
mod expose_port;
mod label_key;
mod maintainer;
mod multiple_cmd;
mod noninteractive;
mod npm_ci;
mod package_cache;
mod package_version;
mod pipefail;
mod shell_form_cmd;
mod shell_symlink;
mod useradd_log_init;
mod workdir_relative;

shipshape_core::register_rules! { dyn crate::rules::Rule;
    package_cache::PackageCache,
    package_version::PackageVersion,
    noninteractive::Noninteractive,
    apt_recommends::AptRecommends,
    apt_not_apt_get::AptNotAptGet,
    npm_ci::NpmCi,
    cd_workdir::CdWorkdir,
    shell_form_cmd::ShellFormCmd,
    multiple_cmd::MultipleCmd,
    pipefail::Pipefail,
    workdir_relative::WorkdirRelative,
    copy_dest_dir::CopyDestDir,
    copy_from::CopyFrom,
    duplicate_stage::DuplicateStage,
    maintainer::Maintainer,
    add_copy::AddCopy,
    curl_wget::CurlWget,
    useradd_log_init::UseraddLogInit,
    env_self_reference::EnvSelfReference,
    copy_relative_dest::CopyRelativeDest,
    expose_port::ExposePort,
    shell_symlink::ShellSymlink,
    label_key::LabelKey,
    apt_update_alone::AptUpdateAlone,
}
