//! Opening an image from any source, and streaming its layers.

use crate::attest::{Attestation, Attestations, Origin};
use crate::error::{ErrorKind, ImageError, Result};
use crate::fs::{FileEntry, FsIndex, LayerChanges};
use crate::layer::{read_layer, LayerItem, LayerSource, LayerSpec, LayerStats, Limits};
use crate::reference::{self, RegistryRef, SourceRef, SourceType};
use crate::spec::{
    self, Descriptor, DockerArchiveEntry, ImageConfigFile, Index, Manifest, Platform,
};
use crate::store::{self, DirStore, Store, TarStore};
use crate::verified::DigestCache;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// How to open an image.
#[derive(Debug, Clone, Default)]
pub struct ImageOptions {
    /// `os/arch[/variant]` to pick from a multi-platform index (default: linux and this machine's
    /// architecture).
    pub platform: Option<String>,
    /// Talk plain HTTP to the registry (test registries on loopback).
    pub insecure: bool,
    /// Directory holding `config.json` (default: `$DOCKER_CONFIG`, then `~/.docker`).
    pub docker_config: Option<PathBuf>,
    /// Explicit registry credentials (`user`, `password`), overriding `config.json`.
    pub credentials: Option<(String, String)>,
    /// The Engine socket (default: `$DOCKER_HOST` when it is `unix://…`, then
    /// `/var/run/docker.sock`).
    pub docker_socket: Option<PathBuf>,
    /// Do not try the Docker Engine for bare names.
    pub no_engine: bool,
    /// Do not try a registry for bare names.
    pub no_registry: bool,
    pub limits: Limits,
    /// The verified-digest cache directory (`<cache dir>/verified`): layers of local archives and
    /// layouts that an earlier scan verified, unchanged since, are not hashed again.
    /// `None`: every layer is hashed.
    pub digest_cache: Option<PathBuf>,
    /// Told how far pulls, exports and layer reads have come.
    pub progress: crate::Progress,
}

/// One layer of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The blob digest when the source names one, else the diff id; what findings cite.
    pub digest: String,
    /// Digest of the uncompressed tar, from the configuration.
    pub diff_id: Option<String>,
    pub media_type: String,
    /// Stored (usually compressed) size, when known before reading.
    pub size: Option<u64>,
}

/// An opened image: its documents are read and verified; its layers are read on demand.
#[derive(Debug)]
pub struct Image {
    /// The reference as the user gave it.
    pub reference: String,
    pub source: SourceType,
    /// The name or tag the image was selected by, if any (`app:1.2`).
    pub name: Option<String>,
    pub manifest: Manifest,
    /// Digest of the manifest, when the source has one.
    pub manifest_digest: Option<String>,
    /// Whether the reference itself pins the image by digest.
    pub pinned: bool,
    /// Digests the Engine or registry knows the image by (`repo@sha256:…`).
    pub repo_digests: Vec<String>,
    pub config: ImageConfigFile,
    pub config_digest: Option<String>,
    pub layers: Vec<Layer>,
    specs: Vec<LayerSpec>,
    store: Box<dyn Store>,
    limits: Limits,
    progress: crate::Progress,
    digest_cache: Option<DigestCache>,
    index: OnceLock<Arc<FsIndex>>,
    origin: Origin,
    attestations: OnceLock<std::result::Result<Attestations, ImageError>>,
}

/// The outcome of one pass over the layers.
#[derive(Debug)]
pub(crate) struct Pass {
    pub(crate) index: FsIndex,
    pub(crate) stats: Vec<LayerStats>,
    /// The first fatal error (the pass stopped there).
    pub(crate) error: Option<ImageError>,
}

/// Opens an image. Documents (index, manifest, config) are read and their digests verified now;
/// layers are streamed later by [`Image::walk_files`] or the audit.
pub fn open(reference: &str, opts: &ImageOptions) -> std::result::Result<Image, ImageError> {
    let origin = reference.trim();
    open_inner(origin, opts).map_err(|e| e.at(origin))
}

