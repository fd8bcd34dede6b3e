//! The Dockerfile parser, modelled on BuildKit's `frontend/dockerfile/parser` (line handling,
//! directives, continuations, heredocs, per-instruction argument parsing) and the argument checks
//! of `frontend/dockerfile/instructions`.
//!
//! Deliberate differences from BuildKit, all in the direction a linter needs:
//! * an empty file (or one with only comments) parses to an empty [`Dockerfile`] instead of
//!   failing with "file with no instructions";
//! * the trigger of an `ONBUILD` is fully checked now (BuildKit defers it to the child build);
//! * [`parse_recovering`] keeps going after an error in one instruction.

use crate::ast::*;
use crate::expand::{parse_heredoc_word, split_words_raw, unquote_checked};
use crate::json::{parse_array, JsonArray};
use std::time::Duration;

/// Parses a Dockerfile; returns the first error.
pub fn parse(src: &str) -> Result<Dockerfile, ParseError> {
    let (df, errors) = parse_recovering(src);
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(df),
    }
}

/// Parses a Dockerfile, collecting every error. Instructions with an error are left out of the
/// returned tree; a structural error (bad directive, unterminated heredoc) stops the parse.
pub fn parse_recovering(src: &str) -> (Dockerfile, Vec<ParseError>) {
    let mut p = Parser {
        src,
        escape: '\\',
        pos: 0,
        directives_done: false,
        df: Dockerfile {
            escape: '\\',
            ..Dockerfile::default()
        },
        errors: Vec::new(),
    };
    p.run();
    let mut df = p.df;
    let mut errors = p.errors;
    // instructions.Parse: only ARG may come before the first FROM.
    if let Some(bad) = df
        .instructions
        .iter()
        .take_while(|i| i.keyword != Keyword::From)
        .find(|i| i.keyword != Keyword::Arg)
    {
        errors.push(err("no build stage in current context", bad.span));
    }
    errors.sort_by_key(|e| e.span.start);
    df.escape = p.escape;
    df.source = src.to_string();
    (df, errors)
}

#[derive(Clone, Copy)]
struct Line {
    start: usize,
    /// End of the content (trailing `\r` / `\n` removed).
    end: usize,
    /// Start of the next line.
    next: usize,
}

