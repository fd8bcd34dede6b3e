//! Syntax tree of a Dockerfile: every node carries a byte [`Span`] into the original source.

use std::fmt;
use std::time::Duration;

/// Byte ranges are core's one span type (also used by the runtime model and resolved to lines and
/// columns by [`shipshape_core::SourceFile`]); `Span` is its name in this crate's syntax tree.
pub use shipshape_core::ByteSpan as Span;

/// Maps byte offsets of a *derived* text (a logical line with its continuations removed, a string
/// with its quotes removed, a chomped heredoc…) back to byte offsets in the original source.
///
/// The derived text is a concatenation of pieces copied verbatim from the source; each piece is
/// one segment `(text_offset, source_offset)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    segs: Vec<(usize, usize)>,
}

impl SourceMap {
    /// A map for text copied verbatim from `source_start` onwards.
    pub fn identity(source_start: usize) -> Self {
        SourceMap {
            segs: vec![(0, source_start)],
        }
    }

    /// Declares that derived text starting at `text_offset` was copied from `source_offset`.
    /// Calls must come in increasing `text_offset` order; contiguous pieces are merged.
    pub fn push(&mut self, text_offset: usize, source_offset: usize) {
        if let Some(&(t, s)) = self.segs.last() {
            if text_offset < t {
                return;
            }
            if text_offset.wrapping_sub(t) == source_offset.wrapping_sub(s) && source_offset >= s {
                return; // contiguous with the previous piece
            }
            if text_offset == t {
                self.segs.pop();
            }
        }
        self.segs.push((text_offset, source_offset));
    }

    /// Source offset of the derived-text offset `offset`.
    pub fn to_source(&self, offset: usize) -> usize {
        let idx = self.segs.partition_point(|&(t, _)| t <= offset);
        match idx.checked_sub(1).and_then(|i| self.segs.get(i)) {
            Some(&(t, s)) => s + (offset - t),
            None => self.segs.first().map_or(offset, |&(_, s)| s),
        }
    }

    /// Source span of the derived-text range `start..end`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        if end <= start {
            return Span::empty(self.to_source(start));
        }
        Span::new(self.to_source(start), self.to_source(end - 1) + 1)
    }

    /// Derived-text offset of the source offset `source_offset`, when that byte was copied
    /// into the derived text.
    pub fn to_text(&self, source_offset: usize) -> Option<usize> {
        for (i, &(t, s)) in self.segs.iter().enumerate() {
            let len = self.segs.get(i + 1).map(|&(nt, _)| nt - t);
            if source_offset >= s && len.is_none_or(|l| source_offset < s + l) {
                return Some(t + (source_offset - s));
            }
        }
        None
    }

    /// A new map for a sub-text that starts at derived offset `base`.
    pub fn slice_from(&self, base: usize) -> SourceMap {
        let mut out = SourceMap {
            segs: vec![(0, self.to_source(base))],
        };
        for &(t, s) in &self.segs {
            if t > base {
                out.push(t - base, s);
            }
        }
        out
    }
}

/// A piece of text derived from the source (continuations removed, heredoc tabs chomped…),
/// together with the map back to source offsets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceText {
    /// The derived text.
    pub text: String,
    /// Source span covered by the text (from its first to its last byte, including the removed parts).
    pub span: Span,
    /// Offsets of `text` to source offsets.
    pub map: SourceMap,
}

impl SourceText {
    /// Source span of the derived-text range `start..end`.
    pub fn span_of(&self, start: usize, end: usize) -> Span {
        self.map.span(start, end)
    }
}

/// A word of the Dockerfile: its raw text, its value with quotes/escapes removed, and its span.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Word {
    /// Text as written, with Dockerfile line continuations removed (quotes and escapes kept).
    pub raw: String,
    /// Value after quote and escape removal, **without** variable expansion (`$VAR` is kept).
    /// For JSON (exec form) items: the decoded JSON string.
    pub value: String,
    /// Source span of the raw text.
    pub span: Span,
}

impl Word {
    /// Creates a word.
    pub fn new(raw: impl Into<String>, value: impl Into<String>, span: Span) -> Self {
        Word {
            raw: raw.into(),
            value: value.into(),
            span,
        }
    }

    /// True when the raw text contains a `$` or backtick outside single quotes, i.e. the value
    /// depends on variable expansion or command substitution.
    pub fn has_expansion(&self) -> bool {
        let mut in_single = false;
        let mut escaped = false;
        for c in self.raw.chars() {
            if escaped {
                escaped = false;
                continue;
            }
            match c {
                '\\' if !in_single => escaped = true,
                '\'' => in_single = !in_single,
                '$' | '`' if !in_single => return true,
                _ => {}
            }
        }
        false
    }
}