fn open_inner(r: &str, opts: &ImageOptions) -> Result<Image> {
    let src = reference::parse(r)?;
    let loaded = match src {
        SourceRef::DockerArchive { file, select } => {
            let store = TarStore::open(&file, None)?;
            load_docker_archive(
                Box::new(store),
                select.as_deref(),
                SourceType::DockerArchive,
            )?
        }
        SourceRef::OciArchive { file, select } => {
            let store = TarStore::open(&file, None)?;
            load_oci(
                Box::new(store),
                select.as_deref(),
                opts,
                SourceType::OciArchive,
            )?
        }
        SourceRef::OciLayout { dir, select } => {
            if !dir.is_dir() {
                return Err(ImageError::new(
                    ErrorKind::NotFound,
                    format!("`{}` is not a directory", dir.display()),
                ));
            }
            let store = DirStore::new(&dir, None);
            load_oci(
                Box::new(store),
                select.as_deref(),
                opts,
                SourceType::OciLayout,
            )?
        }
        SourceRef::Engine { name } => from_engine(&name, opts)?,
        SourceRef::Registry(rr) => from_registry(&rr, opts)?,
        SourceRef::Name { name, registry } => {
            let mut why = Vec::new();
            let mut found = None;
            if !opts.no_engine {
                match crate::engine::inspect(&name, opts) {
                    Ok(Some(_)) => found = Some(from_engine(&name, opts)?),
                    Ok(None) => why.push("not in the local Docker Engine".to_string()),
                    Err(e) => why.push(e.message),
                }
            }
            if found.is_none() && !opts.no_registry {
                match from_registry(&registry, opts) {
                    Ok(l) => found = Some(l),
                    Err(e) => why.push(format!("registry {}: {}", registry.registry, e.message)),
                }
            }
            found.ok_or_else(|| {
                ImageError::new(
                    ErrorKind::NotFound,
                    format!("image not found: {}", why.join("; ")),
                )
            })?
        }
    };
    let pinned = r.contains("@sha256:");
    let Loaded {
        source,
        name,
        manifest,
        manifest_digest,
        repo_digests,
        config,
        config_digest,
        layers,
        specs,
        store,
        origin,
    } = loaded;
    if specs.len() > opts.limits.max_layers {
        return Err(ImageError::new(
            ErrorKind::Limit,
            format!(
                "{} layers (the limit is {})",
                specs.len(),
                opts.limits.max_layers
            ),
        ));
    }
    Ok(Image {
        reference: r.to_string(),
        source,
        name,
        manifest,
        manifest_digest,
        pinned,
        repo_digests,
        config,
        config_digest,
        layers,
        specs,
        store,
        limits: opts.limits.clone(),
        progress: opts.progress.clone(),
        digest_cache: opts.digest_cache.clone().map(DigestCache::new),
        index: OnceLock::new(),
        origin,
        attestations: OnceLock::new(),
    })
}

fn from_engine(name: &str, opts: &ImageOptions) -> Result<Loaded> {
    let info = crate::engine::inspect(name, opts)?.ok_or_else(|| {
        ImageError::new(
            ErrorKind::NotFound,
            format!("no image `{name}` in the local Docker Engine"),
        )
    })?;
    let spool = crate::engine::export(name, opts)?;
    let path = spool.to_path_buf();
    let store = TarStore::open(&path, Some(spool))?;
    let mut loaded = load_docker_archive(Box::new(store), None, SourceType::Engine)?;
    loaded.name = Some(name.to_string());
    loaded.repo_digests = info.repo_digests;
    if loaded.config_digest.is_none() {
        loaded.config_digest = Some(info.id);
    }
    Ok(loaded)
}

fn from_registry(rr: &RegistryRef, opts: &ImageOptions) -> Result<Loaded> {
    let pulled = crate::registry::pull(rr, opts)?;
    let config: ImageConfigFile = parse_json(&pulled.config, "image config")?;
    let (layers, specs) = oci_layers(&pulled.manifest, &config)?;
    let mut repo_digests = Vec::new();
    repo_digests.push(format!(
        "{}/{}@{}",
        rr.registry, rr.repository, pulled.manifest_digest
    ));
    Ok(Loaded {
        source: SourceType::Registry,
        name: Some(rr.canonical()),
        config_digest: Some(pulled.manifest.config.digest.clone()),
        manifest: pulled.manifest,
        manifest_digest: Some(pulled.manifest_digest),
        repo_digests,
        config,
        layers,
        specs,
        store: Box::new(pulled.store),
        origin: Origin::Registry(Box::new(pulled.remote)),
    })
}

