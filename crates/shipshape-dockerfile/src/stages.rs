//! Multi-stage resolution: stages, base images (expanded with the global ARGs), `--from`
//! references, the target stage and the stages it depends on, and the variable scope
//! (ARG / ENV) in force at any instruction.

use crate::ast::*;
use crate::expand::{expand_with_escape, ExpandError, Expanded};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// Options of a resolution, as given to `docker build`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// `--target`: stage name (case-insensitive). `None` selects the last stage.
    pub target: Option<String>,
    /// `--build-arg NAME=VALUE` pairs. The automatic platform ARGs (`TARGETPLATFORM`,
    /// `BUILDARCH`…) may be given here too.
    pub build_args: BTreeMap<String, String>,
}

/// The automatic platform ARGs BuildKit defines in the global scope.
pub const PLATFORM_ARGS: [&str; 8] = [
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
];

/// A word together with its expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedWord {
    /// As written.
    pub word: Word,
    /// Expanded value; when expansion failed, the unquoted raw value.
    pub value: String,
    /// Variables that could not be resolved (their value was taken as empty).
    pub unresolved: Vec<String>,
    /// Expansion syntax error, if any.
    pub error: Option<ExpandError>,
}

impl ResolvedWord {
    fn new(word: &Word, result: Result<Expanded, ExpandError>) -> Self {
        match result {
            Ok(e) => ResolvedWord {
                word: word.clone(),
                value: e.value,
                unresolved: e.unresolved,
                error: None,
            },
            Err(err) => ResolvedWord {
                word: word.clone(),
                value: word.value.clone(),
                unresolved: Vec::new(),
                error: Some(err),
            },
        }
    }

    /// True when the value is fully known.
    pub fn is_complete(&self) -> bool {
        self.unresolved.is_empty() && self.error.is_none()
    }
}

/// What a stage is built `FROM`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseRef {
    /// `FROM scratch`.
    Scratch,
    /// An earlier stage (by name).
    Stage(usize),
    /// An external image (the expanded reference).
    Image(String),
}

/// What a `--from` refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefTarget {
    /// A stage, by name or index.
    Stage(usize),
    /// An external image (or named build context).
    Image(String),
    /// A numeric index with no such stage.
    InvalidIndex(i64),
}

/// Where a `--from` reference comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    /// `COPY --from=`.
    Copy,
    /// `RUN --mount=...,from=`.
    Mount,
}

/// A `COPY --from=` or `RUN --mount=from=` reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromRef {
    /// Index of the instruction in [`Dockerfile::instructions`].
    pub instruction: usize,
    /// Stage containing the instruction.
    pub stage: usize,
    /// COPY or mount.
    pub kind: RefKind,
    /// The reference, expanded with the stage's scope.
    pub value: ResolvedWord,
    /// What it resolves to.
    pub target: RefTarget,
}

/// A global (`ARG` before the first `FROM`) build argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalArg {
    /// Name.
    pub name: String,
    /// Effective value (build-arg override, else expanded default); `None` when unset.
    pub value: Option<String>,
    /// Instruction index.
    pub instruction: usize,
    /// Span of the declaration.
    pub span: Span,
}

/// One build stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// 0-based index (usable in `--from=<index>`).
    pub index: usize,
    /// Lower-cased name (`AS name`).
    pub name: Option<String>,
    /// Span of the name.
    pub name_span: Option<Span>,
    /// Index of the FROM instruction.
    pub from_instruction: usize,
    /// Instruction indices of the stage (the FROM included).
    pub instructions: Range<usize>,
    /// Base image reference, expanded with the global ARGs.
    pub base: ResolvedWord,
    /// What the base refers to.
    pub base_ref: BaseRef,
    /// `--platform`, expanded with the global ARGs.
    pub platform: Option<ResolvedWord>,
    /// Stages this stage uses directly (base stage and `--from` stages), sorted.
    pub deps: Vec<usize>,
}

