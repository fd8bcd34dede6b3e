//! Finding `docker run` / `podman run` command lines in text files, with byte spans.
//!
//! Hand-written rather than `shlex`: shlex gives words but not where they are, and every flag must
//! point at its exact position across `\` continuations. The splitter follows POSIX shell quoting
//! (single quotes, double quotes with `\` escapes, backslash escapes, backslash-newline
//! continuation, `#` comments, `$(...)`, `${...}` and backquotes kept inside a word and scanned
//! again for nested commands). It does not expand anything: `$VAR` stays as written.
//!
//! Embedded sources (Markdown code blocks, CI `run:` steps, systemd `ExecStart=`) are handled by
//! masking: everything that is not shell is replaced by spaces, byte for byte, so offsets into the
//! masked text are offsets into the file.

use crate::yaml::{self, Node, V};

/// The kind of text file a command line can be found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Shell,
    Makefile,
    Markdown,
    /// A CI configuration in YAML (GitHub Actions, GitLab CI, ...): commands in `run:`/`script:`.
    CiYaml,
    Systemd,
}

impl TextKind {
    /// Detects the kind from a path; `None` when no command lines are expected in such a file.
    pub fn from_path(path: &str) -> Option<TextKind> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        if lower == "makefile"
            || lower == "gnumakefile"
            || lower.ends_with(".mk")
            || lower.ends_with(".make")
        {
            return Some(TextKind::Makefile);
        }
        if lower.ends_with(".md") || lower.ends_with(".markdown") {
            return Some(TextKind::Markdown);
        }
        if lower.ends_with(".service") || lower.ends_with(".container") {
            return Some(TextKind::Systemd);
        }
        if lower.ends_with(".yml") || lower.ends_with(".yaml") {
            return Some(TextKind::CiYaml);
        }
        if lower.ends_with(".sh")
            || lower.ends_with(".bash")
            || lower.ends_with(".zsh")
            || !lower.contains('.')
        {
            return Some(TextKind::Shell);
        }
        None
    }
}

/// One shell word: its unquoted text (variables unexpanded) and the byte range it was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug)]
enum Tok {
    Word(Word),
    /// A command separator (`;`, `&`, `&&`, `||`, `|`, newline, parentheses, braces).
    Sep,
}

const MAX_NESTING: usize = 16;

/// Splits `text[range]` into words and separators; nested command substitutions are pushed to
/// `nested` for a separate pass.
fn tokenize(text: &str, from: usize, to: usize, nested: &mut Vec<(usize, usize)>) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if i + 1 < to && b[i + 1] == b'\n' => i += 2,
            b'\\' if i + 2 < to && b[i + 1] == b'\r' && b[i + 2] == b'\n' => i += 3,
            // `# comment` in backticks expands to nothing: the idiom for a comment (an inline
            // `shipshape:ignore`) on one line of a backslash-continued command
            b'`' if text[i + 1..find_byte(b, i + 1, to, b'`')]
                .trim_start()
                .starts_with('#') =>
            {
                i = (find_byte(b, i + 1, to, b'`') + 1).min(to);
            }
            b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'`' => {
                out.push(Tok::Sep);
                i += 1;
            }
            b'#' => {
                while i < to && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'<' | b'>' => {
                // a redirection: skip the operator and its target word
                while i < to && matches!(b[i], b'<' | b'>' | b'&' | b'|') {
                    i += 1;
                }
                while i < to && matches!(b[i], b' ' | b'\t') {
                    i += 1;
                }
                let mut dummy = Vec::new();
                let (_, next) = read_word(text, i, to, &mut dummy);
                i = next.max(i + 1).min(to.max(i));
            }
            _ => {
                let (w, next) = read_word(text, i, to, nested);
                // `2>&1`: a word of digits directly followed by a redirection is a file descriptor
                let fd = next < to
                    && matches!(b[next], b'<' | b'>')
                    && w.text.bytes().all(|d| d.is_ascii_digit());
                if !fd {
                    out.push(Tok::Word(w));
                }
                i = next.max(i + 1);
            }
        }
    }
    out
}

