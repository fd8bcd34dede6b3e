//! Splitting of RUN shell scripts into simple commands, with spans in the Dockerfile source.
//!
//! Why a hand-written splitter rather than tree-sitter-bash: rules need only the *simple
//! commands* (name, arguments, assignments, redirections, pipeline position, connectors and the
//! enclosing construct), not a full syntax tree; a focused recursive scanner gives that with one
//! pass, a handful of small allocations per word and no C build (tree-sitter-bash adds ~20 s of
//! compilation and a second tree to walk). It must also map offsets through two layers (the
//! Dockerfile continuation removal and the quote removal of `sh -c '...'` strings), which is
//! simpler when we own the scanner. It is error tolerant by construction: unterminated quotes or
//! constructs run to the end of the text, stray keywords are ignored, recursion depth is capped,
//! and every loop advances, so no input panics or hangs.
//!
//! Handled: `&&`, `||`, `;`, `|`, `|&`, `&`, newlines, comments, `( )`, `{ }`, `$( )`,
//! backticks, `$(( ))`, `<( )`, `if/then/elif/else/fi`, `while/until/for/select ... do ... done`,
//! `case ... esac`, function definitions, `[[ ]]`, `(( ))`, quotes (`'`, `"`, `$'...'`), escapes,
//! line continuations, assignments before the command, redirections (with heredoc bodies
//! skipped), command wrappers (`sudo`, `env`, `exec`, `nohup`, `xargs`, `time`, `nice`,
//! `timeout`, `gosu`, `su-exec`, `command`, `stdbuf`) and `sh -c` / `bash -c` / `su -c` strings.
//!
//! Spans are source offsets. For commands found inside a `sh -c '...'` string
//! ([`CommandContext::in_shell_c`]) a word's `raw` is its text in the *unquoted* inner script and
//! its span covers the corresponding characters of the string argument. The splitter assumes a
//! POSIX shell: Dockerfiles whose `SHELL` is PowerShell or cmd (typically with `# escape=`` ` ``)
//! are split all the same, so rules should check the stage's `SHELL` first.

use crate::ast::{CommandForm, ExecForm, Instruction, SourceMap, SourceText, Span, Word};
use crate::json::decode_string;
use std::collections::HashMap;

