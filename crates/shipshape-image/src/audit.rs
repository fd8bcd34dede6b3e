//! The image audit: configuration rules over the image's own `config`, then one streaming pass
//! over the layers that builds the merged view and feeds the filesystem rules.

use crate::eol::EolInfo;
use crate::fs::{FileEntry, FileKind, FsIndex};
use crate::image::Image;
use crate::layer::LayerStats;
use crate::reference::SourceType;
use crate::rules::{self, secret_files::SecretHit};
use crate::visitor::{FnVisitor, LayerVisitor};
use jiff::civil::Date;
use shipshape_core::report::{Analysis, ScanError, ScannedInput};
use shipshape_core::subject::{ImageSubject, SubjectAttestation, SubjectLayer};
use shipshape_core::{ChecklistItem, Finding, Location, SourceKind};
use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

/// Knobs of the audit.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// The day end-of-life status is judged on (default: today).
    pub today: Option<Date>,
    /// Largest file whose content is inspected for key material (bigger files are listed only).
    pub max_content_bytes: u64,
    /// SS3019 thresholds: whole image, and one layer (uncompressed bytes).
    pub large_image_bytes: u64,
    pub large_layer_bytes: u64,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            today: None,
            max_content_bytes: 1 << 20,
            large_image_bytes: 1 << 30,
            large_layer_bytes: 512 << 20,
        }
    }
}

/// Facts about the image for the human summary (size, layers, OS, base image).
#[derive(Debug, Clone, Default)]
pub struct ImageSummary {
    pub reference: String,
    /// `PRETTY_NAME` of os-release, or `ID VERSION_ID`.
    pub os: Option<String>,
    pub os_id: Option<String>,
    pub os_version: Option<String>,
    pub eol: Option<EolInfo>,
    /// The base image, from the `org.opencontainers.image.base.name` label or the history.
    pub base_image: Option<String>,
    pub user: String,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    /// Entries over all layers, and visible in the final filesystem.
    pub entries: u64,
    pub visible_files: u64,
    pub layers: Vec<LayerSummary>,
}

/// One layer in the summary.
#[derive(Debug, Clone, Default)]
pub struct LayerSummary {
    pub digest: String,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    pub entries: u64,
    pub created_by: Option<String>,
    /// Not hashed: an earlier scan verified it in the same, unchanged file.
    pub verified_earlier: bool,
}

impl ImageSummary {
    /// What the scan looked at, for the machine-readable reports: the image's identity, this
    /// summary's layers, OS and user, and the attestations it carries (`None` when the source
    /// keeps none or they could not be read: that error is the provenance rule's).
    pub fn subject(&self, image: &Image) -> ImageSubject {
        let c = &image.config;
        let platform = [c.os.as_str(), c.architecture.as_str(), c.variant.as_str()]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("/");
        let attestations = image
            .attestations()
            .ok()
            .filter(|a| a.not_carried.is_none())
            .map(|a| {
                a.list
                    .iter()
                    .map(|a| SubjectAttestation {
                        kind: a.kind.as_str().to_string(),
                        predicate_type: a.predicate_type.clone(),
                        media_type: a.media_type.clone(),
                        source: a.source.as_str().to_string(),
                        digest: a.digest.clone(),
                    })
                    .collect()
            });
        ImageSubject {
            reference: image.reference.clone(),
            source: image.source.as_str().to_string(),
            name: image.name.clone(),
            manifest_digest: image.manifest_digest.clone(),
            config_digest: image.config_digest.clone(),
            repo_digests: image.repo_digests.clone(),
            platform,
            os: self.os.clone(),
            user: self.user.clone(),
            base_image: self.base_image.clone(),
            // Every layer of the image, with what reading it found (nothing for layers a failed
            // pass did not reach).
            layers: image
                .layers
                .iter()
                .enumerate()
                .map(|(i, il)| {
                    let read = self.layers.get(i);
                    SubjectLayer {
                        digest: il.digest.clone(),
                        diff_id: il.diff_id.clone(),
                        size: read.map_or(il.size.unwrap_or(0), |l| l.compressed_bytes),
                        uncompressed_size: read.map_or(0, |l| l.uncompressed_bytes),
                        created_by: read.and_then(|l| l.created_by.clone()),
                        verified_earlier: read.is_some_and(|l| l.verified_earlier),
                    }
                })
                .collect(),
            attestations,
            vulnerabilities: None,
        }
    }

