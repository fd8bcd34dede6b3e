//! A small owned YAML tree with byte spans, built from saphyr's `MarkedYaml`.
//!
//! saphyr gives every node a span in characters and resolves aliases under an alias budget (so a
//! billion-laughs document fails instead of exhausting memory), but it keeps merge keys (`<<`) as
//! plain keys and its scalars are either raw representations or resolved values. Compose,
//! Kubernetes and CI files all need the same three things on top: byte offsets (for `Finding::at`),
//! merge-key expansion and a file index (a Compose project merges several files). This module does
//! exactly that and nothing else, so the front ends walk one simple tree.

use saphyr::{MarkedYaml, ScalarStyle, YamlData, YamlLoader};
use saphyr_parser::Parser;

/// Maximum nesting depth accepted; deeper documents are rejected rather than risking the stack.
const MAX_DEPTH: usize = 200;
/// Alias expansion budget in nodes (saphyr's default is 100 000; real files use a few hundred).
const ALIAS_LIMIT: usize = 50_000;

/// One YAML node with its byte range in file `file` (an index chosen by the caller).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub file: usize,
    pub start: usize,
    pub end: usize,
    pub v: V,
}

/// A scalar's text after any interpolation, and what it was before.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub s: String,
    /// Written in quotes (so `"true"` is a string, not a boolean).
    pub quoted: bool,
    /// A literal block scalar (`|`): line breaks are kept.
    pub literal: bool,
    /// The text before interpolation, when interpolation changed it.
    pub orig: Option<String>,
    /// Interpolation met a variable with no value and no default.
    pub unresolved: bool,
}

/// The node's content.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Null,
    Str(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A YAML syntax error with its byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub offset: usize,
    pub message: String,
}

impl Node {
    /// A synthetic node (for defaults), located at `at`.
    pub fn synthetic(file: usize, at: usize, v: V) -> Node {
        Node {
            file,
            start: at,
            end: at,
            v,
        }
    }