/// Reads one word starting at `i`; returns it and the offset after it.
fn read_word(
    text: &str,
    start: usize,
    to: usize,
    nested: &mut Vec<(usize, usize)>,
) -> (Word, usize) {
    let b = text.as_bytes();
    let mut s = String::new();
    let mut i = start;
    let push = |s: &mut String, from: usize, until: usize| {
        if let Some(part) = text.get(from..until) {
            s.push_str(part);
        }
    };
    while i < to {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => break,
            b'\\' => {
                if i + 1 < to && b[i + 1] == b'\n' {
                    i += 2;
                } else if i + 1 < to {
                    let ch_len = char_len(text, i + 1);
                    push(&mut s, i + 1, i + 1 + ch_len);
                    i += 1 + ch_len;
                } else {
                    i += 1;
                }
            }
            b'\'' => {
                let close = find_byte(b, i + 1, to, b'\'');
                push(&mut s, i + 1, close);
                i = (close + 1).min(to);
            }
            b'"' => {
                i += 1;
                while i < to && b[i] != b'"' {
                    if b[i] == b'\\'
                        && i + 1 < to
                        && matches!(b[i + 1], b'"' | b'\\' | b'$' | b'`' | b'\n')
                    {
                        if b[i + 1] != b'\n' {
                            s.push(b[i + 1] as char);
                        }
                        i += 2;
                    } else if b[i] == b'$' && i + 1 < to && b[i + 1] == b'(' {
                        let close = balanced(b, i + 1, to, b'(', b')');
                        nested.push((i + 2, close.saturating_sub(1).max(i + 2)));
                        push(&mut s, i, close);
                        i = close;
                    } else {
                        let l = char_len(text, i);
                        push(&mut s, i, i + l);
                        i += l;
                    }
                }
                i = (i + 1).min(to);
            }
            b'$' if i + 1 < to && b[i + 1] == b'(' => {
                let close = balanced(b, i + 1, to, b'(', b')');
                nested.push((i + 2, close.saturating_sub(1).max(i + 2)));
                push(&mut s, i, close);
                i = close;
            }
            b'$' if i + 1 < to && b[i + 1] == b'{' => {
                let close = balanced(b, i + 1, to, b'{', b'}');
                push(&mut s, i, close);
                i = close;
            }
            b'`' => {
                let close = find_byte(b, i + 1, to, b'`');
                nested.push((i + 1, close));
                push(&mut s, i, (close + 1).min(to));
                i = (close + 1).min(to);
            }
            _ => {
                let l = char_len(text, i);
                push(&mut s, i, i + l);
                i += l;
            }
        }
    }
    (
        Word {
            text: s,
            start,
            end: i,
        },
        i,
    )
}

fn char_len(text: &str, i: usize) -> usize {
    text.get(i..)
        .and_then(|r| r.chars().next())
        .map(char::len_utf8)
        .unwrap_or(1)
}

fn find_byte(b: &[u8], from: usize, to: usize, needle: u8) -> usize {
    (from..to).find(|&j| b[j] == needle).unwrap_or(to)
}