fn line_at(src: &str, pos: usize) -> Option<Line> {
    if pos >= src.len() {
        return None;
    }
    let bytes = src.as_bytes();
    let (raw_end, next) = match bytes[pos..].iter().position(|&b| b == b'\n') {
        Some(i) => (pos + i, pos + i + 1),
        None => (src.len(), src.len()),
    };
    let mut end = raw_end;
    while end > pos && matches!(bytes[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    Some(Line {
        start: pos,
        end,
        next,
    })
}

/// Go's `unicode.IsSpace` on a char.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// BuildKit's `[\t\v\f\r ]` token separator.
fn is_sep(b: u8) -> bool {
    matches!(b, b'\t' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Go RE2 `\s`.
fn is_re_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

fn trim_start_offset(s: &str) -> usize {
    s.len() - s.trim_start_matches(is_space).len()
}

/// Matches `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`; returns name and value ranges.
fn match_directive(tok: &str) -> Option<((usize, usize), (usize, usize))> {
    let b = tok.as_bytes();
    if b.first() != Some(&b'#') {
        return None;
    }
    let mut i = 1;
    while i < b.len() && is_re_space(b[i]) {
        i += 1;
    }
    let ns = i;
    if !b.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    let ne = i;
    while i < b.len() && is_re_space(b[i]) {
        i += 1;
    }
    if b.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    let after_eq = i;
    while i < b.len() && is_re_space(b[i]) {
        i += 1;
    }
    let mut ve = b.len();
    while ve > i && is_re_space(b[ve - 1]) {
        ve -= 1;
    }
    if ve > i {
        return Some(((ns, ne), (i, ve)));
    }
    if b.len() > after_eq {
        // Only whitespace after `=`: the lazy group takes the last whitespace character.
        return Some(((ns, ne), (b.len() - 1, b.len())));
    }
    None
}

/// BuildKit's continuation regex: returns the cut position when `s` ends with the escape token
/// (optionally followed by blanks) not itself escaped.
fn continuation_cut(s: &str, esc: char) -> Option<usize> {
    let t = s.trim_end_matches([' ', '\t']);
    let cut = t.len().checked_sub(esc.len_utf8())?;
    if !t.ends_with(esc) {
        return None;
    }
    if cut == 0 {
        return Some(0);
    }
    match t[..cut].chars().next_back() {
        Some(prev) if prev == esc => None,
        _ => Some(cut),
    }
}

struct Parser<'a> {
    src: &'a str,
    escape: char,
    pos: usize,
    directives_done: bool,
    df: Dockerfile,
    errors: Vec<ParseError>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagType {
    Bool,
    Str,
    Multi,
}

fn flag_spec(kw: Keyword) -> &'static [(&'static str, FlagType)] {
    use FlagType::*;
    match kw {
        Keyword::From => &[("platform", Str)],
        Keyword::Run => &[
            ("mount", Multi),
            ("network", Str),
            ("security", Str),
            ("device", Multi),
        ],
        Keyword::Copy => &[
            ("from", Str),
            ("chown", Str),
            ("chmod", Str),
            ("link", Bool),
            ("parents", Bool),
            ("exclude", Multi),
        ],
        Keyword::Add => &[
            ("chown", Str),
            ("chmod", Str),
            ("link", Bool),
            ("keep-git-dir", Bool),
            ("checksum", Str),
            ("exclude", Multi),
            ("unpack", Bool),
            ("parents", Bool),
        ],
        Keyword::Healthcheck => &[
            ("interval", Str),
            ("timeout", Str),
            ("start-period", Str),
            ("start-interval", Str),
            ("retries", Str),
        ],
        _ => &[],
    }
}

fn err(message: impl Into<String>, span: Span) -> ParseError {
    ParseError {
        message: message.into(),
        span,
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let v = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(v);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn suggest_keyword(cmd: &str) -> Option<&'static str> {
    if cmd.len() > 32 {
        return None;
    }
    let upper = cmd.to_ascii_uppercase();
    Keyword::ALL
        .iter()
        .map(|k| (levenshtein(&upper, k.as_str()), k.as_str()))
        .filter(|(d, k)| {
            *d == 1 || (*d == 2 && upper.len() >= 5 && upper.as_bytes()[0] == k.as_bytes()[0])
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Parses a Go duration (`1m30s`, `500ms`, `0`).
fn parse_go_duration(s: &str) -> Option<Duration> {
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.is_empty() || s.starts_with('-') {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..n];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return None;
        }
        let v: f64 = num.parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..u] {
            "ns" => 1e-9,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += v * mult;
        rest = &rest[u..];
    }
    Duration::try_from_secs_f64(total).ok()
}

/// Parses an EXPOSE item: `80`, `80/tcp`, `8000-8010/udp`.
fn parse_port(v: &str) -> (Option<(u16, u16)>, Option<String>) {
    let (ports, proto) = match v.split_once('/') {
        Some((p, proto)) => (p, Some(proto.to_ascii_lowercase())),
        None => (v, None),
    };
    let range = match ports.split_once('-') {
        Some((a, b)) => match (a.parse::<u16>(), b.parse::<u16>()) {
            (Ok(a), Ok(b)) => Some((a, b)),
            _ => None,
        },
        None => ports.parse::<u16>().ok().map(|p| (p, p)),
    };
    (range, proto)
}

/// Parses a `--mount` CSV value.
fn parse_mount(word: &Word) -> Mount {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = word.value.chars().peekable();
    let push = |f: &mut String, fields: &mut Vec<(String, Option<String>)>| {
        let t = f.trim();
        if !t.is_empty() {
            match t.split_once('=') {
                Some((k, v)) => fields.push((k.trim().to_ascii_lowercase(), Some(v.to_string()))),
                None => fields.push((t.to_ascii_lowercase(), None)),
            }
        }
        f.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => push(&mut field, &mut fields),
            _ => field.push(c),
        }
    }
    push(&mut field, &mut fields);
    let get = |keys: &[&str]| {
        fields
            .iter()
            .find(|(k, _)| keys.contains(&k.as_str()))
            .and_then(|(_, v)| v.clone())
    };
    Mount {
        kind: get(&["type"]).unwrap_or_else(|| "bind".to_string()),
        from: get(&["from"]),
        source: get(&["source", "src"]),
        target: get(&["target", "dst", "destination"]),
        fields: fields.clone(),
        span: word.span,
    }
}

/// A flag as extracted from the line (logical offsets).
struct RawFlag {
    start: usize,
    end: usize,
    processed: String,
    /// Index of the first `=` in `processed` and its logical offset.
    eq: Option<(usize, usize)>,
}

/// Context for building one instruction from a logical line.
struct Ctx<'t> {
    text: &'t str,
    map: &'t SourceMap,
    escape: char,
    span: Span,
}

impl Ctx<'_> {
    fn span(&self, a: usize, b: usize) -> Span {
        self.map.span(a, b)
    }

    fn word(&self, a: usize, b: usize, warnings: &mut Vec<ParseWarning>) -> Word {
        let raw = self.text.get(a..b).unwrap_or("");
        let (value, ok) = unquote_checked(raw, self.escape);
        if !ok {
            warnings.push(ParseWarning {
                message: format!("unterminated quote in {raw:?}"),
                span: self.span(a, b),
            });
        }
        Word::new(raw, value, self.span(a, b))
    }

    fn json_word(&self, base: usize, item: &(usize, usize, String)) -> Word {
        let (s, e, v) = item;
        Word::new(
            self.text.get(base + s..base + e).unwrap_or(""),
            v.clone(),
            self.span(base + s, base + e),
        )
    }

    fn trim(&self, a: usize, b: usize) -> (usize, usize) {
        let s = self.text.get(a..b).unwrap_or("");
        let a2 = a + trim_start_offset(s);
        let b2 = a + s.trim_end_matches(is_space).len();
        (a2, b2.max(a2))
    }

    /// BuildKit's `extractBuilderFlags`: returns the flags and where the arguments start.
    fn extract_flags(&self, start: usize, end: usize) -> (Vec<RawFlag>, usize) {
        let b = self.text.as_bytes();
        let mut flags = Vec::new();
        let mut pos = start;
        loop {
            while pos < end && is_sep_or_nl(b[pos]) {
                pos += 1;
            }
            if pos >= end {
                return (flags, end);
            }
            if !(b[pos] == b'-' && pos + 1 < end && b[pos + 1] == b'-') {
                return (flags, pos);
            }
            let word_start = pos;
            let mut processed = String::new();
            let mut eq = None;
            let mut quote: Option<char> = None;
            while pos < end {
                let Some(mut c) = self.text.get(pos..end).and_then(|r| r.chars().next()) else {
                    break;
                };
                match quote {
                    None => {
                        if c.is_ascii() && is_sep_or_nl(c as u8) {
                            break;
                        }
                        if c == '\'' || c == '"' {
                            quote = Some(c);
                            pos += 1;
                            continue;
                        }
                    }
                    Some(q) => {
                        if c == q {
                            quote = None;
                            pos += 1;
                            continue;
                        }
                    }
                }
                if c == '\\' {
                    if pos + 1 >= end {
                        if quote.is_some() {
                            quote = None;
                        }
                        pos += 1;
                        continue;
                    }
                    pos += 1;
                    match self.text.get(pos..end).and_then(|r| r.chars().next()) {
                        Some(n) => c = n,
                        None => break,
                    }
                }
                if c == '=' && eq.is_none() {
                    eq = Some((processed.len(), pos));
                }
                processed.push(c);
                pos += c.len_utf8();
            }
            if processed == "--" {
                return (flags, pos);
            }
            flags.push(RawFlag {
                start: word_start,
                end: pos,
                processed,
                eq,
            });
        }
    }

    fn make_flag(&self, f: &RawFlag) -> Flag {
        let body = f.processed.get(2..).unwrap_or("");
        match f.eq {
            Some((pi, raw_eq)) => {
                let name = f.processed.get(2..pi).unwrap_or("").to_string();
                let value = f.processed.get(pi + 1..).unwrap_or("").to_string();
                let raw = self.text.get(raw_eq + 1..f.end).unwrap_or("");
                Flag {
                    name,
                    name_span: self.span(f.start + 2, raw_eq),
                    value: Some(Word::new(raw, value, self.span(raw_eq + 1, f.end))),
                    span: self.span(f.start, f.end),
                }
            }
            None => Flag {
                name: body.to_string(),
                name_span: self.span(f.start + 2, f.end),
                value: None,
                span: self.span(f.start, f.end),
            },
        }
    }

    /// Splits `[a, b)` on runs of `[\t\v\f\r ]` (BuildKit's `parseStringsWhitespaceDelimited`).
    fn ws_split(&self, a: usize, b: usize) -> Vec<(usize, usize)> {
        let bytes = self.text.as_bytes();
        let mut out = Vec::new();
        let mut i = a;
        while i < b {
            while i < b && is_sep(bytes[i]) {
                i += 1;
            }
            if i >= b {
                break;
            }
            let s = i;
            while i < b && !is_sep(bytes[i]) {
                i += 1;
            }
            out.push((s, i));
        }
        out
    }

    /// BuildKit's `parseWords`: quote-aware word split (quotes and escapes kept).
    fn parse_words(&self, a: usize, b: usize) -> Vec<(usize, usize)> {
        let s = self.text.get(a..b).unwrap_or("");
        let mut out = Vec::new();
        let mut start: Option<usize> = None;
        let mut quote: Option<char> = None;
        let mut it = s.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            match quote {
                None => {
                    if is_space(c) {
                        if let Some(st) = start.take() {
                            out.push((a + st, a + i));
                        }
                        continue;
                    }
                    if start.is_none() {
                        start = Some(i);
                    }
                    if c == '\'' || c == '"' {
                        quote = Some(c);
                    } else if c == self.escape {
                        it.next();
                    }
                }
                Some(q) => {
                    if c == q {
                        quote = None;
                    } else if c == self.escape && q != '\'' {
                        it.next();
                    }
                }
            }
        }
        if let Some(st) = start {
            out.push((a + st, b));
        }
        out
    }
}

