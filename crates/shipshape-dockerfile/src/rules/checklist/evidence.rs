//! Why each checklist item a Dockerfile decides holds for it (or does not apply), in the words
//! of the facts the rules judged: "USER app (line 7)", "base python:3.12-slim: supported until
//! 2028-10-31", "not a service (…): no health check needed", "nothing is copied from the build
//! context". The policy passes an item only on such evidence, and drops evidence that a finding
//! on the same item and file contradicts, so a note may state an absence ("no secret in ENV or
//! ARG values") that holds exactly when the rules found nothing.

use super::common::{context_sources, is_whole_context};
use super::missing_healthcheck::{last_healthcheck, role, Role};
use super::non_minimal_base::minimal_variant;
use super::root_user::base_user;
use crate::rules::Context;
use crate::stages::BaseRef;
use crate::{HealthcheckInstr, InstructionKind};
use shipshape_core::imageref::ImageRef;
use shipshape_core::report::Analysis;
use shipshape_core::{ChecklistItem, Evidence};

/// Records the evidence of one Dockerfile.
pub fn record(ctx: &Context<'_>, out: &mut Analysis) {
    let path = ctx.file.path();
    let found = std::cell::RefCell::new(Vec::new());
    let pass = |item: ChecklistItem, note: String| {
        found.borrow_mut().push(Evidence::pass(item, path, note));
    };
    let line = |offset: usize| ctx.file.line_col(offset).0;
    let chain = ctx.final_chain();
    if chain.is_empty() {
        return;
    }
    let base = ctx.final_base_image();
    // The final image's base, resolved, as written after expansion.
    let base_ref: Option<&str> = base.and_then(|s| match &s.base_ref {
        BaseRef::Image(r) if s.base.unresolved.is_empty() && s.base.error.is_none() => {
            Some(r.as_str())
        }
        _ => None,
    });
    let scratch = chain
        .last()
        .is_some_and(|s| matches!(s.base_ref, BaseRef::Scratch));

    // non-root: the last USER of the final image's stages, else the base image's user.
    let mut user_seen = false;
    for stage in &chain {
        let last = ctx
            .stage_instructions(stage)
            .filter(|(_, i)| matches!(i.kind, InstructionKind::User(_)))
            .last();
        if let Some((index, instr)) = last {
            user_seen = true;
            if let InstructionKind::User(u) = &instr.kind {
                let env = ctx.graph.env_before(ctx.df, index);
                if let Ok(e) = env.expand(&u.user.raw, ctx.df.escape) {
                    if e.unresolved.is_empty() && !super::common::is_root_user(&e.value) {
                        pass(
                            ChecklistItem::NonRoot,
                            format!("USER {} (line {})", e.value, line(instr.span.start)),
                        );
                    }
                }
            }
            break;
        }
    }
    if !user_seen {
        if let (Some(user), Some(image)) = (
            base_ref.and_then(base_user),
            base_ref.and_then(|r| ImageRef::parse(r).ok()),
        ) {
            pass(
                ChecklistItem::NonRoot,
                format!("base {} runs as {user}", short(&image)),
            );
        }
    }

    let mut base_note = None;
    // base-image: supported (the end-of-life table knows the release and it has not ended).
    if scratch {
        pass(
            ChecklistItem::BaseImage,
            "FROM scratch: no base image to go out of support".into(),
        );
    } else if let Some(reference) = base_ref {
        if let Ok(image) = ImageRef::parse(reference) {
            let mut releases = image
                .tag
                .map(|t| shipshape_core::eol::from_image(&image.familiar_name(), t))
                .unwrap_or_default();
            // Distroless and other images that name their distribution release in the image
            // name (`gcr.io/distroless/static-debian12`).
            if releases.is_empty() {
                let name = image.familiar_name();
                if let Some((_, v)) = name.rsplit_once("-debian") {
                    releases.extend(shipshape_core::eol::lookup("debian", v));
                } else if let (Some(_), Some(tag)) =
                    (shipshape_core::hardened::classify(&image), image.tag)
                {
                    // Hardened families name the upstream product last (`dhi.io/python`).
                    let product = name.rsplit('/').next().unwrap_or_default();
                    releases.extend(shipshape_core::eol::from_image(product, tag));
                }
            }
            if releases.is_empty() {
                base_note = Some(format!(
                    "no end-of-life data for base {}: whether it is supported is not known",
                    short(&image)
                ));
            } else if releases.iter().all(|r| !r.is_eol(ctx.today)) {
                let until: Vec<String> = releases
                    .iter()
                    .map(|r| format!("{} until {}", r.display_name(), r.end_of_support()))
                    .collect();
                let variant = minimal_variant(&image)
                    .map(|v| format!(", {v}"))
                    .unwrap_or_default();
                pass(
                    ChecklistItem::BaseImage,
                    format!(
                        "base {}: supported ({}){variant}",
                        short(&image),
                        until.join("; ")
                    ),
                );
            }
        }
    }
    if let Some(note) = base_note {
        out.notes.entry(ChecklistItem::BaseImage).or_insert(note);
    }

    // image-tag: how the final image's base is pinned.
    if scratch {
        pass(
            ChecklistItem::ImageTag,
            "FROM scratch: no base image to pin".into(),
        );
    } else if let Some(reference) = base_ref {
        if let Ok(image) = ImageRef::parse(reference) {
            let note = match (image.digest, image.tag) {
                (Some(_), Some(tag)) => {
                    format!(
                        "base {} pinned by tag `{tag}` and digest",
                        image.familiar_name()
                    )
                }
                (Some(_), None) => format!("base {} pinned by digest", image.familiar_name()),
                (None, Some(tag)) => format!(
                    "base {} pinned by tag `{tag}` (no digest)",
                    image.familiar_name()
                ),
                (None, None) => String::new(),
            };
            if !note.is_empty() {
                pass(ChecklistItem::ImageTag, note);
            }
        }
    }

    // healthcheck: defined, or not a service.
    match last_healthcheck(ctx) {
        Some((_, instr))
            if !matches!(
                instr.kind,
                InstructionKind::Healthcheck(HealthcheckInstr::None)
            ) =>
        {
            pass(
                ChecklistItem::Healthcheck,
                format!("HEALTHCHECK (line {})", line(instr.span.start)),
            );
        }
        Some(_) => {}
        None => {
            if let Role::Job(why) = role(ctx) {
                found.borrow_mut().push(Evidence::not_applicable(
                    ChecklistItem::Healthcheck,
                    path,
                    format!("not a service ({why}): no health check needed"),
                ));
            }
        }
    }

    // minimal-image: what the final image is built on.
    let multi = ctx.graph.stages.len() > 1;
    let built = if multi { "multi-stage build, " } else { "" };
    if scratch {
        pass(
            ChecklistItem::MinimalImage,
            format!("{built}FROM scratch: only what is copied in"),
        );
    } else if let Some(reference) = base_ref {
        if let Some(image) = ImageRef::parse(reference)
            .ok()
            .filter(|i| super::non_minimal_base::judgement(i).is_none())
        {
            let what = minimal_variant(&image)
                .unwrap_or("not a known full distribution, language or toolchain image");
            pass(
                ChecklistItem::MinimalImage,
                format!(
                    "{built}base {}: {what}; no build or network tools installed",
                    short(&image)
                ),
            );
        }
    }

    // build-context: what is copied from the context, and what the .dockerignore leaves out.
    let sources: Vec<String> = ctx
        .df
        .instructions
        .iter()
        .flat_map(context_sources)
        .map(|w| w.value.clone())
        .collect();
    let whole = sources.iter().any(|s| is_whole_context(s));
    let note = if sources.is_empty() {
        "nothing is copied from the build context".to_string()
    } else if !whole {
        let shown: Vec<String> = sources.iter().take(3).map(|s| format!("`{s}`")).collect();
        let more = if sources.len() > 3 {
            format!(" and {} more", sources.len() - 3)
        } else {
            String::new()
        };
        format!(
            "copies named paths only ({}{more}), not the whole context",
            shown.join(", ")
        )
    } else if let Some(ignore) = &ctx.dockerignore {
        match ctx.context_files.known() {
            None => format!(
                "{} excludes VCS data, .env files, keys and credentials (the context was not walked)",
                ignore.file.path()
            ),
            Some([]) => format!(
                "{} excludes VCS data, .env files and keys; no sensitive file in the context",
                ignore.file.path()
            ),
            Some(present) => {
            let shown: Vec<&str> = present.iter().take(3).map(String::as_str).collect();
            format!(
                "{} excludes the {} sensitive file{} of the context ({}{})",
                ignore.file.path(),
                present.len(),
                if present.len() == 1 { "" } else { "s" },
                shown.join(", "),
                if present.len() > 3 { ", …" } else { "" }
            )
            }
        }
    } else {
        String::new()
    };
    if !note.is_empty() {
        pass(ChecklistItem::BuildContext, note);
    }

    // provenance: the OCI labels of the final image.
    let mut labels: Vec<(String, usize)> = Vec::new();
    for stage in &chain {
        for (_, instr) in ctx.stage_instructions(stage) {
            if let InstructionKind::Label(l) = &instr.kind {
                for p in &l.pairs {
                    let key = p.key.value.to_ascii_lowercase();
                    if let Some(short) = key.strip_prefix("org.opencontainers.image.") {
                        if matches!(short, "source" | "revision" | "version") {
                            labels.push((short.to_string(), instr.span.start));
                        }
                    }
                }
            }
        }
    }
    if let Some((_, at)) = labels.first() {
        let names: Vec<&str> = labels.iter().map(|(n, _)| n.as_str()).collect();
        pass(
            ChecklistItem::Provenance,
            format!("OCI labels {} (line {})", names.join(", "), line(*at)),
        );
    }

    // secrets: what the Dockerfile rules read.
    let values = ctx
        .df
        .instructions
        .iter()
        .filter(|i| {
            matches!(
                i.effective().kind,
                InstructionKind::Env(_) | InstructionKind::Arg(_) | InstructionKind::Label(_)
            )
        })
        .count();
    pass(
        ChecklistItem::Secrets,
        if values == 0 {
            "no ENV, ARG or LABEL values, no key or .env file named in a COPY".to_string()
        } else {
            format!(
                "no secret in {values} ENV, ARG or LABEL instruction{}, no key or .env file named in a COPY",
                if values == 1 { "" } else { "s" }
            )
        },
    );
    for e in found.into_inner() {
        out.add_evidence(e);
    }
}