/// Offset after the bracket matching the one at `open_at`.
fn balanced(b: &[u8], open_at: usize, to: usize, open: u8, close: u8) -> usize {
    let mut depth = 0usize;
    let mut j = open_at;
    let mut quote: Option<u8> = None;
    while j < to {
        let c = b[j];
        match quote {
            Some(q) => {
                if c == b'\\' && q == b'"' {
                    j += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => {
                if c == b'\'' || c == b'"' {
                    quote = Some(c);
                } else if c == b'\\' {
                    j += 1;
                } else if c == open {
                    depth += 1;
                } else if c == close {
                    depth -= 1;
                    if depth == 0 {
                        return j + 1;
                    }
                }
            }
        }
        j += 1;
    }
    to
}

/// A `docker run`/`podman run`/`... create` invocation: the words from `docker` on.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// `docker`, `podman`, `nerdctl`.
    pub engine: String,
    /// `docker` through `run`: where "missing flag" findings point.
    pub head_start: usize,
    pub head_end: usize,
    /// The arguments after `run`/`create`.
    pub args: Vec<Word>,
    /// End of the last word.
    pub end: usize,
}

/// Finds every container-run invocation in `text` (already masked to shell).
pub fn find_invocations(text: &str) -> Vec<Invocation> {
    let mut out = Vec::new();
    let mut ranges = vec![(0usize, text.len(), 0usize)];
    while let Some((from, to, depth)) = ranges.pop() {
        let mut nested = Vec::new();
        let toks = tokenize(text, from, to.min(text.len()), &mut nested);
        if depth < MAX_NESTING {
            ranges.extend(
                nested
                    .into_iter()
                    .filter(|(s, e)| s < e)
                    .map(|(s, e)| (s, e, depth + 1)),
            );
        }
        let mut cmd: Vec<Word> = Vec::new();
        for t in toks.into_iter().chain(std::iter::once(Tok::Sep)) {
            match t {
                Tok::Word(w) => cmd.push(w),
                Tok::Sep => {
                    if let Some(inv) = invocation(&cmd) {
                        out.push(inv);
                    }
                    cmd.clear();
                }
            }
        }
    }
    out.sort_by_key(|i| i.head_start);
    out
}

/// The top-level simple commands of `text` (already masked to shell), as words: what a script
/// runs in order, for the variables it assigns. Command substitutions are not entered.
pub(crate) fn commands(text: &str) -> Vec<Vec<Word>> {
    let mut nested = Vec::new();
    let mut out = Vec::new();
    let mut cmd: Vec<Word> = Vec::new();
    for t in tokenize(text, 0, text.len(), &mut nested)
        .into_iter()
        .chain(std::iter::once(Tok::Sep))
    {
        match t {
            Tok::Word(w) => cmd.push(w),
            Tok::Sep if !cmd.is_empty() => out.push(std::mem::take(&mut cmd)),
            Tok::Sep => {}
        }
    }
    out
}

/// Engine word: `docker`, `/usr/bin/podman`, `$(DOCKER)`, `@docker` (Make), `-/usr/bin/docker` (systemd).
fn engine_name(word: &str) -> Option<&'static str> {
    let w = word.trim_start_matches(['@', '-', '+', ':', '!']);
    let w = w.trim_matches(|c| matches!(c, '$' | '(' | ')' | '{' | '}'));
    let base = w.rsplit('/').next().unwrap_or(w).to_ascii_lowercase();
    match base.as_str() {
        "docker" | "docker.exe" => Some("docker"),
        "podman" | "podman-remote" => Some("podman"),
        "nerdctl" => Some("nerdctl"),
        _ => None,
    }
}

/// Whether a shell word is `NAME=value`.
pub(crate) fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
                && !name.as_bytes()[0].is_ascii_digit()
        }
        None => false,
    }
}