fn is_sep_or_nl(b: u8) -> bool {
    is_sep(b) || b == b'\n'
}

impl Parser<'_> {
    fn run(&mut self) {
        let src = self.src;
        let mut first = true;
        while let Some(line) = line_at(src, self.pos) {
            let mut start = line.start;
            if first && src.as_bytes()[start..].starts_with(&[0xEF, 0xBB, 0xBF]) {
                start += 3;
            }
            first = false;
            let content = src.get(start..line.end).unwrap_or("");
            let lead = trim_start_offset(content);
            let tok_start = start + lead;
            let tok = &content[lead..];
            self.pos = line.next;

            if !self.directives_done {
                match match_directive(tok) {
                    Some(((ns, ne), (vs, ve)))
                        if matches!(
                            tok[ns..ne].to_ascii_lowercase().as_str(),
                            "syntax" | "escape" | "check"
                        ) =>
                    {
                        let name = tok[ns..ne].to_ascii_lowercase();
                        let value = tok[vs..ve].to_string();
                        let d = Directive {
                            name: name.clone(),
                            value: value.clone(),
                            span: Span::new(tok_start, line.end),
                            name_span: Span::new(tok_start + ns, tok_start + ne),
                            value_span: Span::new(tok_start + vs, tok_start + ve),
                        };
                        if self.df.directives.iter().any(|x| x.name == name) {
                            self.errors.push(err(
                                format!("only one {name} parser directive can be used"),
                                d.span,
                            ));
                            return;
                        }
                        if name == "escape" {
                            if value == "\\" || value == "`" {
                                self.escape = value.chars().next().unwrap_or('\\');
                            } else {
                                self.errors.push(err(
                                    format!(
                                        "invalid escape token '{value}' does not match ` or \\"
                                    ),
                                    d.value_span,
                                ));
                                return;
                            }
                        }
                        self.df.directives.push(d);
                        continue;
                    }
                    _ => self.directives_done = true,
                }
            }

            if tok.starts_with('#') {
                self.push_comment(tok_start, line.end);
                continue;
            }
            if tok.is_empty() {
                continue;
            }
            self.instruction(tok_start, tok, line);
        }
    }

    fn push_comment(&mut self, start: usize, end: usize) {
        let text = self
            .src
            .get(start + 1..end)
            .unwrap_or("")
            .trim()
            .to_string();
        self.df.comments.push(Comment {
            text,
            span: Span::new(start, end),
        });
    }

    fn instruction(&mut self, tok_start: usize, tok: &str, first: Line) {
        let src = self.src;
        let mut text = String::new();
        let mut map = SourceMap::identity(tok_start);
        let mut span_end = first.end;
        let mut cont = continuation_cut(tok, self.escape);
        text.push_str(&tok[..cont.unwrap_or(tok.len())]);
        let mut empty_cont: Option<Span> = None;
        while cont.is_some() {
            let Some(line) = line_at(src, self.pos) else {
                break;
            };
            self.pos = line.next;
            let raw = src.get(line.start..line.end).unwrap_or("");
            let lead = trim_start_offset(raw);
            if raw[lead..].starts_with('#') {
                self.push_comment(line.start + lead, line.end);
                continue;
            }
            if lead == raw.len() {
                empty_cont.get_or_insert(Span::new(line.start, line.end));
                continue;
            }
            cont = continuation_cut(raw, self.escape);
            map.push(text.len(), line.start);
            text.push_str(&raw[..cont.unwrap_or(raw.len())]);
            span_end = line.end;
        }
        if let Some(sp) = empty_cont {
            self.df.warnings.push(ParseWarning {
                message: "empty continuation line (BuildKit will reject these in a future release)"
                    .to_string(),
                span: sp,
            });
        }
        let span = Span::new(tok_start, span_end);
        let ctx = Ctx {
            text: &text,
            map: &map,
            escape: self.escape,
            span,
        };
        let mut warnings = Vec::new();
        let built = build(&ctx, 0, 0, &mut warnings);
        self.df.warnings.append(&mut warnings);
        let mut instr = match built {
            Ok(i) => i,
            Err(e) => {
                self.errors.push(e);
                // Skip the heredoc bodies of a broken RUN/COPY/ADD all the same.
                // BuildKit reads heredocs in the parser, before the instruction checks fail.
                let mut words = text.split(|c: char| c.is_ascii_whitespace());
                let kw = words.next().and_then(Keyword::parse);
                let json = words
                    .find(|w| !w.is_empty() && !w.starts_with("--"))
                    .is_some_and(|w| w.starts_with('['));
                if kw.is_some_and(|k| matches!(k, Keyword::Run | Keyword::Copy | Keyword::Add))
                    && !json
                {
                    let _ = self.read_heredocs(&text, &map);
                }
                return;
            }
        };
        if can_contain_heredoc(&instr) {
            match self.read_heredocs(&text, &map) {
                Ok(hds) if !hds.is_empty() => {
                    if let Some(last) = hds.last() {
                        instr.span.end = last.terminator_span.end;
                    }
                    let target = match &mut instr.kind {
                        InstructionKind::Onbuild(inner) => {
                            inner.span.end = instr.span.end;
                            &mut **inner
                        }
                        _ => &mut instr,
                    };
                    target.heredocs = hds;
                    link_heredocs(target);
                }
                Ok(_) => {}
                Err(e) => {
                    self.errors.push(e);
                    self.pos = src.len();
                    return;
                }
            }
        }
        self.df.instructions.push(instr);
    }

    fn read_heredocs(&mut self, text: &str, map: &SourceMap) -> Result<Vec<Heredoc>, ParseError> {
        let src = self.src;
        let mut out = Vec::new();
        for (a, b) in split_words_raw(text) {
            let Some(hw) = parse_heredoc_word(&text[a..b]) else {
                continue;
            };
            let marker = Word::new(&text[a..b], &text[a..b], map.span(a, b));
            let mut content = String::new();
            let mut cmap = SourceMap::identity(self.pos);
            let body_start = self.pos;
            let mut body_end = self.pos;
            let mut terminator = None;
            while let Some(line) = line_at(src, self.pos) {
                self.pos = line.next;
                let raw = src.get(line.start..line.end).unwrap_or("");
                let cand = if hw.chomp {
                    raw.trim_start_matches('\t')
                } else {
                    raw
                };
                if cand == hw.name {
                    terminator = Some(Span::new(line.end - cand.len(), line.end));
                    break;
                }
                let full = src.get(line.start..line.next).unwrap_or("");
                let skip = if hw.chomp {
                    full.len() - full.trim_start_matches('\t').len()
                } else {
                    0
                };
                cmap.push(content.len(), line.start + skip);
                content.push_str(&full[skip..]);
                body_end = line.next;
            }
            let Some(terminator_span) = terminator else {
                return Err(err("unterminated heredoc", marker.span));
            };
            out.push(Heredoc {
                marker,
                name: hw.name,
                fd: hw.fd,
                chomp: hw.chomp,
                expand: hw.expand,
                content: SourceText {
                    text: content,
                    span: Span::new(body_start, body_end),
                    map: cmap,
                },
                terminator_span,
            });
        }
        Ok(out)
    }
}