/// A problem found while resolving stages that does not prevent resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageProblem {
    /// Message.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// Errors that prevent resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StageError {
    /// The Dockerfile has no FROM.
    NoStages,
    /// The requested `--target` does not exist.
    TargetNotFound(String),
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StageError::NoStages => f.write_str("dockerfile contains no stages to build"),
            StageError::TargetNotFound(t) => write!(f, "target stage {t:?} could not be found"),
        }
    }
}

impl std::error::Error for StageError {}

/// The variable scope at some point of a stage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    /// `ENV` variables (inherited from a base stage, then set in this stage).
    pub vars: BTreeMap<String, String>,
    /// `ARG`s in scope; `None` when declared without a value and not given as a build-arg.
    pub args: BTreeMap<String, Option<String>>,
}

impl Env {
    /// Value of `name`: ENV wins over ARG, as in BuildKit.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .or_else(|| self.args.get(name).and_then(|v| v.as_deref()))
    }

    /// Expands `word` in this scope.
    pub fn expand(&self, word: &str, escape: char) -> Result<Expanded, ExpandError> {
        expand_with_escape(word, escape, &|k| self.get(k).map(str::to_string))
    }

    fn resolve(&self, word: &Word, escape: char) -> ResolvedWord {
        ResolvedWord::new(word, self.expand(&word.raw, escape))
    }
}

/// The resolved stage graph of a Dockerfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageGraph {
    /// Global ARGs, in order.
    pub global_args: Vec<GlobalArg>,
    /// Stages, in order.
    pub stages: Vec<Stage>,
    /// Index of the target stage (the last one, or `--target`).
    pub target: usize,
    /// Every `--from` reference.
    pub from_refs: Vec<FromRef>,
    /// Non-fatal problems (duplicate names, invalid indices, self references…).
    pub problems: Vec<StageProblem>,
    escape: char,
    build_args: BTreeMap<String, String>,
    final_vars: Vec<BTreeMap<String, String>>,
}

impl StageGraph {
    /// The target stage.
    pub fn target_stage(&self) -> Option<&Stage> {
        self.stages.get(self.target)
    }

    /// True when `stage` is the target.
    pub fn is_target(&self, stage: usize) -> bool {
        stage == self.target
    }

    /// Stage by name (case-insensitive).
    pub fn stage_by_name(&self, name: &str) -> Option<&Stage> {
        let lower = name.to_ascii_lowercase();
        self.stages
            .iter()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
    }

    /// The stage containing instruction `index` (`None` before the first FROM).
    pub fn stage_of(&self, index: usize) -> Option<usize> {
        self.stages
            .iter()
            .position(|s| s.instructions.contains(&index))
    }

    /// Stages that `stage` depends on, transitively (itself excluded), sorted.
    pub fn dependencies(&self, stage: usize) -> Vec<usize> {
        let mut seen = vec![false; self.stages.len()];
        let mut stack = vec![stage];
        while let Some(s) = stack.pop() {
            if let Some(st) = self.stages.get(s) {
                for &d in &st.deps {
                    if d != stage && !seen[d] {
                        seen[d] = true;
                        stack.push(d);
                    }
                }
            }
        }
        (0..self.stages.len()).filter(|&i| seen[i]).collect()
    }

