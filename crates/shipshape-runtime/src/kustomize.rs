//! Kustomize, rendered in Rust: a directory with a `kustomization.yaml` is analysed as what
//! `kubectl apply -k DIR` would apply.
//!
//! Hand-written because no maintained Rust crate renders kustomize (the reference implementation
//! is Go), and running a `kustomize` binary would lose what matters here: where every value came
//! from. Every node of the rendered objects keeps its file and byte range, so a finding points at
//! the base manifest, the patch (a file or an inline patch in the kustomization) or the
//! kustomization entry (`images:`, `namespace:`) that set the value.
//!
//! Supported: `resources` (files, and directories with their own kustomization, recursively;
//! `bases` too), `components`, `patches` (strategic merge or JSON 6902, with or without a
//! `target`), `patchesStrategicMerge`, `patchesJson6902`, `images` (`newName`, `newTag`,
//! `digest`), `namespace`, `namePrefix`/`nameSuffix` (Ingress backends follow), `commonLabels`
//! (with selectors and pod templates), `labels` and `commonAnnotations`. Strategic merge merges
//! lists of containers, volumes, env and ports by their key, honours `$patch: delete|replace`
//! and null deletes. Remote resources and `helmCharts` are not fetched: they are listed as
//! skipped. Generators (`configMapGenerator`, `secretGenerator`) make no workloads and are not
//! rendered.

use crate::yaml::{self, Node, Scalar, V};
use shipshape_core::report::Skipped;
use shipshape_core::{ScanError, SourceFile};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The names kustomize accepts for a kustomization file, in its order of preference.
pub const KUSTOMIZATION_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// How deep `resources` may nest (a cycle is reported before this).
const MAX_DEPTH: usize = 20;

/// Whether `name` is a kustomization file's name.
pub fn is_kustomization_name(name: &str) -> bool {
    KUSTOMIZATION_NAMES.contains(&name)
}