fn invocation(words: &[Word]) -> Option<Invocation> {
    let mut i = 0;
    // command prefixes: assignments, sudo and friends, shell keywords
    while i < words.len() {
        let w = words[i].text.as_str();
        if is_assignment(w)
            || matches!(
                w,
                "exec"
                    | "time"
                    | "nohup"
                    | "command"
                    | "env"
                    | "then"
                    | "do"
                    | "else"
                    | "!"
                    | "{"
                    | "if"
                    | "while"
                    | "until"
                    | "nice"
                    | "$"
                    | "%"
            )
        {
            i += 1;
        } else if w == "sudo" || w == "doas" {
            i += 1;
            while i < words.len() && words[i].text.starts_with('-') {
                let takes = matches!(
                    words[i].text.as_str(),
                    "-u" | "-g" | "-h" | "-p" | "-C" | "-D" | "-U" | "-r" | "-t"
                );
                i += if takes { 2 } else { 1 };
            }
        } else if w == "timeout" {
            i += 2;
        } else {
            break;
        }
    }
    let head = words.get(i)?;
    let engine = engine_name(&head.text)?;
    i += 1;
    // global options before the subcommand
    while i < words.len() && words[i].text.starts_with('-') {
        let t = words[i].text.as_str();
        let takes = !t.contains('=')
            && matches!(
                t,
                "-H" | "--host"
                    | "-c"
                    | "--context"
                    | "--config"
                    | "-l"
                    | "--log-level"
                    | "--tlscacert"
                    | "--tlscert"
                    | "--tlskey"
                    | "--url"
                    | "--connection"
                    | "--root"
                    | "--runroot"
                    | "--storage-driver"
                    | "--cgroup-manager"
                    | "--namespace"
                    | "-n"
                    | "--address"
                    | "--identity"
            );
        i += if takes { 2 } else { 1 };
    }
    let mut sub = words.get(i)?;
    if sub.text == "container" {
        i += 1;
        sub = words.get(i)?;
    }
    if sub.text != "run" && sub.text != "create" {
        return None;
    }
    let head_end = sub.end;
    let args: Vec<Word> = words[i + 1..].to_vec();
    let end = args.last().map(|w| w.end).unwrap_or(head_end);
    Some(Invocation {
        engine: engine.to_string(),
        head_start: head.start,
        head_end,
        args,
        end,
    })
}

/// Cheap prefilter: whether `text` may contain a container-run command.
pub fn mentions_container_run(text: &str) -> bool {
    for engine in ["docker", "podman", "nerdctl", "DOCKER", "PODMAN"] {
        let mut from = 0;
        while let Some(p) = text[from..].find(engine) {
            let at = from + p + engine.len();
            let rest = &text[at..];
            let rest = rest.trim_start_matches(|c: char| {
                c.is_ascii_alphanumeric() || c == '_' || c == ')' || c == '}'
            });
            let window: String = rest.chars().take(300).collect();
            if window.contains("run") || window.contains("create") {
                return true;
            }
            from = at;
        }
    }
    false
}

/// Replaces every byte outside the kept ranges with a space (newlines survive), preserving offsets.
fn mask(text: &str, keep: &[(usize, usize)], fold: &[(usize, usize)]) -> String {
    let mut out: Vec<u8> = text
        .bytes()
        .map(|c| if c == b'\n' { b'\n' } else { b' ' })
        .collect();
    let b = text.as_bytes();
    for &(s, e) in keep {
        let (s, e) = (s.min(b.len()), e.min(b.len()));
        if s >= e {
            continue;
        }
        out[s..e].copy_from_slice(&b[s..e]);
    }
    for &(s, e) in fold {
        for c in out.iter_mut().take(e.min(b.len())).skip(s) {
            if *c == b'\n' {
                *c = b' ';
            }
        }
    }
    // only whole characters were copied or blanked, so this is valid UTF-8
    String::from_utf8(out).unwrap_or_default()
}

/// The text of `file` as shell, with non-shell parts blanked; for YAML also any parse error.
pub fn shell_view(text: &str, kind: TextKind) -> Result<String, yaml::YamlError> {
    Ok(match kind {
        TextKind::Shell | TextKind::Makefile => text.to_string(),
        TextKind::Markdown => mask_markdown(text),
        TextKind::Systemd => mask_systemd(text),
        TextKind::CiYaml => mask_ci_yaml(text)?,
    })
}

fn line_ranges(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    text.split_inclusive('\n').map(move |l| {
        let s = start;
        start += l.len();
        (s, s + l.trim_end_matches(['\n', '\r']).len())
    })
}