pub(crate) struct Loaded {
    pub(crate) source: SourceType,
    pub(crate) name: Option<String>,
    pub(crate) manifest: Manifest,
    pub(crate) manifest_digest: Option<String>,
    pub(crate) repo_digests: Vec<String>,
    pub(crate) config: ImageConfigFile,
    pub(crate) config_digest: Option<String>,
    pub(crate) layers: Vec<Layer>,
    pub(crate) specs: Vec<LayerSpec>,
    pub(crate) store: Box<dyn Store>,
    /// Where the attestations are looked up.
    pub(crate) origin: Origin,
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| ImageError::new(ErrorKind::Format, format!("{what} is not valid: {e}")))
}

const MAX_NESTING: usize = 4;

/// Reads an OCI layout (directory or archive).
fn load_oci(
    store: Box<dyn Store>,
    select: Option<&str>,
    opts: &ImageOptions,
    source: SourceType,
) -> Result<Loaded> {
    let cap = opts.limits.max_doc_bytes;
    if store.open("oci-layout")?.is_none() && store.open("index.json")?.is_none() {
        return Err(ImageError::new(
            ErrorKind::Format,
            "not an OCI layout (no `oci-layout` or `index.json`)",
        ));
    }
    let index: Index = parse_json(
        &store::read_doc(&*store, "index.json", None, cap)?,
        "index.json",
    )?;
    let mut desc = select_in_index(&index, select)?;
    let name = select
        .map(str::to_string)
        .or_else(|| desc.annotations.get(spec::ANN_REF_NAME).cloned());
    let mut depth = 0;
    let (manifest, manifest_digest) = loop {
        depth += 1;
        if depth > MAX_NESTING {
            return Err(ImageError::new(
                ErrorKind::Format,
                "indexes nested too deeply",
            ));
        }
        let path = store::blob_path(&desc.digest)?;
        let bytes = store::read_doc(&*store, &path, Some(&desc.digest), cap)?;
        if spec::is_index(&desc.media_type) || spec::sniff_is_index(&bytes) {
            let inner: Index = parse_json(&bytes, "image index")?;
            desc = select_platform(&inner, opts.platform.as_deref())?;
            continue;
        }
        let m: Manifest = parse_json(&bytes, "image manifest")?;
        break (m, desc.digest.clone());
    };
    let cpath = store::blob_path(&manifest.config.digest)?;
    let cbytes = store::read_doc(&*store, &cpath, Some(&manifest.config.digest), cap)?;
    let config: ImageConfigFile = parse_json(&cbytes, "image config")?;
    let (layers, specs) = oci_layers(&manifest, &config)?;
    Ok(Loaded {
        source,
        name,
        config_digest: Some(manifest.config.digest.clone()),
        manifest,
        manifest_digest: Some(manifest_digest),
        repo_digests: Vec::new(),
        config,
        layers,
        specs,
        store,
        origin: Origin::Store,
    })
}

pub(crate) fn oci_layers(
    manifest: &Manifest,
    config: &ImageConfigFile,
) -> Result<(Vec<Layer>, Vec<LayerSpec>)> {
    let diff_ids = &config.rootfs.diff_ids;
    if !diff_ids.is_empty() && diff_ids.len() != manifest.layers.len() {
        return Err(ImageError::new(
            ErrorKind::Format,
            format!(
                "the manifest lists {} layers but the config lists {} diff ids",
                manifest.layers.len(),
                diff_ids.len()
            ),
        ));
    }
    let mut layers = Vec::new();
    let mut specs = Vec::new();
    for (i, d) in manifest.layers.iter().enumerate() {
        let path = store::blob_path(&d.digest)?;
        let diff_id = diff_ids.get(i).cloned();
        layers.push(Layer {
            digest: d.digest.clone(),
            diff_id: diff_id.clone(),
            media_type: d.media_type.clone(),
            size: u64::try_from(d.size).ok(),
        });
        specs.push(LayerSpec {
            path,
            digest: Some(d.digest.clone()),
            diff_id,
        });
    }
    Ok((layers, specs))
}