/// A directory's kustomization file, if it has one.
pub fn kustomization_in(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// A kustomization rendered.
#[derive(Debug, Default)]
pub struct Rendered {
    /// Every file read (kustomizations, resources, patches); node `file` indices point here.
    pub files: Vec<SourceFile>,
    /// The rendered objects.
    pub docs: Vec<Node>,
    pub errors: Vec<ScanError>,
    /// Remote resources and Helm charts named by the kustomization, not rendered.
    pub skipped: Vec<Skipped>,
    /// Paths (relative to the scan root) of every file the rendering read: they are part of
    /// this kustomization, not manifests of their own.
    pub consumed: BTreeSet<String>,
    /// Whether the kustomization is a `Component` (applied by others, never built alone).
    pub component: bool,
}

/// A place on disk: the path to open and the path relative to the scan root.
#[derive(Debug, Clone)]
struct At {
    open: PathBuf,
    rel: String,
}

impl At {
    fn join(&self, r: &str) -> At {
        At {
            open: self.open.join(r),
            rel: normalise_rel(&if self.rel.is_empty() {
                r.to_string()
            } else {
                format!("{}/{r}", self.rel)
            }),
        }
    }
}

/// `a/b/../c/./d` → `a/c/d`; leading `..` are kept (a base outside the scanned directory).
fn normalise_rel(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    out.join("/")
}

/// One rendered object and the name it had before any prefix or suffix (patches may name it
/// either way).
#[derive(Debug, Clone)]
struct Obj {
    node: Node,
    original_name: String,
}

impl Obj {
    fn new(node: Node) -> Obj {
        let original_name = name_of(&node).to_string();
        Obj {
            node,
            original_name,
        }
    }
}

fn name_of(n: &Node) -> &str {
    n.path(&["metadata", "name"])
        .and_then(Node::str)
        .unwrap_or("")
}

fn kind_of(n: &Node) -> &str {
    n.get("kind").and_then(Node::str).unwrap_or("")
}

struct Renderer {
    out: Rendered,
    stack: Vec<String>,
    /// Rendering a component on its own: its patches target resources of the kustomizations
    /// that include it, so a patch that finds no target is no error.
    standalone_component: bool,
}

/// Renders the kustomization in directory `dir` (opened at `dir`, named `rel` relative to the
/// scan root).
pub fn render(dir: &Path, rel: &str) -> Rendered {
    let mut r = Renderer {
        out: Rendered::default(),
        stack: Vec::new(),
        standalone_component: false,
    };
    let at = At {
        open: dir.to_path_buf(),
        rel: normalise_rel(rel),
    };
    let (objs, component) = r.kustomization(&at, 0);
    r.out.component = component;
    r.out.docs = objs.into_iter().map(|o| o.node).collect();
    r.out
}

impl Renderer {
    /// Reads a file once; returns its index.
    fn read(&mut self, at: &At) -> Result<usize, ScanError> {
        if let Some(i) = self.out.files.iter().position(|f| f.path() == at.rel) {
            return Ok(i);
        }
        let file = shipshape_core::analyser::read_text(&at.open, &at.rel)?;
        self.out.consumed.insert(at.rel.clone());
        self.out.files.push(file);
        Ok(self.out.files.len() - 1)
    }

    fn error_at(&mut self, node: &Node, message: String) {
        let err = match self.out.files.get(node.file) {
            Some(f) => ScanError::at(f, node.start, message),
            None => ScanError::new("", message),
        };
        self.out.errors.push(err);
    }

    fn parse(&mut self, idx: usize) -> Option<Vec<Node>> {
        let file = self.out.files.get(idx)?;
        match yaml::load(file.text(), idx) {
            Ok(d) => Some(d),
            Err(e) => {
                let err =
                    ScanError::at(file, e.offset, format!("YAML syntax error: {}", e.message));
                self.out.errors.push(err);
                None
            }
        }
    }

    /// Renders the kustomization of `dir`; also says whether it is a `Component`.
    fn kustomization(&mut self, dir: &At, depth: usize) -> (Vec<Obj>, bool) {
        let Some(kpath) = kustomization_in(&dir.open) else {
            self.out.errors.push(ScanError::new(
                dir.rel.clone(),
                "directory named as a kustomize resource has no kustomization.yaml",
            ));
            return (Vec::new(), false);
        };
        let kname = kpath
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let kat = dir.join(&kname);
        if depth > MAX_DEPTH || self.stack.contains(&kat.rel) {
            self.out.errors.push(ScanError::new(
                kat.rel.clone(),
                "kustomization includes itself (a cycle of resources or components)",
            ));
            return (Vec::new(), false);
        }
        let idx = match self.read(&kat) {
            Ok(i) => i,
            Err(e) => {
                self.out.errors.push(e);
                return (Vec::new(), false);
            }
        };
        let Some(docs) = self.parse(idx) else {
            return (Vec::new(), false);
        };
        let Some(k) = docs.into_iter().next().filter(|d| d.map().is_some()) else {
            return (Vec::new(), false);
        };
        self.stack.push(kat.rel.clone());
        let component = kind_of(&k) == "Component";
        if depth == 0 {
            self.standalone_component = component;
        }
        let mut objs = self.resources(&k, dir, &kat, depth);
        for c in k.get("components").map(Node::items).unwrap_or_default() {
            let Some(s) = c.str() else { continue };
            let cdir = dir.join(s);
            if kustomization_in(&cdir.open).is_none() {
                self.error_at(
                    c,
                    format!("component `{s}` is not a directory with a kustomization"),
                );
                continue;
            }
            self.component(&cdir, &mut objs, depth + 1);
        }
        self.transform(&k, dir, &mut objs);
        self.stack.pop();
        (objs, component)
    }

    /// A component: its resources are added, its transformations apply to everything so far.
    fn component(&mut self, dir: &At, objs: &mut Vec<Obj>, depth: usize) {
        let Some(kpath) = kustomization_in(&dir.open) else {
            return;
        };
        let kname = kpath
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let kat = dir.join(&kname);
        if depth > MAX_DEPTH || self.stack.contains(&kat.rel) {
            self.out.errors.push(ScanError::new(
                kat.rel.clone(),
                "component includes itself (a cycle of components)",
            ));
            return;
        }
        let idx = match self.read(&kat) {
            Ok(i) => i,
            Err(e) => {
                self.out.errors.push(e);
                return;
            }
        };
        let Some(k) = self.parse(idx).and_then(|d| d.into_iter().next()) else {
            return;
        };
        self.stack.push(kat.rel.clone());
        let added = self.resources(&k, dir, &kat, depth);
        objs.extend(added);
        for c in k.get("components").map(Node::items).unwrap_or_default() {
            if let Some(s) = c.str() {
                self.component(&dir.join(s), objs, depth + 1);
            }
        }
        self.transform(&k, dir, objs);
        self.stack.pop();
    }

    fn resources(&mut self, k: &Node, dir: &At, kat: &At, depth: usize) -> Vec<Obj> {
        let mut objs = Vec::new();
        for list in ["resources", "bases"] {
            for item in k.get(list).map(Node::items).unwrap_or_default() {
                let Some(s) = item.str() else { continue };
                if is_remote(s) {
                    self.out.skipped.push(Skipped {
                        path: kat.rel.clone(),
                        reason: format!(
                            "remote kustomize resource `{s}` not fetched: not analysed"
                        ),
                        verbose_only: false,
                    });
                    continue;
                }
                let at = dir.join(s);
                if at.open.is_dir() {
                    if kustomization_in(&at.open).is_none() {
                        self.error_at(
                            item,
                            format!("resource `{s}` is a directory without a kustomization.yaml"),
                        );
                        continue;
                    }
                    let (sub, _) = self.kustomization(&at, depth + 1);
                    objs.extend(sub);
                } else if at.open.is_file() {
                    match self.read(&at) {
                        Ok(idx) => {
                            for d in self.parse(idx).unwrap_or_default() {
                                flatten(d, &mut objs, 0);
                            }
                        }
                        Err(e) => self.out.errors.push(e),
                    }
                } else {
                    self.error_at(item, format!("resource `{s}` not found"));
                }
            }
        }
        if let Some(h) = k.get("helmCharts") {
            let names: Vec<String> = h
                .items()
                .iter()
                .filter_map(|c| c.get("name").and_then(Node::str).map(str::to_string))
                .collect();
            self.out.skipped.push(Skipped {
                path: kat.rel.clone(),
                reason: format!(
                    "chart found, not rendered: kustomize `helmCharts` ({}) need a Helm chart repository",
                    names.join(", ")
                ),
                verbose_only: false,
            });
        }
        objs
    }

    /// The kustomization's transformations, in kustomize's order.
    fn transform(&mut self, k: &Node, dir: &At, objs: &mut Vec<Obj>) {
        if let Some(ns) = k.get("namespace").filter(|n| n.str().is_some()) {
            for o in objs.iter_mut() {
                if !cluster_scoped(kind_of(&o.node)) {
                    set_path(&mut o.node, &["metadata", "namespace"], ns.clone());
                }
            }
        }
        for p in k
            .get("patchesJson6902")
            .map(Node::items)
            .unwrap_or_default()
        {
            let Some(ops) = self.patch_docs(p, dir) else {
                continue;
            };
            for doc in ops {
                self.json6902(&doc, p.get("target"), objs);
            }
        }
        for p in k
            .get("patchesStrategicMerge")
            .map(Node::items)
            .unwrap_or_default()
        {
            let docs = match p.str() {
                Some(s) if s.contains('\n') || s.trim_start().starts_with("apiVersion") => {
                    self.inline(p)
                }
                Some(s) => self.patch_file(p, dir, s),
                None => None,
            };
            for doc in docs.unwrap_or_default() {
                self.smp_by_id(&doc, None, objs);
            }
        }
        for p in k.get("patches").map(Node::items).unwrap_or_default() {
            let Some(docs) = self.patch_docs(p, dir) else {
                continue;
            };
            for doc in docs {
                if doc.seq().is_some() {
                    self.json6902(&doc, p.get("target"), objs);
                } else if doc.map().is_some() {
                    self.smp_by_id(&doc, p.get("target"), objs);
                }
            }
        }
        let mut label_sets: Vec<(&Node, bool)> = Vec::new();
        if let Some(l) = k.get("commonLabels") {
            label_sets.push((l, true));
        }
        for l in k.get("labels").map(Node::items).unwrap_or_default() {
            if let Some(pairs) = l.get("pairs") {
                let sel = l.get("includeSelectors").and_then(Node::as_bool) == Some(true);
                let tmpl = l.get("includeTemplates").and_then(Node::as_bool) == Some(true);
                label_sets.push((pairs, sel || tmpl));
                if tmpl && !sel {
                    for o in objs.iter_mut() {
                        add_labels(&mut o.node, pairs, false, true);
                    }
                }
            }
        }
        for (pairs, selectors) in label_sets {
            for o in objs.iter_mut() {
                add_labels(&mut o.node, pairs, selectors, selectors);
            }
        }
        if let Some(a) = k.get("commonAnnotations") {
            for o in objs.iter_mut() {
                merge_map_at(&mut o.node, &["metadata", "annotations"], a);
                if let Some(t) = template_meta(&mut o.node) {
                    merge_map_at(t, &["annotations"], a);
                }
            }
        }
        let prefix = k.get("namePrefix").and_then(Node::str).unwrap_or("");
        let suffix = k.get("nameSuffix").and_then(Node::str).unwrap_or("");
        if !prefix.is_empty() || !suffix.is_empty() {
            for o in objs.iter_mut() {
                if kind_of(&o.node) == "Namespace" || cluster_scoped(kind_of(&o.node)) {
                    continue;
                }
                rename(&mut o.node, &["metadata", "name"], prefix, suffix);
                if kind_of(&o.node) == "Ingress" {
                    rename_ingress_backends(&mut o.node, prefix, suffix);
                }
            }
        }
        for img in k.get("images").map(Node::items).unwrap_or_default() {
            for o in objs.iter_mut() {
                replace_images(&mut o.node, img);
            }
        }
    }

    /// The documents of a `patches`/`patchesJson6902` entry (`path:` or inline `patch:`).
    fn patch_docs(&mut self, p: &Node, dir: &At) -> Option<Vec<Node>> {
        if let Some(inline) = p.get("patch") {
            return self.inline(inline);
        }
        let path = p.get("path")?;
        let s = path.str()?.to_string();
        self.patch_file(path, dir, &s)
    }

    fn patch_file(&mut self, at_node: &Node, dir: &At, s: &str) -> Option<Vec<Node>> {
        let at = dir.join(s);
        if !at.open.is_file() {
            self.error_at(at_node, format!("patch `{s}` not found"));
            return None;
        }
        match self.read(&at) {
            Ok(idx) => self.parse(idx),
            Err(e) => {
                self.out.errors.push(e);
                None
            }
        }
    }

    /// An inline patch (a string in the kustomization) parsed, its nodes placed where they are
    /// written in the kustomization file.
    fn inline(&mut self, n: &Node) -> Option<Vec<Node>> {
        let text = n.str()?.to_string();
        let mut docs = match yaml::load(&text, n.file) {
            Ok(d) => d,
            Err(e) => {
                self.error_at(n, format!("inline patch: YAML syntax error: {}", e.message));
                return None;
            }
        };
        let file_text = self.out.files.get(n.file).map(|f| f.text()).unwrap_or("");
        let map = InlineMap::new(file_text, n, &text);
        for d in &mut docs {
            map.relocate(d);
        }
        Some(docs)
    }

    /// A strategic-merge patch applied to `target` (a kustomize selector), or else to the object
    /// of the patch's own kind and name.
    fn smp_by_id(&mut self, patch: &Node, target: Option<&Node>, objs: &mut Vec<Obj>) {
        let kind = kind_of(patch).to_string();
        let name = name_of(patch).to_string();
        let matches = |o: &Obj| match target {
            Some(t) => selects(t, o),
            None => {
                kind_of(&o.node) == kind && (name_of(&o.node) == name || o.original_name == name)
            }
        };
        let delete = patch.get("$patch").and_then(Node::str) == Some("delete");
        if delete {
            objs.retain(|o| !matches(o));
            return;
        }
        // With a target, the patch's own kind and name select nothing and rename nothing.
        let mut p = patch.clone();
        if target.is_some() {
            if let V::Map(entries) = &mut p.v {
                entries.retain(|(k, _)| !matches!(k.str(), Some("kind" | "apiVersion")));
                if let Some((_, meta)) = entries
                    .iter_mut()
                    .find(|(k, _)| k.str() == Some("metadata"))
                {
                    if let V::Map(m) = &mut meta.v {
                        m.retain(|(k, _)| !matches!(k.str(), Some("name" | "namespace")));
                    }
                }
            }
        }
        let mut hit = false;
        for o in objs.iter_mut().filter(|o| matches(o)) {
            hit = true;
            smp(&mut o.node, &p);
        }
        if !hit && target.is_none() && !self.standalone_component {
            self.error_at(
                patch,
                format!("patch target {kind}/{name} not found among the kustomization's resources"),
            );
        }
    }

    fn json6902(&mut self, ops: &Node, target: Option<&Node>, objs: &mut [Obj]) {
        let Some(target) = target else {
            self.error_at(ops, "JSON 6902 patch without a `target`".into());
            return;
        };
        let Some(list) = ops.seq() else {
            self.error_at(ops, "JSON 6902 patch is not a list of operations".into());
            return;
        };
        for o in objs.iter_mut().filter(|o| selects(target, o)) {
            for op in list {
                if let Err(msg) = apply_op(&mut o.node, op) {
                    let what = format!("{}/{}", kind_of(&o.node), name_of(&o.node));
                    self.error_at(op, format!("JSON 6902 patch of {what}: {msg}"));
                }
            }
        }
    }
}

/// Remote resources (`https://…`, `github.com/…`, `git@…`) are not fetched.
fn is_remote(s: &str) -> bool {
    s.contains("://")
        || s.starts_with("github.com/")
        || s.starts_with("git@")
        || s.contains("?ref=")
}

/// Objects of a document, `List`s flattened.
fn flatten(d: Node, out: &mut Vec<Obj>, depth: usize) {
    if d.map().is_none() || depth > 4 {
        return;
    }
    if kind_of(&d).ends_with("List") {
        if let Some(items) = d.get("items").and_then(Node::seq) {
            for i in items.iter().cloned() {
                flatten(i, out, depth + 1);
            }
        }
        return;
    }
    out.push(Obj::new(d));
}

/// Kinds that live outside namespaces (kustomize's `namespace:` leaves them alone).
fn cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CustomResourceDefinition"
            | "PersistentVolume"
            | "StorageClass"
            | "PriorityClass"
            | "ValidatingWebhookConfiguration"
            | "MutatingWebhookConfiguration"
            | "APIService"
            | "IngressClass"
            | "RuntimeClass"
            | "PodSecurityPolicy"
            | "Node"
    )
}