fn mask_markdown(text: &str) -> String {
    let mut keep = Vec::new();
    let mut fence: Option<(u8, usize, bool)> = None; // (char, length, console)
    let mut in_shell = false;
    for (s, e) in line_ranges(text) {
        let line = &text[s..e];
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let fence_char = trimmed
            .as_bytes()
            .first()
            .copied()
            .filter(|c| *c == b'`' || *c == b'~');
        let run = fence_char
            .map(|c| trimmed.bytes().take_while(|x| *x == c).count())
            .unwrap_or(0);
        match fence {
            Some((c, len, console)) => {
                if indent <= 3
                    && fence_char == Some(c)
                    && run >= len
                    && trimmed[run..].trim().is_empty()
                {
                    fence = None;
                    in_shell = false;
                } else if in_shell {
                    let prompt = prompt_len(line, console);
                    keep.push((s + prompt, e));
                }
            }
            None => {
                if indent <= 3 && run >= 3 {
                    let c = fence_char.unwrap_or(b'`');
                    let info = trimmed[run..].trim().to_ascii_lowercase();
                    let lang = info
                        .split(|ch: char| ch.is_whitespace() || ch == '{' || ch == ',')
                        .next()
                        .unwrap_or("");
                    let console = matches!(
                        lang,
                        "console"
                            | "shell-session"
                            | "sh-session"
                            | "shellsession"
                            | "bash-session"
                            | "terminal"
                    );
                    in_shell = console
                        || matches!(
                            lang,
                            "" | "sh"
                                | "bash"
                                | "shell"
                                | "zsh"
                                | "ksh"
                                | "posix"
                                | "make"
                                | "makefile"
                        );
                    fence = Some((c, run, console));
                }
            }
        }
    }
    mask(text, &keep, &[])
}

/// Length of a shell prompt at the start of a code line (`$ `, `user@host:~$ `, `# ` in console blocks).
fn prompt_len(line: &str, console: bool) -> usize {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    if trimmed.starts_with("$ ")
        || trimmed.starts_with("% ")
        || trimmed.starts_with("> ") && console
    {
        return indent + 2;
    }
    if console && trimmed.starts_with("# ") {
        return indent + 2;
    }
    if console {
        if let Some(p) = trimmed.find("$ ").or_else(|| trimmed.find("# ")) {
            if p < 60 && !trimmed[..p].contains(' ') && trimmed[..p].contains(['@', ':', '~']) {
                return indent + p + 2;
            }
        }
    }
    0
}

fn mask_systemd(text: &str) -> String {
    let mut keep = Vec::new();
    let mut continuing = false;
    for (s, e) in line_ranges(text) {
        let line = &text[s..e];
        if continuing {
            keep.push((s, e));
        } else {
            let t = line.trim_start();
            if t.starts_with("Exec") {
                if let Some(eq) = line.find('=') {
                    let mut v = eq + 1;
                    while v < line.len()
                        && matches!(line.as_bytes()[v], b'-' | b'@' | b':' | b'+' | b'!' | b' ')
                    {
                        v += 1;
                    }
                    keep.push((s + v, e));
                    continuing = line.trim_end().ends_with('\\');
                    continue;
                }
            }
        }
        continuing = continuing && line.trim_end().ends_with('\\');
    }
    mask(text, &keep, &[])
}

const CI_KEYS: [&str; 10] = [
    "run",
    "script",
    "scripts",
    "before_script",
    "after_script",
    "commands",
    "command",
    "bash",
    "sh",
    "inline",
];

fn mask_ci_yaml(text: &str) -> Result<String, yaml::YamlError> {
    let docs = yaml::load(text, 0)?;
    let mut keep = Vec::new();
    let mut fold = Vec::new();
    for d in &docs {
        collect_ci(text, d, false, &mut keep, &mut fold, 0);
    }
    Ok(mask(text, &keep, &fold))
}