    /// Layer indexes, largest (uncompressed) first.
    pub fn largest_layers(&self, n: usize) -> Vec<usize> {
        let mut ix: Vec<usize> = (0..self.layers.len()).collect();
        ix.sort_by_key(|&i| std::cmp::Reverse(self.layers[i].uncompressed_bytes));
        ix.truncate(n);
        ix
    }
}

/// The audit's result: the analysis for the report, and the summary.
#[derive(Debug)]
pub struct ImageAudit {
    pub analysis: Analysis,
    pub summary: ImageSummary,
}

/// What the layer pass learnt, for the filesystem rules.
pub(crate) struct FsFacts {
    pub(crate) index: Arc<FsIndex>,
    /// Contents of small system files (os-release, passwd, group), by entry id.
    pub(crate) captured: HashMap<usize, Vec<u8>>,
    pub(crate) secrets: Vec<SecretHit>,
    pub(crate) stats: Vec<LayerStats>,
    /// Whether every layer was read.
    pub(crate) complete: bool,
}

/// Files whose content the rules read.
const CAPTURE: &[&[u8]] = &[
    b"/etc/os-release",
    b"/usr/lib/os-release",
    b"/etc/passwd",
    b"/etc/group",
    b"/etc/alpine-release",
    b"/etc/debian_version",
];

/// Everything a rule can look at.
pub struct Ctx<'a> {
    pub(crate) image: &'a Image,
    pub(crate) opts: &'a AuditOptions,
    pub(crate) today: Date,
    pub(crate) fs: Option<&'a FsFacts>,
}

impl Ctx<'_> {
    /// Location of a file inside the image, with the layer that added it. The path is the
    /// path in the image; [`audit_full_with`] prefixes the reference once the findings (and their
    /// fingerprints) are made, see [`show_in_image`].
    pub(crate) fn file_location(&self, e: &FileEntry) -> Location {
        let mut l = Location::path(e.path_str());
        l.layer = Some(self.image.layer_digest(e.layer).to_string());
        l
    }

    /// Location of a configuration field (`config.User`) of the image itself.
    pub(crate) fn config_location(&self, key: &str) -> Location {
        Location::path("").with_key(key)
    }

    /// Content captured for a (resolved) path in the final filesystem.
    pub(crate) fn content(&self, path: &str) -> Option<&[u8]> {
        let fs = self.fs?;
        let id = fs.index.resolve_id(path.as_bytes())?;
        fs.captured.get(&id).map(Vec::as_slice)
    }

    pub(crate) fn index(&self) -> Option<&FsIndex> {
        self.fs.map(|f| &*f.index)
    }

    /// Human label of layer `i`: `layer 2 (sha256:abcdef012345)`.
    pub(crate) fn layer_label(&self, i: usize) -> String {
        let d = self.image.layer_digest(i);
        let short: String = d.chars().take(19).collect();
        format!("layer {} ({short})", i + 1)
    }

    /// The runtime user from the config, resolved against /etc/passwd when possible.
    pub(crate) fn runtime_user(&self) -> RuntimeUser {
        RuntimeUser::resolve(
            &self.image.config.config.user,
            self.content("/etc/passwd"),
            self.content("/etc/group"),
        )
    }
}

/// `config.User`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuntimeUser {
    pub(crate) raw: String,
    pub(crate) uid: Option<u64>,
    pub(crate) gid: Option<u64>,
}

