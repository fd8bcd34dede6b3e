//! Variables of the file a `docker run` line is written in, expanded before the runtime rules (as
//! Compose interpolation is): Make's `VAR ?= x`, `VAR := x`, `VAR = x`, `VAR += x` and `export`
//! (a Makefile's `$(VAR)`/`${VAR}`, and `$$VAR` for the variables it exports to the recipe's
//! shell); a shell script's `VAR=x`, `export VAR=x`, `readonly`/`local`/`declare VAR=x` before
//! the command; and `${VAR:-x}` / `${VAR-x}` / `${VAR:=x}` defaults. Values come from the file
//! only, never the scanning process's environment.
//!
//! A reference with no value here is kept as written (`$(REGISTRY)/app:latest` still reads as
//! `latest`), and marks the result unresolved. Command substitutions, positional and special
//! parameters, Make functions and substitution references are never expanded.

use crate::shell::{self, TextKind};
use std::collections::HashMap;

const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone)]
struct MakeVar {
    /// The value as written (recursive `=`) or as expanded at definition (`:=`).
    value: String,
    /// `=` and `?=`: expanded when used.
    recursive: bool,
    /// `!=` or an unknown `define`: no value known here.
    unknown: bool,
    exported: bool,
}

/// The variables a file defines.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    make: Option<HashMap<String, MakeVar>>,
    /// Shell assignments in file order: (offset, name, value; `None` when not known here).
    shell: Vec<(usize, String, Option<String>)>,
}

/// A word after expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub text: String,
    /// A reference had no value here (and no default); it is kept as written in `text`.
    pub unresolved: bool,
}

impl Vars {
    /// Collects the assignments of `text` (the shell view of the file: see
    /// [`shell::shell_view`]), read as `kind`.
    pub fn collect(text: &str, kind: TextKind) -> Vars {
        let mut vars = Vars::default();
        if kind == TextKind::Makefile {
            vars.make = Some(make_assignments(text));
            return vars;
        }
        for cmd in shell::commands(text) {
            let mut words = cmd.iter().peekable();
            let declared = words.peek().is_some_and(|w| {
                matches!(
                    w.text.as_str(),
                    "export" | "readonly" | "local" | "declare" | "typeset"
                )
            });
            if declared {
                words.next();
                while words.peek().is_some_and(|w| w.text.starts_with('-')) {
                    words.next();
                }
            }
            let rest: Vec<&shell::Word> = words.collect();
            // `A=1 cmd` sets A for cmd only: only a command made of assignments sets variables
            if rest.is_empty() || !rest.iter().all(|w| shell::is_assignment(&w.text)) {
                continue;
            }
            for w in rest {
                let Some((name, value)) = w.text.split_once('=') else {
                    continue;
                };
                let raw = text.get(w.start..w.end).unwrap_or("");
                let raw_value = raw.split_once('=').map(|(_, v)| v).unwrap_or("");
                let value = if raw_value.starts_with('\'') {
                    Some(value.to_string())
                } else {
                    let e = vars.expand_shell_at(value, w.start);
                    (!e.unresolved).then_some(e.text)
                };
                vars.shell.push((w.start, name.to_string(), value));
            }
        }
        vars
    }

    /// Expands `word` (a shell word's text, quotes removed) written at byte `at`; `raw` is the
    /// word as written, for its quoting (nothing in single quotes is a shell variable).
    pub fn expand(&self, word: &str, raw: &str, at: usize) -> Expanded {
        match &self.make {
            Some(_) => {
                let mut unresolved = false;
                let shell_text = self.expand_make(word, &mut unresolved, 0);
                let e = if raw.contains('\'') {
                    Expanded {
                        text: shell_text,
                        unresolved: false,
                    }
                } else {
                    self.expand_shell_at(&shell_text, at)
                };
                Expanded {
                    text: e.text,
                    unresolved: unresolved || e.unresolved,
                }
            }
            None if raw.contains('\'') => Expanded {
                text: word.to_string(),
                unresolved: false,
            },
            None => self.expand_shell_at(word, at),
        }
    }