/// How a command is joined to its neighbour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Connector {
    /// Start or end of a list (or a construct keyword such as `then` / `do`).
    #[default]
    None,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;`
    Semicolon,
    /// A newline.
    Newline,
    /// `|`
    Pipe,
    /// `|&`
    PipeAll,
    /// `&`
    Background,
    /// `;;`, `;&` or `;;&` (end of a case branch).
    CaseEnd,
}

impl Connector {
    /// The operator text (`""` for None, `"\n"` for Newline).
    pub fn as_str(self) -> &'static str {
        match self {
            Connector::None => "",
            Connector::And => "&&",
            Connector::Or => "||",
            Connector::Semicolon => ";",
            Connector::Newline => "\n",
            Connector::Pipe => "|",
            Connector::PipeAll => "|&",
            Connector::Background => "&",
            Connector::CaseEnd => ";;",
        }
    }

    fn is_pipe(self) -> bool {
        matches!(self, Connector::Pipe | Connector::PipeAll)
    }
}

/// Position of a command in its pipeline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Pipeline {
    /// Identifier shared by the elements of one pipeline (unique within one analysis).
    pub id: u32,
    /// 0-based position in the pipeline.
    pub index: u32,
    /// Number of elements (compound elements such as `{ ...; }` count); 1 when not piped.
    pub len: u32,
}

/// Where a command sits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CommandContext {
    /// Nesting depth (constructs and substitutions).
    pub depth: u32,
    /// Inside `( ... )`.
    pub in_subshell: bool,
    /// Inside `$( ... )`, backticks or `<( ... )`.
    pub in_substitution: bool,
    /// In the condition of `if` / `elif` / `while` / `until`.
    pub in_condition: bool,
    /// In the body of a loop.
    pub in_loop: bool,
    /// In a branch of `case`.
    pub in_case: bool,
    /// In a function body.
    pub in_function: bool,
    /// Inside the string of `sh -c` / `bash -c` / `su -c`.
    pub in_shell_c: bool,
    /// Inside a heredoc body run by a shell.
    pub in_heredoc: bool,
}

/// A `NAME=value` assignment before a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Variable name (with `[index]` if any).
    pub name: String,
    /// The value.
    pub value: Word,
    /// Whole assignment.
    pub span: Span,
}

/// A redirection (`>file`, `2>&1`, `<<EOF`…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// Explicit file descriptor.
    pub fd: Option<u32>,
    /// Operator (`>`, `>>`, `<`, `<<`, `<<-`, `<<<`, `>&`, `<&`, `&>`, `&>>`, `>|`, `<>`).
    pub op: &'static str,
    /// Target word (file, fd, heredoc delimiter).
    pub target: Option<Word>,
    /// Whole redirection.
    pub span: Span,
}

/// A command wrapper that runs the real command (`sudo -u x`, `env A=1`, `xargs -n1`…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wrapper {
    /// The wrapper's name.
    pub name: Word,
    /// Its own arguments (options, `env` assignments, `timeout`'s duration…).
    pub args: Vec<Word>,
}

/// A simple command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The command actually run (after the wrappers).
    pub name: Word,
    /// Its arguments (redirections excluded).
    pub args: Vec<Word>,
    /// Assignments before the command.
    pub assignments: Vec<Assignment>,
    /// Redirections.
    pub redirects: Vec<Redirect>,
    /// Wrappers, outermost first (`sudo env A=1 apt-get` → sudo, env).
    pub wrappers: Vec<Wrapper>,
    /// From the first word (assignment, wrapper or redirection) to the last.
    pub span: Span,
    /// Pipeline position.
    pub pipeline: Pipeline,
    /// Connector before the command.
    pub before: Connector,
    /// Connector after the command.
    pub after: Connector,
    /// Enclosing constructs.
    pub context: CommandContext,
}

impl SimpleCommand {
    /// The name without directories (`/usr/bin/apt-get` → `apt-get`).
    pub fn base_name(&self) -> &str {
        basename(&self.name.value)
    }

    /// Argument values.
    pub fn arg_values(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(|a| a.value.as_str())
    }

    /// True when an argument equals `value`.
    pub fn has_arg(&self, value: &str) -> bool {
        self.args.iter().any(|a| a.value == value)
    }

    /// True when the option is present: `--long`, `--long=x`, `-s` or a cluster like `-xs`.
    pub fn has_option(&self, short: Option<char>, long: Option<&str>) -> bool {
        self.args.iter().any(|a| {
            let v = a.value.as_str();
            if let Some(l) = long {
                if let Some(rest) = v.strip_prefix("--") {
                    if rest == l || rest.strip_prefix(l).is_some_and(|r| r.starts_with('=')) {
                        return true;
                    }
                }
            }
            if let Some(s) = short {
                if let Some(cluster) = v.strip_prefix('-') {
                    if !cluster.starts_with('-')
                        && cluster.chars().all(|c| c.is_ascii_alphanumeric())
                        && cluster.contains(s)
                    {
                        return true;
                    }
                }
            }
            false
        })
    }

    /// True when the command is one element of a multi-command pipeline.
    pub fn is_piped(&self) -> bool {
        self.pipeline.len > 1
    }

    /// True when `name` is among the wrappers.
    pub fn has_wrapper(&self, name: &str) -> bool {
        self.wrappers
            .iter()
            .any(|w| basename(&w.name.value) == name)
    }
}

/// Splits a standalone script; spans are offsets into `script`.
pub fn split(script: &str) -> Vec<SimpleCommand> {
    let map = SourceMap::identity(0);
    let mut sh = Shared::default();
    parse_script(script, &map, CommandContext::default(), &mut sh);
    sh.finish()
}

/// Splits a derived text (a RUN shell form, a heredoc body); spans are source offsets.
pub fn split_text(text: &SourceText) -> Vec<SimpleCommand> {
    let mut sh = Shared::default();
    parse_script(&text.text, &text.map, CommandContext::default(), &mut sh);
    sh.finish()
}

/// The simple commands of a RUN (or CMD / ENTRYPOINT / HEALTHCHECK CMD, or the trigger of an
/// ONBUILD): the shell form, `RUN <<EOF` scripts (unless their shebang names another
/// interpreter), heredocs fed to a shell (`RUN bash <<EOF`), and exec forms (with `sh -c`).
pub fn commands(instr: &Instruction) -> Vec<SimpleCommand> {
    let i = instr.effective();
    let mut sh = Shared::default();
    match i.command() {
        Some(CommandForm::Shell(st)) => {
            let trimmed = st.text.trim();
            let script_heredoc = i
                .heredocs
                .iter()
                .find(|h| h.marker.raw == trimmed && !trimmed.is_empty());
            if let Some(h) = script_heredoc {
                if shebang_is_shell(&h.content.text) {
                    let ctx = CommandContext {
                        in_heredoc: true,
                        ..CommandContext::default()
                    };
                    parse_script(&h.content.text, &h.content.map, ctx, &mut sh);
                }
            } else {
                parse_script(&st.text, &st.map, CommandContext::default(), &mut sh);
                let fed: Vec<String> = sh
                    .out
                    .iter()
                    .filter(|c| is_shell(c.base_name()) && shell_c_index(&c.args).is_none())
                    .flat_map(|c| c.redirects.iter())
                    .filter(|r| r.op.starts_with("<<") && r.op != "<<<")
                    .filter_map(|r| r.target.as_ref().map(|t| t.value.clone()))
                    .collect();
                for h in &i.heredocs {
                    if fed.contains(&h.name) {
                        let ctx = CommandContext {
                            in_heredoc: true,
                            ..CommandContext::default()
                        };
                        parse_script(&h.content.text, &h.content.map, ctx, &mut sh);
                    }
                }
            }
        }
        Some(CommandForm::Exec(e)) => exec_command(e, &i.logical, &mut sh),
        None => {}
    }
    sh.finish()
}

const SHELLS: [&str; 8] = ["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"];
const MAX_DEPTH: u32 = 24;

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn is_shell(name: &str) -> bool {
    SHELLS[..7].contains(&basename(name))
}

fn shebang_is_shell(content: &str) -> bool {
    let Some(rest) = content.strip_prefix("#!") else {
        return true;
    };
    let line = rest.lines().next().unwrap_or("");
    let mut parts = line.split_whitespace();
    let Some(interp) = parts.next() else {
        return true;
    };
    if basename(interp) == "env" {
        let prog = parts.find(|p| !p.starts_with('-') && !p.contains('='));
        return prog.is_some_and(is_shell);
    }
    is_shell(interp)
}

/// Index (in `args`) of the script of `sh -c script`, if the options contain `-c`.
fn shell_c_index(args: &[Word]) -> Option<usize> {
    let mut has_c = false;
    let mut i = 0;
    while i < args.len() {
        let v = args[i].value.as_str();
        if v == "--" {
            i += 1;
            break;
        }
        if matches!(v, "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file") {
            i += 2;
            continue;
        }
        if v.starts_with("--") {
            i += 1;
            continue;
        }
        if (v.starts_with('-') || v.starts_with('+')) && v.len() > 1 {
            if v.starts_with('-') && v[1..].contains('c') {
                has_c = true;
            }
            i += 1;
            continue;
        }
        break;
    }
    if has_c && i < args.len() {
        Some(i)
    } else {
        None
    }
}

/// The script argument of `sh -c`, `bash -c`, `busybox sh -c`, `su -c`.
fn script_arg(name: &str, args: &[Word]) -> Option<usize> {
    match basename(name) {
        "busybox" => {
            let first = args.first()?;
            if is_shell(&first.value) {
                shell_c_index(&args[1..]).map(|i| i + 1)
            } else {
                None
            }
        }
        "su" | "runuser" => args
            .iter()
            .position(|a| a.value == "-c" || a.value == "--command")
            .map(|i| i + 1)
            .filter(|&i| i < args.len()),
        n if is_shell(n) => shell_c_index(args),
        _ => None,
    }
}

#[derive(Default)]
struct Shared {
    out: Vec<SimpleCommand>,
    next_pipeline: u32,
    lens: HashMap<u32, u32>,
    budget: usize,
}

impl Shared {
    fn new_pipeline(&mut self) -> u32 {
        self.next_pipeline += 1;
        self.next_pipeline
    }

    fn element(&mut self, id: u32, index: u32) {
        let e = self.lens.entry(id).or_insert(0);
        *e = (*e).max(index + 1);
    }

    fn finish(mut self) -> Vec<SimpleCommand> {
        for c in &mut self.out {
            c.pipeline.len = self.lens.get(&c.pipeline.id).copied().unwrap_or(1);
        }
        self.out
    }
}

fn parse_script(text: &str, map: &SourceMap, ctx: CommandContext, sh: &mut Shared) {
    let mut p = Sp::new(text, map, 0, text.len(), ctx);
    p.parse(sh, Stop::Eof);
}

/// Builds the command of an exec form, descending into `sh -c`.
fn exec_command(e: &ExecForm, logical: &SourceText, sh: &mut Shared) {
    let Some((name, args)) = e.args.split_first() else {
        return;
    };
    let words: Vec<Word> = std::iter::once(name.clone())
        .chain(args.iter().cloned())
        .collect();
    let span = e
        .args
        .first()
        .map(|f| f.span)
        .unwrap_or(e.span)
        .cover(e.args.last().map(|l| l.span).unwrap_or(e.span));
    let id = sh.new_pipeline();
    sh.element(id, 0);
    let (wrappers, name, args) = unwrap(words);
    let cmd = SimpleCommand {
        name,
        args,
        assignments: Vec::new(),
        redirects: Vec::new(),
        wrappers,
        span,
        pipeline: Pipeline {
            id,
            index: 0,
            len: 1,
        },
        before: Connector::None,
        after: Connector::None,
        context: CommandContext::default(),
    };
    let script = script_arg(&cmd.name.value, &cmd.args).and_then(|i| cmd.args.get(i).cloned());
    sh.out.push(cmd);
    if let Some(w) = script {
        let Some(lstart) = logical.map.to_text(w.span.start) else {
            return;
        };
        let mut pairs = Vec::new();
        let Some((value, _)) = decode_string(&w.raw, 0, Some(&mut pairs)) else {
            return;
        };
        let mut map = SourceMap::default();
        for (v, r) in pairs {
            map.push(v, logical.map.to_source(lstart + r));
        }
        let ctx = CommandContext {
            in_shell_c: true,
            depth: 1,
            ..CommandContext::default()
        };
        parse_script(&value, &map, ctx, sh);
    }
}

/// Strips command wrappers; returns (wrappers, real name, real args).
fn unwrap(mut words: Vec<Word>) -> (Vec<Wrapper>, Word, Vec<Word>) {
    let mut wrappers = Vec::new();
    for _ in 0..8 {
        let Some(first) = words.first() else { break };
        let name = basename(&first.value).to_string();
        let rest = &words[1..];
        let takes_arg: &[&str];
        let mut positional = 0usize;
        match name.as_str() {
            "sudo" => {
                takes_arg = &[
                    "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "-R",
                ]
            }
            "env" => takes_arg = &["-u", "-C", "-S", "--unset", "--chdir", "--split-string"],
            "exec" => takes_arg = &["-a"],
            "nohup" | "builtin" => takes_arg = &[],
            "time" => takes_arg = &["-f", "-o", "--format", "--output"],
            "xargs" => {
                takes_arg = &[
                    "-a",
                    "-d",
                    "-E",
                    "-I",
                    "-L",
                    "-n",
                    "-P",
                    "-s",
                    "--arg-file",
                    "--delimiter",
                    "--max-args",
                    "--max-procs",
                    "--max-lines",
                    "--max-chars",
                ]
            }
            "nice" => takes_arg = &["-n", "--adjustment"],
            "timeout" => {
                takes_arg = &["-s", "-k", "--signal", "--kill-after"];
                positional = 1;
            }
            "stdbuf" => takes_arg = &["-i", "-o", "-e"],
            "gosu" | "su-exec" => {
                takes_arg = &[];
                positional = 1;
            }
            "command" => {
                if rest.iter().any(|w| w.value == "-v" || w.value == "-V") {
                    break;
                }
                takes_arg = &[];
            }
            _ => break,
        }
        let mut i = 0usize;
        while i < rest.len() {
            let v = rest[i].value.as_str();
            if v == "--" {
                i += 1;
                break;
            }
            if name == "env" && v.contains('=') && !v.starts_with('-') {
                i += 1;
                continue;
            }
            if v.starts_with('-') && v.len() > 1 {
                i += if takes_arg.contains(&v) { 2 } else { 1 };
                continue;
            }
            break;
        }
        let i = (i + positional).min(rest.len());
        if i >= rest.len() {
            break; // no command after the wrapper: the wrapper is the command
        }
        let mut tail = words.split_off(1);
        let real = tail.split_off(i);
        let wname = words.pop().unwrap_or_default();
        wrappers.push(Wrapper {
            name: wname,
            args: tail,
        });
        words = real;
    }
    let mut it = words.into_iter();
    let name = it.next().unwrap_or_default();
    (wrappers, name, it.collect())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    Eof,
    Paren,
    Backtick,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CaseState {
    Header,
    Pattern,
    Body,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    If { cond: bool },
    Loop { cond: bool },
    For { header: bool },
    Case(CaseState),
    Brace { function: bool },
    Subshell,
}

struct Frame {
    kind: FrameKind,
    saved_pipe: Option<(u32, u32)>,
}

#[derive(Default)]
struct Builder {
    words: Vec<Word>,
    assignments: Vec<Assignment>,
    redirects: Vec<Redirect>,
    start: Option<usize>,
    end: usize,
}

impl Builder {
    fn is_empty(&self) -> bool {
        self.words.is_empty() && self.assignments.is_empty() && self.redirects.is_empty()
    }

    fn touch(&mut self, s: usize, e: usize) {
        if self.start.is_none() {
            self.start = Some(s);
        }
        self.end = e;
    }
}

struct Tok {
    start: usize,
    end: usize,
    value: String,
    quoted: bool,
}

fn is_meta(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

/// Returns `NAME=` / `NAME+=` / `NAME[i]=` prefix length when `s` starts with an assignment.
fn assignment_prefix(s: &str) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return None;
    }
    let mut i = 1;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    if b.get(i) == Some(&b'[') {
        let close = s[i..].find(']')? + i;
        i = close + 1;
    }
    let name_end = i;
    if b.get(i) == Some(&b'+') {
        i += 1;
    }
    if b.get(i) == Some(&b'=') {
        Some((name_end, i + 1))
    } else {
        None
    }
}

/// True for `` `# comment` ``, `$(# comment)`, `` `` `` and `$( )`: an unquoted substitution that
/// expands to nothing.
fn is_empty_substitution(raw: &str) -> bool {
    let inner = if let Some(r) = raw.strip_prefix('`').and_then(|r| r.strip_suffix('`')) {
        r
    } else if let Some(r) = raw.strip_prefix("$(").and_then(|r| r.strip_suffix(')')) {
        r
    } else {
        return false;
    };
    let inner = inner.trim();
    (inner.is_empty() || inner.starts_with('#')) && !inner.contains(['\n', '`', '$', ')'])
}