impl RuntimeUser {
    pub(crate) fn resolve(raw: &str, passwd: Option<&[u8]>, group: Option<&[u8]>) -> RuntimeUser {
        let raw = raw.trim().to_string();
        let (u, g) = match raw.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (raw.as_str(), None),
        };
        let users = passwd.map(parse_passwd).unwrap_or_default();
        let (uid, mut gid) = if u.is_empty() || u == "root" {
            (Some(0), Some(0))
        } else if let Ok(n) = u.parse::<u64>() {
            (Some(n), users.iter().find(|x| x.1 == n).map(|x| x.2))
        } else {
            match users.iter().find(|x| x.0 == u) {
                Some(x) => (Some(x.1), Some(x.2)),
                None => (None, None),
            }
        };
        if let Some(g) = g {
            gid = g.parse::<u64>().ok().or_else(|| {
                let groups = group.map(parse_passwd).unwrap_or_default();
                groups.iter().find(|x| x.0 == g).map(|x| x.1)
            });
        }
        RuntimeUser { raw, uid, gid }
    }

    pub(crate) fn is_root(&self) -> bool {
        self.uid == Some(0)
    }
}

/// `name:x:uid:gid:…` lines (passwd and group share the first three fields' shape).
fn parse_passwd(text: &[u8]) -> Vec<(String, u64, u64)> {
    String::from_utf8_lossy(text)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            let id = f.get(2)?.parse().ok()?;
            let gid = f.get(3).and_then(|g| g.parse().ok()).unwrap_or(id);
            Some((f.first()?.to_string(), id, gid))
        })
        .collect()
}

/// Audits an image: its configuration and every layer. Never fails: what could not be read is
/// a scan error in the analysis (so the run fails closed), next to whatever was found.
pub fn audit(image: &Image, opts: &AuditOptions) -> Analysis {
    audit_full(image, opts).analysis
}

/// [`audit`] plus the summary (OS, sizes, layers) for human output.
pub fn audit_full(image: &Image, opts: &AuditOptions) -> ImageAudit {
    audit_full_with(image, opts, |_, _, _| Ok(()))
}

/// [`audit_full`] that also hands every entry of every layer to `visit` during the audit's own
/// pass (a [`FnVisitor`]). `entry.hidden` is not known yet during the pass: after the audit,
/// `image.index()` (cached by the audit, no further reading) gives the final entry by `id`.
pub fn audit_full_with<F>(image: &Image, opts: &AuditOptions, visit: F) -> ImageAudit
where
    F: FnMut(usize, &FileEntry, &mut dyn Read) -> std::io::Result<()>,
{
    audit_with(image, opts, &mut [&mut FnVisitor(visit)])
}

/// The image audit with [`LayerVisitor`]s in its single verified pass over the layers (the
/// secrets engine, SBOM catalogers): each reads the files it wants as the pass reaches them, and
/// its findings join the audit's. An error from a visitor stops the pass and is a scan error.
pub fn audit_with(
    image: &Image,
    opts: &AuditOptions,
    visitors: &mut [&mut dyn LayerVisitor],
) -> ImageAudit {
    let mut analysis = Analysis::default();
    analysis.inputs.push(ScannedInput {
        path: image.reference.clone(),
        kind: SourceKind::Image,
    });
    let today = opts.today.unwrap_or_else(|| jiff::Zoned::now().date());
    let mut scratch = Vec::new();
    let (facts, errors) = fs_pass(image, opts, |id, fe, head, r| {
        crate::visitor::dispatch(visitors, &mut scratch, id, fe, head, r)
    });
    analysis.errors.extend(errors);
    let ctx = Ctx {
        image,
        opts,
        today,
        fs: Some(&facts),
    };
    for rule in rules::RULES {
        let meta = rule.meta();
        // Every finding reaches the policy: an ignore or a baseline must see all of them (a
        // display limit is the human writer's business).
        let found = rule.check(&ctx);
        debug_assert!(found.iter().all(|f| f.rule == meta.code));
        analysis
            .findings
            .extend(found.into_iter().map(|f| f.with_source(SourceKind::Image)));
    }
    // Attestations are read once (the rule above asked first); a failure fails the scan closed.
    if let Err(e) = image.attestations() {
        analysis
            .errors
            .push(ScanError::new(image.reference.clone(), e.message));
    }
    for f in &mut analysis.findings {
        show_in_image(&image.reference, &mut f.location);
        for r in &mut f.related {
            show_in_image(&image.reference, r);
        }
    }
    covered(&ctx, &mut analysis);
    // What the visitors found, now that the final filesystem is known. After a pass that
    // stopped (a digest mismatch, a corrupt layer) there is no final filesystem: the visitors
    // do not finish (no SBOM, no secrets from a partial read), as with `visit_layers`; the scan
    // error above fails the run. Finishing would also have read the whole image again, once per
    // visitor asking for the index, and repeated the same error.
    if ctx.fs.is_some_and(|f| f.complete) {
        for v in visitors.iter_mut() {
            analysis.merge(v.finish(image));
        }
    }
    let summary = summarize(&ctx);
    ImageAudit { analysis, summary }
}

