//! Runs every analyser on the discovered inputs, in parallel, and merges what they report.

use crate::discover::{Input, InputKind};
use rayon::prelude::*;
use shipshape_core::config::Config;
use shipshape_core::report::{Analysis, ScannedInput};
use shipshape_core::{ChecklistItem, ScanError, SourceFile, SourceKind};

/// Reads a text input. Unreadable or non-UTF-8 files are scan errors (fail closed).
pub fn read_source(input: &Input) -> Result<SourceFile, ScanError> {
    let bytes = std::fs::read(&input.path)
        .map_err(|e| ScanError::new(&input.display, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        ScanError {
            path: input.display.clone(),
            line: Some(line as u32),
            column: None,
            message: "not valid UTF-8 text".into(),
        }
    })?;
    // A UTF-8 byte order mark is not part of the text.
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    Ok(SourceFile::new(&input.display, text))
}

fn analyse_one(input: &Input, _all: &[Input], _config: &Config) -> Analysis {
    let mut out = Analysis::default();
    let kind = match input.kind {
        InputKind::Dockerfile => SourceKind::Dockerfile,
        InputKind::Dockerignore => SourceKind::Dockerignore,
        InputKind::Compose => SourceKind::Compose,
        _ => return out,
    };
    match read_source(input) {
        Ok(file) => {
            out.inputs.push(ScannedInput {
                path: input.display.clone(),
                kind,
            });
            out.add_source(&file);
        }
        Err(e) => out.errors.push(e),
    }
    out
}

/// Analyses every input and explains the checklist items nothing could evaluate.
pub fn analyse(inputs: &[Input], config: &Config) -> Analysis {
    let mut analysis = inputs
        .par_iter()
        .map(|i| analyse_one(i, inputs, config))
        .reduce(Analysis::default, |mut a, b| {
            a.merge(b);
            a
        });
    analysis.inputs.sort_by(|a, b| a.path.cmp(&b.path));
    explain_gaps(&mut analysis);
    analysis
}

fn explain_gaps(a: &mut Analysis) {
    let has = |k: SourceKind| a.inputs.iter().any(|i| i.kind == k);
    let has_dockerfile = has(SourceKind::Dockerfile);
    let has_runtime = has(SourceKind::Compose)
        || has(SourceKind::Kubernetes)
        || has(SourceKind::DockerRun)
        || has(SourceKind::Engine);
    let mut notes = Vec::new();
    notes.push((
        ChecklistItem::Vulnerabilities,
        "vulnerability matching is not available yet (planned: `shipshape image` with an offline OSV database)",
    ));
    for item in [
        ChecklistItem::ReadOnly,
        ChecklistItem::ResourceLimits,
        ChecklistItem::Capabilities,
        ChecklistItem::NoNewPrivileges,
        ChecklistItem::LogRotation,
        ChecklistItem::Network,
    ] {
        notes.push((
            item,
            if has_runtime {
                "the runtime configuration analyser is not available yet"
            } else {
                "no compose file, Kubernetes manifest or `docker run` line found"
            },
        ));
    }
    for item in [
        ChecklistItem::NonRoot,
        ChecklistItem::BaseImage,
        ChecklistItem::Healthcheck,
        ChecklistItem::ImageTag,
        ChecklistItem::MinimalImage,
        ChecklistItem::BuildContext,
        ChecklistItem::Provenance,
        ChecklistItem::Secrets,
    ] {
        notes.push((
            item,
            if has_dockerfile {
                "no analyser evaluated this item yet"
            } else {
                "no Dockerfile found"
            },
        ));
    }
    for (item, note) in notes {
        if !a.covered.contains(&item) {
            a.notes.entry(item).or_insert_with(|| note.to_string());
        }
    }
}