/// An image as `name:tag` (its digest left out, for notes).
fn short(image: &ImageRef<'_>) -> String {
    match image.tag {
        Some(tag) => format!("{}:{tag}", image.familiar_name()),
        None => image.familiar_name().into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use shipshape_core::config::DockerfileOptions;
    use shipshape_core::{ChecklistItem, SourceFile};

    fn evidence(text: &str, item: ChecklistItem) -> Vec<(bool, String)> {
        let file = SourceFile::new("Dockerfile", text);
        let a = crate::analyse(&crate::DockerfileInput {
            file: &file,
            dockerignore: None,
            context_files: crate::ContextFiles::Unknown,
            options: &DockerfileOptions::default(),
            today: jiff::civil::date(2026, 1, 1),
            read_context: None,
            deployments: &[],
        });
        a.evidence
            .iter()
            .filter(|e| e.item == item)
            .map(|e| (e.verdict.is_pass(), e.note().to_string()))
            .collect()
    }

    #[test]
    fn user_and_base() {
        assert_eq!(
            evidence("FROM alpine:3.22\nUSER 10001\n", ChecklistItem::NonRoot),
            vec![(true, "USER 10001 (line 2)".to_string())]
        );
        assert!(evidence("FROM alpine:3.22\nUSER root\n", ChecklistItem::NonRoot).is_empty());
        assert!(evidence("FROM alpine:3.22\n", ChecklistItem::NonRoot).is_empty());
        // The last USER of the final stage's ancestry decides.
        assert!(evidence(
            "FROM alpine:3.22 AS a\nUSER app\nFROM a\nUSER 0\n",
            ChecklistItem::NonRoot
        )
        .is_empty());
    }

    #[test]
    fn base_image_support_and_variant() {
        let e = evidence("FROM python:3.12-slim\n", ChecklistItem::BaseImage);
        assert_eq!(e.len(), 1);
        assert!(e[0]
            .1
            .starts_with("base python:3.12-slim: supported (Python 3.12 until"));
        assert!(e[0].1.ends_with(", slim variant"));
        // End of life: no evidence (SS1007 reports it).
        assert!(evidence("FROM python:3.7\n", ChecklistItem::BaseImage).is_empty());
        // Unknown release: no evidence either.
        assert!(evidence("FROM myorg/base:1\n", ChecklistItem::BaseImage).is_empty());
    }

    #[test]
    fn full_images_are_not_called_minimal() {
        assert!(evidence("FROM ubuntu:24.04\n", ChecklistItem::MinimalImage).is_empty());
        assert!(evidence("FROM python:3.12\n", ChecklistItem::MinimalImage).is_empty());
        let e = evidence("FROM python:3.12-slim\n", ChecklistItem::MinimalImage);
        assert!(e[0].1.contains("slim variant"), "{e:?}");
    }

    #[test]
    fn healthcheck_and_build_context() {
        let e = evidence(
            "FROM alpine:3.22\nCMD [\"true\"]\n",
            ChecklistItem::Healthcheck,
        );
        assert!(!e[0].0, "not applicable: {e:?}");
        assert!(evidence("FROM nginx:1.27\nEXPOSE 80\n", ChecklistItem::Healthcheck).is_empty());
        assert_eq!(
            evidence("FROM alpine:3.22\n", ChecklistItem::BuildContext),
            vec![(true, "nothing is copied from the build context".to_string())]
        );
        // The whole context and no .dockerignore: no evidence (SS1015 reports it).
        assert!(evidence(
            "FROM alpine:3.22\nCOPY . /app\n",
            ChecklistItem::BuildContext
        )
        .is_empty());
    }
}
