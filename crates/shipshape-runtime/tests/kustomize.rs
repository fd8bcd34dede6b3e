//! The kustomize renderer against the reference: every top-level kustomization of the shared
//! corpus rendered by shipshape and by `kubectl kustomize` gives the same objects (kind,
//! namespace, name) and the same containers with the same images and security contexts.
//! Skips visibly without the corpus or without `kubectl` (mandatory with
//! `SHIPSHAPE_REQUIRE_CORPUS=1`, resp. `SHIPSHAPE_REQUIRE_KUBECTL=1`).

use shipshape_runtime::kustomize;
use shipshape_runtime::yaml::{self, Node};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/projects"
);

fn kustomizations(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            kustomizations(&p, out);
        } else if p
            .file_name()
            .is_some_and(|n| kustomize::is_kustomization_name(&n.to_string_lossy()))
        {
            out.push(p);
        }
    }
}

/// `kind/namespace/name` → `container=image securityContext` lines, of rendered objects.
fn summary(docs: &[Node]) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for d in docs {
        let s = |p: &[&str]| d.path(p).and_then(Node::str).unwrap_or("").to_string();
        let key = format!(
            "{}/{}/{}",
            s(&["kind"]),
            s(&["metadata", "namespace"]),
            s(&["metadata", "name"])
        );
        let mut containers = Vec::new();
        for pod in [
            &["spec", "template", "spec"][..],
            &["spec"][..],
            &["spec", "jobTemplate", "spec", "template", "spec"][..],
        ] {
            for c in d
                .path(pod)
                .and_then(|p| p.get("containers"))
                .and_then(Node::seq)
                .unwrap_or(&[])
            {
                let g = |k: &str| c.get(k).and_then(Node::str).unwrap_or("").to_string();
                let sc = c.get("securityContext").map(flat).unwrap_or_default();
                containers.push(format!("{}={} {sc}", g("name"), g("image")));
            }
        }
        out.insert(key, containers);
    }
    out
}

/// A node as sorted `key=value` text, for comparison.
fn flat(n: &Node) -> String {
    match (n.map(), n.seq(), n.str()) {
        (Some(m), _, _) => {
            let mut parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}:{}", k.str().unwrap_or(""), flat(v)))
                .collect();
            parts.sort();
            format!("{{{}}}", parts.join(","))
        }
        (_, Some(s), _) => format!("[{}]", s.iter().map(flat).collect::<Vec<_>>().join(",")),
        (_, _, Some(s)) => s.to_string(),
        _ => String::new(),
    }
}

#[test]
fn corpus_kustomizations_render_like_kubectl() {
    if !Path::new(CORPUS).is_dir() {
        assert!(
            std::env::var("SHIPSHAPE_REQUIRE_CORPUS").as_deref() != Ok("1"),
            "corpus missing at {CORPUS}"
        );
        eprintln!("skipping: corpus not found at {CORPUS}");
        return;
    }
    let kubectl = std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !kubectl {
        assert!(
            std::env::var("SHIPSHAPE_REQUIRE_KUBECTL").as_deref() != Ok("1"),
            "kubectl not found"
        );
        eprintln!("skipping: no kubectl to compare kustomize output with");
        return;
    }
    let mut found = Vec::new();
    kustomizations(Path::new(CORPUS), &mut found);
    let mut compared = 0;
    for k in &found {
        let dir = k.parent().unwrap();
        let reference = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(dir)
            .output()
            .unwrap();
        if !reference.status.success() {
            // components cannot be built alone
            continue;
        }
        let text = String::from_utf8(reference.stdout).unwrap();
        let expected = summary(&yaml::load(&text, 0).unwrap());
        let ours = kustomize::render(dir, "k");
        assert!(
            ours.errors.is_empty(),
            "{}: {:?}",
            dir.display(),
            ours.errors
        );
        assert_eq!(
            summary(&ours.docs),
            expected,
            "{}: rendered differently",
            dir.display()
        );
        compared += 1;
    }
    assert!(compared >= 5, "only {compared} kustomizations compared");
}