fn can_contain_heredoc(instr: &Instruction) -> bool {
    let i = instr.effective();
    match &i.kind {
        InstructionKind::Run(r) => !r.command.is_exec(),
        InstructionKind::Copy(c) | InstructionKind::Add(c) => !c.json,
        _ => false,
    }
}

fn link_heredocs(instr: &mut Instruction) {
    let names: Vec<String> = instr.heredocs.iter().map(|h| h.name.clone()).collect();
    if let InstructionKind::Copy(c) | InstructionKind::Add(c) = &mut instr.kind {
        for s in &mut c.sources {
            if let Some(hw) = parse_heredoc_word(&s.word.raw) {
                s.heredoc = names.iter().position(|n| *n == hw.name);
            }
        }
    }
}

fn flag_value<'f>(flags: &'f [Flag], name: &str) -> Option<&'f Word> {
    flags
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| f.value.as_ref())
}

fn flag_bool(flags: &[Flag], name: &str) -> Option<bool> {
    flags
        .iter()
        .find(|f| f.name == name)
        .map(|f| match &f.value {
            None => true,
            Some(v) => v.value.eq_ignore_ascii_case("true"),
        })
}

fn validate_flags(kw: Keyword, flags: &[Flag]) -> Result<(), ParseError> {
    let spec = flag_spec(kw);
    let mut seen: Vec<&str> = Vec::new();
    for f in flags {
        let Some(&(_, ty)) = spec.iter().find(|(n, _)| *n == f.name) else {
            return Err(err(format!("unknown flag: {}", f.name), f.span));
        };
        if seen.contains(&f.name.as_str()) && ty != FlagType::Multi {
            return Err(err(format!("duplicate flag specified: {}", f.name), f.span));
        }
        seen.push(&f.name);
        match (ty, &f.value) {
            (FlagType::Bool, Some(v)) => {
                if v.value.is_empty() {
                    return Err(err(format!("missing a value on flag: {}", f.name), f.span));
                }
                let l = v.value.to_ascii_lowercase();
                if l != "true" && l != "false" {
                    return Err(err(
                        format!(
                            "expecting boolean value for flag {}, not: {}",
                            f.name, v.value
                        ),
                        v.span,
                    ));
                }
            }
            (FlagType::Str | FlagType::Multi, None) => {
                return Err(err(format!("missing a value on flag: {}", f.name), f.span));
            }
            _ => {}
        }
    }
    Ok(())
}

