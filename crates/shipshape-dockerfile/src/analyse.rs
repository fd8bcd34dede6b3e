//! The Dockerfile analyser: parse, resolve stages, split RUN scripts once, run every rule, and
//! report inline suppressions and parse errors in core's terms.

use crate::dockerignore::DockerIgnore;
use crate::rules::{self, Context, DockerIgnoreFile};
use crate::stages::{self, ResolveOptions};
use crate::{parse_recovering, shell};
use shipshape_core::config::DockerfileOptions;
use shipshape_core::report::{Analysis, ScannedInput};
use shipshape_core::suppress::{parse_comment, InlineIgnore};
use shipshape_core::{ChecklistItem, ScanError, SourceFile, SourceKind};

/// The checklist items a Dockerfile can decide. An item counts as evaluated only when at least
/// one registered rule checks it (see [`deciding_rules`]); rules of other items (`EXPOSE 22` for
/// `network`) can fail an item but never pass it, since the runtime decides those.
pub const DECIDES: [ChecklistItem; 8] = [
    ChecklistItem::NonRoot,
    ChecklistItem::BaseImage,
    ChecklistItem::Healthcheck,
    ChecklistItem::ImageTag,
    ChecklistItem::MinimalImage,
    ChecklistItem::BuildContext,
    ChecklistItem::Provenance,
    ChecklistItem::Secrets,
];

/// What is known of a Dockerfile's build context: "unknown" (not walked) and "known, with no
/// sensitive file" are different answers, and the build-context rules say different things.
#[derive(Debug, Clone, Copy)]
pub enum ContextFiles<'a> {
    /// The context was not looked at (a Dockerfile analysed on its own), or could not be walked.
    Unknown,
    /// The context was walked: the sensitive files present, relative to it (possibly none).
    Known(&'a [String]),
}

impl<'a> ContextFiles<'a> {
    /// The sensitive files present, when the context is known.
    pub fn known(&self) -> Option<&'a [String]> {
        match self {
            ContextFiles::Unknown => None,
            ContextFiles::Known(f) => Some(f),
        }
    }
}

/// One Dockerfile and what surrounds it.
pub struct DockerfileInput<'a> {
    /// The Dockerfile.
    pub file: &'a SourceFile,
    /// The `.dockerignore` of its build context (`<Dockerfile>.dockerignore` or the context's).
    pub dockerignore: Option<&'a SourceFile>,
    /// Sensitive-looking files present in the build context, if it is known.
    pub context_files: ContextFiles<'a>,
    /// `[dockerfile]` options of the configuration.
    pub options: &'a DockerfileOptions,
    /// The date end-of-life dates are compared with.
    pub today: jiff::civil::Date,
    /// Reads files of the build context (the `ENTRYPOINT` script copied into the image);
    /// `None`: the context is not known.
    pub read_context: Option<crate::facts::ContextReader<'a>>,
    /// Where the image built from this Dockerfile is run, as the runtime analyser published it
    /// (a Compose service with `build:`): a non-root user set there mitigates SS1001.
    pub deployments: &'a [shipshape_core::facts::Deployment],
}

/// The facts of one Dockerfile ([`crate::facts`]), or `None` when it does not parse or resolve
/// (its analysis reports why).
pub fn facts_of(input: &DockerfileInput<'_>) -> Option<shipshape_core::facts::DockerfileFacts> {
    let (df, errors) = parse_recovering(input.file.text());
    if !errors.is_empty() {
        return None;
    }
    let graph = stages::resolve(
        &df,
        &ResolveOptions {
            target: input.options.target.clone(),
            ..ResolveOptions::default()
        },
    )
    .ok()?;
    Some(crate::facts::dockerfile_facts(
        input.file.text(),
        &df,
        &graph,
        input.read_context,
    ))
}