fn collect_ci(
    text: &str,
    n: &Node,
    is_cmd: bool,
    keep: &mut Vec<(usize, usize)>,
    fold: &mut Vec<(usize, usize)>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    match &n.v {
        V::Str(sc) if is_cmd => {
            let raw = text.get(n.start..n.end).unwrap_or("");
            let first = raw.as_bytes().first().copied();
            match first {
                Some(b'\'') | Some(b'"') => {
                    keep.push((n.start + 1, n.end.saturating_sub(1).max(n.start + 1)))
                }
                Some(b'*') => {}
                _ => {
                    keep.push((n.start, n.end));
                    // plain and folded multi-line scalars join their lines with spaces; literal
                    // blocks keep them (a `|` block is exactly a script)
                    if !sc.literal {
                        fold.push((n.start, n.end));
                    }
                }
            }
        }
        V::Seq(items) => items
            .iter()
            .for_each(|i| collect_ci(text, i, is_cmd, keep, fold, depth + 1)),
        V::Map(entries) => {
            for (k, v) in entries {
                let cmd = k.str().is_some_and(|k| CI_KEYS.contains(&k));
                collect_ci(text, v, cmd, keep, fold, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        let mut n = Vec::new();
        tokenize(s, 0, s.len(), &mut n)
            .into_iter()
            .filter_map(|t| match t {
                Tok::Word(w) => Some(w.text),
                Tok::Sep => None,
            })
            .collect()
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            words(r#"a 'b c' "d \"e\"" f\ g $(x y) ${Z:-1}"#),
            ["a", "b c", "d \"e\"", "f g", "$(x y)", "${Z:-1}"]
        );
        assert_eq!(words("a \\\n  b # comment\nc"), ["a", "b", "c"]);
        assert_eq!(words("a > out 2>&1 b"), ["a", "b"]);
    }

    #[test]
    fn finds_invocations() {
        let t = "set -e\nsudo -E docker run --rm -it \\\n  -v \"$PWD\":/src alpine:3 sh\nX=$(docker create busybox) && podman container run x\nmake && docker ps\n";
        let inv = find_invocations(t);
        assert_eq!(inv.len(), 3, "{inv:?}");
        assert_eq!(inv[0].args[3].text, "$PWD:/src");
        assert_eq!(
            &t[inv[0].args[3].start..inv[0].args[3].end],
            "\"$PWD\":/src"
        );
        assert_eq!(inv[1].args[0].text, "busybox");
        assert_eq!(inv[2].engine, "podman");
        assert!(find_invocations("echo 'docker run x'\n# docker run y\n").is_empty());
    }

    #[test]
    fn masks_embedded_sources() {
        let md = "Text docker run no\n```console\n$ docker run -d nginx:1\noutput\n```\n```python\ndocker run x\n```\n";
        let v = shell_view(md, TextKind::Markdown).unwrap();
        assert_eq!(v.len(), md.len());
        let inv = find_invocations(&v);
        assert_eq!(inv.len(), 1);
        assert_eq!(&md[inv[0].head_start..inv[0].head_end], "docker run");
        let unit = "[Service]\nExecStartPre=-/usr/bin/docker rm x\nExecStart=/usr/bin/docker run --name x \\\n  --privileged img:1\n";
        let inv = find_invocations(&shell_view(unit, TextKind::Systemd).unwrap());
        assert_eq!(inv.len(), 1);
        assert_eq!(inv[0].args.len(), 4);
        let ci = "jobs:\n  a:\n    steps:\n      - run: |\n          echo\n          docker run \\\n            --privileged x:1\n      - run: >-\n          docker run\n          --pid=host y:1\n";
        let inv = find_invocations(&shell_view(ci, TextKind::CiYaml).unwrap());
        assert_eq!(inv.len(), 2, "{inv:?}");
        let p = &inv[0].args[0];
        assert_eq!(&ci[p.start..p.end], "--privileged");
        assert_eq!(inv[1].args[0].text, "--pid=host");
        assert!(mentions_container_run(ci));
        assert!(!mentions_container_run("docker ps"));
    }
}
