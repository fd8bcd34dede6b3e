//! `shipshape graph`: the network graph of a compose project.

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

pub fn run(args: &GraphArgs) -> anyhow::Result<i32> {
    let paths: Vec<PathBuf> = match args.files.as_slice() {
        [one] if one.is_dir() => default_files(one),
        many => many.to_vec(),
    };
    if paths.is_empty() {
        eprintln!("error: no compose file found (give the files to merge, e.g. `shipshape graph compose.yaml`)");
        return Ok(exit::ERROR);
    }
    let mut sources = Vec::new();
    for p in &paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if !(is_compose_name(&name) || name.ends_with(".yml") || name.ends_with(".yaml")) {
            eprintln!("warning: {} does not look like a compose file", p.display());
        }
        match read_text(p, &display(p)) {
            Ok(s) => sources.push(s),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(exit::ERROR);
            }
        }
    }
    let dir = paths[0].parent().unwrap_or(Path::new("."));
    match shipshape_runtime::compose_graph(&sources, dir) {
        Ok(graph) => {
            let text = match args.format {
                GraphFormat::Text => graph.render_text(),
                GraphFormat::Dot => graph.render_dot(),
                GraphFormat::Mermaid => graph.render_mermaid(),
                GraphFormat::Json => {
                    let mut text = serde_json::to_string_pretty(&graph.to_json())?;
                    text.push('\n');
                    text
                }
            };
            out!("{text}");
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