const MAX_NESTING: u32 = 4;

/// Builds the instruction starting at logical offset `base` (BuildKit's `newNodeFromLine` plus
/// the checks of `instructions.Parse`).
fn build(
    ctx: &Ctx<'_>,
    base: usize,
    depth: u32,
    warnings: &mut Vec<ParseWarning>,
) -> Result<Instruction, ParseError> {
    let text = ctx.text;
    let bytes = text.as_bytes();
    let (a, b) = ctx.trim(base, text.len());
    let mut cmd_end = a;
    while cmd_end < b && !is_sep(bytes[cmd_end]) {
        cmd_end += 1;
    }
    let mut rest = cmd_end;
    while rest < b && is_sep(bytes[rest]) {
        rest += 1;
    }
    let cmd = &text[a..cmd_end];
    let keyword_span = ctx.span(a, cmd_end);
    let span = Span::new(keyword_span.start, ctx.span.end);
    let Some(keyword) = Keyword::parse(cmd) else {
        let mut msg = format!("unknown instruction: {}", cmd.to_uppercase());
        if let Some(s) = suggest_keyword(cmd) {
            msg.push_str(&format!(" (did you mean {}?)", s.to_lowercase()));
        }
        if cmd.is_empty() {
            msg = "empty instruction (stray line continuation)".to_string();
            return Err(err(msg, ctx.span));
        }
        return Err(err(msg, keyword_span));
    };
    let (raw_flags, args_start) = ctx.extract_flags(rest, b);
    let flags: Vec<Flag> = raw_flags.iter().map(|f| ctx.make_flag(f)).collect();
    let (p, q) = ctx.trim(args_start, b);
    let args_span = ctx.span(p, q);
    let no_args = p >= q;
    let kwname = keyword.as_str();

    let need_one = |what: &str| -> Result<(), ParseError> {
        if no_args {
            Err(err(format!("{kwname} requires {what}"), span))
        } else {
            Ok(())
        }
    };

    if keyword != Keyword::Healthcheck {
        validate_flags(keyword, &flags)?;
    }

    let kind = match keyword {
        Keyword::From => {
            let words = ctx.ws_split(p, q);
            let ok3 = words.len() == 3 && text[words[1].0..words[1].1].eq_ignore_ascii_case("as");
            if words.len() != 1 && !ok3 {
                return Err(err("FROM requires either one or three arguments", span));
            }
            let alias = if ok3 {
                let (s, e) = words[2];
                let name = text[s..e].to_ascii_lowercase();
                let valid = name.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
                    && name.bytes().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || b"-_.".contains(&c)
                    });
                if !valid {
                    return Err(err(
                        format!(
                            "invalid name for build stage: {:?}, name can't start with a number or contain symbols",
                            &text[s..e]
                        ),
                        ctx.span(s, e),
                    ));
                }
                Some(ctx.word(s, e, warnings))
            } else {
                None
            };
            InstructionKind::From(FromInstr {
                image: ctx.word(words[0].0, words[0].1, warnings),
                alias,
                platform: flag_value(&flags, "platform").cloned(),
            })
        }
        Keyword::Run => {
            let command = maybe_json(ctx, p, q, warnings)?;
            let Some(command) = command else {
                return Err(err("RUN requires at least one argument", span));
            };
            InstructionKind::Run(RunInstr {
                command,
                mounts: flags
                    .iter()
                    .filter(|f| f.name == "mount")
                    .filter_map(|f| f.value.as_ref().map(parse_mount))
                    .collect(),
                network: flag_value(&flags, "network").cloned(),
                security: flag_value(&flags, "security").cloned(),
            })
        }
        Keyword::Cmd => InstructionKind::Cmd(CommandInstr {
            command: maybe_json(ctx, p, q, warnings)?,
        }),
        Keyword::Entrypoint => InstructionKind::Entrypoint(CommandInstr {
            command: maybe_json(ctx, p, q, warnings)?,
        }),
        Keyword::Shell => match maybe_json(ctx, p, q, warnings)? {
            None => return Err(err("SHELL requires at least one argument", span)),
            Some(CommandForm::Shell(_)) => {
                return Err(err(
                    "SHELL requires the arguments to be in JSON form",
                    args_span,
                ))
            }
            Some(CommandForm::Exec(e)) => {
                if e.args.is_empty() {
                    return Err(err("SHELL requires at least one argument", args_span));
                }
                InstructionKind::Shell(ShellInstr { args: e.args })
            }
        },
        Keyword::Env | Keyword::Label => {
            let kv = parse_name_val(ctx, keyword, p, q, span, warnings)?;
            if keyword == Keyword::Env {
                InstructionKind::Env(kv)
            } else {
                InstructionKind::Label(kv)
            }
        }
        Keyword::Arg => {
            let words = ctx.parse_words(p, q);
            if words.is_empty() {
                return Err(err("ARG requires at least one argument", span));
            }
            let mut args = Vec::new();
            for (s, e) in words {
                let w = &text[s..e];
                let decl = match w.find('=') {
                    Some(i) => {
                        if i == 0 {
                            return Err(err("ARG names can not be blank", ctx.span(s, e)));
                        }
                        ArgDecl {
                            name: ctx.word(s, s + i, warnings),
                            default: Some(ctx.word(s + i + 1, e, warnings)),
                            span: ctx.span(s, e),
                        }
                    }
                    None => ArgDecl {
                        name: ctx.word(s, e, warnings),
                        default: None,
                        span: ctx.span(s, e),
                    },
                };
                args.push(decl);
            }
            InstructionKind::Arg(ArgInstr { args })
        }
        Keyword::Copy | Keyword::Add => {
            let (items, json) = maybe_json_to_list(ctx, p, q, warnings)?;
            if items.len() < 2 {
                return Err(err(
                    format!(
                        "{kwname} requires at least two arguments, but only one was provided. Destination could not be determined"
                    ),
                    span,
                ));
            }
            let mut items = items;
            let dest = items.pop().unwrap_or_default();
            if !json && parse_heredoc_word(&dest.raw).is_some() {
                return Err(err(
                    format!("{kwname} cannot accept a heredoc as a destination"),
                    dest.span,
                ));
            }
            let ci = CopyInstr {
                sources: items
                    .into_iter()
                    .map(|word| CopySource {
                        word,
                        heredoc: None,
                    })
                    .collect(),
                dest,
                from: flag_value(&flags, "from").cloned(),
                chown: flag_value(&flags, "chown").cloned(),
                chmod: flag_value(&flags, "chmod").cloned(),
                link: flag_bool(&flags, "link").unwrap_or(false),
                parents: flag_bool(&flags, "parents").unwrap_or(false),
                excludes: flags
                    .iter()
                    .filter(|f| f.name == "exclude")
                    .filter_map(|f| f.value.clone())
                    .collect(),
                checksum: flag_value(&flags, "checksum").cloned(),
                keep_git_dir: flag_bool(&flags, "keep-git-dir").unwrap_or(false),
                unpack: flag_bool(&flags, "unpack"),
                json,
            };
            if keyword == Keyword::Copy {
                InstructionKind::Copy(ci)
            } else {
                InstructionKind::Add(ci)
            }
        }
        Keyword::User => {
            need_one("exactly one argument")?;
            let user = ctx.word(p, q, warnings);
            let (name, group) = match text[p..q].find(':') {
                Some(i) => (
                    ctx.word(p, p + i, warnings),
                    Some(ctx.word(p + i + 1, q, warnings)),
                ),
                None => (user.clone(), None),
            };
            InstructionKind::User(UserInstr { user, name, group })
        }
        Keyword::Workdir => {
            need_one("exactly one argument")?;
            InstructionKind::Workdir {
                path: ctx.word(p, q, warnings),
            }
        }
        Keyword::Maintainer => {
            need_one("exactly one argument")?;
            InstructionKind::Maintainer {
                name: ctx.word(p, q, warnings),
            }
        }
        Keyword::Stopsignal => {
            need_one("exactly one argument")?;
            InstructionKind::Stopsignal {
                signal: ctx.word(p, q, warnings),
            }
        }
        Keyword::Expose => {
            let words = ctx.ws_split(p, q);
            if words.is_empty() {
                return Err(err("EXPOSE requires at least one argument", span));
            }
            InstructionKind::Expose(ExposeInstr {
                ports: words
                    .into_iter()
                    .map(|(s, e)| {
                        let word = ctx.word(s, e, warnings);
                        let (range, protocol) = parse_port(&word.value);
                        ExposePort {
                            word,
                            range,
                            protocol,
                        }
                    })
                    .collect(),
            })
        }
        Keyword::Volume => {
            let (paths, json) = maybe_json_to_list(ctx, p, q, warnings)?;
            if paths.is_empty() {
                return Err(err("VOLUME requires at least one argument", span));
            }
            if let Some(w) = paths.iter().find(|w| w.value.trim().is_empty()) {
                return Err(err("VOLUME specified can not be an empty string", w.span));
            }
            InstructionKind::Volume(VolumeInstr { paths, json })
        }
        Keyword::Healthcheck => {
            if no_args {
                return Err(err("HEALTHCHECK requires at least one argument", span));
            }
            let mut sep = p;
            while sep < q {
                let c = text[sep..].chars().next().unwrap_or(' ');
                if is_space(c) {
                    break;
                }
                sep += c.len_utf8();
            }
            let typ = text[p..sep].to_ascii_uppercase();
            let (rp, rq) = ctx.trim(sep, q);
            match typ.as_str() {
                "NONE" => {
                    if rp < rq {
                        return Err(err("HEALTHCHECK NONE takes no arguments", ctx.span(rp, rq)));
                    }
                    InstructionKind::Healthcheck(HealthcheckInstr::None)
                }
                "CMD" => {
                    validate_flags(keyword, &flags)?;
                    let command = match maybe_json(ctx, rp, rq, warnings)? {
                        Some(CommandForm::Exec(e)) if e.args.is_empty() => None,
                        c => c,
                    };
                    let Some(command) = command else {
                        return Err(err("Missing command after HEALTHCHECK CMD", span));
                    };
                    let mut options = HealthOptions::default();
                    for (name, slot) in [
                        ("interval", &mut options.interval),
                        ("timeout", &mut options.timeout),
                        ("start-period", &mut options.start_period),
                        ("start-interval", &mut options.start_interval),
                    ] {
                        if let Some(v) = flag_value(&flags, name) {
                            if v.value.is_empty() {
                                continue;
                            }
                            let Some(d) = parse_go_duration(&v.value) else {
                                return Err(err(
                                    format!("time: invalid duration {:?}", v.value),
                                    v.span,
                                ));
                            };
                            if !d.is_zero() && d < Duration::from_millis(1) {
                                return Err(err(
                                    format!("Interval {name:?} cannot be less than 1ms"),
                                    v.span,
                                ));
                            }
                            *slot = Some(d);
                        }
                    }
                    if let Some(v) = flag_value(&flags, "retries") {
                        if !v.value.is_empty() {
                            match v.value.parse::<i32>() {
                                Ok(n) => options.retries = Some(i64::from(n)),
                                Err(_) => {
                                    return Err(err(
                                        format!(
                                            "strconv.ParseInt: parsing {:?}: invalid syntax",
                                            v.value
                                        ),
                                        v.span,
                                    ))
                                }
                            }
                        }
                    }
                    InstructionKind::Healthcheck(HealthcheckInstr::Cmd { command, options })
                }
                _ => {
                    return Err(err(
                        format!("Unknown type {:?} in HEALTHCHECK (try CMD)", &text[p..sep]),
                        ctx.span(p, sep),
                    ))
                }
            }
        }
        Keyword::Onbuild => {
            if no_args {
                return Err(err("ONBUILD requires at least one argument", span));
            }
            let mut te = p;
            while te < q && !is_sep(bytes[te]) {
                te += 1;
            }
            let trigger = text[p..te].to_ascii_uppercase();
            match trigger.as_str() {
                "ONBUILD" => {
                    return Err(err(
                        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                        ctx.span(p, te),
                    ))
                }
                "MAINTAINER" | "FROM" => {
                    return Err(err(
                        format!("{trigger} isn't allowed as an ONBUILD trigger"),
                        ctx.span(p, te),
                    ))
                }
                _ => {}
            }
            if depth >= MAX_NESTING {
                return Err(err("ONBUILD nested too deeply", span));
            }
            let inner = build(ctx, p, depth + 1, warnings)?;
            InstructionKind::Onbuild(Box::new(inner))
        }
    };

    Ok(Instruction {
        keyword,
        keyword_span,
        span,
        flags,
        args_span,
        heredocs: Vec::new(),
        logical: SourceText {
            text: text[a..].to_string(),
            span,
            map: ctx.map.slice_from(a),
        },
        kind,
    })
}