/// Whether a kustomize `target` selects `o`: `kind`, `name` (exact, or a pattern with `*` or
/// `.*`), `namespace`, `group`, `version` and `labelSelector` (`a=b,c=d`).
fn selects(t: &Node, o: &Obj) -> bool {
    let s = |k: &str| t.get(k).and_then(Node::str);
    let n = &o.node;
    if let Some(kind) = s("kind") {
        if !pattern(kind, kind_of(n)) {
            return false;
        }
    }
    if let Some(name) = s("name") {
        if !pattern(name, name_of(n)) && !pattern(name, &o.original_name) {
            return false;
        }
    }
    if let Some(ns) = s("namespace") {
        let have = n
            .path(&["metadata", "namespace"])
            .and_then(Node::str)
            .unwrap_or("default");
        if !pattern(ns, have) {
            return false;
        }
    }
    let api = n.get("apiVersion").and_then(Node::str).unwrap_or("");
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    if s("group").is_some_and(|g| g != group) || s("version").is_some_and(|v| v != version) {
        return false;
    }
    if let Some(sel) = s("labelSelector") {
        for pair in sel.split(',') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let have = n
                .path(&["metadata", "labels"])
                .and_then(|l| l.get(k.trim()))
                .and_then(Node::str);
            if have != Some(v.trim().trim_start_matches('=')) {
                return false;
            }
        }
    }
    true
}