fn select_in_index(index: &Index, select: Option<&str>) -> Result<Descriptor> {
    let names: Vec<String> = index
        .manifests
        .iter()
        .filter_map(|d| d.annotations.get(spec::ANN_REF_NAME).cloned())
        .collect();
    match select {
        Some(sel) => index
            .manifests
            .iter()
            .find(|d| {
                d.digest == sel
                    || d.annotations
                        .get(spec::ANN_REF_NAME)
                        .is_some_and(|n| n == sel)
                    || d.annotations
                        .get("io.containerd.image.name")
                        .is_some_and(|n| n == sel || n.ends_with(&format!(":{sel}")))
            })
            .cloned()
            .ok_or_else(|| {
                ImageError::new(
                    ErrorKind::NotFound,
                    format!("no image `{sel}` in the layout (it has: {})", list(&names)),
                )
            }),
        None => match index.manifests.as_slice() {
            [] => Err(ImageError::new(
                ErrorKind::Format,
                "the layout's index.json lists no image",
            )),
            [one] => Ok(one.clone()),
            many => {
                // Several entries for one image (e.g. per platform) are fine when unnamed.
                if names.len() <= 1 {
                    let idx = Index {
                        manifests: many.to_vec(),
                        ..Index::default()
                    };
                    select_platform(&idx, None)
                } else {
                    Err(ImageError::new(
                        ErrorKind::Reference,
                        format!(
                            "the layout holds several images; pick one with `:NAME` ({})",
                            list(&names)
                        ),
                    ))
                }
            }
        },
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "no named images".to_string()
    } else {
        names.join(", ")
    }
}

/// This machine's architecture in OCI terms.
pub(crate) fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    }
}

pub(crate) fn select_platform(index: &Index, want: Option<&str>) -> Result<Descriptor> {
    let (os, arch, variant) = match want {
        Some(p) => {
            let mut it = p.split('/');
            let os = it.next().unwrap_or("linux").to_string();
            let arch = it.next().unwrap_or(host_arch()).to_string();
            (os, arch, it.next().map(str::to_string))
        }
        None => ("linux".to_string(), host_arch().to_string(), None),
    };
    let real: Vec<&Descriptor> = index
        .manifests
        .iter()
        .filter(|d| {
            // Skip attestation manifests (`unknown/unknown`) and OCI 1.1 artifacts (referrers
            // written into a layout's index.json).
            d.platform.as_ref().is_none_or(|p| p.os != "unknown")
                && d.artifact_type.is_empty()
                && !d
                    .annotations
                    .contains_key(crate::attest::ANN_REFERENCE_TYPE)
        })
        .collect();
    let matches = |p: &Platform| {
        p.os == os && p.architecture == arch && variant.as_deref().is_none_or(|v| p.variant == v)
    };
    if let Some(d) = real
        .iter()
        .find(|d| d.platform.as_ref().is_some_and(matches))
    {
        return Ok((*d).clone());
    }
    if let [only] = real.as_slice() {
        if only.platform.is_none() {
            return Ok((*only).clone());
        }
    }
    let have: Vec<String> = real
        .iter()
        .filter_map(|d| d.platform.as_ref())
        .map(|p| {
            if p.variant.is_empty() {
                format!("{}/{}", p.os, p.architecture)
            } else {
                format!("{}/{}/{}", p.os, p.architecture, p.variant)
            }
        })
        .collect();
    Err(ImageError::new(
        ErrorKind::Unsupported,
        format!(
            "no manifest for platform {os}/{arch}{} (available: {}); choose one with --platform",
            variant.map(|v| format!("/{v}")).unwrap_or_default(),
            if have.is_empty() {
                "none".to_string()
            } else {
                have.join(", ")
            }
        ),
    ))
}

