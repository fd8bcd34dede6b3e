//! Writes small images (OCI layout, OCI archive, docker-archive) from a description: for tests,
//! fixtures and reproducing reports without Docker. Everything is built in memory, so keep the
//! images small. Names are written byte for byte (no path checks), so hostile layers can be
//! described too.

use crate::spec::{self, ContainerConfig, Descriptor, History, ImageConfigFile, Index, Manifest};
use crate::store::hex_lower;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// How a built layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BuildCompression {
    #[default]
    Gzip,
    Zstd,
    None,
}

#[derive(Debug, Clone)]
enum Item {
    Entry {
        path: Vec<u8>,
        kind: tar::EntryType,
        mode: u32,
        uid: u64,
        gid: u64,
        data: Vec<u8>,
        link: Option<Vec<u8>>,
    },
}

/// One layer to build.
#[derive(Debug, Clone, Default)]
pub struct LayerBuilder {
    items: Vec<Item>,
    compression: BuildCompression,
    raw: Option<(Vec<u8>, String)>,
    comment: Option<String>,
}

impl LayerBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(
        mut self,
        path: &[u8],
        kind: tar::EntryType,
        mode: u32,
        data: &[u8],
        link: Option<&[u8]>,
    ) -> Self {
        self.items.push(Item::Entry {
            path: path.to_vec(),
            kind,
            mode,
            uid: 0,
            gid: 0,
            data: data.to_vec(),
            link: link.map(<[u8]>::to_vec),
        });
        self
    }

    /// A regular file, mode 0644, owned by root.
    pub fn file(self, path: &str, content: &[u8]) -> Self {
        self.push(
            path.as_bytes(),
            tar::EntryType::Regular,
            0o644,
            content,
            None,
        )
    }

    /// A regular file with a name given as raw bytes (non-UTF-8, `..`, absolute…).
    pub fn file_raw(self, path: &[u8], content: &[u8]) -> Self {
        self.push(path, tar::EntryType::Regular, 0o644, content, None)
    }

    /// A regular file with explicit mode and owner.
    pub fn file_with(mut self, path: &str, content: &[u8], mode: u32, uid: u64, gid: u64) -> Self {
        self = self.push(
            path.as_bytes(),
            tar::EntryType::Regular,
            mode,
            content,
            None,
        );
        if let Some(Item::Entry { uid: u, gid: g, .. }) = self.items.last_mut() {
            *u = uid;
            *g = gid;
        }
        self
    }

    /// A directory, mode 0755.
    pub fn dir(self, path: &str) -> Self {
        self.push(path.as_bytes(), tar::EntryType::Directory, 0o755, b"", None)
    }

    /// A directory with explicit mode and owner.
    pub fn dir_with(mut self, path: &str, mode: u32, uid: u64, gid: u64) -> Self {
        self = self.push(path.as_bytes(), tar::EntryType::Directory, mode, b"", None);
        if let Some(Item::Entry { uid: u, gid: g, .. }) = self.items.last_mut() {
            *u = uid;
            *g = gid;
        }
        self
    }

    pub fn symlink(self, path: &str, target: &str) -> Self {
        self.push(
            path.as_bytes(),
            tar::EntryType::Symlink,
            0o777,
            b"",
            Some(target.as_bytes()),
        )
    }

    pub fn hardlink(self, path: &str, target: &str) -> Self {
        self.push(
            path.as_bytes(),
            tar::EntryType::Link,
            0o644,
            b"",
            Some(target.as_bytes()),
        )
    }

    /// Deletes `path` from lower layers (an OCI whiteout `.wh.NAME`).
    pub fn whiteout(self, path: &str) -> Self {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let wh = format!("{dir}/.wh.{name}");
        self.push(wh.as_bytes(), tar::EntryType::Regular, 0o644, b"", None)
    }

    /// Hides what lower layers put in `dir` (`.wh..wh..opq`).
    pub fn opaque(self, dir: &str) -> Self {
        let wh = format!("{}/.wh..wh..opq", dir.trim_end_matches('/'));
        self.push(wh.as_bytes(), tar::EntryType::Regular, 0o644, b"", None)
    }

    pub fn compression(mut self, c: BuildCompression) -> Self {
        self.compression = c;
        self
    }

    /// The `created_by` of this layer's history entry.
    pub fn created_by(mut self, c: &str) -> Self {
        self.comment = Some(c.to_string());
        self
    }

    /// Uses `blob` as the stored layer as is, with `diff_id` as its uncompressed digest (for
    /// truncated layers, bombs and other hand-made blobs).
    pub fn raw_blob(mut self, blob: Vec<u8>, diff_id: &str) -> Self {
        self.raw = Some((blob, diff_id.to_string()));
        self
    }

    /// The uncompressed tar.
    pub fn tar(&self) -> io::Result<Vec<u8>> {
        let mut b = tar::Builder::new(Vec::new());
        for Item::Entry {
            path,
            kind,
            mode,
            uid,
            gid,
            data,
            link,
        } in &self.items
        {
            if path.len() > 99 {
                write_long(&mut b, tar::EntryType::GNULongName, path)?;
            }
            if let Some(l) = link.as_ref().filter(|l| l.len() > 99) {
                write_long(&mut b, tar::EntryType::GNULongLink, l)?;
            }
            let mut h = tar::Header::new_gnu();
            set_name(&mut h, path, false);
            if let Some(l) = link {
                set_name(&mut h, l, true);
            }
            h.set_entry_type(*kind);
            h.set_mode(*mode);
            h.set_uid(*uid);
            h.set_gid(*gid);
            h.set_mtime(0);
            h.set_size(data.len() as u64);
            h.set_cksum();
            b.append(&h, data.as_slice())?;
        }
        b.into_inner()
    }

    /// The stored blob and its diff id.
    pub fn blob(&self) -> io::Result<(Vec<u8>, String)> {
        if let Some((b, d)) = &self.raw {
            return Ok((b.clone(), d.clone()));
        }
        let tar = self.tar()?;
        let diff_id = sha256(&tar);
        let blob = match self.compression {
            BuildCompression::None => tar,
            BuildCompression::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(&tar)?;
                e.finish()?
            }
            BuildCompression::Zstd => zstd::stream::encode_all(tar.as_slice(), 3)?,
        };
        Ok((blob, diff_id))
    }

    fn media_type(&self) -> &'static str {
        match (self.compression, &self.raw) {
            (_, Some(_)) | (BuildCompression::Gzip, _) => {
                "application/vnd.oci.image.layer.v1.tar+gzip"
            }
            (BuildCompression::Zstd, _) => "application/vnd.oci.image.layer.v1.tar+zstd",
            (BuildCompression::None, _) => "application/vnd.oci.image.layer.v1.tar",
        }
    }
}