/// Exact match, or a kustomize regex of the simple kind (`.*` and `*` match anything).
fn pattern(p: &str, s: &str) -> bool {
    if !p.contains('*') {
        return p == s;
    }
    let parts: Vec<&str> = p.split(".*").flat_map(|x| x.split('*')).collect();
    let mut rest = s;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

fn key(name: &str, near: &Node) -> Node {
    Node::synthetic(
        near.file,
        near.start,
        V::Str(Scalar {
            s: name.to_string(),
            quoted: false,
            literal: false,
            orig: None,
            unresolved: false,
        }),
    )
}

/// Sets `path` (mapping keys, created as needed) to `value`.
fn set_path(n: &mut Node, path: &[&str], value: Node) {
    let Some((first, rest)) = path.split_first() else {
        *n = value;
        return;
    };
    if n.map().is_none() {
        n.v = V::Map(Vec::new());
    }
    let here = n.clone();
    if let V::Map(entries) = &mut n.v {
        match entries.iter_mut().find(|(k, _)| k.str() == Some(first)) {
            Some((_, v)) => set_path(v, rest, value),
            None => {
                let mut child = Node::synthetic(here.file, here.start, V::Map(Vec::new()));
                if rest.is_empty() {
                    child = value;
                    entries.push((key(first, &child), child));
                } else {
                    set_path(&mut child, rest, value);
                    entries.push((key(first, &here), child));
                }
            }
        }
    }
}

fn get_mut<'a>(n: &'a mut Node, k: &str) -> Option<&'a mut Node> {
    match &mut n.v {
        V::Map(entries) => entries
            .iter_mut()
            .find(|(key, _)| key.str() == Some(k))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn path_mut<'a>(n: &'a mut Node, path: &[&str]) -> Option<&'a mut Node> {
    let mut cur = n;
    for k in path {
        cur = get_mut(cur, k)?;
    }
    Some(cur)
}

