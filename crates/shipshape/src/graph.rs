//! `shipshape graph`: the network graph of a compose project, or of Kubernetes manifests deployed
//! together (the manifests of one directory, or the files named).

use crate::cli::{GraphArgs, GraphFormat};
use shipshape_core::analyser::{display, is_compose_name, read_text};
use shipshape_core::exit;
use std::path::{Path, PathBuf};

/// The compose files of a directory as docker compose loads them by default.
fn default_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for group in [
        [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yaml",
            "docker-compose.yml",
        ],
        [
            "compose.override.yaml",
            "compose.override.yml",
            "docker-compose.override.yaml",
            "docker-compose.override.yml",
        ],
    ] {
        if let Some(found) = group.iter().map(|n| dir.join(n)).find(|p| p.is_file()) {
            out.push(found);
        }
    }
    out
}

/// The Kubernetes manifests directly in `dir` (not in subdirectories), by name.
fn kubernetes_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|e| e == "yaml" || e == "yml")
                && std::fs::read_to_string(p)
                    .is_ok_and(|t| shipshape_runtime::looks_like_kubernetes(&t))
        })
        .collect();
    out.sort();
    out
}

pub fn run(args: &GraphArgs) -> anyhow::Result<i32> {
    let paths: Vec<PathBuf> = match args.files.as_slice() {
        [one] if one.is_dir() => {
            let compose = default_files(one);
            if compose.is_empty() {
                kubernetes_files(one)
            } else {
                compose
            }
        }
        many => many.to_vec(),
    };
    if paths.is_empty() {
        eprintln!("error: no compose file or Kubernetes manifest found (give the files, e.g. `shipshape graph compose.yaml` or `shipshape graph k8s/`)");
        return Ok(exit::ERROR);
    }
    let mut sources = Vec::new();
    for p in &paths {
        match read_text(p, &display(p)) {
            Ok(s) => sources.push(s),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(exit::ERROR);
            }
        }
    }
    let kube = sources
        .iter()
        .filter(|s| shipshape_runtime::looks_like_kubernetes(s.text()))
        .count();
    if kube > 0 && kube < sources.len() {
        eprintln!("error: give either compose files or Kubernetes manifests, not both");
        return Ok(exit::ERROR);
    }
    let rendered = if kube > 0 {
        shipshape_runtime::kubernetes_graph(&sources).map(|g| match args.format {
            GraphFormat::Text => Ok(g.render_text()),
            GraphFormat::Dot => Ok(g.render_dot()),
            GraphFormat::Mermaid => Ok(g.render_mermaid()),
            GraphFormat::Json => serde_json::to_string_pretty(&g.to_json()).map(|t| t + "\n"),
        })
    } else {
        for p in &paths {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if !(is_compose_name(&name) || name.ends_with(".yml") || name.ends_with(".yaml")) {
                eprintln!("warning: {} does not look like a compose file", p.display());
            }
        }
        let dir = paths[0].parent().unwrap_or(Path::new("."));
        shipshape_runtime::compose_graph(&sources, dir).map(|g| match args.format {
            GraphFormat::Text => Ok(g.render_text()),
            GraphFormat::Dot => Ok(g.render_dot()),
            GraphFormat::Mermaid => Ok(g.render_mermaid()),
            GraphFormat::Json => serde_json::to_string_pretty(&g.to_json()).map(|t| t + "\n"),
        })
    };
    match rendered {
        Ok(text) => {
            out!("{}", text?);
            Ok(exit::CLEAN)
        }
        Err(errors) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            Ok(exit::ERROR)
        }
    }
}
