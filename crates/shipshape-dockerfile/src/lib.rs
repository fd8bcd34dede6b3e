//! Lossless Dockerfile parsing for shipshape.
//!
//! * [`parse`] / [`parse_recovering`]: a parser faithful to BuildKit's
//!   (`frontend/dockerfile/parser` + the checks of `instructions`), where every node carries a
//!   byte [`Span`] into the source.
//! * [`expand`]: BuildKit's variable substitution, reporting unresolved variables.
//! * [`stages::resolve`]: multi-stage resolution (bases, `--from`, target, dependencies, scopes).
//! * [`shell::commands`]: the simple commands of a RUN, with spans in the Dockerfile.
//!
//! The parser, the stage resolver and the rules do no I/O, are synchronous, and never panic on
//! any input; [`analyser`] (the pipeline's view: reading files, finding the `.dockerignore` and
//! the build context) is the crate's only I/O.
//!
//! ```
//! use shipshape_dockerfile::{parse, InstructionKind, shell};
//! let src = "FROM alpine:3.20 AS base\nRUN apk add --no-cache curl && curl -fsSL https://x | sh\n";
//! let df = parse(src).unwrap();
//! let InstructionKind::From(from) = df.instructions[0].kind() else { unreachable!() };
//! assert_eq!(from.image.value, "alpine:3.20");
//! let cmds = shell::commands(&df.instructions[1]);
//! assert_eq!(cmds[2].name.value, "sh");
//! assert!(cmds[2].is_piped());
//! assert_eq!(cmds[1].span.slice(src), "curl -fsSL https://x");
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod analyse;
pub mod analyser;
pub mod ast;
pub mod dockerignore;
mod dump;
pub mod expand;
pub mod facts;
mod json;
mod parser;
#[allow(missing_docs)] // rule modules are documented by their `docs` text
pub mod rules;
pub mod shell;
pub mod stages;

pub use analyse::{analyse, facts_of, ContextFiles, DockerfileInput};
pub use analyser::DockerfileAnalyser;
pub use ast::*;
pub use dump::{dump, dump_stages};
pub use expand::{expand, expand_with_escape, unquote, ExpandError, Expanded};
pub use parser::{parse, parse_recovering};
pub use stages::{resolve, ResolveOptions, StageGraph};

/// Metadata of every Dockerfile rule, by group, for the registry.
pub static RULE_GROUPS: [&[&shipshape_core::RuleMeta]; 2] =
    [rules::checklist::METAS, rules::practice::METAS];