/// Adds the entries of map `add` to the map at `path` (created if missing).
fn merge_map_at(n: &mut Node, path: &[&str], add: &Node) {
    let Some(pairs) = add.map() else { return };
    for (k, v) in pairs {
        let Some(ks) = k.str() else { continue };
        let mut full: Vec<&str> = path.to_vec();
        full.push(ks);
        set_path(n, &full, v.clone());
    }
}

fn template_meta(n: &mut Node) -> Option<&mut Node> {
    let kind = kind_of(n).to_string();
    let (_, meta) = crate::k8s::pod_paths(&kind)?;
    if kind == "Pod" {
        return None;
    }
    if path_mut(n, meta).is_none() {
        let (parent, _) = meta.split_last().map(|(l, p)| (p, l))?;
        let parent = parent.to_vec();
        let at = n.clone();
        path_mut(n, &parent)?;
        set_path(
            n,
            meta,
            Node::synthetic(at.file, at.start, V::Map(Vec::new())),
        );
    }
    path_mut(n, meta)
}

/// `commonLabels`/`labels`: on the object, and on selectors and pod templates when asked.
fn add_labels(n: &mut Node, pairs: &Node, selectors: bool, templates: bool) {
    merge_map_at(n, &["metadata", "labels"], pairs);
    let kind = kind_of(n).to_string();
    if selectors {
        match kind.as_str() {
            "Service" => merge_map_at(n, &["spec", "selector"], pairs),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => {
                merge_map_at(n, &["spec", "selector", "matchLabels"], pairs)
            }
            "ReplicationController" => merge_map_at(n, &["spec", "selector"], pairs),
            _ => {}
        }
    }
    if templates {
        if let Some(t) = template_meta(n) {
            merge_map_at(t, &["labels"], pairs);
        }
    }
}

fn rename(n: &mut Node, path: &[&str], prefix: &str, suffix: &str) {
    if let Some(V::Str(s)) = path_mut(n, path).map(|x| &mut x.v) {
        s.s = format!("{prefix}{}{suffix}", s.s);
    }
}

/// Ingress backends name Services, which kustomize renames with the same prefix and suffix.
fn rename_ingress_backends(n: &mut Node, prefix: &str, suffix: &str) {
    fn walk(n: &mut Node, prefix: &str, suffix: &str, parent: &str) {
        match &mut n.v {
            V::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    let key = k.str().unwrap_or("").to_string();
                    let renames = key == "serviceName" || (key == "name" && parent == "service");
                    match &mut v.v {
                        V::Str(s) if renames => s.s = format!("{prefix}{}{suffix}", s.s),
                        _ => walk(v, prefix, suffix, &key),
                    }
                }
            }
            V::Seq(items) => items
                .iter_mut()
                .for_each(|i| walk(i, prefix, suffix, parent)),
            _ => {}
        }
    }
    if let Some(spec) = get_mut(n, "spec") {
        walk(spec, prefix, suffix, "spec");
    }
}

/// Splits an image reference into its name and the tag/digest part (`:1.0`, `@sha256:…`).
pub(crate) fn split_image(r: &str) -> (&str, &str) {
    if let Some(at) = r.find('@') {
        return (&r[..at], &r[at..]);
    }
    let slash = r.rfind('/').map_or(0, |i| i + 1);
    match r[slash..].rfind(':') {
        Some(c) => (&r[..slash + c], &r[slash + c..]),
        None => (r, ""),
    }
}

/// An `images:` entry applied to every container of `n`: the image node is replaced by one that
/// points at the entry (its `digest`, `newTag` or `newName`), as the value now comes from there.
fn replace_images(n: &mut Node, entry: &Node) {
    let Some(name) = entry.get("name").and_then(Node::str) else {
        return;
    };
    let kind = kind_of(n).to_string();
    let Some((pod, _)) = crate::k8s::pod_paths(&kind) else {
        return;
    };
    let Some(pod) = path_mut(n, pod) else { return };
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        let Some(V::Seq(cs)) = get_mut(pod, list).map(|x| &mut x.v) else {
            continue;
        };
        for c in cs.iter_mut() {
            let Some(img) = get_mut(c, "image") else {
                continue;
            };
            let Some(current) = img.str().map(str::to_string) else {
                continue;
            };
            let (have, tag) = split_image(&current);
            if have != name {
                continue;
            }
            let s = |k: &str| entry.get(k).and_then(Node::str);
            let new_name = s("newName").unwrap_or(have);
            let suffix = match (s("digest"), s("newTag")) {
                (Some(d), _) => format!("@{d}"),
                (None, Some(t)) => format!(":{t}"),
                (None, None) => tag.to_string(),
            };
            let from = entry
                .get("digest")
                .or(entry.get("newTag"))
                .or(entry.get("newName"))
                .unwrap_or(entry);
            *img = Node {
                v: V::Str(Scalar {
                    s: format!("{new_name}{suffix}"),
                    quoted: false,
                    literal: false,
                    orig: None,
                    unresolved: false,
                }),
                ..from.clone()
            };
        }
    }
}