    /// The target stage and every stage it depends on, sorted: the stages a build runs.
    pub fn required_stages(&self) -> Vec<usize> {
        let mut v = self.dependencies(self.target);
        v.push(self.target);
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The scope of the global ARGs (what FROM lines see).
    pub fn global_env(&self) -> Env {
        let mut env = Env::default();
        for a in &self.global_args {
            env.args.insert(a.name.clone(), a.value.clone());
        }
        for p in PLATFORM_ARGS {
            if let Some(v) = self.build_args.get(p) {
                env.args.entry(p.to_string()).or_insert(Some(v.clone()));
            }
        }
        env
    }

    /// The scope in force just before instruction `index` (the global scope before the first
    /// FROM).
    pub fn env_before(&self, df: &Dockerfile, index: usize) -> Env {
        let Some(s) = self.stage_of(index) else {
            return self.global_env();
        };
        let st = &self.stages[s];
        let mut env = Env {
            vars: match st.base_ref {
                BaseRef::Stage(p) => self.final_vars.get(p).cloned().unwrap_or_default(),
                _ => BTreeMap::new(),
            },
            args: BTreeMap::new(),
        };
        let globals = self.global_env();
        for i in st.instructions.start + 1..index.min(st.instructions.end) {
            if let Some(instr) = df.instructions.get(i) {
                apply(&mut env, instr, &globals, &self.build_args, self.escape);
            }
        }
        env
    }
}

/// Applies an ARG / ENV instruction to a stage scope.
fn apply(
    env: &mut Env,
    instr: &Instruction,
    globals: &Env,
    build_args: &BTreeMap<String, String>,
    escape: char,
) {
    match &instr.kind {
        InstructionKind::Arg(a) => {
            for d in &a.args {
                let name = d.name.value.clone();
                let value = if let Some(v) = build_args.get(&name) {
                    Some(v.clone())
                } else if let Some(def) = &d.default {
                    Some(
                        env.expand(&def.raw, escape)
                            .map_or_else(|_| def.value.clone(), |e| e.value),
                    )
                } else {
                    globals.args.get(&name).cloned().flatten()
                };
                env.args.insert(name, value);
            }
        }
        InstructionKind::Env(kv) => {
            for p in &kv.pairs {
                let key = env
                    .expand(&p.key.raw, escape)
                    .map_or_else(|_| p.key.value.clone(), |e| e.value);
                let value = env
                    .expand(&p.value.raw, escape)
                    .map_or_else(|_| p.value.value.clone(), |e| e.value);
                env.vars.insert(key, value);
            }
        }
        _ => {}
    }
}

/// Resolves the stages of `df`.
pub fn resolve(df: &Dockerfile, opts: &ResolveOptions) -> Result<StageGraph, StageError> {
    let escape = df.escape;
    let mut graph = StageGraph {
        global_args: Vec::new(),
        stages: Vec::new(),
        target: 0,
        from_refs: Vec::new(),
        problems: Vec::new(),
        escape,
        build_args: opts.build_args.clone(),
        final_vars: Vec::new(),
    };

    // Global ARGs.
    let first_from = df
        .instructions
        .iter()
        .position(|i| i.keyword == Keyword::From)
        .ok_or(StageError::NoStages)?;
    for (idx, instr) in df.instructions[..first_from].iter().enumerate() {
        if let InstructionKind::Arg(a) = &instr.kind {
            for d in &a.args {
                let name = d.name.value.clone();
                let value = match opts.build_args.get(&name) {
                    Some(v) => Some(v.clone()),
                    None => d.default.as_ref().map(|def| {
                        let env = graph.global_env();
                        env.expand(&def.raw, escape)
                            .map_or_else(|_| def.value.clone(), |e| e.value)
                    }),
                };
                graph.global_args.retain(|g| g.name != name);
                graph.global_args.push(GlobalArg {
                    name,
                    value,
                    instruction: idx,
                    span: d.span,
                });
            }
        }
    }
    let globals = graph.global_env();

    // Stage boundaries.
    let froms: Vec<usize> = df
        .instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| i.keyword == Keyword::From)
        .map(|(n, _)| n)
        .collect();
    for (si, &fi) in froms.iter().enumerate() {
        let end = froms.get(si + 1).copied().unwrap_or(df.instructions.len());
        let InstructionKind::From(f) = &df.instructions[fi].kind else {
            continue;
        };
        let base = globals.resolve(&f.image, escape);
        let name = f.alias.as_ref().map(|a| a.raw.to_ascii_lowercase());
        let base_ref = if base.value == "scratch" {
            BaseRef::Scratch
        } else {
            let lower = base.value.to_ascii_lowercase();
            match graph
                .stages
                .iter()
                .rposition(|s| s.name.as_deref() == Some(lower.as_str()))
            {
                Some(j) => BaseRef::Stage(j),
                None => BaseRef::Image(base.value.clone()),
            }
        };
        if let Some(n) = &name {
            if graph.stages.iter().any(|s| s.name.as_ref() == Some(n)) {
                graph.problems.push(StageProblem {
                    message: format!("duplicate stage name {n:?}"),
                    span: f.alias.as_ref().map_or(f.image.span, |a| a.span),
                });
            }
        }
        graph.stages.push(Stage {
            index: si,
            name,
            name_span: f.alias.as_ref().map(|a| a.span),
            from_instruction: fi,
            instructions: fi..end,
            platform: f.platform.as_ref().map(|p| globals.resolve(p, escape)),
            deps: match base_ref {
                BaseRef::Stage(j) => vec![j],
                _ => Vec::new(),
            },
            base,
            base_ref,
        });
    }

