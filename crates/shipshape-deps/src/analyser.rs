//! The analyser of `check`: lockfiles looked up in the vulnerability database.

use shipshape_core::report::{Analysis, ScannedInput};
use shipshape_core::{Analyser, ChecklistItem, Location, RuleMeta, Scope, SourceFile, SourceKind};
use shipshape_vuln::scan::ScanPackage;
use shipshape_vuln::store;
use std::collections::BTreeMap;

/// Catalogs the lockfiles (and package databases) among the discovered inputs and looks their
/// packages up in the vulnerability database (`[vulnerabilities]` options; the cache directory
/// the binary sets from `--cache-dir`). Each lockfile is its own piece of evidence, so a
/// lockfile under tests, fixtures or vendored code passes nothing, as its findings fail
/// nothing. A tree without lockfiles adds nothing.
pub struct DependenciesAnalyser;

impl Analyser for DependenciesAnalyser {
    fn id(&self) -> &'static str {
        "dependencies"
    }

    fn rules(&self) -> &'static [&'static RuleMeta] {
        shipshape_vuln::rules::METAS
    }

    fn analyse(&self, scope: &Scope<'_>) -> Analysis {
        let rels: Vec<String> = scope
            .inputs
            .iter()
            .filter(|i| shipshape_sbom::is_cataloged(&i.rel))
            .map(|i| i.rel.clone())
            .collect();
        let mut a = Analysis::default();
        if rels.is_empty() {
            return a;
        }
        // Inputs are relative to the root directory, or name the root file itself.
        let base = if scope.root.is_dir() {
            scope.root
        } else {
            scope.root.parent().unwrap_or(scope.root)
        };
        let (sbom, errors) = shipshape_sbom::catalog_files(base, rels, "");
        a.errors.extend(errors);
        if sbom.packages.is_empty() {
            return a;
        }
        let options = &scope.config.vulnerabilities;
        let cache = match &options.cache_dir {
            Some(d) => d.clone(),
            None => match store::cache_dir(None) {
                Ok(c) => c,
                Err(e) => {
                    a.notes.insert(
                        ChecklistItem::Vulnerabilities,
                        format!("no cache directory for the vulnerability database ({e}): set --cache-dir or SHIPSHAPE_CACHE_DIR"),
                    );
                    return a;
                }
            },
        };
        let db = store::db_path(&cache);
        let mut by_file: BTreeMap<String, Vec<ScanPackage>> = BTreeMap::new();
        for p in crate::queries(&sbom) {
            by_file.entry(p.location.clone()).or_default().push(p);
        }
        for (file, packages) in by_file {
            let mut part = shipshape_vuln::scan::analyse(&db, &file, &packages);
            // The evidence is about this lockfile, in its path's context.
            for e in &mut part.evidence {
                e.path = file.clone();
            }
            if !part.findings.is_empty() {
                locate_findings(base, &file, &mut part);
            }
            a.inputs.push(ScannedInput {
                path: file,
                kind: SourceKind::Sbom,
            });
            a.merge(part);
        }
        a
    }
}

/// Points each finding at its package's entry in the lockfile (see `locate`), and keeps the
/// text for excerpts; a lockfile that is not text keeps whole-file locations.
fn locate_findings(base: &std::path::Path, file: &str, part: &mut Analysis) {
    let Ok(text) = std::fs::read_to_string(base.join(file)) else {
        return;
    };
    let source = SourceFile::new(file, text);
    let mut located = false;
    for f in &mut part.findings {
        let Some((name, version)) = f.location.key.as_deref().and_then(|k| k.rsplit_once('@'))
        else {
            continue;
        };
        if let Some((start, end)) = crate::locate::entry(source.text(), name, version) {
            let key = f.location.key.take();
            f.location = Location::in_file(&source, start, end);
            f.location.key = key;
            located = true;
        }
    }
    if located {
        part.add_source(&source);
    }
}