    pub fn str(&self) -> Option<&str> {
        match &self.v {
            V::Str(s) => Some(&s.s),
            _ => None,
        }
    }

    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.v {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.v, V::Null)
    }

    pub fn map(&self) -> Option<&[(Node, Node)]> {
        match &self.v {
            V::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn seq(&self) -> Option<&[Node]> {
        match &self.v {
            V::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value of mapping key `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value of mapping key `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.map()?
            .iter()
            .find(|(k, _)| k.str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in keys {
            n = n.get(k)?;
        }
        Some(n)
    }

    /// A scalar read as a boolean (YAML 1.2 core schema spellings, plus strings after interpolation).
    pub fn as_bool(&self) -> Option<bool> {
        match self.str()?.trim() {
            // YAML 1.1 spellings too: Compose accepts `privileged: yes`
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
            _ => None,
        }
    }

    /// A scalar or the items of a sequence of scalars.
    pub fn items(&self) -> Vec<&Node> {
        match &self.v {
            V::Seq(s) => s.iter().collect(),
            V::Str(_) => vec![self],
            _ => Vec::new(),
        }
    }

    /// Applies `f` to every scalar value (not keys).
    pub fn for_each_value_mut(&mut self, f: &mut dyn FnMut(&mut Scalar)) {
        match &mut self.v {
            V::Str(s) => f(s),
            V::Seq(items) => items.iter_mut().for_each(|n| n.for_each_value_mut(f)),
            V::Map(entries) => entries
                .iter_mut()
                .for_each(|(_, v)| v.for_each_value_mut(f)),
            V::Null => {}
        }
    }
}

/// Converts character indices (saphyr's markers) into byte offsets.
struct CharIndex {
    /// Byte offset of each character, plus one past the end; empty when the text is ASCII.
    offsets: Vec<usize>,
    len: usize,
}

impl CharIndex {
    fn new(text: &str) -> Self {
        let offsets = if text.is_ascii() {
            Vec::new()
        } else {
            let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            v.push(text.len());
            v
        };
        CharIndex {
            offsets,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.offsets.is_empty() {
            char_index.min(self.len)
        } else {
            self.offsets.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

/// Parses every document of `text`. Duplicate keys are an error, as in Compose and kubectl.
///
/// go-yaml (Docker Compose, kubectl) and PyYAML accept flow collections and multi-line quoted
/// scalars whose continuation lines are indented no deeper than their parent key (a closing `]`
/// under `test: [`), which saphyr rejects as "invalid indentation". Real files rely on that, so
/// on such an error the offending line is indented one column deeper than the line before it
/// (leading spaces do not change flow content) and parsing is retried; spans are mapped back.
pub fn load(text: &str, file: usize) -> Result<Vec<Node>, YamlError> {
    let first = match load_strict(text, file) {
        Ok(d) => return Ok(d),
        Err(e) => e,
    };
    if !first.message.contains("indentation") {
        return Err(first);
    }
    let mut fixed = text.to_string();
    let mut err = first.clone();
    for _ in 0..200 {
        let line_start = fixed[..err.offset.min(fixed.len())]
            .rfind('\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        let line_end = fixed[line_start..]
            .find('\n')
            .map(|i| line_start + i)
            .unwrap_or(fixed.len());
        let line = &fixed[line_start..line_end];
        let indent = line.len() - line.trim_start_matches(' ').len();
        let prev_indent = fixed[..line_start.saturating_sub(1)]
            .rsplit('\n')
            .find(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .unwrap_or(0);
        let quote = fixed
            .as_bytes()
            .get(err.offset)
            .copied()
            .filter(|c| *c == b'"' || *c == b'\'');
        if let (Some(q), true) = (quote, err.message.contains("quoted scalar")) {
            // a multi-line quoted scalar: indent its continuation lines past the opening line
            if !reindent_quoted(&mut fixed, line_end, indent, q) {
                return Err(first);
            }
        } else if line.trim().is_empty() || prev_indent < indent {
            return Err(first);
        } else {
            fixed.insert_str(line_start, &" ".repeat(prev_indent + 1 - indent));
        }
        match load_strict(&fixed, file) {
            Ok(mut docs) => {
                let map = LineMap::new(text, &fixed);
                docs.iter_mut().for_each(|d| map.remap(d));
                return Ok(docs);
            }
            Err(e) if e.message.contains("indentation") => err = e,
            Err(_) => return Err(first),
        }
    }
    Err(first)
}

/// Indents the lines after `from` (up to the one holding the closing quote `q`) to `base + 1`.
fn reindent_quoted(text: &mut String, from: usize, base: usize, q: u8) -> bool {
    let mut pos = from + 1;
    let mut changed = false;
    while pos < text.len() {
        let end = text[pos..]
            .find('\n')
            .map(|i| pos + i)
            .unwrap_or(text.len());
        let line = &text[pos..end];
        let indent = line.len() - line.trim_start_matches(' ').len();
        let closes = line
            .as_bytes()
            .iter()
            .enumerate()
            .any(|(i, c)| *c == q && (i == 0 || line.as_bytes()[i - 1] != b'\\'));
        let mut next = end + 1;
        if !line.trim().is_empty() && indent <= base {
            let pad = base + 1 - indent;
            text.insert_str(pos, &" ".repeat(pad));
            next += pad;
            changed = true;
        }
        if closes {
            break;
        }
        pos = next;
    }
    changed
}

/// Maps byte offsets of a re-indented copy back to the original text (same lines, extra
/// leading spaces on some of them).
struct LineMap {
    orig_starts: Vec<usize>,
    fixed_starts: Vec<usize>,
    extra: Vec<usize>,
}

impl LineMap {
    fn new(orig: &str, fixed: &str) -> Self {
        let starts = |t: &str| {
            std::iter::once(0)
                .chain(t.match_indices('\n').map(|(i, _)| i + 1))
                .collect::<Vec<_>>()
        };
        let orig_starts = starts(orig);
        let fixed_starts = starts(fixed);
        let indent = |t: &str, s: usize| t[s..].len() - t[s..].trim_start_matches(' ').len();
        let extra = orig_starts
            .iter()
            .zip(&fixed_starts)
            .map(|(o, f)| indent(fixed, *f).saturating_sub(indent(orig, *o)))
            .collect();
        LineMap {
            orig_starts,
            fixed_starts,
            extra,
        }
    }

    fn map(&self, f: usize) -> usize {
        let line = match self.fixed_starts.binary_search(&f) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let col = f - self.fixed_starts.get(line).copied().unwrap_or(0);
        let extra = self.extra.get(line).copied().unwrap_or(0);
        self.orig_starts.get(line).copied().unwrap_or(0) + col.saturating_sub(extra)
    }

    fn remap(&self, n: &mut Node) {
        n.start = self.map(n.start);
        n.end = self.map(n.end).max(n.start);
        match &mut n.v {
            V::Seq(items) => items.iter_mut().for_each(|i| self.remap(i)),
            V::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                self.remap(k);
                self.remap(v);
            }),
            _ => {}
        }
    }
}

fn load_strict(text: &str, file: usize) -> Result<Vec<Node>, YamlError> {
    let idx = CharIndex::new(text);
    let mut loader: YamlLoader<MarkedYaml> = YamlLoader::default();
    loader.early_parse(false);
    loader.alias_limit(ALIAS_LIMIT);
    let mut parser = Parser::new_from_str(text);
    let err = |e: &saphyr::ScanError| YamlError {
        offset: idx.byte(e.marker().index()),
        message: e.info().to_string(),
    };
    if let Err(e) = parser.load(&mut loader, true) {
        return Err(err(&e));
    }
    if let Some(e) = loader.error() {
        return Err(err(e));
    }
    let docs = loader.into_documents();
    let mut out = Vec::with_capacity(docs.len());
    for d in &docs {
        out.push(convert(d, &idx, file, 0)?);
    }
    Ok(out)
}

fn convert(n: &MarkedYaml, idx: &CharIndex, file: usize, depth: usize) -> Result<Node, YamlError> {
    let start = idx.byte(n.span.start.index());
    let end = idx.byte(n.span.end.index()).max(start);
    if depth > MAX_DEPTH {
        return Err(YamlError {
            offset: start,
            message: format!("nesting deeper than {MAX_DEPTH} levels"),
        });
    }
    let v = match &n.data {
        YamlData::Representation(s, style, _) => {
            let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
            let plain = matches!(style, ScalarStyle::Plain);
            let literal = matches!(style, ScalarStyle::Literal);
            if plain && matches!(s.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
                V::Null
            } else {
                V::Str(Scalar {
                    s: s.to_string(),
                    quoted,
                    literal,
                    orig: None,
                    unresolved: false,
                })
            }
        }
        YamlData::Value(v) => V::Str(Scalar {
            s: format!("{v:?}"),
            quoted: false,
            literal: false,
            orig: None,
            unresolved: false,
        }),
        YamlData::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(convert(i, idx, file, depth + 1)?);
            }
            V::Seq(out)
        }
        YamlData::Mapping(m) => {
            let mut entries = Vec::with_capacity(m.len());
            let mut merges = Vec::new();
            for (k, val) in m {
                let key = convert(k, idx, file, depth + 1)?;
                let value = convert(val, idx, file, depth + 1)?;
                let is_merge = matches!(&k.data, YamlData::Representation(s, ScalarStyle::Plain, _) if s == "<<");
                if is_merge {
                    merges.push(value);
                } else {
                    entries.push((key, value));
                }
            }
            expand_merges(&mut entries, merges);
            V::Map(entries)
        }
        YamlData::Tagged(_, inner) => return convert(inner, idx, file, depth + 1),
        YamlData::Alias(_) | YamlData::BadValue => V::Null,
    };
    Ok(Node {
        file,
        start,
        end,
        v,
    })
}

/// YAML merge keys (`<<: *a` or `<<: [*a, *b]`): keys of the merged maps are added unless the map
/// already has them; with several maps, the earlier one wins.
fn expand_merges(entries: &mut Vec<(Node, Node)>, merges: Vec<Node>) {
    for m in merges {
        let sources: Vec<Node> = match m.v {
            V::Seq(items) => items,
            other => vec![Node { v: other, ..m }],
        };
        for src in sources {
            if let V::Map(src_entries) = src.v {
                for (k, v) in src_entries {
                    let present = entries
                        .iter()
                        .any(|(ek, _)| ek.str().is_some() && ek.str() == k.str());
                    if !present {
                        entries.push((k, v));
                    }
                }
            }
        }
    }
}

/// Whether `s` looks like YAML written for a template engine (Helm, Jinja), which is not YAML yet.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") && text.contains("}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes_and_merges_expand() {
        let text = "é: 1\nbase: &b\n  a: x\n  c: y\nsvc:\n  <<: *b\n  a: z\n";
        let docs = load(text, 3).unwrap();
        let root = &docs[0];
        let svc = root.get("svc").unwrap();
        assert_eq!(svc.get("a").unwrap().str(), Some("z"));
        let c = svc.get("c").unwrap();
        assert_eq!(c.str(), Some("y"));
        // the merged value points at its definition under `base`
        assert_eq!(&text[c.start..c.end], "y");
        assert_eq!(c.file, 3);
        let (k, _) = root.entry("base").unwrap();
        assert_eq!(&text[k.start..k.end], "base");
    }

    #[test]
    fn errors_and_limits() {
        assert!(load("a: [1, 2\n", 0).is_err());
        assert!(load("a: 1\na: 2\n", 0).is_err());
        let deep = "[".repeat(500) + &"]".repeat(500);
        assert!(load(&deep, 0).is_err());
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        assert!(load(&bomb, 0).is_err());
    }

    #[test]
    fn tolerates_go_yaml_flow_indentation() {
        let text = "a:\n  test: [\n      \"x\",\n  ]\n  b: 1\nc:\n  - \"one\n  two\"\n";
        let docs = load(text, 0).unwrap();
        let b = docs[0].path(&["a", "b"]).unwrap();
        assert_eq!(&text[b.start..b.end], "1");
        assert_eq!(
            docs[0].path(&["a", "test"]).unwrap().seq().unwrap().len(),
            1
        );
        assert_eq!(
            docs[0].get("c").unwrap().seq().unwrap()[0].str(),
            Some("one two")
        );
        assert!(load("a: [\n  b: *nope\n", 0).is_err());
    }

    #[test]
    fn nulls_and_quotes() {
        let docs = load("a:\nb: ~\nc: 'true'\nd: true\n", 0).unwrap();
        assert!(docs[0].get("a").unwrap().is_null());
        assert!(docs[0].get("b").unwrap().is_null());
        assert!(docs[0].get("c").unwrap().scalar().unwrap().quoted);
        assert_eq!(docs[0].get("d").unwrap().as_bool(), Some(true));
    }
}