/// A parser directive (`# syntax=`, `# escape=`, `# check=`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// Lower-cased name (`syntax`, `escape` or `check`).
    pub name: String,
    /// Value as written (trimmed).
    pub value: String,
    /// Whole directive line (from `#`).
    pub span: Span,
    /// Span of the name as written.
    pub name_span: Span,
    /// Span of the value.
    pub value_span: Span,
}

/// A comment line (`# ...`), anywhere in the file, including inside continuation lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Text after `#`, trimmed.
    pub text: String,
    /// From `#` to the end of the line (line terminator excluded).
    pub span: Span,
}

/// A non-fatal observation made while parsing (BuildKit prints these as warnings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseWarning {
    /// Human-readable message.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// A parse error with the exact span of the offending text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Message (modelled on BuildKit's wording).
    pub message: String,
    /// Offending source range.
    pub span: Span,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at bytes {})", self.message, self.span)
    }
}

impl std::error::Error for ParseError {}

/// A parsed Dockerfile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// The source the spans refer to (a copy of the parser input).
    pub source: String,
    /// Escape character in force (`\` or `` ` ``).
    pub escape: char,
    /// Parser directives found at the top of the file.
    pub directives: Vec<Directive>,
    /// All comment lines, in source order (directives excluded).
    pub comments: Vec<Comment>,
    /// Top-level instructions, in source order.
    pub instructions: Vec<Instruction>,
    /// Non-fatal observations (empty continuation lines, content ignored after a JSON array…).
    pub warnings: Vec<ParseWarning>,
}

impl Dockerfile {
    /// The source text of `span`.
    pub fn text(&self, span: Span) -> &str {
        span.slice(&self.source)
    }

    /// The directive named `name` (case-insensitive), if present.
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// Comments located between the end of the previous instruction and the start of
    /// instruction `index`: the comments "attached" to it (BuildKit's `PrevComment`), where
    /// `# hadolint ignore=...` / `# shipshape:ignore ...` suppressions live. Comments inside an
    /// instruction's continuation lines are not included (see [`Dockerfile::comments`]).
    pub fn comments_before(&self, index: usize) -> impl Iterator<Item = &Comment> {
        let lo = match index.checked_sub(1).and_then(|i| self.instructions.get(i)) {
            Some(prev) => prev.span.end,
            None => 0,
        };
        let hi = self.instructions.get(index).map_or(0, |i| i.span.start);
        self.comments
            .iter()
            .filter(move |c| c.span.start >= lo && c.span.start < hi)
    }

    /// 1-based line and column (in chars) of a byte offset; a convenience for tests and tools.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut off = offset.min(self.source.len());
        while off > 0 && !self.source.is_char_boundary(off) {
            off -= 1;
        }
        let before = &self.source[..off];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let col = before
            .rfind('\n')
            .map_or(before, |i| &before[i + 1..])
            .chars()
            .count()
            + 1;
        (line, col)
    }
}

/// Instruction keywords known to BuildKit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Keyword {
    /// `ADD`
    Add,
    /// `ARG`
    Arg,
    /// `CMD`
    Cmd,
    /// `COPY`
    Copy,
    /// `ENTRYPOINT`
    Entrypoint,
    /// `ENV`
    Env,
    /// `EXPOSE`
    Expose,
    /// `FROM`
    From,
    /// `HEALTHCHECK`
    Healthcheck,
    /// `LABEL`
    Label,
    /// `MAINTAINER` (deprecated)
    Maintainer,
    /// `ONBUILD`
    Onbuild,
    /// `RUN`
    Run,
    /// `SHELL`
    Shell,
    /// `STOPSIGNAL`
    Stopsignal,
    /// `USER`
    User,
    /// `VOLUME`
    Volume,
    /// `WORKDIR`
    Workdir,
}

impl Keyword {
    /// All keywords.
    pub const ALL: [Keyword; 18] = [
        Keyword::Add,
        Keyword::Arg,
        Keyword::Cmd,
        Keyword::Copy,
        Keyword::Entrypoint,
        Keyword::Env,
        Keyword::Expose,
        Keyword::From,
        Keyword::Healthcheck,
        Keyword::Label,
        Keyword::Maintainer,
        Keyword::Onbuild,
        Keyword::Run,
        Keyword::Shell,
        Keyword::Stopsignal,
        Keyword::User,
        Keyword::Volume,
        Keyword::Workdir,
    ];