/// Skips a balanced construct starting at `from` (which holds `open`); returns the offset after
/// the matching `close` (or `end`). Quotes and escapes are honoured; iterative.
fn skip_balanced(b: &[u8], from: usize, end: usize, open: u8, close: u8) -> usize {
    let mut depth = 0usize;
    let mut i = from;
    while i < end {
        match b[i] {
            b'\\' => i += 1,
            b'\'' if open != b'\'' => {
                i += 1;
                while i < end && b[i] != b'\'' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < end && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (i + 1).min(end);
                }
            }
            _ => {}
        }
        i += 1;
    }
    end
}

/// Finds the closing backtick of a backtick substitution starting at `from` (the opening one).
fn backtick_end(b: &[u8], from: usize, end: usize) -> usize {
    let mut i = from + 1;
    while i < end {
        match b[i] {
            b'\\' => i += 2,
            b'`' => return i,
            _ => i += 1,
        }
    }
    end
}

/// Removes shell quoting from `raw` (no expansion), reporting each output char's raw offset.
fn unquote_mapped(raw: &str, mut sink: impl FnMut(char, usize)) {
    let b = raw.as_bytes();
    let end = b.len();
    let mut i = 0usize;
    let mut in_dq = false;
    let ch_at = |i: usize| raw.get(i..).and_then(|r| r.chars().next());
    while i < end {
        let Some(c) = ch_at(i) else { break };
        match c {
            '\\' => {
                let Some(n) = ch_at(i + 1) else {
                    sink('\\', i);
                    i += 1;
                    continue;
                };
                if n == '\n' {
                    i += 2;
                } else if !in_dq || matches!(n, '$' | '`' | '"' | '\\') {
                    sink(n, i + 1);
                    i += 1 + n.len_utf8();
                } else {
                    sink('\\', i);
                    i += 1;
                }
            }
            '\'' if !in_dq => {
                i += 1;
                while let Some(c2) = ch_at(i) {
                    if c2 == '\'' {
                        break;
                    }
                    sink(c2, i);
                    i += c2.len_utf8();
                }
                i += 1;
            }
            '"' => {
                in_dq = !in_dq;
                i += 1;
            }
            '$' if matches!(ch_at(i + 1), Some('(' | '{')) => {
                let (open, close) = if ch_at(i + 1) == Some('(') {
                    (b'(', b')')
                } else {
                    (b'{', b'}')
                };
                let stop = skip_balanced(b, i + 1, end, open, close);
                let mut k = i;
                while k < stop {
                    let Some(c2) = ch_at(k) else { break };
                    sink(c2, k);
                    k += c2.len_utf8();
                }
                i = stop.max(i + 1);
            }
            '`' => {
                let stop = (backtick_end(b, i, end) + 1).min(end);
                let mut k = i;
                while k < stop {
                    let Some(c2) = ch_at(k) else { break };
                    sink(c2, k);
                    k += c2.len_utf8();
                }
                i = stop.max(i + 1);
            }
            _ => {
                sink(c, i);
                i += c.len_utf8();
            }
        }
    }
}