/// Turns a location made inside an image (a path in the image, or empty for the image itself)
/// into the one shown: `REF:/path`, or `REF`. Findings are made before this, so that their
/// fingerprints do not depend on how the image was named (`app:1.2` today, `app:1.3` or an
/// archive tomorrow) and baselines, ignores by fingerprint and code-scanning alerts carry over.
pub fn show_in_image(reference: &str, loc: &mut Location) {
    loc.path = if loc.path.is_empty() {
        reference.to_string()
    } else {
        format!("{reference}:{}", loc.path)
    };
}

fn fs_pass<F>(image: &Image, opts: &AuditOptions, mut visit: F) -> (FsFacts, Vec<ScanError>)
where
    F: FnMut(usize, &FileEntry, &[u8], &mut dyn Read) -> std::io::Result<()>,
{
    let mut captured = HashMap::new();
    let mut secrets = Vec::new();
    let mut buf = Vec::new();
    let cap = opts.max_content_bytes;
    let pass = image.pass(&mut |id, fe, r| {
        if fe.kind != FileKind::File || fe.size == 0 {
            return visit(id, fe, &[], r);
        }
        let want = CAPTURE.contains(&&*fe.path);
        let candidate = rules::secret_files::is_candidate_name(&fe.path);
        if !want && !candidate && !(rules::secret_files::MIN_KEY_BYTES..=cap).contains(&fe.size) {
            return visit(id, fe, &[], r); // nothing for the rules here
        }
        let wanted = usize::try_from(fe.size.min(cap)).unwrap_or(usize::MAX);
        let n = crate::visitor::read_reusing(r, &mut buf, wanted)?;
        let head = &buf[..n];
        if want {
            captured.insert(id, head.to_vec());
        }
        if let Some(hit) = rules::secret_files::inspect(id, &fe.path, head) {
            secrets.push(hit);
        }
        // The caller sees the whole content: what was read here, then the rest of the stream.
        visit(id, fe, head, r)
    });
    let mut errors = Vec::new();
    for s in &pass.stats {
        for r in &s.refused {
            errors.push(ScanError::new(image.reference.clone(), r.clone()));
        }
    }
    let complete = pass.error.is_none();
    if let Some(e) = pass.error {
        errors.push(ScanError::new(image.reference.clone(), e.message));
    }
    let index = if complete {
        image.remember_index(pass.index)
    } else {
        Arc::new(pass.index)
    };
    (
        FsFacts {
            index,
            captured,
            secrets,
            stats: pass.stats,
            complete,
        },
        errors,
    )
}