/// Reads a `docker save` archive (also what the Engine exports).
fn load_docker_archive(
    store: Box<dyn Store>,
    select: Option<&str>,
    source: SourceType,
) -> Result<Loaded> {
    let cap = Limits::default().max_doc_bytes;
    let bytes =
        match store.open("manifest.json")? {
            Some((r, _)) => store::read_capped(r, cap, "manifest.json")?,
            None => return Err(ImageError::new(
                ErrorKind::Format,
                "not a docker-archive (no manifest.json); for an OCI archive use `oci-archive:`",
            )),
        };
    let entries: Vec<DockerArchiveEntry> = parse_json(&bytes, "manifest.json")?;
    let all_tags: Vec<String> = entries.iter().flat_map(|e| e.repo_tags.clone()).collect();
    let entry = match select {
        Some(sel) => entries
            .iter()
            .find(|e| e.repo_tags.iter().any(|t| tag_matches(t, sel)))
            .or_else(|| sel.parse::<usize>().ok().and_then(|i| entries.get(i)))
            .ok_or_else(|| {
                ImageError::new(
                    ErrorKind::NotFound,
                    format!(
                        "no image tagged `{sel}` in the archive (it has: {})",
                        list(&all_tags)
                    ),
                )
            })?,
        None => match entries.as_slice() {
            [] => {
                return Err(ImageError::new(
                    ErrorKind::Format,
                    "manifest.json lists no image",
                ))
            }
            [one] => one,
            _ => {
                return Err(ImageError::new(
                    ErrorKind::Reference,
                    format!(
                        "the archive holds {} images; pick one with `:TAG` ({})",
                        entries.len(),
                        list(&all_tags)
                    ),
                ))
            }
        },
    };
    let config_path = clean(&entry.config)?;
    let config_digest = digest_from_name(&config_path, ".json");
    let cbytes = store::read_doc(&*store, &config_path, config_digest.as_deref(), cap)?;
    let config: ImageConfigFile = parse_json(&cbytes, "image config")?;
    let diff_ids = &config.rootfs.diff_ids;
    if diff_ids.len() != entry.layers.len() {
        return Err(ImageError::new(
            ErrorKind::Format,
            format!(
                "manifest.json lists {} layers but the config lists {} diff ids",
                entry.layers.len(),
                diff_ids.len()
            ),
        ));
    }
    let mut layers = Vec::new();
    let mut specs = Vec::new();
    let mut descs = Vec::new();
    for (i, l) in entry.layers.iter().enumerate() {
        let path = clean(l)?;
        let digest = digest_from_name(&path, "");
        let diff_id = diff_ids.get(i).cloned();
        let shown = digest
            .clone()
            .or_else(|| diff_id.clone())
            .unwrap_or_else(|| path.clone());
        layers.push(Layer {
            digest: shown.clone(),
            diff_id: diff_id.clone(),
            media_type: "application/vnd.docker.image.rootfs.diff.tar".to_string(),
            size: None,
        });
        descs.push(Descriptor {
            media_type: spec::MT_DOCKER_LAYER.to_string(),
            digest: shown,
            ..Descriptor::default()
        });
        specs.push(LayerSpec {
            path,
            digest,
            diff_id,
        });
    }
    let cdigest = config_digest.unwrap_or_else(|| {
        format!(
            "sha256:{}",
            store::hex_lower(&<sha2::Sha256 as sha2::Digest>::digest(&cbytes))
        )
    });
    let manifest = Manifest {
        schema_version: 2,
        media_type: spec::MT_DOCKER_MANIFEST.to_string(),
        config: Descriptor {
            media_type: spec::MT_DOCKER_CONFIG.to_string(),
            digest: cdigest.clone(),
            size: cbytes.len() as i64,
            ..Descriptor::default()
        },
        layers: descs,
        ..Manifest::default()
    };
    Ok(Loaded {
        source,
        name: entry
            .repo_tags
            .first()
            .cloned()
            .or_else(|| select.map(str::to_string)),
        manifest,
        manifest_digest: None,
        repo_digests: Vec::new(),
        config,
        config_digest: Some(cdigest),
        layers,
        specs,
        store,
        origin: Origin::Store,
    })
}

fn tag_matches(tag: &str, sel: &str) -> bool {
    let strip = |t: &str| -> String {
        t.trim_start_matches("docker.io/")
            .trim_start_matches("library/")
            .to_string()
    };
    tag == sel || strip(tag) == strip(sel) || strip(tag) == format!("{}:latest", strip(sel))
}

/// Archive member names from manifest.json: relative, no `..`.
fn clean(name: &str) -> Result<String> {
    let parts: Vec<&str> = name
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") {
        return Err(ImageError::new(
            ErrorKind::Format,
            format!("manifest.json names an unsafe member `{name}`"),
        ));
    }
    Ok(parts.join("/"))
}