    // Walk each stage: scope, --from references.
    let n = graph.stages.len();
    for si in 0..n {
        let (range, base_ref) = {
            let s = &graph.stages[si];
            (s.instructions.clone(), s.base_ref.clone())
        };
        let mut env = Env {
            vars: match base_ref {
                BaseRef::Stage(p) => graph.final_vars.get(p).cloned().unwrap_or_default(),
                _ => BTreeMap::new(),
            },
            args: BTreeMap::new(),
        };
        for ii in range.start + 1..range.end {
            let instr = &df.instructions[ii];
            let mut refs: Vec<(RefKind, Word)> = Vec::new();
            match &instr.kind {
                InstructionKind::Copy(c) => {
                    if let Some(f) = &c.from {
                        refs.push((RefKind::Copy, f.clone()));
                    }
                }
                InstructionKind::Run(r) => {
                    for m in &r.mounts {
                        if let Some(from) = &m.from {
                            refs.push((
                                RefKind::Mount,
                                Word::new(from.clone(), from.clone(), m.span),
                            ));
                        }
                    }
                }
                _ => {}
            }
            for (kind, word) in refs {
                let value = env.resolve(&word, escape);
                let target = resolve_ref(&graph.stages, &value.value);
                match target {
                    RefTarget::Stage(t) if t == si => graph.problems.push(StageProblem {
                        message: format!("circular dependency detected on stage {si}"),
                        span: word.span,
                    }),
                    RefTarget::Stage(t) => graph.stages[si].deps.push(t),
                    RefTarget::InvalidIndex(i) => graph.problems.push(StageProblem {
                        message: format!("invalid stage index {i}"),
                        span: word.span,
                    }),
                    RefTarget::Image(_) => {}
                }
                graph.from_refs.push(FromRef {
                    instruction: ii,
                    stage: si,
                    kind,
                    value,
                    target,
                });
            }
            apply(&mut env, instr, &globals, &opts.build_args, escape);
        }
        graph.final_vars.push(env.vars);
        let deps = &mut graph.stages[si].deps;
        deps.sort_unstable();
        deps.dedup();
    }

    graph.target = match &opts.target {
        None => n.saturating_sub(1),
        Some(t) => {
            let lower = t.to_ascii_lowercase();
            graph
                .stages
                .iter()
                .position(|s| s.name.as_deref() == Some(lower.as_str()))
                .ok_or_else(|| StageError::TargetNotFound(t.clone()))?
        }
    };
    Ok(graph)
}

fn resolve_ref(stages: &[Stage], value: &str) -> RefTarget {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let idx: i64 = value.parse().unwrap_or(i64::MAX);
        return match usize::try_from(idx) {
            Ok(i) if i < stages.len() => RefTarget::Stage(i),
            _ => RefTarget::InvalidIndex(idx),
        };
    }
    let lower = value.to_ascii_lowercase();
    match stages
        .iter()
        .position(|s| s.name.as_deref() == Some(lower.as_str()))
    {
        Some(i) => RefTarget::Stage(i),
        None => RefTarget::Image(value.to_string()),
    }
}