/// Records the rules that evaluated the image: those of the items the image can decide.
fn covered(ctx: &Ctx, a: &mut Analysis) {
    use ChecklistItem::*;
    let mut decided = std::collections::BTreeSet::new();
    decided.extend([NonRoot, Healthcheck, Network]);
    // Provenance covers the labels and the attestations: it is decided only where the source
    // can carry attestations and they were read.
    match ctx.image.attestations() {
        Ok(at) => match &at.not_carried {
            None => {
                decided.insert(Provenance);
            }
            Some(why) => {
                a.notes.insert(
                    Provenance,
                    format!("SBOM and provenance attestations not checked: {why}"),
                );
            }
        },
        Err(e) => {
            a.notes.insert(
                Provenance,
                format!("the attestations could not be read: {}", e.message),
            );
        }
    }
    let complete = ctx.fs.is_some_and(|f| f.complete);
    if complete {
        decided.extend([Secrets, MinimalImage]);
    } else {
        a.notes
            .insert(Secrets, "image layers could not all be read".into());
        a.notes
            .insert(MinimalImage, "image layers could not all be read".into());
    }
    match ctx.image.source {
        SourceType::Engine | SourceType::Registry => {
            decided.insert(ImageTag);
        }
        _ => {
            a.not_applicable.insert(ImageTag);
        }
    }
    let os = rules::os_eol::os_release(ctx);
    match os {
        Some(os) if crate::eol::lookup(&os.id, &os.version_id).is_some() => {
            decided.insert(BaseImage);
        }
        Some(os) => {
            a.notes.insert(
                BaseImage,
                format!(
                    "{} {} is not in the end-of-life table",
                    os.id, os.version_id
                ),
            );
        }
        None if complete => {
            // No distribution at all (scratch, distroless-static): nothing to go out of support.
            decided.insert(BaseImage);
        }
        None => {}
    }
    a.notes.entry(NoNewPrivileges).or_insert_with(|| {
        "a runtime setting; the image audit only reports setuid/setgid files".into()
    });
    // Settings an image cannot carry: they are decided where the container is run.
    for item in [ReadOnly, ResourceLimits, Capabilities, LogRotation] {
        a.notes.entry(item).or_insert_with(|| {
            "a runtime setting: check the docker run line, compose file or Kubernetes manifest"
                .into()
        });
    }
    a.notes.entry(BuildContext).or_insert_with(|| {
        "a build setting: check the Dockerfile and .dockerignore with `shipshape check`".into()
    });
    a.evaluated_by(
        rules::METAS
            .iter()
            .copied()
            .filter(|r| decided.contains(&r.checklist)),
    );
    evidence(ctx, &decided, a);
}

/// Why each item the image decides holds, as far as the image shows. The evidence is about the
/// whole image (an empty path), so the policy drops it when any finding is on its item: a claim
/// of absence ("no secrets in …") stands only when the rules found none.
fn evidence(ctx: &Ctx, decided: &std::collections::BTreeSet<ChecklistItem>, a: &mut Analysis) {
    use ChecklistItem::*;
    let config = &ctx.image.config.config;
    let mut add = |item: ChecklistItem, note: String| {
        if decided.contains(&item) {
            a.add_evidence(shipshape_core::Evidence::pass(item, "", note));
        }
    };
    let user = ctx.runtime_user();
    if !user.is_root() {
        add(NonRoot, format!("config.User is `{}`", user.raw));
    }
    if config
        .healthcheck
        .as_ref()
        .is_some_and(|h| !h.test.is_empty() && h.test[0] != "NONE")
    {
        add(
            Healthcheck,
            "HEALTHCHECK defined in the image config".into(),
        );
    }
    let ports: Vec<&str> = config.exposed_ports.keys().map(String::as_str).collect();
    add(
        Network,
        if ports.is_empty() {
            "exposes no ports".into()
        } else {
            format!("exposes {}, none of them sensitive", ports.join(", "))
        },
    );
    let labels: Vec<&str> = [
        "org.opencontainers.image.source",
        "org.opencontainers.image.revision",
        "org.opencontainers.image.version",
    ]
    .into_iter()
    .filter(|l| config.labels.contains_key(*l))
    .collect();
    let carried = ctx
        .image
        .attestations()
        .map(|at| at.summary())
        .unwrap_or_default();
    add(
        Provenance,
        if labels.is_empty() {
            format!("{carried}; no provenance problem found in labels or history")
        } else {
            format!("{carried}; labelled with {}", labels.join(", "))
        },
    );
    let files = ctx.fs.map_or(0, |f| f.index.visible().count());
    add(
        Secrets,
        format!("no secrets found in the config, history or {files} files of the layers"),
    );
    add(
        MinimalImage,
        "no shell, package manager, compiler or download tool found in the final filesystem".into(),
    );
    let reference = &ctx.image.reference;
    add(
        ImageTag,
        if reference.contains("@sha256:") {
            format!("`{reference}` is pinned by digest")
        } else {
            format!("`{reference}` names the image by its ID")
        },
    );
    match rules::os_eol::os_release(ctx) {
        Some(os) => add(
            BaseImage,
            format!("{} {}: supported (not end-of-life)", os.id, os.version_id),
        ),
        None => add(
            BaseImage,
            "no operating-system release file: no distribution to go out of support".into(),
        ),
    }
}