fn write_long(b: &mut tar::Builder<Vec<u8>>, kind: tar::EntryType, name: &[u8]) -> io::Result<()> {
    let mut h = tar::Header::new_gnu();
    set_name(&mut h, b"././@LongLink", false);
    h.set_entry_type(kind);
    h.set_mode(0o644);
    let mut data = name.to_vec();
    data.push(0);
    h.set_size(data.len() as u64);
    h.set_cksum();
    b.append(&h, data.as_slice())
}

/// Writes a name into the header's 100-byte field as is (truncated when a GNU long-name entry
/// carries the whole name).
fn set_name(h: &mut tar::Header, name: &[u8], link: bool) {
    if let Some(g) = h.as_gnu_mut() {
        let field = if link { &mut g.linkname } else { &mut g.name };
        field.fill(0);
        let n = name.len().min(99);
        field[..n].copy_from_slice(&name[..n]);
    }
}

/// Built blobs (with media types), the config bytes and the config.
type Finished = (Vec<(Vec<u8>, &'static str)>, Vec<u8>, ImageConfigFile);
/// Files of an archive or layout: name and content.
pub type Files = Vec<(String, Vec<u8>)>;

/// What a written image is made of, to corrupt or check it in tests.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub manifest_digest: String,
    pub config_digest: String,
    /// Stored blob digests, one per layer.
    pub layers: Vec<String>,
    pub diff_ids: Vec<String>,
    /// With attestations: the image index `index.json` names, and the attestation manifest.
    pub index_digest: Option<String>,
    pub attestation_manifest: Option<String>,
    /// The referrer manifests, in the order they were added.
    pub referrers: Vec<String>,
}

/// A referrer to write beside the image (an OCI 1.1 artifact manifest whose subject is it).
#[derive(Debug, Clone)]
struct Referrer {
    artifact_type: String,
    media_type: String,
    blob: Vec<u8>,
    annotations: BTreeMap<String, String>,
}

/// An image to build.
#[derive(Debug, Clone)]
pub struct ImageBuilder {
    pub config: ImageConfigFile,
    layers: Vec<LayerBuilder>,
    auto_history: bool,
    /// In-toto predicates attached as BuildKit attestations: predicate type and predicate.
    attestations: Vec<(String, serde_json::Value)>,
    referrers: Vec<Referrer>,
}

impl Default for ImageBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ImageBuilder {
    /// A linux/amd64 image with no layers and an empty configuration.
    pub fn new() -> Self {
        ImageBuilder {
            config: ImageConfigFile {
                architecture: "amd64".into(),
                os: "linux".into(),
                config: ContainerConfig::default(),
                ..ImageConfigFile::default()
            },
            layers: Vec::new(),
            auto_history: true,
            attestations: Vec::new(),
            referrers: Vec::new(),
        }
    }

    pub fn layer(mut self, l: LayerBuilder) -> Self {
        self.layers.push(l);
        self
    }

    pub fn user(mut self, u: &str) -> Self {
        self.config.config.user = u.into();
        self
    }

    pub fn env(mut self, kv: &str) -> Self {
        self.config.config.env.push(kv.into());
        self
    }

    pub fn label(mut self, k: &str, v: &str) -> Self {
        self.config.config.labels.insert(k.into(), v.into());
        self
    }

    pub fn expose(mut self, port: &str) -> Self {
        self.config
            .config
            .exposed_ports
            .insert(port.into(), serde_json::json!({}));
        self
    }

    pub fn healthcheck(mut self, test: &[&str]) -> Self {
        self.config.config.healthcheck = Some(spec::Healthcheck {
            test: test.iter().map(|s| s.to_string()).collect(),
        });
        self
    }

    /// Adds a history entry that created no layer (`ENV`, `USER`, `ARG`…).
    pub fn history(mut self, created_by: &str) -> Self {
        self.config.history.push(History {
            created_by: created_by.into(),
            empty_layer: true,
            ..History::default()
        });
        self
    }

    /// Attaches an in-toto statement with this predicate the way BuildKit does
    /// (`--sbom`, `--provenance`): an attestation manifest beside the image manifest in an image
    /// index, its layer the statement. OCI layouts and archives only.
    pub fn attestation(mut self, predicate_type: &str, predicate: serde_json::Value) -> Self {
        self.attestations.push((predicate_type.into(), predicate));
        self
    }

    /// Attaches an OCI 1.1 referrer: an artifact manifest of `artifact_type` whose subject is the
    /// image and whose one layer is `blob` (`media_type`), listed in the layout's `index.json`.
    /// OCI layouts and archives only.
    pub fn referrer(mut self, artifact_type: &str, media_type: &str, blob: Vec<u8>) -> Self {
        self.referrers.push(Referrer {
            artifact_type: artifact_type.into(),
            media_type: media_type.into(),
            blob,
            annotations: BTreeMap::new(),
        });
        self
    }

    /// The referrers' manifests (and their blobs) for an image manifest: the files to write and
    /// each manifest's descriptor.
    pub fn referrer_files(&self, subject: &Descriptor) -> io::Result<(Files, Vec<Descriptor>)> {
        let mut files = Vec::new();
        let mut descs = Vec::new();
        let empty = b"{}".to_vec();
        let empty_desc = Descriptor {
            media_type: "application/vnd.oci.empty.v1+json".into(),
            digest: sha256(&empty),
            size: 2,
            ..Descriptor::default()
        };
        if !self.referrers.is_empty() {
            files.push((blob_name(&empty_desc.digest), empty.clone()));
        }
        for r in &self.referrers {
            let d = sha256(&r.blob);
            files.push((blob_name(&d), r.blob.clone()));
            let m = Manifest {
                schema_version: 2,
                media_type: spec::MT_OCI_MANIFEST.into(),
                artifact_type: r.artifact_type.clone(),
                config: empty_desc.clone(),
                layers: vec![Descriptor {
                    media_type: r.media_type.clone(),
                    digest: d,
                    size: r.blob.len() as i64,
                    ..Descriptor::default()
                }],
                subject: Some(Descriptor {
                    media_type: subject.media_type.clone(),
                    digest: subject.digest.clone(),
                    size: subject.size,
                    ..Descriptor::default()
                }),
                annotations: r.annotations.clone(),
            };
            let mb = serde_json::to_vec(&m).map_err(io::Error::other)?;
            let md = sha256(&mb);
            descs.push(Descriptor {
                media_type: spec::MT_OCI_MANIFEST.into(),
                digest: md.clone(),
                size: mb.len() as i64,
                artifact_type: r.artifact_type.clone(),
                ..Descriptor::default()
            });
            files.push((blob_name(&md), mb));
        }
        Ok((files, descs))
    }

    /// Leaves the history exactly as set (no entries generated for layers).
    pub fn no_auto_history(mut self) -> Self {
        self.auto_history = false;
        self
    }

    fn finish(&self) -> io::Result<Finished> {
        let mut blobs = Vec::new();
        let mut config = self.config.clone();
        config.rootfs.kind = "layers".into();
        config.rootfs.diff_ids.clear();
        for (i, l) in self.layers.iter().enumerate() {
            let (blob, diff_id) = l.blob()?;
            config.rootfs.diff_ids.push(diff_id);
            if self.auto_history {
                config.history.push(History {
                    created_by: l
                        .comment
                        .clone()
                        .unwrap_or_else(|| format!("shipshape build: layer {}", i + 1)),
                    ..History::default()
                });
            }
            blobs.push((blob, l.media_type()));
        }
        let cbytes = serde_json::to_vec(&config).map_err(io::Error::other)?;
        Ok((blobs, cbytes, config))
    }

    /// Writes an OCI image layout into `dir` (created if missing), tagged `tag`.
    pub fn write_oci_layout(&self, dir: &Path, tag: &str) -> io::Result<Written> {
        let files = self.oci_files(tag)?;
        for (name, data) in &files.0 {
            let p = dir.join(name);
            if let Some(parent) = p.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(p, data)?;
        }
        Ok(files.1)
    }

    /// Writes an OCI archive (a tarred layout) to `file`.
    pub fn write_oci_archive(&self, file: &Path, tag: &str) -> io::Result<Written> {
        let (files, written) = self.oci_files(tag)?;
        write_tar(file, &files)?;
        Ok(written)
    }

    fn oci_files(&self, tag: &str) -> io::Result<(Files, Written)> {
        let (blobs, cbytes, config) = self.finish()?;
        let mut files = vec![(
            "oci-layout".to_string(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        )];
        let mut written = Written {
            config_digest: sha256(&cbytes),
            diff_ids: config.rootfs.diff_ids.clone(),
            ..Written::default()
        };
        let mut layers = Vec::new();
        for (blob, mt) in blobs {
            let d = sha256(&blob);
            layers.push(Descriptor {
                media_type: mt.into(),
                digest: d.clone(),
                size: blob.len() as i64,
                ..Descriptor::default()
            });
            written.layers.push(d.clone());
            files.push((blob_name(&d), blob));
        }
        let manifest = Manifest {
            schema_version: 2,
            media_type: spec::MT_OCI_MANIFEST.into(),
            config: Descriptor {
                media_type: "application/vnd.oci.image.config.v1+json".into(),
                digest: written.config_digest.clone(),
                size: cbytes.len() as i64,
                ..Descriptor::default()
            },
            layers,
            ..Manifest::default()
        };
        files.push((blob_name(&written.config_digest), cbytes));
        let mbytes = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
        written.manifest_digest = sha256(&mbytes);
        let mut ann = BTreeMap::new();
        ann.insert(spec::ANN_REF_NAME.to_string(), tag.to_string());
        let image_desc = Descriptor {
            media_type: spec::MT_OCI_MANIFEST.into(),
            digest: written.manifest_digest.clone(),
            size: mbytes.len() as i64,
            ..Descriptor::default()
        };
        files.push((blob_name(&written.manifest_digest), mbytes));
        let mut top = if self.attestations.is_empty() {
            vec![Descriptor {
                annotations: ann,
                ..image_desc.clone()
            }]
        } else {
            // BuildKit's shape: index.json names an image index holding the image manifest (with
            // its platform) and an attestation manifest (`unknown/unknown`) that points at it.
            let (att_files, att_desc) = self.attestation_files(&image_desc)?;
            files.extend(att_files);
            written.attestation_manifest = Some(att_desc.digest.clone());
            let inner = Index {
                schema_version: 2,
                media_type: spec::MT_OCI_INDEX.into(),
                manifests: vec![
                    Descriptor {
                        platform: Some(spec::Platform {
                            os: config.os.clone(),
                            architecture: config.architecture.clone(),
                            variant: config.variant.clone(),
                        }),
                        ..image_desc.clone()
                    },
                    att_desc,
                ],
            };
            let ib = serde_json::to_vec(&inner).map_err(io::Error::other)?;
            let id = sha256(&ib);
            written.index_digest = Some(id.clone());
            files.push((blob_name(&id), ib.clone()));
            vec![Descriptor {
                media_type: spec::MT_OCI_INDEX.into(),
                digest: id,
                size: ib.len() as i64,
                annotations: ann,
                ..Descriptor::default()
            }]
        };
        let (ref_files, ref_descs) = self.referrer_files(&image_desc)?;
        files.extend(ref_files);
        written.referrers = ref_descs.iter().map(|d| d.digest.clone()).collect();
        top.extend(ref_descs);
        let index = Index {
            schema_version: 2,
            media_type: spec::MT_OCI_INDEX.into(),
            manifests: top,
        };
        files.push((
            "index.json".into(),
            serde_json::to_vec(&index).map_err(io::Error::other)?,
        ));
        Ok((files, written))
    }

    /// The attestation manifest for the image manifest `subject`: its files and its descriptor
    /// as BuildKit lists it in the image index.
    fn attestation_files(&self, subject: &Descriptor) -> io::Result<(Files, Descriptor)> {
        let mut files = Vec::new();
        let mut layers = Vec::new();
        let hex = subject.digest.trim_start_matches("sha256:");
        for (ptype, predicate) in &self.attestations {
            let statement = serde_json::json!({
                "_type": "https://in-toto.io/Statement/v0.1",
                "predicateType": ptype,
                "subject": [{"name": "pkg:docker/shipshape-build", "digest": {"sha256": hex}}],
                "predicate": predicate,
            });
            let sb = serde_json::to_vec(&statement).map_err(io::Error::other)?;
            let d = sha256(&sb);
            let mut ann = BTreeMap::new();
            ann.insert(crate::attest::ANN_PREDICATE_TYPE.to_string(), ptype.clone());
            layers.push(Descriptor {
                media_type: crate::attest::MT_IN_TOTO.into(),
                digest: d.clone(),
                size: sb.len() as i64,
                annotations: ann,
                ..Descriptor::default()
            });
            files.push((blob_name(&d), sb));
        }
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "unknown",
            "os": "unknown",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l.digest.clone()).collect::<Vec<_>>()},
        }))
        .map_err(io::Error::other)?;
        let cd = sha256(&config);
        let manifest = Manifest {
            schema_version: 2,
            media_type: spec::MT_OCI_MANIFEST.into(),
            config: Descriptor {
                media_type: "application/vnd.oci.image.config.v1+json".into(),
                digest: cd.clone(),
                size: config.len() as i64,
                ..Descriptor::default()
            },
            layers,
            ..Manifest::default()
        };
        files.push((blob_name(&cd), config));
        let mb = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
        let md = sha256(&mb);
        files.push((blob_name(&md), mb.clone()));
        let mut ann = BTreeMap::new();
        ann.insert(
            crate::attest::ANN_REFERENCE_TYPE.to_string(),
            "attestation-manifest".to_string(),
        );
        ann.insert(
            crate::attest::ANN_REFERENCE_DIGEST.to_string(),
            subject.digest.clone(),
        );
        Ok((
            files,
            Descriptor {
                media_type: spec::MT_OCI_MANIFEST.into(),
                digest: md,
                size: mb.len() as i64,
                annotations: ann,
                platform: Some(spec::Platform {
                    os: "unknown".into(),
                    architecture: "unknown".into(),
                    variant: String::new(),
                }),
                ..Descriptor::default()
            },
        ))
    }

    /// Writes a docker-archive (`docker save` format: `<id>/layer.tar`, `<config>.json`,
    /// `manifest.json`) to `file`, tagged `repo_tag` (`app:1`). Layers are stored uncompressed,
    /// as `docker save` does, unless built from a raw blob.
    pub fn write_docker_archive(&self, file: &Path, repo_tag: &str) -> io::Result<Written> {
        let (files, written) = self.docker_files(repo_tag)?;
        write_tar(file, &files)?;
        Ok(written)
    }

    /// Writes a docker-archive that also holds an OCI layout (`index.json`, `oci-layout`, the
    /// blobs, with the attestations and referrers), as `docker save` does from Docker 25 on; with
    /// the containerd image store the attestations are kept.
    pub fn write_docker_archive_with_index(
        &self,
        file: &Path,
        repo_tag: &str,
    ) -> io::Result<Written> {
        let (mut files, mut written) = self.docker_files(repo_tag)?;
        let (oci, w) = self.oci_files(repo_tag)?;
        files.extend(oci);
        written.manifest_digest = w.manifest_digest;
        written.index_digest = w.index_digest;
        written.attestation_manifest = w.attestation_manifest;
        written.referrers = w.referrers;
        write_tar(file, &files)?;
        Ok(written)
    }

    fn docker_files(&self, repo_tag: &str) -> io::Result<(Files, Written)> {
        let mut config = self.config.clone();
        config.rootfs.kind = "layers".into();
        config.rootfs.diff_ids.clear();
        let mut files = Vec::new();
        let mut layer_names = Vec::new();
        let mut written = Written::default();
        for (i, l) in self.layers.iter().enumerate() {
            let (blob, diff_id) = match &l.raw {
                Some((b, d)) => (b.clone(), d.clone()),
                None => {
                    let t = l.tar()?;
                    let d = sha256(&t);
                    (t, d)
                }
            };
            if self.auto_history {
                config.history.push(History {
                    created_by: l
                        .comment
                        .clone()
                        .unwrap_or_else(|| format!("shipshape build: layer {}", i + 1)),
                    ..History::default()
                });
            }
            let id = format!("{:064x}", i + 1);
            let name = format!("{id}/layer.tar");
            written.layers.push(diff_id.clone());
            written.diff_ids.push(diff_id.clone());
            config.rootfs.diff_ids.push(diff_id);
            files.push((format!("{id}/VERSION"), b"1.0".to_vec()));
            files.push((name.clone(), blob));
            layer_names.push(name);
        }
        let cbytes = serde_json::to_vec(&config).map_err(io::Error::other)?;
        written.config_digest = sha256(&cbytes);
        let cname = format!(
            "{}.json",
            written.config_digest.trim_start_matches("sha256:")
        );
        files.push((cname.clone(), cbytes));
        let manifest = serde_json::json!([{
            "Config": cname,
            "RepoTags": [repo_tag],
            "Layers": layer_names,
        }]);
        files.push((
            "manifest.json".into(),
            serde_json::to_vec(&manifest).map_err(io::Error::other)?,
        ));
        Ok((files, written))
    }
}

fn blob_name(digest: &str) -> String {
    format!("blobs/sha256/{}", digest.trim_start_matches("sha256:"))
}

fn write_tar(file: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
    let f = fs::File::create(file)?;
    let mut b = tar::Builder::new(io::BufWriter::new(f));
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data.as_slice())?;
    }
    b.into_inner()?.flush()
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex_lower(&Sha256::digest(bytes)))
}