/// The key a list of this field is merged on by a strategic merge patch.
fn merge_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "hostAliases" => {
            if field == "hostAliases" {
                "ip"
            } else {
                "name"
            }
        }
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "ports" => "containerPort",
        _ => return None,
    })
}

/// Strategic merge of `patch` into `base` (both mappings): maps merge, lists with a merge key
/// merge by it, other values are replaced (by the patch's node: the finding points at the
/// patch); `null` deletes a key, `$patch: replace|delete` replace or delete a map.
fn smp(base: &mut Node, patch: &Node) {
    let Some(pentries) = patch.map() else {
        *base = patch.clone();
        return;
    };
    match patch.get("$patch").and_then(Node::str) {
        Some("replace") => {
            let mut p = patch.clone();
            if let V::Map(m) = &mut p.v {
                m.retain(|(k, _)| k.str() != Some("$patch"));
            }
            *base = p;
            return;
        }
        Some("delete") => {
            base.v = V::Null;
            return;
        }
        _ => {}
    }
    if base.map().is_none() {
        *base = patch.clone();
        return;
    }
    let V::Map(bentries) = &mut base.v else {
        return;
    };
    for (k, v) in pentries {
        let Some(ks) = k.str() else { continue };
        if ks.starts_with('$') {
            continue;
        }
        let pos = bentries.iter().position(|(bk, _)| bk.str() == Some(ks));
        if v.is_null() {
            if let Some(i) = pos {
                bentries.remove(i);
            }
            continue;
        }
        match pos {
            None => {
                let mut v = v.clone();
                strip_directives(&mut v);
                bentries.push((k.clone(), v));
            }
            Some(i) => {
                let slot = &mut bentries[i].1;
                match (&mut slot.v, &v.v) {
                    (V::Map(_), V::Map(_)) => smp(slot, v),
                    (V::Seq(items), V::Seq(pitems)) => match merge_key(ks) {
                        Some(mk) => merge_list(items, pitems, mk),
                        None => {
                            *slot = v.clone();
                            strip_directives(slot);
                        }
                    },
                    // the same value: it stays where the base wrote it
                    (V::Str(a), V::Str(b)) if a.s == b.s => {}
                    _ => {
                        *slot = v.clone();
                        strip_directives(slot);
                    }
                }
            }
        }
    }
}