    /// Upper-case spelling (`"RUN"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
        }
    }

    /// Case-insensitive lookup.
    pub fn parse(s: &str) -> Option<Keyword> {
        Keyword::ALL
            .iter()
            .copied()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--name[=value]` flag of an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Name without the leading `--` (quotes removed).
    pub name: String,
    /// Span of the name (after `--`).
    pub name_span: Span,
    /// Value after `=`, if any (`--link` has none).
    pub value: Option<Word>,
    /// Whole flag, from `--`.
    pub span: Span,
}

/// A heredoc attached to RUN / COPY / ADD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// The redirection word as written on the instruction line (`<<-"EOF"`).
    pub marker: Word,
    /// Delimiter with quotes removed (`EOF`).
    pub name: String,
    /// File descriptor prefix (`3<<EOF`), if any.
    pub fd: Option<u32>,
    /// `<<-`: leading tabs are stripped from the body and the terminator.
    pub chomp: bool,
    /// False when the delimiter was quoted: no variable expansion in the body.
    pub expand: bool,
    /// Body, as it will be used (leading tabs removed when `chomp`), line terminators kept.
    pub content: SourceText,
    /// Span of the terminator line's content.
    pub terminator_span: Span,
}

/// The argument of RUN / CMD / ENTRYPOINT / HEALTHCHECK CMD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandForm {
    /// Shell form: the script text (continuations removed) and its map to the source.
    Shell(SourceText),
    /// Exec form: a JSON array of strings.
    Exec(ExecForm),
}

impl CommandForm {
    /// True for the exec (JSON) form.
    pub fn is_exec(&self) -> bool {
        matches!(self, CommandForm::Exec(_))
    }

    /// Source span of the whole argument.
    pub fn span(&self) -> Span {
        match self {
            CommandForm::Shell(s) => s.span,
            CommandForm::Exec(e) => e.span,
        }
    }
}

/// A JSON-array argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecForm {
    /// The array items (`raw` is the JSON string literal, `value` the decoded string).
    pub args: Vec<Word>,
    /// Span from `[` to `]`.
    pub span: Span,
}

/// A `RUN --mount=...` specification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// `type=` (defaults to `bind`).
    pub kind: String,
    /// `from=`.
    pub from: Option<String>,
    /// `source=` / `src=`.
    pub source: Option<String>,
    /// `target=` / `dst=` / `destination=`.
    pub target: Option<String>,
    /// Every `key[=value]` field, in order, keys lower-cased.
    pub fields: Vec<(String, Option<String>)>,
    /// Span of the flag value.
    pub span: Span,
}

impl Mount {
    /// Value of field `key` (case-insensitive).
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_deref())
    }
}

/// `FROM [--platform=p] image [AS name]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromInstr {
    /// Base image reference as written.
    pub image: Word,
    /// Stage name (`AS name`).
    pub alias: Option<Word>,
    /// `--platform` value.
    pub platform: Option<Word>,
}

/// `RUN`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunInstr {
    /// Shell or exec form.
    pub command: CommandForm,
    /// Parsed `--mount` flags.
    pub mounts: Vec<Mount>,
    /// `--network` value.
    pub network: Option<Word>,
    /// `--security` value.
    pub security: Option<Word>,
}

/// `CMD` / `ENTRYPOINT` (the command may be absent: `CMD` alone resets it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandInstr {
    /// Shell or exec form.
    pub command: Option<CommandForm>,
}

/// `SHELL ["executable", "parameters"]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellInstr {
    /// The JSON items.
    pub args: Vec<Word>,
}

/// A `key=value` pair (ENV, LABEL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    /// The key.
    pub key: Word,
    /// The value.
    pub value: Word,
    /// Span of the whole pair.
    pub span: Span,
}

/// ENV or LABEL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValueInstr {
    /// The pairs.
    pub pairs: Vec<KeyValue>,
    /// Legacy `KEY value` form (one pair, the value is the rest of the line).
    pub legacy: bool,
}

/// One `ARG name[=default]` declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgDecl {
    /// The name.
    pub name: Word,
    /// The default, if any.
    pub default: Option<Word>,
    /// Whole declaration.
    pub span: Span,
}

/// `ARG` (several declarations allowed per line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgInstr {
    /// The declarations.
    pub args: Vec<ArgDecl>,
}

/// A COPY / ADD source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopySource {
    /// The source as written.
    pub word: Word,
    /// Index into [`Instruction::heredocs`] when the source is a heredoc (`COPY <<EOF /dst`).
    pub heredoc: Option<usize>,
}

/// `COPY` and `ADD`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyInstr {
    /// Sources.
    pub sources: Vec<CopySource>,
    /// Destination.
    pub dest: Word,
    /// `--from` (COPY only).
    pub from: Option<Word>,
    /// `--chown`.
    pub chown: Option<Word>,
    /// `--chmod`.
    pub chmod: Option<Word>,
    /// `--link` given and true.
    pub link: bool,
    /// `--parents` given and true.
    pub parents: bool,
    /// `--exclude` values.
    pub excludes: Vec<Word>,
    /// `--checksum` (ADD only).
    pub checksum: Option<Word>,
    /// `--keep-git-dir` given and true (ADD only).
    pub keep_git_dir: bool,
    /// `--unpack` value (ADD only).
    pub unpack: Option<bool>,
    /// Arguments were given as a JSON array.
    pub json: bool,
}

