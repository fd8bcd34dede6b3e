//! A compact, stable text dump of the tree (used by the golden tests and for debugging).
//!
//! Every word is printed as `"value"`, followed by `raw=` when the raw text differs, by `src=`
//! when the source text under its span differs from the raw text (which only happens across
//! line continuations), and by its span `@start..end`.

use crate::ast::*;
use crate::shell;
use crate::stages::{BaseRef, RefTarget, StageGraph};
use std::fmt::Write;

fn word(df: &Dockerfile, w: &Word) -> String {
    let mut s = format!("{:?}", w.value);
    if w.raw != w.value {
        let _ = write!(s, " raw={:?}", w.raw);
    }
    let src = df.text(w.span);
    if src != w.raw {
        let _ = write!(s, " src={:?}", src);
    }
    let _ = write!(s, " @{}", w.span);
    s
}

fn text(df: &Dockerfile, t: &SourceText) -> String {
    let mut s = format!("{:?}", t.text);
    let src = df.text(t.span);
    if src != t.text {
        let _ = write!(s, " src={:?}", src);
    }
    let _ = write!(s, " @{}", t.span);
    s
}

fn command_form(df: &Dockerfile, c: &CommandForm, out: &mut String, ind: &str) {
    match c {
        CommandForm::Shell(t) => {
            let _ = writeln!(out, "{ind}shell {}", text(df, t));
        }
        CommandForm::Exec(e) => {
            let _ = writeln!(out, "{ind}exec @{}", e.span);
            for a in &e.args {
                let _ = writeln!(out, "{ind}  item {}", word(df, a));
            }
        }
    }
}

fn opt(df: &Dockerfile, name: &str, w: &Option<Word>, out: &mut String, ind: &str) {
    if let Some(w) = w {
        let _ = writeln!(out, "{ind}{name} {}", word(df, w));
    }
}

