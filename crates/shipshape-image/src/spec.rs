//! The JSON documents of an image: OCI index and manifest, Docker's `manifest.json`, and the image
//! configuration. Small lenient serde structs of our own (oci-spec is strict about fields real
//! images omit or set to `null`, and costs a long build for the few fields we read).

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

pub const MT_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MT_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MT_DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const MT_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const MT_DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const MT_DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// Annotation naming a manifest in an OCI layout's `index.json`.
pub const ANN_REF_NAME: &str = "org.opencontainers.image.ref.name";

/// `null` and missing both become the default.
fn null_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A content descriptor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default, deserialize_with = "null_default")]
    pub media_type: String,
    #[serde(default, deserialize_with = "null_default")]
    pub digest: String,
    #[serde(default, deserialize_with = "null_default")]
    pub size: i64,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The type of an artifact a referrer manifest describes (OCI 1.1).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub artifact_type: String,
}

/// The platform of a manifest in an index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    #[serde(default, deserialize_with = "null_default")]
    pub architecture: String,
    #[serde(default, deserialize_with = "null_default")]
    pub os: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub variant: String,
}

/// An OCI image index or a Docker manifest list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    #[serde(default)]
    pub schema_version: i64,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub media_type: String,
    #[serde(default, deserialize_with = "null_default")]
    pub manifests: Vec<Descriptor>,
}

/// An OCI image manifest or a Docker schema 2 manifest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    #[serde(default)]
    pub schema_version: i64,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub media_type: String,
    #[serde(default)]
    pub config: Descriptor,
    #[serde(default, deserialize_with = "null_default")]
    pub layers: Vec<Descriptor>,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: BTreeMap<String, String>,
    /// OCI 1.1: what kind of artifact this manifest is (SBOM, signature…), when it is not an image.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub artifact_type: String,
    /// OCI 1.1: the manifest this one refers to (a referrer's image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
}

/// One image of a `docker save` archive's `manifest.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DockerArchiveEntry {
    #[serde(rename = "Config", default, deserialize_with = "null_default")]
    pub config: String,
    #[serde(rename = "RepoTags", default, deserialize_with = "null_default")]
    pub repo_tags: Vec<String>,
    #[serde(rename = "Layers", default, deserialize_with = "null_default")]
    pub layers: Vec<String>,
}

/// The image configuration (`application/vnd.oci.image.config.v1+json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImageConfigFile {
    #[serde(default, deserialize_with = "null_default")]
    pub architecture: String,
    #[serde(default, deserialize_with = "null_default")]
    pub os: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub variant: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub config: ContainerConfig,
    #[serde(default, deserialize_with = "null_default")]
    pub rootfs: RootFs,
    #[serde(default, deserialize_with = "null_default")]
    pub history: Vec<History>,
}

/// The runtime defaults of the image (`config` in the configuration document).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContainerConfig {
    #[serde(rename = "User", default, deserialize_with = "null_default")]
    pub user: String,
    #[serde(rename = "ExposedPorts", default, deserialize_with = "null_default")]
    pub exposed_ports: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "Env", default, deserialize_with = "null_default")]
    pub env: Vec<String>,
    #[serde(rename = "Entrypoint", default, deserialize_with = "null_default")]
    pub entrypoint: Vec<String>,
    #[serde(rename = "Cmd", default, deserialize_with = "null_default")]
    pub cmd: Vec<String>,
    #[serde(rename = "WorkingDir", default, deserialize_with = "null_default")]
    pub working_dir: String,
    #[serde(rename = "Labels", default, deserialize_with = "null_default")]
    pub labels: BTreeMap<String, String>,
    #[serde(
        rename = "Healthcheck",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub healthcheck: Option<Healthcheck>,
}

/// `HEALTHCHECK` as recorded in the configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Healthcheck {
    #[serde(rename = "Test", default, deserialize_with = "null_default")]
    pub test: Vec<String>,
}

/// The layers' uncompressed digests.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RootFs {
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub kind: String,
    #[serde(default, deserialize_with = "null_default")]
    pub diff_ids: Vec<String>,
}

/// One build step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct History {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub created_by: String,
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub comment: String,
    #[serde(default, deserialize_with = "null_default")]
    pub empty_layer: bool,
}

pub fn is_index(media_type: &str) -> bool {
    media_type == MT_OCI_INDEX || media_type == MT_DOCKER_LIST
}

/// Parses an index or manifest document whose media type may only be known from its content.
pub fn sniff_is_index(bytes: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<serde_json::Value>,
    }
    match serde_json::from_slice::<Probe>(bytes) {
        Ok(p) => p.media_type.as_deref().is_some_and(is_index) || p.manifests.is_some(),
        Err(_) => false,
    }
}