/// Merges list `patch` into `items` by key `mk`.
fn merge_list(items: &mut Vec<Node>, patch: &[Node], mk: &str) {
    for p in patch {
        let id = p.get(mk).and_then(Node::str).map(str::to_string);
        let pos = id.as_deref().and_then(|id| {
            items
                .iter()
                .position(|i| i.get(mk).and_then(Node::str) == Some(id))
        });
        let delete = p.get("$patch").and_then(Node::str) == Some("delete");
        match (pos, delete) {
            (Some(i), true) => {
                items.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => smp(&mut items[i], p),
            (None, false) => {
                let mut p = p.clone();
                strip_directives(&mut p);
                items.push(p);
            }
        }
    }
}

/// Removes `$patch`-style directives from a value added as a whole.
fn strip_directives(n: &mut Node) {
    match &mut n.v {
        V::Map(entries) => {
            entries.retain(|(k, _)| !k.str().is_some_and(|s| s.starts_with('$')));
            entries.iter_mut().for_each(|(_, v)| strip_directives(v));
        }
        V::Seq(items) => items.iter_mut().for_each(strip_directives),
        _ => {}
    }
}

/// One JSON 6902 operation (`add`, `replace`, `remove`, `move`, `copy`; `test` is not checked).
fn apply_op(doc: &mut Node, op: &Node) -> Result<(), String> {
    let s = |k: &str| op.get(k).and_then(Node::str);
    let name = s("op").ok_or("operation without `op`")?;
    let path = s("path").ok_or("operation without `path`")?;
    let tokens = pointer(path)?;
    match name {
        "add" | "replace" => {
            let value = op.get("value").ok_or("`value` missing")?.clone();
            put(doc, &tokens, value, name == "add")
        }
        "remove" => take(doc, &tokens).map(|_| ()),
        "move" | "copy" => {
            let from = pointer(s("from").ok_or("`from` missing")?)?;
            let value = if name == "move" {
                take(doc, &from)?
            } else {
                find(doc, &from).ok_or("`from` not found")?.clone()
            };
            put(doc, &tokens, value, true)
        }
        "test" => Ok(()),
        other => Err(format!("unknown operation `{other}`")),
    }
}

fn pointer(p: &str) -> Result<Vec<String>, String> {
    if p.is_empty() {
        return Ok(Vec::new());
    }
    let rest = p
        .strip_prefix('/')
        .ok_or_else(|| format!("path `{p}` does not start with `/`"))?;
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn find<'a>(n: &'a Node, tokens: &[String]) -> Option<&'a Node> {
    let mut cur = n;
    for t in tokens {
        cur = match &cur.v {
            V::Map(_) => cur.get(t)?,
            V::Seq(items) => items.get(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn find_mut<'a>(n: &'a mut Node, tokens: &[String]) -> Option<&'a mut Node> {
    let mut cur = n;
    for t in tokens {
        cur = if cur.map().is_some() {
            get_mut(cur, t)?
        } else {
            match &mut cur.v {
                V::Seq(items) => items.get_mut(t.parse::<usize>().ok()?)?,
                _ => return None,
            }
        };
    }
    Some(cur)
}

fn put(doc: &mut Node, tokens: &[String], value: Node, add: bool) -> Result<(), String> {
    let Some((last, parent)) = tokens.split_last() else {
        *doc = value;
        return Ok(());
    };
    let shown = format!("/{}", tokens.join("/"));
    let parent = find_mut(doc, parent).ok_or_else(|| format!("path `{shown}` not found"))?;
    let near = parent.clone();
    match &mut parent.v {
        V::Map(entries) => {
            match entries.iter_mut().find(|(k, _)| k.str() == Some(last)) {
                Some((_, v)) => *v = value,
                None if add => entries.push((key(last, &near), value)),
                None => return Err(format!("path `{shown}` not found")),
            }
            Ok(())
        }
        V::Seq(items) => {
            let i = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>()
                    .map_err(|_| format!("`{last}` is not a list index"))?
            };
            if add && i <= items.len() {
                items.insert(i, value);
            } else if !add && i < items.len() {
                items[i] = value;
            } else {
                return Err(format!("index {i} out of range in `{shown}`"));
            }
            Ok(())
        }
        _ => Err(format!("path `{shown}` goes through a scalar")),
    }
}

fn take(doc: &mut Node, tokens: &[String]) -> Result<Node, String> {
    let shown = format!("/{}", tokens.join("/"));
    let Some((last, parent)) = tokens.split_last() else {
        return Err("cannot remove the whole document".into());
    };
    let parent = find_mut(doc, parent).ok_or_else(|| format!("path `{shown}` not found"))?;
    match &mut parent.v {
        V::Map(entries) => {
            let i = entries
                .iter()
                .position(|(k, _)| k.str() == Some(last))
                .ok_or_else(|| format!("path `{shown}` not found"))?;
            Ok(entries.remove(i).1)
        }
        V::Seq(items) => {
            let i = last
                .parse::<usize>()
                .ok()
                .filter(|i| *i < items.len())
                .ok_or_else(|| format!("path `{shown}` not found"))?;
            Ok(items.remove(i))
        }
        _ => Err(format!("path `{shown}` not found")),
    }
}

/// Maps offsets in an inline patch's text to the kustomization file: a literal block (`|`) is
/// the file's lines less their indentation; any other scalar maps everything onto the scalar.
struct InlineMap {
    /// File offset of each line of the patch text (after the indentation), if literal.
    lines: Option<Vec<usize>>,
    line_starts: Vec<usize>,
    start: usize,
    end: usize,
}

impl InlineMap {
    fn new(file_text: &str, n: &Node, text: &str) -> InlineMap {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut lines = None;
        if n.scalar().is_some_and(|s| s.literal) {
            // the content starts on the line after the `|` indicator
            // the span starts at the `|` indicator or at the first line of the content
            let rest = file_text.get(n.start..).unwrap_or("");
            let body_start = if rest.starts_with('|') {
                rest.find('\n').map(|i| n.start + i + 1)
            } else {
                file_text
                    .get(..n.start)
                    .map(|t| t.rfind('\n').map_or(0, |i| i + 1))
            };
            if let Some(body) = body_start {
                let mut offs = Vec::new();
                let mut pos = body;
                let mut indent = None;
                for _ in 0..line_starts.len() {
                    let line_end = file_text[pos..]
                        .find('\n')
                        .map_or(file_text.len(), |i| pos + i);
                    let line = &file_text[pos..line_end];
                    let ind = line.len() - line.trim_start_matches(' ').len();
                    if indent.is_none() && !line.trim().is_empty() {
                        indent = Some(ind);
                    }
                    offs.push(pos + indent.unwrap_or(ind).min(line.len()));
                    pos = (line_end + 1).min(file_text.len());
                }
                lines = Some(offs);
            }
        }
        InlineMap {
            lines,
            line_starts,
            start: n.start,
            end: n.end,
        }
    }

    fn map(&self, o: usize) -> (usize, bool) {
        match &self.lines {
            Some(lines) => {
                let line = match self.line_starts.binary_search(&o) {
                    Ok(i) => i,
                    Err(i) => i.saturating_sub(1),
                };
                let col = o - self.line_starts.get(line).copied().unwrap_or(0);
                (lines.get(line).map_or(self.start, |l| l + col), true)
            }
            None => (self.start, false),
        }
    }

    fn relocate(&self, n: &mut Node) {
        let (s, exact) = self.map(n.start);
        let (e, _) = self.map(n.end);
        n.start = s;
        n.end = if exact { e.max(s) } else { self.end };
        match &mut n.v {
            V::Seq(items) => items.iter_mut().for_each(|i| self.relocate(i)),
            V::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                self.relocate(k);
                self.relocate(v);
            }),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (p, t) in files {
            let path = dir.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, t).unwrap();
        }
    }

    const BASE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: app\n        image: registry.example/app:1.0\n        securityContext:\n          runAsNonRoot: true\n      - name: side\n        image: busybox:1.36\n";

    #[test]
    fn overlay_with_patches_images_and_names() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            &[
                ("base/kustomization.yaml", "resources:\n- deploy.yaml\n"),
                ("base/deploy.yaml", BASE),
                (
                    "prod/kustomization.yaml",
                    "resources:\n- ../base\nnamespace: shop\nnamePrefix: prod-\ncommonLabels:\n  tier: web\nimages:\n- name: registry.example/app\n  newTag: 2.0.1\npatches:\n- path: priv.yaml\n- target: {kind: Deployment, name: web}\n  patch: |-\n    - op: add\n      path: /spec/template/spec/hostPID\n      value: true\n    - op: remove\n      path: /spec/template/spec/containers/1\n",
                ),
                (
                    "prod/priv.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        securityContext:\n          privileged: true\n",
                ),
            ],
        );
        let r = render(&d.path().join("prod"), "prod");
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.docs.len(), 1);
        let doc = &r.docs[0];
        assert_eq!(name_of(doc), "prod-web");
        assert_eq!(
            doc.path(&["metadata", "namespace"]).and_then(Node::str),
            Some("shop")
        );
        assert_eq!(
            doc.path(&["spec", "selector", "matchLabels", "tier"])
                .and_then(Node::str),
            Some("web")
        );
        let cs = doc
            .path(&["spec", "template", "spec", "containers"])
            .and_then(Node::seq)
            .unwrap();
        assert_eq!(cs.len(), 1, "the JSON patch removed the sidecar");
        let app = &cs[0];
        assert_eq!(
            app.get("image").and_then(Node::str),
            Some("registry.example/app:2.0.1")
        );
        // the image now comes from the kustomization's newTag line
        let img = app.get("image").unwrap();
        let kfile = &r.files[img.file];
        assert_eq!(kfile.path(), "prod/kustomization.yaml");
        assert_eq!(&kfile.text()[img.start..img.end], "2.0.1");
        // privileged from the patch file, runAsNonRoot kept from the base
        let p = app.path(&["securityContext", "privileged"]).unwrap();
        assert_eq!(r.files[p.file].path(), "prod/priv.yaml");
        assert_eq!(&r.files[p.file].text()[p.start..p.end], "true");
        let n = app.path(&["securityContext", "runAsNonRoot"]).unwrap();
        assert_eq!(r.files[n.file].path(), "base/deploy.yaml");
        // the inline JSON patch's value points into the kustomization
        let h = doc.path(&["spec", "template", "spec", "hostPID"]).unwrap();
        let kf = &r.files[h.file];
        assert_eq!(kf.path(), "prod/kustomization.yaml");
        assert_eq!(&kf.text()[h.start..h.end], "true");
        assert_eq!(kf.line_col(h.start).0, 16);
        assert!(r.consumed.contains("prod/priv.yaml"));
        assert!(r.consumed.contains("base/deploy.yaml"));
        assert!(r.consumed.contains("base/kustomization.yaml"));
    }

    #[test]
    fn strategic_merge_directives_and_errors() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            &[
                (
                    "kustomization.yaml",
                    "resources:\n- deploy.yaml\n- missing.yaml\n- https://example.com/x.yaml\npatchesStrategicMerge:\n- |-\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n    template:\n      spec:\n        containers:\n        - name: side\n          $patch: delete\n        - name: app\n          securityContext: null\n",
                ),
                ("deploy.yaml", BASE),
            ],
        );
        let r = render(d.path(), "");
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert!(r.errors[0].message.contains("missing.yaml"));
        assert_eq!(r.errors[0].line, Some(3));
        assert_eq!(r.skipped.len(), 1);
        let cs = r.docs[0]
            .path(&["spec", "template", "spec", "containers"])
            .and_then(Node::seq)
            .unwrap();
        assert_eq!(cs.len(), 1);
        assert!(cs[0].get("securityContext").is_none());
    }

    #[test]
    fn a_component_alone_patches_nothing_without_errors_but_applies_when_included() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            &[
                (
                    "comp/kustomization.yaml",
                    "kind: Component
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec: {template: {spec: {hostNetwork: true}}}
",
                ),
                (
                    "app/kustomization.yaml",
                    "resources:
- deploy.yaml
components:
- ../comp
",
                ),
                ("app/deploy.yaml", BASE),
            ],
        );
        let alone = render(&d.path().join("comp"), "comp");
        assert!(alone.component);
        assert!(alone.errors.is_empty(), "{:?}", alone.errors);
        let app = render(&d.path().join("app"), "app");
        assert!(app.errors.is_empty(), "{:?}", app.errors);
        let h = app.docs[0]
            .path(&["spec", "template", "spec", "hostNetwork"])
            .unwrap();
        assert_eq!(app.files[h.file].path(), "comp/kustomization.yaml");
        assert!(app.consumed.contains("comp/kustomization.yaml"));
    }

    #[test]
    fn helpers() {
        assert_eq!(normalise_rel("a/b/../../../c/./d"), "../c/d");
        assert!(pattern("web-.*", "web-1"));
        assert!(!pattern("web", "web-1"));
        assert_eq!(
            split_image("reg:5000/a/b:1@sha256:x"),
            ("reg:5000/a/b:1", "@sha256:x")
        );
        assert_eq!(split_image("reg:5000/a/b:1"), ("reg:5000/a/b", ":1"));
        assert_eq!(split_image("reg:5000/a/b"), ("reg:5000/a/b", ""));
    }
}