fn instruction(df: &Dockerfile, i: &Instruction, out: &mut String, ind: &str) {
    let _ = writeln!(
        out,
        "{ind}{} @{} keyword@{}",
        i.keyword, i.span, i.keyword_span
    );
    let ind2 = format!("{ind}  ");
    let ind = ind2.as_str();
    for f in &i.flags {
        match &f.value {
            Some(v) => {
                let _ = writeln!(
                    out,
                    "{ind}flag {} = {} name@{}",
                    f.name,
                    word(df, v),
                    f.name_span
                );
            }
            None => {
                let _ = writeln!(out, "{ind}flag {} name@{} @{}", f.name, f.name_span, f.span);
            }
        }
    }
    match &i.kind {
        InstructionKind::From(f) => {
            let _ = writeln!(out, "{ind}image {}", word(df, &f.image));
            opt(df, "alias", &f.alias, out, ind);
        }
        InstructionKind::Run(r) => {
            command_form(df, &r.command, out, ind);
            for m in &r.mounts {
                let fields: Vec<String> = m
                    .fields
                    .iter()
                    .map(|(k, v)| match v {
                        Some(v) => format!("{k}={v}"),
                        None => k.clone(),
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "{ind}mount type={} [{}] @{}",
                    m.kind,
                    fields.join(" "),
                    m.span
                );
            }
        }
        InstructionKind::Cmd(c) | InstructionKind::Entrypoint(c) => match &c.command {
            Some(c) => command_form(df, c, out, ind),
            None => {
                let _ = writeln!(out, "{ind}(empty)");
            }
        },
        InstructionKind::Shell(s) => {
            for a in &s.args {
                let _ = writeln!(out, "{ind}item {}", word(df, a));
            }
        }
        InstructionKind::Label(kv) | InstructionKind::Env(kv) => {
            if kv.legacy {
                let _ = writeln!(out, "{ind}(legacy form)");
            }
            for p in &kv.pairs {
                let _ = writeln!(
                    out,
                    "{ind}pair {} = {}",
                    word(df, &p.key),
                    word(df, &p.value)
                );
            }
        }
        InstructionKind::Arg(a) => {
            for d in &a.args {
                match &d.default {
                    Some(v) => {
                        let _ = writeln!(out, "{ind}arg {} = {}", word(df, &d.name), word(df, v));
                    }
                    None => {
                        let _ = writeln!(out, "{ind}arg {}", word(df, &d.name));
                    }
                }
            }
        }
        InstructionKind::Copy(c) | InstructionKind::Add(c) => {
            if c.json {
                let _ = writeln!(out, "{ind}(json form)");
            }
            for s in &c.sources {
                match s.heredoc {
                    Some(h) => {
                        let _ = writeln!(out, "{ind}source {} heredoc#{h}", word(df, &s.word));
                    }
                    None => {
                        let _ = writeln!(out, "{ind}source {}", word(df, &s.word));
                    }
                }
            }
            let _ = writeln!(out, "{ind}dest {}", word(df, &c.dest));
            let mut bools = Vec::new();
            if c.link {
                bools.push("link");
            }
            if c.parents {
                bools.push("parents");
            }
            if c.keep_git_dir {
                bools.push("keep-git-dir");
            }
            if !bools.is_empty() {
                let _ = writeln!(out, "{ind}options {}", bools.join(" "));
            }
        }
        InstructionKind::User(u) => {
            let _ = writeln!(out, "{ind}user {}", word(df, &u.name));
            opt(df, "group", &u.group, out, ind);
        }
        InstructionKind::Workdir { path } => {
            let _ = writeln!(out, "{ind}path {}", word(df, path));
        }
        InstructionKind::Expose(e) => {
            for p in &e.ports {
                let range = match p.range {
                    Some((a, b)) if a == b => a.to_string(),
                    Some((a, b)) => format!("{a}-{b}"),
                    None => "?".to_string(),
                };
                let _ = writeln!(
                    out,
                    "{ind}port {} range={range} proto={}",
                    word(df, &p.word),
                    p.protocol.as_deref().unwrap_or("-")
                );
            }
        }
        InstructionKind::Volume(v) => {
            for p in &v.paths {
                let _ = writeln!(out, "{ind}path {}", word(df, p));
            }
        }
        InstructionKind::Stopsignal { signal } => {
            let _ = writeln!(out, "{ind}signal {}", word(df, signal));
        }
        InstructionKind::Healthcheck(h) => match h {
            HealthcheckInstr::None => {
                let _ = writeln!(out, "{ind}NONE");
            }
            HealthcheckInstr::Cmd { command, options } => {
                let _ = writeln!(out, "{ind}options {options:?}");
                command_form(df, command, out, ind);
            }
        },
        InstructionKind::Onbuild(inner) => instruction(df, inner, out, ind),
        InstructionKind::Maintainer { name } => {
            let _ = writeln!(out, "{ind}name {}", word(df, name));
        }
    }
    for h in &i.heredocs {
        let _ = writeln!(
            out,
            "{ind}heredoc {:?} fd={} chomp={} expand={} marker {}",
            h.name,
            h.fd.map_or("-".to_string(), |f| f.to_string()),
            h.chomp,
            h.expand,
            word(df, &h.marker)
        );
        let _ = writeln!(out, "{ind}  body {}", text(df, &h.content));
        let _ = writeln!(out, "{ind}  terminator @{}", h.terminator_span);
    }
    if i.keyword == Keyword::Run {
        for c in shell::commands(i) {
            let mut line = format!("{ind}$ {}", quote_arg(&c.name.value));
            for a in &c.args {
                line.push(' ');
                line.push_str(&quote_arg(&a.value));
            }
            let mut notes = Vec::new();
            if !c.wrappers.is_empty() {
                let w: Vec<&str> = c.wrappers.iter().map(|w| w.name.value.as_str()).collect();
                notes.push(format!("via {}", w.join(",")));
            }
            if !c.assignments.is_empty() {
                let a: Vec<&str> = c.assignments.iter().map(|a| a.name.as_str()).collect();
                notes.push(format!("env {}", a.join(",")));
            }
            if !c.redirects.is_empty() {
                let r: Vec<String> = c
                    .redirects
                    .iter()
                    .map(|r| {
                        format!(
                            "{}{}{}",
                            r.fd.map_or(String::new(), |f| f.to_string()),
                            r.op,
                            r.target.as_ref().map_or("", |t| t.value.as_str())
                        )
                    })
                    .collect();
                notes.push(format!("redir {}", r.join(" ")));
            }
            if c.is_piped() {
                notes.push(format!("pipe {}/{}", c.pipeline.index + 1, c.pipeline.len));
            }
            if c.before != shell::Connector::None {
                notes.push(format!("after {:?}", c.before.as_str()));
            }
            let cx = c.context;
            for (flag, name) in [
                (cx.in_condition, "cond"),
                (cx.in_loop, "loop"),
                (cx.in_subshell, "subshell"),
                (cx.in_substitution, "subst"),
                (cx.in_case, "case"),
                (cx.in_function, "func"),
                (cx.in_shell_c, "sh-c"),
                (cx.in_heredoc, "heredoc"),
            ] {
                if flag {
                    notes.push(name.to_string());
                }
            }
            if !notes.is_empty() {
                let _ = write!(line, " ({})", notes.join("; "));
            }
            let _ = writeln!(out, "{line} @{}", c.span);
        }
    }
}

fn quote_arg(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%^*".contains(c))
    {
        s.to_string()
    } else {
        format!("{s:?}")
    }
}

/// Dumps the tree.
pub fn dump(df: &Dockerfile) -> String {
    let mut out = String::new();
    if df.escape != '\\' {
        let _ = writeln!(out, "escape {:?}", df.escape);
    }
    for d in &df.directives {
        let _ = writeln!(
            out,
            "directive {} = {:?} @{} name@{} value@{}",
            d.name, d.value, d.span, d.name_span, d.value_span
        );
    }
    // Comments and instructions interleaved in source order.
    let mut ci = df.comments.iter().peekable();
    for i in &df.instructions {
        while let Some(c) = ci.next_if(|c| c.span.start < i.span.start) {
            let _ = writeln!(out, "comment {:?} @{}", c.text, c.span);
        }
        instruction(df, i, &mut out, "");
    }
    for c in ci {
        let _ = writeln!(out, "comment {:?} @{}", c.text, c.span);
    }
    for w in &df.warnings {
        let _ = writeln!(out, "warning {:?} @{}", w.message, w.span);
    }
    out
}

/// Dumps a stage graph.
pub fn dump_stages(df: &Dockerfile, g: &StageGraph) -> String {
    let mut out = String::new();
    for a in &g.global_args {
        let _ = writeln!(out, "global-arg {} = {:?}", a.name, a.value);
    }
    for s in &g.stages {
        let base = match &s.base_ref {
            BaseRef::Scratch => "scratch".to_string(),
            BaseRef::Stage(i) => format!("stage {i}"),
            BaseRef::Image(im) => format!("image {im:?}"),
        };
        let _ = write!(
            out,
            "stage {} name={:?} instructions={}..{} base={:?} -> {base}",
            s.index, s.name, s.instructions.start, s.instructions.end, s.base.value
        );
        if !s.base.unresolved.is_empty() {
            let _ = write!(out, " unresolved={:?}", s.base.unresolved);
        }
        if let Some(p) = &s.platform {
            let _ = write!(out, " platform={:?}", p.value);
            if !p.unresolved.is_empty() {
                let _ = write!(out, " (unresolved {:?})", p.unresolved);
            }
        }
        let _ = writeln!(out, " deps={:?}", s.deps);
    }
    for r in &g.from_refs {
        let t = match &r.target {
            RefTarget::Stage(i) => format!("stage {i}"),
            RefTarget::Image(im) => format!("image {im:?}"),
            RefTarget::InvalidIndex(i) => format!("invalid index {i}"),
        };
        let _ = writeln!(
            out,
            "from-ref {:?} instruction={} stage={} {:?} src={:?} -> {t}",
            r.kind,
            r.instruction,
            r.stage,
            r.value.value,
            df.text(r.value.word.span)
        );
    }
    let _ = writeln!(
        out,
        "target {} required={:?}",
        g.target,
        g.required_stages()
    );
    for p in &g.problems {
        let _ = writeln!(out, "problem {:?} @{}", p.message, p.span);
    }
    out
}