/// Analyses one Dockerfile.
pub fn analyse(input: &DockerfileInput<'_>) -> Analysis {
    let mut out = Analysis::default();
    let file = input.file;
    out.add_source(file);
    out.inputs.push(ScannedInput {
        path: file.path().to_string(),
        kind: SourceKind::Dockerfile,
    });

    let (df, errors) = parse_recovering(file.text());
    for e in &errors {
        out.errors.push(ScanError::at(
            file,
            e.span.start,
            format!("Dockerfile syntax error: {}", e.message),
        ));
    }
    if !errors.is_empty() {
        return out;
    }
    let graph = match stages::resolve(
        &df,
        &ResolveOptions {
            target: input.options.target.clone(),
            ..ResolveOptions::default()
        },
    ) {
        Ok(g) => g,
        Err(e) => {
            out.errors.push(ScanError::at(file, 0, e.to_string()));
            return out;
        }
    };

    let ignore_parsed;
    let dockerignore = match input.dockerignore {
        Some(f) => {
            ignore_parsed = DockerIgnore::parse(f.text());
            for (_, offset, msg) in &ignore_parsed.errors {
                out.errors.push(ScanError::at(
                    f,
                    *offset,
                    format!("invalid .dockerignore pattern: {msg}"),
                ));
            }
            out.add_source(f);
            out.inputs.push(ScannedInput {
                path: f.path().to_string(),
                kind: SourceKind::Dockerignore,
            });
            Some(DockerIgnoreFile {
                file: f,
                parsed: &ignore_parsed,
            })
        }
        None => None,
    };

    let commands: Vec<_> = df
        .instructions
        .iter()
        .map(|i| match i.effective().kind {
            crate::InstructionKind::Run(_) => shell::commands(i),
            _ => Vec::new(),
        })
        .collect();
    let facts = crate::facts::dockerfile_facts(file.text(), &df, &graph, input.read_context);
    let ctx = Context {
        file,
        facts: &facts,
        deployments: input.deployments,
        df: &df,
        graph: &graph,
        commands: &commands,
        dockerignore,
        context_files: input.context_files,
        options: input.options,
        today: input.today,
    };
    out.findings = rules::run(&ctx);
    rules::checklist::record_evidence(&ctx, &mut out);
    // Every Dockerfile is evaluated by the same rules: copy one map instead of building it
    // again per file (it shows in profiles of large trees).
    static DECIDING: std::sync::LazyLock<
        std::collections::BTreeMap<&'static str, &'static shipshape_core::RuleMeta>,
    > = std::sync::LazyLock::new(|| deciding_rules().map(|m| (m.code, m)).collect());
    out.evaluated = DECIDING.clone();
    out.ignores
        .insert(file.path().to_string(), inline_ignores(file, &df));
    out
}

/// The rules that decide their checklist item when they run on a Dockerfile: those of the
/// items in [`DECIDES`].
pub fn deciding_rules() -> impl Iterator<Item = &'static shipshape_core::RuleMeta> {
    rules::all()
        .map(|r| r.meta())
        .filter(|m| DECIDES.contains(&m.checklist))
}

/// Suppression comments of a Dockerfile. A comment covers its own line and the whole of the
/// instruction that follows it (or contains it, for a comment inside a continuation).
fn inline_ignores(file: &SourceFile, df: &crate::Dockerfile) -> Vec<InlineIgnore> {
    let mut out = Vec::new();
    for c in &df.comments {
        let Some((syntax, rules, reason)) = parse_comment(&c.text) else {
            continue;
        };
        let comment_line = file.line_col(c.span.start).0;
        let target = df
            .instructions
            .iter()
            .find(|i| i.span.end > c.span.start)
            .map(|i| {
                file.line_col(i.span.end.saturating_sub(1).max(i.span.start))
                    .0
            })
            .unwrap_or(comment_line);
        out.push(InlineIgnore {
            comment_line,
            first_line: comment_line,
            last_line: target.max(comment_line),
            syntax,
            rules,
            reason,
        });
    }
    out
}