struct Sp<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    end: usize,
    map: &'a SourceMap,
    ctx: CommandContext,
    frames: Vec<Frame>,
    cur: Builder,
    last_conn: Connector,
    pipe: Option<(u32, u32)>,
    compound_closed: bool,
    heredocs: Vec<(String, bool)>,
    pending_function: bool,
}

impl<'a> Sp<'a> {
    fn new(text: &'a str, map: &'a SourceMap, pos: usize, end: usize, ctx: CommandContext) -> Self {
        Sp {
            text,
            b: text.as_bytes(),
            pos,
            end: end.min(text.len()),
            map,
            ctx,
            frames: Vec::new(),
            cur: Builder::default(),
            last_conn: Connector::None,
            pipe: None,
            compound_closed: false,
            heredocs: Vec::new(),
            pending_function: false,
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        if i < self.end {
            self.b.get(i).copied()
        } else {
            None
        }
    }

    fn starts(&self, s: &str) -> bool {
        self.b
            .get(self.pos..self.end)
            .is_some_and(|r| r.starts_with(s.as_bytes()))
    }

    fn word(&self, t: &Tok) -> Word {
        Word {
            raw: self.text.get(t.start..t.end).unwrap_or("").to_string(),
            value: t.value.clone(),
            span: self.map.span(t.start, t.end),
        }
    }

    fn skip_blanks(&mut self) {
        while let Some(c) = self.at(self.pos) {
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\\' if self.at(self.pos + 1) == Some(b'\n') => self.pos += 2,
                _ => break,
            }
        }
    }

    fn child_ctx(&self) -> CommandContext {
        let mut c = self.current_ctx();
        c.depth += 1;
        c.in_substitution = true;
        c.in_condition = false;
        c
    }

    fn current_ctx(&self) -> CommandContext {
        let mut c = self.ctx;
        c.depth += self.frames.len() as u32;
        for f in &self.frames {
            match f.kind {
                FrameKind::Loop { cond: false } | FrameKind::For { .. } => c.in_loop = true,
                FrameKind::Case(_) => c.in_case = true,
                FrameKind::Brace { function: true } => c.in_function = true,
                FrameKind::Subshell => c.in_subshell = true,
                _ => {}
            }
        }
        for f in self.frames.iter().rev() {
            match f.kind {
                FrameKind::If { cond } | FrameKind::Loop { cond } => {
                    c.in_condition = cond;
                    break;
                }
                _ => {}
            }
        }
        c
    }

    fn push_frame(&mut self, kind: FrameKind) {
        if self.frames.len() > 256 {
            return;
        }
        self.frames.push(Frame {
            kind,
            saved_pipe: self.pipe.take(),
        });
        self.last_conn = Connector::None;
        self.compound_closed = false;
    }

    fn pop_frame(&mut self, pred: impl Fn(&FrameKind) -> bool) {
        if let Some(idx) = self.frames.iter().rposition(|f| pred(&f.kind)) {
            let f = self.frames.swap_remove(idx);
            self.frames.truncate(idx);
            self.pipe = f.saved_pipe;
            self.compound_closed = true;
        }
    }

    fn top(&self) -> Option<FrameKind> {
        self.frames.last().map(|f| f.kind)
    }

    fn set_top(&mut self, kind: FrameKind) {
        if let Some(f) = self.frames.last_mut() {
            f.kind = kind;
        }
    }

