//! Rules of the production checklist items a Dockerfile decides: non-root, base image, image tag,
//! health check, minimal image, secrets, build context, provenance.

mod base_image_tag;
mod root_user;

super::register! {
    root_user::RootUser,
    base_image_tag::BaseImageTag,
}