/// BuildKit's `parseMaybeJSON`.
fn maybe_json(
    ctx: &Ctx<'_>,
    p: usize,
    q: usize,
    warnings: &mut Vec<ParseWarning>,
) -> Result<Option<CommandForm>, ParseError> {
    if p >= q {
        return Ok(None);
    }
    let text = ctx.text;
    if text.as_bytes()[p] == b'[' {
        match parse_array(&text[p..q]) {
            JsonArray::Strings(items, end) => {
                note_trailing(ctx, p + end, q, warnings);
                return Ok(Some(CommandForm::Exec(ExecForm {
                    args: items.iter().map(|it| ctx.json_word(p, it)).collect(),
                    span: ctx.span(p, p + end),
                })));
            }
            JsonArray::NotStrings => {
                return Err(err(
                    "when using JSON array syntax, arrays must be comprised of strings only",
                    ctx.span(p, q),
                ))
            }
            JsonArray::Invalid => {}
        }
    }
    Ok(Some(CommandForm::Shell(SourceText {
        text: text[p..q].to_string(),
        span: ctx.span(p, q),
        map: ctx.map.slice_from(p),
    })))
}

fn note_trailing(ctx: &Ctx<'_>, from: usize, q: usize, warnings: &mut Vec<ParseWarning>) {
    let (s, e) = ctx.trim(from, q);
    if s < e {
        warnings.push(ParseWarning {
            message: "text after the JSON array is ignored".to_string(),
            span: ctx.span(s, e),
        });
    }
}