    /// The value of shell variable `name` at `at`: the last assignment before it (for a
    /// Makefile, the variables it exports).
    fn shell_value(&self, name: &str, at: usize) -> Option<Option<String>> {
        if let Some(make) = &self.make {
            let v = make.get(name).filter(|v| v.exported)?;
            if v.unknown {
                return Some(None);
            }
            let mut unresolved = false;
            let text = if v.recursive {
                self.expand_make(&v.value, &mut unresolved, 1)
            } else {
                v.value.clone()
            };
            return Some((!unresolved).then_some(text));
        }
        self.shell
            .iter()
            .rev()
            .find(|(off, n, _)| *off < at && n == name)
            .map(|(_, _, v)| v.clone())
    }

    fn expand_shell_at(&self, s: &str, at: usize) -> Expanded {
        let mut unresolved = false;
        let text = self.expand_shell(s, at, &mut unresolved, 0);
        Expanded { text, unresolved }
    }

    fn expand_shell(&self, s: &str, at: usize, unresolved: &mut bool, depth: usize) -> String {
        if depth > MAX_DEPTH || !s.contains(['$', '`']) {
            return s.to_string();
        }
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'`' => {
                    let end = s[i + 1..].find('`').map(|e| i + e + 2).unwrap_or(b.len());
                    out.push_str(&s[i..end]);
                    *unresolved = true;
                    i = end;
                }
                b'$' => match b.get(i + 1) {
                    Some(b'(') => {
                        let end = closing(b, i + 1, b'(', b')');
                        out.push_str(&s[i..end]);
                        *unresolved = true;
                        i = end;
                    }
                    Some(b'{') => {
                        let end = closing(b, i + 1, b'{', b'}');
                        let inner = &s[(i + 2).min(end)..end.saturating_sub(1).max(i + 2)];
                        match self.braced(inner, at, unresolved, depth) {
                            Some(v) => out.push_str(&v),
                            None => {
                                out.push_str(&s[i..end]);
                                *unresolved = true;
                            }
                        }
                        i = end;
                    }
                    Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                        let mut j = i + 1;
                        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                            j += 1;
                        }
                        match self.shell_value(&s[i + 1..j], at).flatten() {
                            Some(v) => out.push_str(&v),
                            None => {
                                out.push_str(&s[i..j]);
                                *unresolved = true;
                            }
                        }
                        i = j;
                    }
                    Some(c) if c.is_ascii_digit() || b"@*#?$!-".contains(c) => {
                        out.push_str(&s[i..i + 2]);
                        *unresolved = true;
                        i += 2;
                    }
                    _ => {
                        out.push('$');
                        i += 1;
                    }
                },
                _ => {
                    let l = s[i..].chars().next().map(char::len_utf8).unwrap_or(1);
                    out.push_str(&s[i..i + l]);
                    i += l;
                }
            }
        }
        out
    }

    /// `${...}`: the value, or `None` to keep the reference as written.
    fn braced(
        &self,
        inner: &str,
        at: usize,
        unresolved: &mut bool,
        depth: usize,
    ) -> Option<String> {
        let name_end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, op) = inner.split_at(name_end);
        if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
            return None;
        }
        let val = self.shell_value(name, at);
        // set, with a known value / set to something unknown / not set in this file
        let known = val.clone().flatten();
        let set = val.is_some();
        let nonempty = known.as_deref().is_some_and(|v| !v.is_empty());
        let arg = |skip: usize| op.get(skip..).unwrap_or("");
        let mut expand = |t: &str| self.expand_shell(t, at, unresolved, depth + 1);
        if op.is_empty() {
            return known;
        }
        if op.starts_with(":-") || op.starts_with(":=") {
            return if nonempty {
                known
            } else if set && known.is_none() {
                None
            } else {
                Some(expand(arg(2)))
            };
        }
        if op.starts_with('-') || op.starts_with('=') {
            return if set { known } else { Some(expand(arg(1))) };
        }
        if op.starts_with(":+") {
            return if set && known.is_none() {
                None
            } else if nonempty {
                Some(expand(arg(2)))
            } else {
                Some(String::new())
            };
        }
        if op.starts_with('+') {
            return if set && known.is_none() {
                None
            } else if set {
                Some(expand(arg(1)))
            } else {
                Some(String::new())
            };
        }
        // `${VAR:?msg}` and string operations: the value only when there is nothing to compute
        if op.starts_with(":?") || op.starts_with('?') {
            return known;
        }
        None
    }

    /// Make's pass: `$(VAR)`/`${VAR}` replaced, `$$` turned into `$` for the shell.
    fn expand_make(&self, s: &str, unresolved: &mut bool, depth: usize) -> String {
        let Some(make) = &self.make else {
            return s.to_string();
        };
        if depth > MAX_DEPTH || !s.contains('$') {
            return s.to_string();
        }
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] != b'$' {
                let l = s[i..].chars().next().map(char::len_utf8).unwrap_or(1);
                out.push_str(&s[i..i + l]);
                i += l;
                continue;
            }
            match b.get(i + 1) {
                Some(b'$') => {
                    // `$$` is one `$` for the recipe's shell
                    out.push('$');
                    i += 2;
                }
                Some(&open @ (b'(' | b'{')) => {
                    let close = if open == b'(' { b')' } else { b'}' };
                    let end = closing(b, i + 1, open, close);
                    let inner = s.get(i + 2..end.saturating_sub(1)).unwrap_or("");
                    let simple = !inner.is_empty()
                        && inner
                            .bytes()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
                    match make.get(inner).filter(|v| simple && !v.unknown) {
                        Some(v) if v.recursive => {
                            out.push_str(&self.expand_make(&v.value, unresolved, depth + 1))
                        }
                        Some(v) => out.push_str(&v.value),
                        None => {
                            out.push_str(&s[i..end]);
                            *unresolved = true;
                        }
                    }
                    i = end;
                }
                Some(_) => {
                    // automatic variables (`$@`, `$<`) and one-letter names
                    let l = s[i + 1..].chars().next().map(char::len_utf8).unwrap_or(1);
                    out.push_str(&s[i..i + 1 + l]);
                    *unresolved = true;
                    i += 1 + l;
                }
                None => {
                    out.push('$');
                    i += 1;
                }
            }
        }
        out
    }
}

