//! Dockerfile and build-context rules.
//!
//! A rule is one module: a `pub static META: RuleMeta` (code, slug, severity, checklist item,
//! hadolint equivalent, docs) and a unit struct implementing [`Rule`], overriding only the hooks
//! it needs (whole file, each instruction, each shell command of a RUN). The driver walks the
//! Dockerfile once and calls every rule's hooks. Adding a rule: its module and one line in the
//! `register!` list of its group (`checklist` for the production checklist, `practice` for the
//! build practices hadolint checks).

use crate::dockerignore::DockerIgnore;
use crate::shell::SimpleCommand;
use crate::stages::{BaseRef, Stage, StageGraph};
use crate::{Dockerfile, Instruction, InstructionKind, Span};
use shipshape_core::config::DockerfileOptions;
use shipshape_core::{Finding, RuleMeta, SourceFile};

pub mod checklist;
pub mod packages;
pub mod practice;

/// A `.dockerignore` that applies to the build.
pub struct DockerIgnoreFile<'a> {
    pub file: &'a SourceFile,
    pub parsed: &'a DockerIgnore,
}

/// Everything a rule may look at.
pub struct Context<'a> {
    pub file: &'a SourceFile,
    /// What the image built from each stage does at run time ([`crate::facts`]).
    pub facts: &'a shipshape_core::facts::DockerfileFacts,
    /// Where the image is run, as published by the runtime analyser (may be empty).
    pub deployments: &'a [shipshape_core::facts::Deployment],
    pub df: &'a Dockerfile,
    pub graph: &'a StageGraph,
    /// Shell commands of each instruction (by instruction index; empty for non-RUN).
    pub commands: &'a [Vec<SimpleCommand>],
    /// The `.dockerignore` of the build context, if there is one.
    pub dockerignore: Option<DockerIgnoreFile<'a>>,
    /// Files present in the build context (relative paths) whose names look sensitive:
    /// `.env`, private keys, credentials; or that the context is unknown.
    pub context_files: crate::ContextFiles<'a>,
    pub options: &'a DockerfileOptions,
    /// The date end-of-life dates are compared with.
    pub today: jiff::civil::Date,
}

impl<'a> Context<'a> {
    /// A finding at a span of the Dockerfile.
    pub fn finding(
        &self,
        meta: &'static RuleMeta,
        span: Span,
        message: impl Into<String>,
    ) -> Finding {
        Finding::at(meta, self.file, span.start, span.end, message)
    }

    /// The stage built for release (the last one, or `--target`).
    pub fn final_stage(&self) -> Option<&'a Stage> {
        self.graph.target_stage()
    }

    /// The final stage and the stages it is built `FROM` (its filesystem and config ancestry),
    /// final stage first.
    pub fn final_chain(&self) -> Vec<&'a Stage> {
        let mut chain = Vec::new();
        let mut current = self.final_stage();
        while let Some(stage) = current {
            if chain.iter().any(|s: &&Stage| s.index == stage.index) {
                break;
            }
            chain.push(stage);
            current = match stage.base_ref {
                BaseRef::Stage(i) => self.graph.stages.get(i),
                _ => None,
            };
        }
        chain
    }

    /// Whether instruction `index` ends up in the final image (its stage is in the final chain).
    pub fn in_final_image(&self, index: usize) -> bool {
        match self.graph.stage_of(index) {
            Some(s) => self.final_chain().iter().any(|st| st.index == s),
            None => false,
        }
    }

    /// The instructions of a stage, with their indexes.
    pub fn stage_instructions(
        &self,
        stage: &Stage,
    ) -> impl Iterator<Item = (usize, &'a Instruction)> + 'a {
        let df = self.df;
        stage
            .instructions
            .clone()
            .filter_map(move |i| df.instructions.get(i).map(|ins| (i, ins)))
    }

    /// The external image the final image is ultimately based on (`None` for `scratch`).
    pub fn final_base_image(&self) -> Option<&'a Stage> {
        self.final_chain()
            .into_iter()
            .last()
            .filter(|s| matches!(s.base_ref, BaseRef::Image(_)))
    }

    /// The run-time facts of the final stage.
    pub fn final_facts(&self) -> Option<&'a shipshape_core::facts::StageFacts> {
        self.final_stage()
            .and_then(|s| self.facts.stages.get(s.index))
    }

    /// Whether an instruction is a `FROM`.
    pub fn is_from(instr: &Instruction) -> bool {
        matches!(instr.kind, InstructionKind::From(_))
    }
}

/// A Dockerfile rule: metadata plus hooks with empty defaults.
pub use shipshape_core::rule::HasMeta;

/// Where a rule's hooks put their findings.
pub type Out = Vec<Finding>;
/// Short names for the hook signatures (each fits on one line).
pub use crate::shell::SimpleCommand as Cmd;
pub use crate::Instruction as Instr;

pub trait Rule: HasMeta + Sync {
    /// Whole-file checks (final stage, stage graph, build context).
    fn check_file(&self, _ctx: &Context, _out: &mut Out) {}

    /// Called for every top-level instruction (an `ONBUILD` is passed as itself).
    fn check_instruction(&self, _ctx: &Context, _index: usize, _instr: &Instr, _out: &mut Out) {}

    /// Called for every simple shell command of every RUN (heredoc scripts and `sh -c` strings
    /// included).
    fn check_command(
        &self,
        _ctx: &Context,
        _index: usize,
        _instr: &Instr,
        _cmd: &Cmd,
        _out: &mut Out,
    ) {
    }
}

/// Every Dockerfile rule, as run by the driver.
pub fn all() -> impl Iterator<Item = &'static dyn Rule> {
    checklist::RULES
        .iter()
        .chain(practice::RULES.iter())
        .copied()
}

/// Runs every rule over one Dockerfile.
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in all() {
        rule.check_file(ctx, &mut out);
    }
    for (index, instr) in ctx.df.instructions.iter().enumerate() {
        for rule in all() {
            rule.check_instruction(ctx, index, instr, &mut out);
        }
        if let Some(cmds) = ctx.commands.get(index) {
            if matches!(instr.effective().kind, InstructionKind::Run(_)) {
                for cmd in cmds {
                    for rule in all() {
                        rule.check_command(ctx, index, instr, cmd, &mut out);
                    }
                }
            }
        }
    }
    out
}