/// `USER user[:group]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInstr {
    /// The whole argument.
    pub user: Word,
    /// The user part (before `:`).
    pub name: Word,
    /// The group part (after `:`).
    pub group: Option<Word>,
}

/// One `EXPOSE` item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExposePort {
    /// As written.
    pub word: Word,
    /// Port range (`80` is `(80, 80)`); `None` when not numeric (e.g. `$PORT`).
    pub range: Option<(u16, u16)>,
    /// Protocol (lower-cased) when given after `/`.
    pub protocol: Option<String>,
}

/// `EXPOSE`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExposeInstr {
    /// The ports.
    pub ports: Vec<ExposePort>,
}

/// `VOLUME`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeInstr {
    /// The paths.
    pub paths: Vec<Word>,
    /// JSON-array form.
    pub json: bool,
}

/// Options of `HEALTHCHECK CMD`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HealthOptions {
    /// `--interval`.
    pub interval: Option<Duration>,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--start-period`.
    pub start_period: Option<Duration>,
    /// `--start-interval`.
    pub start_interval: Option<Duration>,
    /// `--retries`.
    pub retries: Option<i64>,
}

/// `HEALTHCHECK`
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HealthcheckInstr {
    /// `HEALTHCHECK NONE`
    None,
    /// `HEALTHCHECK [options] CMD command`
    Cmd {
        /// The command.
        command: CommandForm,
        /// Parsed options.
        options: HealthOptions,
    },
}

/// Typed payload of an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstructionKind {
    /// `FROM`
    From(FromInstr),
    /// `RUN`
    Run(RunInstr),
    /// `CMD`
    Cmd(CommandInstr),
    /// `ENTRYPOINT`
    Entrypoint(CommandInstr),
    /// `SHELL`
    Shell(ShellInstr),
    /// `LABEL`
    Label(KeyValueInstr),
    /// `ENV`
    Env(KeyValueInstr),
    /// `ARG`
    Arg(ArgInstr),
    /// `COPY`
    Copy(CopyInstr),
    /// `ADD`
    Add(CopyInstr),
    /// `USER`
    User(UserInstr),
    /// `WORKDIR`
    Workdir {
        /// The path.
        path: Word,
    },
    /// `EXPOSE`
    Expose(ExposeInstr),
    /// `VOLUME`
    Volume(VolumeInstr),
    /// `STOPSIGNAL`
    Stopsignal {
        /// The signal.
        signal: Word,
    },
    /// `HEALTHCHECK`
    Healthcheck(HealthcheckInstr),
    /// `ONBUILD` wrapping a trigger instruction.
    Onbuild(Box<Instruction>),
    /// `MAINTAINER`
    Maintainer {
        /// The maintainer text.
        name: Word,
    },
}

/// One instruction (a logical line plus its heredoc bodies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// The keyword.
    pub keyword: Keyword,
    /// Span of the keyword as written.
    pub keyword_span: Span,
    /// Whole instruction: from the keyword to the end of its last line, including continuation
    /// lines, interior comments and heredoc bodies with their terminators.
    pub span: Span,
    /// Flags (`--name=value`) before the arguments.
    pub flags: Vec<Flag>,
    /// Span of the argument text after the flags (possibly empty).
    pub args_span: Span,
    /// Heredocs attached to the instruction (RUN / COPY / ADD only).
    pub heredocs: Vec<Heredoc>,
    /// The logical line (from the keyword; continuations and interior comments removed).
    pub logical: SourceText,
    /// Typed payload.
    pub kind: InstructionKind,
}

impl Instruction {
    /// Typed payload.
    pub fn kind(&self) -> &InstructionKind {
        &self.kind
    }

    /// The first flag named `name`.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// All flags named `name` (e.g. repeated `--mount`).
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name == name)
    }

    /// The instruction itself, or the trigger of an `ONBUILD`.
    pub fn effective(&self) -> &Instruction {
        match &self.kind {
            InstructionKind::Onbuild(inner) => inner,
            _ => self,
        }
    }

    /// The source text of the whole instruction.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        self.span.slice(src)
    }

    /// The command of RUN / CMD / ENTRYPOINT / HEALTHCHECK CMD.
    pub fn command(&self) -> Option<&CommandForm> {
        match &self.kind {
            InstructionKind::Run(r) => Some(&r.command),
            InstructionKind::Cmd(c) | InstructionKind::Entrypoint(c) => c.command.as_ref(),
            InstructionKind::Healthcheck(HealthcheckInstr::Cmd { command, .. }) => Some(command),
            _ => None,
        }
    }
}