/// Offset after the bracket matching the one at `open_at` (or the end).
fn closing(b: &[u8], open_at: usize, open: u8, close: u8) -> usize {
    let mut depth = 0usize;
    for (j, &c) in b.iter().enumerate().skip(open_at) {
        if c == open {
            depth += 1;
        } else if c == close {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return j + 1;
            }
        }
    }
    b.len()
}

/// Make's assignments, in file order (recipes, conditionals' bodies and `define` blocks
/// included as written: a linter reads every branch).
fn make_assignments(text: &str) -> HashMap<String, MakeVar> {
    let mut vars: HashMap<String, MakeVar> = HashMap::new();
    let mut exports: Vec<String> = Vec::new();
    let mut logical = String::new();
    let mut in_define = false;
    for line in text.lines() {
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let l = std::mem::take(&mut logical);
        if l.starts_with('\t') {
            continue;
        }
        let t = l.trim();
        if in_define {
            in_define = t != "endef";
            continue;
        }
        let t = match t.find('#') {
            Some(h) if h == 0 || !t[..h].ends_with('\\') => t[..h].trim_end(),
            _ => t,
        };
        let mut rest = t;
        let mut exported = false;
        loop {
            if let Some(r) = rest.strip_prefix("export ") {
                exported = true;
                rest = r.trim_start();
            } else if let Some(r) = rest
                .strip_prefix("override ")
                .or_else(|| rest.strip_prefix("private "))
            {
                rest = r.trim_start();
            } else {
                break;
            }
        }
        if let Some(name) = rest.strip_prefix("define ") {
            let name = name
                .trim()
                .trim_end_matches(['=', ':', '?', '+', '!', ' '])
                .to_string();
            vars.insert(
                name,
                MakeVar {
                    value: String::new(),
                    recursive: true,
                    unknown: true,
                    exported,
                },
            );
            in_define = true;
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ':' | '#' | '=' | '?' | '+' | '!'))
            .unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_end);
        if name.is_empty() || name.contains(['$', '(', ')']) {
            continue;
        }
        let after = after.trim_start();
        let ops = [":::=", "::=", ":=", "?=", "+=", "!=", "="];
        let Some(op) = ops.iter().find(|o| after.starts_with(**o)) else {
            // `export NAME` exports a variable defined elsewhere
            if exported {
                exports.extend(rest.split_whitespace().map(str::to_string));
            }
            continue;
        };
        let value = after[op.len()..].trim().to_string();
        let prev = vars.get(name).cloned();
        let var = match *op {
            "?=" if prev.is_some() => {
                let mut p = prev.clone().unwrap_or_else(|| MakeVar {
                    value: String::new(),
                    recursive: false,
                    unknown: true,
                    exported,
                });
                p.exported |= exported;
                p
            }
            "=" | "?=" => MakeVar {
                value,
                recursive: true,
                unknown: false,
                exported,
            },
            "+=" => match prev.clone() {
                Some(mut p) => {
                    p.value = if p.value.is_empty() {
                        value
                    } else {
                        format!("{} {value}", p.value)
                    };
                    p.exported |= exported;
                    p
                }
                None => MakeVar {
                    value,
                    recursive: true,
                    unknown: false,
                    exported,
                },
            },
            "!=" => MakeVar {
                value,
                recursive: false,
                unknown: true,
                exported,
            },
            _ => {
                // simply expanded: the value as of this line
                let snapshot = Vars {
                    make: Some(vars.clone()),
                    shell: Vec::new(),
                };
                let mut unresolved = false;
                let expanded = snapshot.expand_make(&value, &mut unresolved, 0);
                MakeVar {
                    value: expanded,
                    recursive: false,
                    unknown: false,
                    exported,
                }
            }
        };
        let exported = var.exported || prev.is_some_and(|p| p.exported);
        vars.insert(name.to_string(), MakeVar { exported, ..var });
    }
    for n in exports {
        if let Some(v) = vars.get_mut(&n) {
            v.exported = true;
        }
    }
    vars
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(text: &str, word: &str) -> Expanded {
        Vars::collect(text, TextKind::Makefile).expand(word, word, text.len())
    }

    fn sh(text: &str, word: &str) -> Expanded {
        Vars::collect(text, TextKind::Shell).expand(word, word, text.len())
    }

    #[test]
    fn make_variables() {
        let mk = "REGISTRY ?= ghcr.io/acme\nIMAGE := $(REGISTRY)/app\nTAG = $(VERSION)\nVERSION = 1.2\nFLAGS += --rm\nFLAGS += -it\nexport HOST_PORT = 8080\nOUT != git rev-parse HEAD\n\nrun:\n\tIMAGE=nope docker run $(FLAGS) $(IMAGE):$(TAG)\n";
        assert_eq!(make(mk, "$(IMAGE):${TAG}").text, "ghcr.io/acme/app:1.2");
        assert!(!make(mk, "$(IMAGE)").unresolved);
        assert_eq!(make(mk, "$(FLAGS)").text, "--rm -it");
        // exported to the recipe's shell, escaped for Make
        assert_eq!(make(mk, "$$HOST_PORT:80").text, "8080:80");
        let unknown = make(mk, "$(NOPE)/app:latest");
        assert_eq!(unknown.text, "$(NOPE)/app:latest");
        assert!(unknown.unresolved);
        assert!(make(mk, "app:$(OUT)").unresolved);
        assert!(make(mk, "$(shell cat VERSION)").unresolved);
        assert!(make(mk, "$$(date)").unresolved);
        // `?=` does not override an earlier value
        let mk2 = "A = 1\nA ?= 2\n";
        assert_eq!(make(mk2, "$(A)").text, "1");
    }

    #[test]
    fn shell_variables() {
        let script = "IMAGE=acme/app\nexport TAG=\"1.2\"\nlocal NAME='lit$x'\nFROM_CMD=$(cat tag)\nONE_OFF=x docker ps\n";
        assert_eq!(sh(script, "$IMAGE:${TAG}").text, "acme/app:1.2");
        assert_eq!(sh(script, "$NAME").text, "lit$x");
        assert!(sh(script, "$FROM_CMD").unresolved);
        // a prefix assignment sets the variable for that command only
        assert!(sh(script, "$ONE_OFF").unresolved);
        assert_eq!(sh(script, "${UNSET:-alpine:3.20}").text, "alpine:3.20");
        assert_eq!(sh(script, "${TAG:-latest}").text, "1.2");
        assert_eq!(sh(script, "${TAG:+v}${TAG}").text, "v1.2");
        assert!(sh(script, "$1").unresolved);
        // assignments after the command do not count
        let v = Vars::collect("docker run $IMG\nIMG=x\n", TextKind::Shell);
        assert!(v.expand("$IMG", "$IMG", 11).unresolved);
        // nothing in single quotes is expanded
        assert_eq!(
            Vars::collect("IMAGE=a\n", TextKind::Shell)
                .expand("$IMAGE", "'$IMAGE'", 20)
                .text,
            "$IMAGE"
        );
    }
}