/// BuildKit's `parseMaybeJSONToList`.
fn maybe_json_to_list(
    ctx: &Ctx<'_>,
    p: usize,
    q: usize,
    warnings: &mut Vec<ParseWarning>,
) -> Result<(Vec<Word>, bool), ParseError> {
    let text = ctx.text;
    if p < q && text.as_bytes()[p] == b'[' {
        match parse_array(&text[p..q]) {
            JsonArray::Strings(items, end) => {
                note_trailing(ctx, p + end, q, warnings);
                return Ok((items.iter().map(|it| ctx.json_word(p, it)).collect(), true));
            }
            JsonArray::NotStrings => {
                return Err(err(
                    "when using JSON array syntax, arrays must be comprised of strings only",
                    ctx.span(p, q),
                ))
            }
            JsonArray::Invalid => {}
        }
    }
    Ok((
        ctx.ws_split(p, q)
            .into_iter()
            .map(|(s, e)| ctx.word(s, e, warnings))
            .collect(),
        false,
    ))
}

/// BuildKit's `parseNameVal` (ENV / LABEL) plus `parseKvps` checks.
fn parse_name_val(
    ctx: &Ctx<'_>,
    kw: Keyword,
    p: usize,
    q: usize,
    span: Span,
    warnings: &mut Vec<ParseWarning>,
) -> Result<KeyValueInstr, ParseError> {
    let text = ctx.text;
    let name = kw.as_str();
    let words = ctx.parse_words(p, q);
    let Some(&(w0s, w0e)) = words.first() else {
        return Err(err(format!("{name} requires at least one argument"), span));
    };
    if !text[w0s..w0e].contains('=') {
        let bytes = text.as_bytes();
        let mut k = p;
        while k < q && !is_sep(bytes[k]) {
            k += 1;
        }
        let mut v = k;
        while v < q && is_sep(bytes[v]) {
            v += 1;
        }
        if k >= q {
            return Err(err(format!("{name} must have two arguments"), span));
        }
        return Ok(KeyValueInstr {
            pairs: vec![KeyValue {
                key: ctx.word(p, k, warnings),
                value: ctx.word(v, q, warnings),
                span: ctx.span(p, q),
            }],
            legacy: true,
        });
    }
    let mut pairs = Vec::new();
    for (s, e) in words {
        let w = &text[s..e];
        let Some(i) = w.find('=') else {
            return Err(err(
                format!("Syntax error - can't find = in {w:?}. Must be of the form: name=value"),
                ctx.span(s, e),
            ));
        };
        if i == 0 {
            return Err(err(
                format!("{name} names can not be blank"),
                ctx.span(s, e),
            ));
        }
        pairs.push(KeyValue {
            key: ctx.word(s, s + i, warnings),
            value: ctx.word(s + i + 1, e, warnings),
            span: ctx.span(s, e),
        });
    }
    Ok(KeyValueInstr {
        pairs,
        legacy: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_regex() {
        assert_eq!(match_directive("# escape=`"), Some(((2, 8), (9, 10))));
        assert_eq!(match_directive("#syntax = a b  "), Some(((1, 7), (10, 13))));
        assert_eq!(match_directive("# hello"), None);
        assert_eq!(match_directive("# 1a=b"), None);
        assert_eq!(match_directive("#x="), None);
    }

    #[test]
    fn continuation() {
        assert_eq!(continuation_cut("a \\", '\\'), Some(2));
        assert_eq!(continuation_cut("a \\  \t", '\\'), Some(2));
        assert_eq!(continuation_cut("\\", '\\'), Some(0));
        assert_eq!(continuation_cut("a \\\\", '\\'), None);
        assert_eq!(continuation_cut("a `", '`'), Some(2));
        assert_eq!(continuation_cut("a \\", '`'), None);
        assert_eq!(continuation_cut("", '\\'), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_go_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_go_duration("5"), None);
        assert_eq!(parse_go_duration("-5s"), None);
        assert_eq!(parse_go_duration("5x"), None);
    }

    #[test]
    fn ports() {
        assert_eq!(parse_port("80"), (Some((80, 80)), None));
        assert_eq!(parse_port("53/UDP"), (Some((53, 53)), Some("udp".into())));
        assert_eq!(
            parse_port("8000-8010/tcp"),
            (Some((8000, 8010)), Some("tcp".into()))
        );
        assert_eq!(parse_port("$P"), (None, None));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest_keyword("RUNN"), Some("RUN"));
        assert_eq!(suggest_keyword("COPPY"), Some("COPY"));
        assert_eq!(suggest_keyword("xyz"), None);
        assert_eq!(suggest_keyword("FOO"), None);
        assert_eq!(suggest_keyword("HELLO"), None);
        assert_eq!(suggest_keyword("WROKDIR"), Some("WORKDIR"));
    }
}