/// `blobs/sha256/<hex>` or `<hex>.json` names carry their digest.
fn digest_from_name(path: &str, ext: &str) -> Option<String> {
    if let Some(hex) = path.strip_prefix("blobs/sha256/") {
        return is_hex64(hex).then(|| format!("sha256:{hex}"));
    }
    if ext.is_empty() {
        return None;
    }
    let hex = path.strip_suffix(ext)?;
    is_hex64(hex).then(|| format!("sha256:{hex}"))
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Image {
    /// A short display name: the reference as given.
    pub fn display(&self) -> &str {
        &self.reference
    }

    /// Streams every layer once, building the merged view; `visit` sees each entry as it is added
    /// (its `hidden` field not yet known) with a reader over its content.
    pub(crate) fn pass(
        &self,
        visit: &mut dyn FnMut(usize, &FileEntry, &mut dyn Read) -> io::Result<()>,
    ) -> Pass {
        let mut index = FsIndex::default();
        let mut stats = Vec::with_capacity(self.specs.len());
        let mut total: u64 = 0;
        let from = LayerSource {
            store: &*self.store,
            limits: &self.limits,
            progress: &self.progress,
            cache: self.digest_cache.as_ref(),
        };
        for (i, spec) in self.specs.iter().enumerate() {
            let mut changes = LayerChanges::default();
            let budget = self.limits.max_total_entries.saturating_sub(total);
            let res = read_layer(
                &from,
                spec,
                (i, self.specs.len()),
                budget,
                &mut |item, r| {
                    match item {
                        LayerItem::Entry(fe) => {
                            let id = index.push(fe.clone(), &mut changes);
                            visit(id, &index.entries()[id], r)?;
                        }
                        LayerItem::Whiteout(p) => changes.whiteouts.push(p),
                        LayerItem::Opaque(d) => changes.opaque_dirs.push(d),
                    }
                    Ok(())
                },
            );
            index.apply(i, changes);
            match res {
                Ok(s) => {
                    total += s.entries;
                    stats.push(s);
                }
                Err(e) => {
                    return Pass {
                        index,
                        stats,
                        error: Some(e.at(&self.reference)),
                    }
                }
            }
        }
        Pass {
            index,
            stats,
            error: None,
        }
    }

    pub(crate) fn remember_index(&self, index: FsIndex) -> Arc<FsIndex> {
        let arc = Arc::new(index);
        let _ = self.index.set(Arc::clone(&arc));
        arc
    }

    /// The merged filesystem view (one pass over the layers the first time; cached).
    pub fn index(&self) -> std::result::Result<Arc<FsIndex>, ImageError> {
        if let Some(ix) = self.index.get() {
            return Ok(Arc::clone(ix));
        }
        let pass = self.pass(&mut |_, _, _| Ok(()));
        if let Some(e) = pass.error {
            return Err(e);
        }
        Ok(self.remember_index(pass.index))
    }

    /// Calls `visit` for every entry of every layer, in layer order, including entries a later
    /// layer deleted or replaced (their `hidden` field says which layer did). The reader yields
    /// the entry's content (empty for anything but regular files); unread content is skipped.
    /// This is where the secrets engine hooks in.
    pub fn walk_files<F>(&self, mut visit: F) -> std::result::Result<(), ImageError>
    where
        F: FnMut(&FileEntry, usize, &mut dyn Read) -> io::Result<()>,
    {
        let index = self.index()?;
        let pass = self.pass(&mut |id, fe, r| match index.entries().get(id) {
            Some(full) => visit(full, full.layer, r),
            None => visit(fe, fe.layer, r),
        });
        match pass.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The attestations attached to the image (BuildKit attestation manifests, OCI referrers),
    /// each blob verified against its digest. Looked up once, on the first call (for a registry:
    /// the referrers API or its tag fallback, and the attestation blobs); later calls answer from
    /// memory. A source that keeps no attestations (a `docker save` archive) answers with
    /// [`Attestations::not_carried`] set.
    pub fn attestations(&self) -> std::result::Result<&Attestations, ImageError> {
        self.attestations
            .get_or_init(|| {
                crate::attest::collect(self, &self.origin, &*self.store, self.limits.max_doc_bytes)
                    .map_err(|e| e.at(&self.reference))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The content of one attestation (an in-toto statement, an SBOM…), verified against its
    /// digest; an error when it is larger than `limit` bytes.
    pub fn read_attestation(
        &self,
        a: &Attestation,
        limit: u64,
    ) -> std::result::Result<Vec<u8>, ImageError> {
        let what = format!("attestation {}", a.digest);
        let read = || -> Result<Vec<u8>> {
            let r: Box<dyn Read + Send + '_> = match &self.origin {
                Origin::Registry(remote) => remote.blob(&a.digest)?,
                Origin::Store => {
                    let path = store::blob_path(&a.digest)?;
                    self.store
                        .open(&path)?
                        .ok_or_else(|| {
                            ImageError::new(ErrorKind::NotFound, format!("{what} is missing"))
                        })?
                        .0
                }
            };
            let bytes = store::read_capped(r, limit, &what)?;
            store::verify_bytes(&bytes, &a.digest, &what)?;
            Ok(bytes)
        };
        read().map_err(|e| e.at(&self.reference))
    }

    /// The digest that names layer `i` in findings.
    pub fn layer_digest(&self, i: usize) -> &str {
        self.layers.get(i).map_or("", |l| l.digest.as_str())
    }
}