fn summarize(ctx: &Ctx) -> ImageSummary {
    let image = ctx.image;
    let mut s = ImageSummary {
        reference: image.reference.clone(),
        user: image.config.config.user.clone(),
        ..ImageSummary::default()
    };
    if let Some(os) = rules::os_eol::os_release(ctx) {
        s.os = Some(os.pretty.clone());
        s.eol = crate::eol::lookup(&os.id, &os.version_id);
        s.os_id = Some(os.id);
        s.os_version = Some(os.version_id);
    }
    s.base_image = rules::provenance::base_image(image);
    let history: Vec<&str> = image
        .config
        .history
        .iter()
        .filter(|h| !h.empty_layer)
        .map(|h| h.created_by.as_str())
        .collect();
    if let Some(fs) = ctx.fs {
        for (i, st) in fs.stats.iter().enumerate() {
            s.compressed_bytes += st.compressed_bytes;
            s.uncompressed_bytes += st.uncompressed_bytes;
            s.entries += st.entries;
            s.layers.push(LayerSummary {
                digest: image.layer_digest(i).to_string(),
                compressed_bytes: st.compressed_bytes,
                uncompressed_bytes: st.uncompressed_bytes,
                entries: st.entries,
                created_by: history.get(i).map(|h| h.to_string()),
                verified_earlier: st.verified_earlier,
            });
        }
        s.visible_files = fs.index.visible().count() as u64;
    }
    s
}

/// A finding about a file, with the standard location.
pub(crate) fn file_finding(
    ctx: &Ctx,
    meta: &'static shipshape_core::RuleMeta,
    e: &FileEntry,
    message: String,
) -> Finding {
    Finding::new(meta, ctx.file_location(e), message, &e.path_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_resolve() {
        let passwd = b"root:x:0:0:root:/root:/bin/bash\napp:x:1000:1001::/home/app:/bin/sh\ntoor:x:0:0::/:/bin/sh\n";
        let group = b"root:x:0:\nstaff:x:50:\n";
        let r = |u: &str| RuntimeUser::resolve(u, Some(passwd), Some(group));
        assert!(r("").is_root());
        assert!(r("root").is_root());
        assert!(r("0:0").is_root());
        assert!(r("toor").is_root(), "a name with uid 0 is root");
        let app = r("app");
        assert_eq!((app.uid, app.gid), (Some(1000), Some(1001)));
        assert_eq!(r("app:staff").gid, Some(50));
        assert_eq!(r("1234").uid, Some(1234));
        assert_eq!(r("ghost").uid, None);
        assert!(!r("ghost").is_root());
    }
}

#[cfg(test)]
mod evidence_tests {
    use crate::build::ImageBuilder;
    use crate::rules::testing::audit_image;
    use shipshape_core::ChecklistItem;

    fn note(a: &shipshape_core::report::Analysis, item: ChecklistItem) -> Option<String> {
        a.evidence
            .iter()
            .find(|e| e.item == item && e.verdict.is_pass())
            .map(|e| e.note().to_string())
    }

    #[test]
    fn image_evidence_names_the_config() {
        let a = audit_image(
            &ImageBuilder::new()
                .user("10001")
                .healthcheck(&["CMD", "/app", "health"])
                .label("org.opencontainers.image.source", "https://x"),
        );
        assert_eq!(
            note(&a, ChecklistItem::NonRoot).as_deref(),
            Some("config.User is `10001`")
        );
        assert_eq!(
            note(&a, ChecklistItem::Healthcheck).as_deref(),
            Some("HEALTHCHECK defined in the image config")
        );
        assert!(note(&a, ChecklistItem::Provenance)
            .unwrap()
            .contains("org.opencontainers.image.source"));
        assert!(note(&a, ChecklistItem::Secrets)
            .unwrap()
            .starts_with("no secrets found"));
        // A root image records no non-root evidence; no health check, none either.
        let a = audit_image(&ImageBuilder::new().user("root"));
        assert_eq!(note(&a, ChecklistItem::NonRoot), None);
        assert_eq!(note(&a, ChecklistItem::Healthcheck), None);
    }
}
