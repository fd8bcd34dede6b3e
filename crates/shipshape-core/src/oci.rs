//! Facts of the OCI image specification shared by the Dockerfile and image analysers.

/// The provenance labels every released image should carry: (short name, OCI annotation key,
/// the older label-schema key accepted in its place).
pub const PROVENANCE_LABELS: [(&str, &str, &str); 3] = [
    (
        "source",
        "org.opencontainers.image.source",
        "org.label-schema.vcs-url",
    ),
    (
        "revision",
        "org.opencontainers.image.revision",
        "org.label-schema.vcs-ref",
    ),
    (
        "version",
        "org.opencontainers.image.version",
        "org.label-schema.version",
    ),
];
