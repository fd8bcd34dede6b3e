//! Helpers shared by the integration tests.
#![allow(dead_code)]

use shipshape_dockerfile::shell::{self, SimpleCommand};
use shipshape_dockerfile::*;

/// Removes Dockerfile line continuations (escape + optional blanks + newline) and the comment
/// or blank lines BuildKit skips inside them, so a source slice can be compared to a raw word.
fn strip_continuations(s: &str, esc: char) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = s.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches('\r');
        let t = line.trim_end_matches([' ', '\t']);
        if i + 1 < lines.len() && t.ends_with(esc) {
            out.push_str(&t[..t.len() - esc.len_utf8()]);
            i += 1;
            while i < lines.len() - 1 {
                let l = lines[i].trim_start();
                if l.is_empty() || l.starts_with('#') {
                    i += 1;
                } else {
                    break;
                }
            }
            continue;
        }
        out.push_str(lines[i]);
        if i + 1 < lines.len() {
            out.push('\n');
        }
        i += 1;
    }
    out
}

/// Checks that `w`'s span slices the source to its raw text (modulo continuations).
pub fn check_word(df: &Dockerfile, what: &str, w: &Word, bad: &mut Vec<String>) {
    let src = df.text(w.span);
    if src == w.raw {
        return;
    }
    if strip_continuations(src, df.escape) != w.raw {
        bad.push(format!(
            "{what}: raw {:?} but span {} slices {:?}",
            w.raw, w.span, src
        ));
    }
}

/// Checks every span of the tree and of the RUN commands.
pub fn check_invariants(df: &Dockerfile) -> Vec<String> {
    let mut bad = Vec::new();
    let len = df.source.len();
    for c in &df.comments {
        if !df.text(c.span).starts_with('#') {
            bad.push(format!("comment span {} does not start with #", c.span));
        }
    }
    for i in &df.instructions {
        check_instruction(df, i, &mut bad);
    }
    let _ = len;
    bad
}

fn check_instruction(df: &Dockerfile, i: &Instruction, bad: &mut Vec<String>) {
    let kw = df.text(i.keyword_span);
    if !kw.eq_ignore_ascii_case(i.keyword.as_str()) {
        bad.push(format!("keyword span {} slices {:?}", i.keyword_span, kw));
    }
    if !i.span.contains_span(i.keyword_span) || i.span.end > df.source.len() {
        bad.push(format!("instruction span {} bad", i.span));
    }
    for f in &i.flags {
        if !df.text(f.span).starts_with("--") {
            bad.push(format!("flag span {} slices {:?}", f.span, df.text(f.span)));
        }
        if let Some(v) = &f.value {
            check_word(df, "flag value", v, bad);
        }
    }
    let mut words: Vec<&Word> = Vec::new();
    match &i.kind {
        InstructionKind::From(f) => {
            words.push(&f.image);
            words.extend(f.alias.iter());
        }
        InstructionKind::Copy(c) | InstructionKind::Add(c) => {
            words.extend(c.sources.iter().map(|s| &s.word));
            words.push(&c.dest);
        }
        InstructionKind::Env(kv) | InstructionKind::Label(kv) => {
            for p in &kv.pairs {
                words.push(&p.key);
                words.push(&p.value);
            }
        }
        InstructionKind::Arg(a) => {
            for d in &a.args {
                words.push(&d.name);
                words.extend(d.default.iter());
            }
        }
        InstructionKind::User(u) => {
            words.push(&u.user);
            words.push(&u.name);
            words.extend(u.group.iter());
        }
        InstructionKind::Expose(e) => words.extend(e.ports.iter().map(|p| &p.word)),
        InstructionKind::Volume(v) => words.extend(v.paths.iter()),
        InstructionKind::Workdir { path } => words.push(path),
        InstructionKind::Onbuild(inner) => check_instruction(df, inner, bad),
        _ => {}
    }
    if let Some(CommandForm::Exec(e)) = i.command() {
        words.extend(e.args.iter());
    }
    for w in words {
        check_word(df, "word", w, bad);
    }
    if let Some(CommandForm::Shell(t)) = i.command() {
        if strip_continuations(df.text(t.span), df.escape) != t.text {
            bad.push(format!(
                "shell text {:?} vs source {:?}",
                t.text,
                df.text(t.span)
            ));
        }
    }
    for h in &i.heredocs {
        check_word(df, "heredoc marker", &h.marker, bad);
        if !h.chomp && df.text(h.content.span) != h.content.text {
            bad.push(format!("heredoc body span {} mismatch", h.content.span));
        }
    }
    if i.keyword == Keyword::Run {
        for c in shell::commands(i) {
            check_command(df, &c, bad);
        }
    }
}

/// Words of shell commands must slice to their raw text, except inside `sh -c` strings where
/// the raw text is the unquoted inner text.
pub fn check_command(df: &Dockerfile, c: &SimpleCommand, bad: &mut Vec<String>) {
    if c.context.in_shell_c {
        if c.span.end > df.source.len() || c.span.start > c.span.end {
            bad.push(format!("sh -c command span {} out of range", c.span));
        }
        return;
    }
    check_word(df, "command name", &c.name, bad);
    for a in &c.args {
        check_word(df, "command arg", a, bad);
    }
}