    /// Main loop; returns the offset after the terminator.
    fn parse(&mut self, sh: &mut Shared, stop: Stop) -> usize {
        loop {
            sh.budget += 1;
            let before = self.pos;
            self.skip_blanks();
            let Some(c) = self.at(self.pos) else {
                self.finish(sh, Connector::None);
                return self.end;
            };
            if let Some(FrameKind::Case(st)) = self.top() {
                if st != CaseState::Body && self.case_token(sh, st) {
                    continue;
                }
            }
            if let Some(FrameKind::For { header: true }) = self.top() {
                self.for_header_token(sh);
                continue;
            }
            match c {
                b'\n' => {
                    self.pos += 1;
                    if self.cur.is_empty()
                        && !self.compound_closed
                        && matches!(
                            self.last_conn,
                            Connector::And | Connector::Or | Connector::Pipe | Connector::PipeAll
                        )
                    {
                        // line break after an operator continues the list
                    } else {
                        self.finish(sh, Connector::Newline);
                    }
                    self.read_heredoc_bodies();
                }
                b'#' => {
                    while self.at(self.pos).is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                b';' => {
                    if self.starts(";;&") {
                        self.pos += 3;
                        self.case_end(sh);
                    } else if self.starts(";;") || self.starts(";&") {
                        self.pos += 2;
                        self.case_end(sh);
                    } else {
                        self.pos += 1;
                        self.finish(sh, Connector::Semicolon);
                    }
                }
                b'&' => {
                    if self.starts("&&") {
                        self.pos += 2;
                        self.finish(sh, Connector::And);
                    } else if self.starts("&>") {
                        self.redirect(sh);
                    } else {
                        self.pos += 1;
                        self.finish(sh, Connector::Background);
                    }
                }
                b'|' => {
                    if self.starts("||") {
                        self.pos += 2;
                        self.finish(sh, Connector::Or);
                    } else if self.starts("|&") {
                        self.pos += 2;
                        self.finish(sh, Connector::PipeAll);
                    } else {
                        self.pos += 1;
                        self.finish(sh, Connector::Pipe);
                    }
                }
                b'(' => self.open_paren(sh),
                b')' => {
                    if self.top() == Some(FrameKind::Subshell) {
                        self.pos += 1;
                        self.finish(sh, Connector::None);
                        self.pop_frame(|k| *k == FrameKind::Subshell);
                    } else if stop == Stop::Paren {
                        self.finish(sh, Connector::None);
                        return (self.pos + 1).min(self.end);
                    } else {
                        self.pos += 1;
                    }
                }
                b'`' if stop == Stop::Backtick => {
                    self.finish(sh, Connector::None);
                    return (self.pos + 1).min(self.end);
                }
                b'<' | b'>' if self.at(self.pos + 1) != Some(b'(') => self.redirect(sh),
                b'0'..=b'9' if self.is_fd_redirect() => self.redirect(sh),
                _ => self.word_token(sh, stop),
            }
            if self.pos == before {
                self.pos += 1; // guarantee progress
            }
        }
    }

    fn is_fd_redirect(&self) -> bool {
        let mut i = self.pos;
        while self.at(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        matches!(self.at(i), Some(b'<' | b'>'))
    }

    fn open_paren(&mut self, sh: &mut Shared) {
        if !self.cur.is_empty() {
            // `name ( )` function definition.
            let mut k = self.pos + 1;
            while matches!(self.at(k), Some(b' ' | b'\t')) {
                k += 1;
            }
            if self.cur.words.len() == 1 && self.at(k) == Some(b')') {
                self.pos = k + 1;
                self.cur = Builder::default();
                self.pending_function = true;
            } else {
                self.pos += 1;
            }
            return;
        }
        if self.at(self.pos + 1) == Some(b'(') {
            // (( arithmetic ))
            self.pos = skip_balanced(self.b, self.pos, self.end, b'(', b')');
            self.compound_closed = true;
            return;
        }
        let _ = sh;
        self.pos += 1;
        self.push_frame(FrameKind::Subshell);
    }

    fn case_end(&mut self, sh: &mut Shared) {
        self.finish(sh, Connector::CaseEnd);
        if let Some(FrameKind::Case(_)) = self.top() {
            self.set_top(FrameKind::Case(CaseState::Pattern));
        }
    }

    /// Handles a token while a `case` is in its header or pattern part. Returns false when the
    /// token must be processed normally.
    fn case_token(&mut self, sh: &mut Shared, st: CaseState) -> bool {
        let Some(c) = self.at(self.pos) else {
            return false;
        };
        match c {
            b'\n' | b';' => {
                self.pos += 1;
                true
            }
            b'|' | b'(' => {
                self.pos += 1;
                true
            }
            b')' if st == CaseState::Pattern => {
                self.pos += 1;
                self.set_top(FrameKind::Case(CaseState::Body));
                self.last_conn = Connector::None;
                true
            }
            b'#' => false,
            _ if is_meta(c) => {
                self.pos += 1;
                true
            }
            _ => {
                let t = self.lex_word(sh, Stop::Eof);
                if !t.quoted && t.value == "esac" {
                    self.pop_frame(|k| matches!(k, FrameKind::Case(_)));
                } else if st == CaseState::Header && !t.quoted && t.value == "in" {
                    self.set_top(FrameKind::Case(CaseState::Pattern));
                }
                true
            }
        }
    }

    fn for_header_token(&mut self, sh: &mut Shared) {
        let Some(c) = self.at(self.pos) else { return };
        if self.starts("((") {
            self.pos = skip_balanced(self.b, self.pos, self.end, b'(', b')');
            return;
        }
        if is_meta(c) || c == b'#' {
            if c == b'#' {
                while self.at(self.pos).is_some_and(|c| c != b'\n') {
                    self.pos += 1;
                }
            } else {
                self.pos += 1;
            }
            return;
        }
        let t = self.lex_word(sh, Stop::Eof);
        if !t.quoted && t.value == "do" {
            self.set_top(FrameKind::For { header: false });
            self.last_conn = Connector::None;
        } else if !t.quoted && t.value == "{" {
            self.set_top(FrameKind::For { header: false });
            self.push_frame(FrameKind::Brace { function: false });
        }
    }

    fn read_heredoc_bodies(&mut self) {
        let pending = std::mem::take(&mut self.heredocs);
        for (delim, strip) in pending {
            while self.pos < self.end {
                let eol = self.b[self.pos..self.end]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(self.end, |i| self.pos + i);
                let line = self.text.get(self.pos..eol).unwrap_or("");
                let line = line.trim_end_matches('\r');
                let line = if strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                self.pos = (eol + 1).min(self.end);
                if line == delim {
                    break;
                }
            }
        }
    }

    fn redirect(&mut self, sh: &mut Shared) {
        let start = self.pos;
        let mut fd = None;
        if self.at(self.pos).is_some_and(|c| c.is_ascii_digit()) {
            let s = self.pos;
            while self.at(self.pos).is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            fd = self.text.get(s..self.pos).and_then(|d| d.parse().ok());
        }
        const OPS: [&str; 12] = [
            "&>>", "<<<", "<<-", "&>", "<<", "<>", "<&", ">>", ">&", ">|", "<", ">",
        ];
        let op = OPS.iter().copied().find(|o| self.starts(o)).unwrap_or(">");
        self.pos += op.len();
        while matches!(self.at(self.pos), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        let target = match self.at(self.pos) {
            Some(c)
                if !is_meta(c)
                    || (matches!(c, b'<' | b'>') && self.at(self.pos + 1) == Some(b'(')) =>
            {
                let t = self.lex_word(sh, Stop::Eof);
                if t.end > t.start {
                    Some(t)
                } else {
                    None
                }
            }
            _ => None,
        };
        if op == "<<" || op == "<<-" {
            if let Some(t) = &target {
                self.heredocs.push((t.value.clone(), op == "<<-"));
            }
        }
        let end = target.as_ref().map_or(self.pos, |t| t.end);
        let r = Redirect {
            fd,
            op,
            target: target.as_ref().map(|t| self.word(t)),
            span: self.map.span(start, end),
        };
        self.cur.redirects.push(r);
        self.cur.touch(start, end);
    }

    fn word_token(&mut self, sh: &mut Shared, stop: Stop) {
        let t = self.lex_word(sh, stop);
        if t.end == t.start {
            return;
        }
        if self.cur.is_empty() && !t.quoted && self.keyword(sh, &t.value) {
            return;
        }
        if self.cur.words.is_empty() {
            let raw = self.text.get(t.start..t.end).unwrap_or("");
            if let Some((name_end, eq_end)) = assignment_prefix(raw) {
                let mut value = String::new();
                unquote_mapped(&raw[eq_end..], |c, _| value.push(c));
                let value_tok = Tok {
                    start: t.start + eq_end,
                    end: t.end,
                    value,
                    quoted: t.quoted,
                };
                let a = Assignment {
                    name: raw[..name_end].to_string(),
                    value: self.word(&value_tok),
                    span: self.map.span(t.start, t.end),
                };
                self.cur.assignments.push(a);
                self.cur.touch(t.start, t.end);
                return;
            }
        }
        let raw = self.text.get(t.start..t.end).unwrap_or("");
        if self.cur.words.is_empty() && is_empty_substitution(raw) {
            // `` `# comment` `` before a command expands to nothing (a common trick to comment
            // continued lines): the next word is the real command name.
            return;
        }
        let w = self.word(&t);
        self.cur.words.push(w);
        self.cur.touch(t.start, t.end);
        if self.cur.words.len() == 1 && t.value == "[[" && !t.quoted {
            self.double_bracket(sh);
        }
    }

    /// Consumes `[[ ... ]]` contents as arguments of `[[`.
    fn double_bracket(&mut self, sh: &mut Shared) {
        loop {
            self.skip_blanks();
            let Some(c) = self.at(self.pos) else { return };
            if c == b'\n' {
                return;
            }
            let t = if is_meta(c) {
                let s = self.pos;
                let two = self.starts("&&") || self.starts("||");
                self.pos += if two { 2 } else { 1 };
                Tok {
                    start: s,
                    end: self.pos,
                    value: self.text.get(s..self.pos).unwrap_or("").to_string(),
                    quoted: false,
                }
            } else {
                self.lex_word(sh, Stop::Eof)
            };
            if t.end == t.start {
                self.pos += 1;
                continue;
            }
            let done = t.value == "]]" && !t.quoted;
            let w = self.word(&t);
            self.cur.words.push(w);
            self.cur.touch(t.start, t.end);
            if done {
                return;
            }
        }
    }

    /// Handles a reserved word at command position; returns true when it was one.
    fn keyword(&mut self, sh: &mut Shared, w: &str) -> bool {
        match w {
            "if" => self.push_frame(FrameKind::If { cond: true }),
            "then" => {
                if let Some(FrameKind::If { .. }) = self.top() {
                    self.set_top(FrameKind::If { cond: false });
                }
                self.last_conn = Connector::None;
            }
            "elif" => {
                if let Some(FrameKind::If { .. }) = self.top() {
                    self.set_top(FrameKind::If { cond: true });
                }
                self.last_conn = Connector::None;
            }
            "else" => {
                if let Some(FrameKind::If { .. }) = self.top() {
                    self.set_top(FrameKind::If { cond: false });
                }
                self.last_conn = Connector::None;
            }
            "fi" => self.pop_frame(|k| matches!(k, FrameKind::If { .. })),
            "while" | "until" => self.push_frame(FrameKind::Loop { cond: true }),
            "for" | "select" => self.push_frame(FrameKind::For { header: true }),
            "do" => {
                match self.top() {
                    Some(FrameKind::Loop { .. }) => self.set_top(FrameKind::Loop { cond: false }),
                    Some(FrameKind::For { .. }) => self.set_top(FrameKind::For { header: false }),
                    _ => {}
                }
                self.last_conn = Connector::None;
            }
            "done" => {
                self.pop_frame(|k| matches!(k, FrameKind::Loop { .. } | FrameKind::For { .. }))
            }
            "case" => self.push_frame(FrameKind::Case(CaseState::Header)),
            "esac" => self.pop_frame(|k| matches!(k, FrameKind::Case(_))),
            "{" => {
                let function = std::mem::take(&mut self.pending_function);
                self.push_frame(FrameKind::Brace { function });
            }
            "}" => {
                if !self
                    .frames
                    .iter()
                    .any(|f| matches!(f.kind, FrameKind::Brace { .. }))
                {
                    return false;
                }
                self.pop_frame(|k| matches!(k, FrameKind::Brace { .. }));
            }
            "!" => {}
            "function" => {
                self.skip_blanks();
                if self.at(self.pos).is_some_and(|c| !is_meta(c)) {
                    let _ = self.lex_word(sh, Stop::Eof);
                }
                self.skip_blanks();
                if self.starts("()") {
                    self.pos += 2;
                } else if self.at(self.pos) == Some(b'(') {
                    let mut k = self.pos + 1;
                    while matches!(self.at(k), Some(b' ' | b'\t')) {
                        k += 1;
                    }
                    if self.at(k) == Some(b')') {
                        self.pos = k + 1;
                    }
                }
                self.pending_function = true;
            }
            _ => return false,
        }
        true
    }

    /// Ends the current simple command with connector `conn`.
    fn finish(&mut self, sh: &mut Shared, conn: Connector) {
        let cur = std::mem::take(&mut self.cur);
        if cur.words.is_empty() {
            if self.compound_closed {
                if conn.is_pipe() {
                    let id = match self.pipe {
                        Some((id, _)) => id,
                        None => sh.new_pipeline(),
                    };
                    let idx = self.pipe.map_or(0, |(_, i)| i);
                    sh.element(id, idx);
                    self.pipe = Some((id, idx + 1));
                } else if let Some((id, idx)) = self.pipe.take() {
                    sh.element(id, idx);
                }
            }
            let keep = cur.is_empty() && conn == Connector::Newline && !self.compound_closed;
            if !keep {
                self.last_conn = conn;
            }
            self.compound_closed = false;
            return;
        }
        self.compound_closed = false;
        let (id, index) = if conn.is_pipe() {
            let (id, idx) = match self.pipe {
                Some(p) => p,
                None => (sh.new_pipeline(), 0),
            };
            self.pipe = Some((id, idx + 1));
            (id, idx)
        } else if let Some(p) = self.pipe.take() {
            p
        } else {
            (sh.new_pipeline(), 0)
        };
        sh.element(id, index);
        let (wrappers, name, args) = unwrap(cur.words);
        let start = cur.start.unwrap_or(0);
        let cmd = SimpleCommand {
            name,
            args,
            assignments: cur.assignments,
            redirects: cur.redirects,
            wrappers,
            span: self.map.span(start, cur.end),
            pipeline: Pipeline { id, index, len: 1 },
            before: self.last_conn,
            after: conn,
            context: self.current_ctx(),
        };
        self.last_conn = conn;
        let script = script_arg(&cmd.name.value, &cmd.args).and_then(|i| cmd.args.get(i).cloned());
        let ctx = cmd.context;
        sh.out.push(cmd);
        if let Some(w) = script {
            self.descend_shell_c(sh, &w, ctx);
        }
    }

    /// Parses the string argument of `sh -c`.
    fn descend_shell_c(&mut self, sh: &mut Shared, w: &Word, ctx: CommandContext) {
        if ctx.depth >= MAX_DEPTH || sh.budget > 1_000_000 {
            return;
        }
        // Find the word's offset in our text: it is the raw slice at the mapped position.
        let Some(tstart) = self.map.to_text(w.span.start) else {
            return;
        };
        let mut value = String::new();
        let mut map = SourceMap::default();
        let outer = self.map;
        unquote_mapped(&w.raw, |c, off| {
            map.push(value.len(), outer.to_source(tstart + off));
            value.push(c);
        });
        let ctx = CommandContext {
            depth: ctx.depth + 1,
            in_shell_c: true,
            ..ctx
        };
        parse_script(&value, &map, ctx, sh);
    }

    /// Lexes one word at `pos`, parsing nested substitutions.
    fn lex_word(&mut self, sh: &mut Shared, stop: Stop) -> Tok {
        let start = self.pos;
        let mut value = String::new();
        let mut quoted = false;
        while let Some(c) = self.at(self.pos) {
            match c {
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b')' => break,
                b'(' => {
                    let assign = assignment_prefix(&value).is_some_and(|(_, e)| e == value.len());
                    let extglob = !value.is_empty() && value.ends_with(['@', '!', '+', '*', '?']);
                    if assign || extglob {
                        let e = skip_balanced(self.b, self.pos, self.end, b'(', b')');
                        value.push_str(self.text.get(self.pos..e).unwrap_or(""));
                        self.pos = e;
                        continue;
                    }
                    break;
                }
                b'<' | b'>' => {
                    if self.at(self.pos + 1) == Some(b'(') {
                        let s = self.pos;
                        self.substitution(sh, self.pos + 2);
                        value.push_str(self.text.get(s..self.pos).unwrap_or(""));
                        continue;
                    }
                    break;
                }
                b'`' => {
                    if stop == Stop::Backtick {
                        break;
                    }
                    let s = self.pos;
                    self.backtick(sh);
                    value.push_str(self.text.get(s..self.pos).unwrap_or(""));
                }
                b'\\' => {
                    quoted = true;
                    let next = if self.pos + 1 < self.end {
                        self.text.get(self.pos + 1..).and_then(|r| r.chars().next())
                    } else {
                        None
                    };
                    match next {
                        None => {
                            value.push('\\');
                            self.pos += 1;
                        }
                        Some('\n') => self.pos += 2,
                        Some(n) => {
                            value.push(n);
                            self.pos = (self.pos + 1 + n.len_utf8()).min(self.end);
                        }
                    }
                }
                b'\'' => {
                    quoted = true;
                    let s = self.pos + 1;
                    let e = self.b[s.min(self.end)..self.end]
                        .iter()
                        .position(|&c| c == b'\'')
                        .map_or(self.end, |i| s + i);
                    value.push_str(self.text.get(s..e).unwrap_or(""));
                    self.pos = (e + 1).min(self.end);
                }
                b'"' => {
                    quoted = true;
                    self.double_quote(sh, &mut value);
                }
                b'$' => self.dollar(sh, &mut value, &mut quoted),
                _ => {
                    let s = self.pos;
                    while let Some(c) = self.at(self.pos) {
                        if is_meta(c) || matches!(c, b'`' | b'\\' | b'\'' | b'"' | b'$') {
                            break;
                        }
                        self.pos += 1;
                    }
                    value.push_str(self.text.get(s..self.pos).unwrap_or(""));
                }
            }
        }
        Tok {
            start,
            end: self.pos,
            value,
            quoted,
        }
    }

    fn double_quote(&mut self, sh: &mut Shared, value: &mut String) {
        self.pos += 1;
        while let Some(c) = self.at(self.pos) {
            match c {
                b'"' => {
                    self.pos += 1;
                    return;
                }
                b'\\' => match self.at(self.pos + 1) {
                    Some(b'\n') => self.pos += 2,
                    Some(n @ (b'$' | b'`' | b'"' | b'\\')) => {
                        value.push(n as char);
                        self.pos += 2;
                    }
                    _ => {
                        value.push('\\');
                        self.pos += 1;
                    }
                },
                b'$' => {
                    if matches!(self.at(self.pos + 1), Some(b'\'' | b'"') | None) {
                        // `$'` and `$"` are not special inside double quotes.
                        value.push('$');
                        self.pos += 1;
                    } else {
                        let mut q = true;
                        self.dollar(sh, value, &mut q);
                    }
                }
                b'`' => {
                    let s = self.pos;
                    self.backtick(sh);
                    value.push_str(self.text.get(s..self.pos).unwrap_or(""));
                }
                _ => {
                    let s = self.pos;
                    while let Some(c) = self.at(self.pos) {
                        if matches!(c, b'"' | b'\\' | b'$' | b'`') {
                            break;
                        }
                        self.pos += 1;
                    }
                    value.push_str(self.text.get(s..self.pos).unwrap_or(""));
                }
            }
        }
    }

    fn dollar(&mut self, sh: &mut Shared, value: &mut String, quoted: &mut bool) {
        let s = self.pos;
        match self.at(self.pos + 1) {
            Some(b'\'') => {
                *quoted = true;
                self.pos += 2;
                while let Some(c) = self.at(self.pos) {
                    match c {
                        b'\'' => {
                            self.pos += 1;
                            return;
                        }
                        b'\\' => {
                            let n = self.at(self.pos + 1).unwrap_or(b'\\');
                            let decoded = match n {
                                b'n' => '\n',
                                b't' => '\t',
                                b'r' => '\r',
                                b'a' => '\u{7}',
                                b'b' => '\u{8}',
                                b'e' | b'E' => '\u{1b}',
                                b'f' => '\u{c}',
                                b'v' => '\u{b}',
                                b'\\' | b'\'' | b'"' | b'?' => n as char,
                                _ => {
                                    value.push('\\');
                                    n as char
                                }
                            };
                            value.push(decoded);
                            self.pos += 2;
                        }
                        _ => {
                            let ch = self
                                .text
                                .get(self.pos..)
                                .and_then(|r| r.chars().next())
                                .unwrap_or(' ');
                            value.push(ch);
                            self.pos += ch.len_utf8();
                        }
                    }
                }
            }
            Some(b'"') => {
                *quoted = true;
                self.pos += 1;
                self.double_quote(sh, value);
            }
            Some(b'(') => {
                if self.at(self.pos + 2) == Some(b'(') {
                    self.pos = skip_balanced(self.b, self.pos + 1, self.end, b'(', b')');
                } else {
                    self.substitution(sh, self.pos + 2);
                }
                value.push_str(self.text.get(s..self.pos).unwrap_or(""));
            }
            Some(b'{') => {
                self.pos = skip_balanced(self.b, self.pos + 1, self.end, b'{', b'}');
                value.push_str(self.text.get(s..self.pos).unwrap_or(""));
            }
            Some(c @ (b'$' | b'?' | b'#' | b'!' | b'@' | b'*' | b'-' | b'0'..=b'9')) => {
                // Special parameter: `$$` must not start a `$"..."` string.
                value.push('$');
                value.push(c as char);
                self.pos += 2;
            }
            _ => {
                value.push('$');
                self.pos += 1;
            }
        }
    }

    /// Parses `$( ... )` / `<( ... )` whose body starts at `body`; leaves `pos` after `)`.
    fn substitution(&mut self, sh: &mut Shared, body: usize) {
        if self.ctx.depth + self.frames.len() as u32 >= MAX_DEPTH || sh.budget > 1_000_000 {
            self.pos = skip_balanced(self.b, body - 1, self.end, b'(', b')');
            return;
        }
        let mut sub = Sp::new(self.text, self.map, body, self.end, self.child_ctx());
        self.pos = sub.parse(sh, Stop::Paren).max(body);
    }

    /// Parses a backtick substitution at `pos`; leaves `pos` after the closing backtick.
    fn backtick(&mut self, sh: &mut Shared) {
        let close = backtick_end(self.b, self.pos, self.end);
        if self.ctx.depth + (self.frames.len() as u32) < MAX_DEPTH && sh.budget <= 1_000_000 {
            let mut sub = Sp::new(self.text, self.map, self.pos + 1, close, self.child_ctx());
            sub.parse(sh, Stop::Eof);
        }
        self.pos = (close + 1).min(self.end).max(self.pos + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_prefixes() {
        assert_eq!(assignment_prefix("A=1"), Some((1, 2)));
        assert_eq!(assignment_prefix("A_B+=x"), Some((3, 5)));
        assert_eq!(assignment_prefix("arr[1]=x"), Some((6, 7)));
        assert_eq!(assignment_prefix("1A=x"), None);
        assert_eq!(assignment_prefix("--a=b"), None);
    }

    #[test]
    fn unwrapping() {
        let w = |s: &str| Word::new(s, s, Span::default());
        let (wr, name, args) = unwrap(vec![
            w("sudo"),
            w("-u"),
            w("root"),
            w("env"),
            w("A=1"),
            w("ls"),
            w("-l"),
        ]);
        assert_eq!(wr.len(), 2);
        assert_eq!(name.value, "ls");
        assert_eq!(args.len(), 1);
        let (wr, name, _) = unwrap(vec![w("sudo")]);
        assert!(wr.is_empty());
        assert_eq!(name.value, "sudo");
        let (wr, name, _) = unwrap(vec![w("command"), w("-v"), w("curl")]);
        assert!(wr.is_empty());
        assert_eq!(name.value, "command");
        let (_, name, args) = unwrap(vec![w("timeout"), w("10"), w("curl"), w("x")]);
        assert_eq!((name.value.as_str(), args.len()), ("curl", 1));
    }

    #[test]
    fn shell_c_detection() {
        let w = |s: &str| Word::new(s, s, Span::default());
        assert_eq!(shell_c_index(&[w("-c"), w("x")]), Some(1));
        assert_eq!(shell_c_index(&[w("-exc"), w("x")]), Some(1));
        assert_eq!(
            shell_c_index(&[w("-o"), w("pipefail"), w("-c"), w("x")]),
            Some(3)
        );
        assert_eq!(shell_c_index(&[w("script.sh")]), None);
        assert!(shebang_is_shell("#!/bin/bash\nx"));
        assert!(shebang_is_shell("#!/usr/bin/env sh\nx"));
        assert!(!shebang_is_shell("#!/usr/bin/env python3\nx"));
        assert!(shebang_is_shell("echo hi"));
    }
}
