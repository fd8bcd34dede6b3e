//! The matching engine: a keyword prefilter (two Aho-Corasick automata, one case-insensitive for
//! lowercase keywords, one exact for keywords with capitals), then each hit rule's regex on the line
//! (or a bounded window) around the hit, then the secret checks. Files without a keyword hit cost
//! one automaton pass each. Base64 runs that decode to text are scanned again (see `decode`).

use crate::rules::{Rank, SecretRule, Validator};
use crate::validate;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::bytes::Regex;
use shipshape_core::rule::RuleMeta;
use std::borrow::Cow;
use std::sync::{Arc, LazyLock, OnceLock};

/// Lines longer than this (minified files) are searched in a window around each hit.
const LONG_LINE: usize = 4096;
/// Bytes searched on each side of a hit in a long line.
const WINDOW: usize = 1024;
/// Bytes searched after the hit's line start by multi-line rules (PEM blocks).
const MULTILINE_WINDOW: usize = 64 * 1024;

/// Per-rule allowlist (gitleaks `[[rules.allowlists]]`).
#[derive(Debug, Default, Clone)]
pub struct RuleAllow {
    pub regexes: Vec<Regex>,
    /// Apply regexes to the whole match or line instead of the secret.
    pub target: AllowTarget,
    pub stopwords: Vec<String>,
    pub paths: Vec<Regex>,
    /// `AND`: every given criterion must match; `OR` (default): any.
    pub all: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum AllowTarget {
    #[default]
    Secret,
    Match,
    Line,
}

/// A rule's regex. Built-in rules compile theirs on the first keyword hit: most scans (one
/// environment value, a small project) hit a handful of the 200-odd rules, and compiling all of
/// them up front costs more than the scan.
#[derive(Debug)]
pub struct RuleRegex {
    source: Option<&'static str>,
    compiled: OnceLock<Option<Regex>>,
}

impl RuleRegex {
    /// An already compiled regex (imported rules, compiled when their config is read so that
    /// errors name the rule).
    pub fn compiled(regex: Regex) -> RuleRegex {
        RuleRegex {
            source: None,
            compiled: OnceLock::from(Some(regex)),
        }
    }

    /// A built-in pattern, compiled on first use.
    pub fn lazy(pattern: &'static str) -> RuleRegex {
        RuleRegex {
            source: Some(pattern),
            compiled: OnceLock::new(),
        }
    }

    /// The compiled regex; `None` if the pattern does not compile (a programming error that the
    /// rule tests catch: the rule is then skipped rather than panicking in a release build).
    pub fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| {
                self.source
                    .and_then(|p| Regex::new(&format!("(?-u){p}")).ok())
            })
            .as_ref()
    }
}

/// A compiled rule.
#[derive(Debug)]
pub struct EngineRule {
    pub meta: &'static RuleMeta,
    /// Built-in rule, if any.
    pub builtin: Option<&'static SecretRule>,
    /// Name used in messages and `.gitleaksignore` (gitleaks id for imported rules).
    pub label: Cow<'static, str>,
    /// Human description: provider and credential kind.
    pub description: Cow<'static, str>,
    pub regex: Option<RuleRegex>,
    pub group: usize,
    pub entropy: f32,
    pub validator: Option<Validator>,
    pub rank: Rank,
    pub multiline: bool,
    pub placeholder_check: bool,
    /// gitleaks `path`: the rule only applies to matching paths (alone: the path itself is the finding).
    pub path: Option<Regex>,
    pub allows: Vec<RuleAllow>,
    pub keywords: Vec<String>,
}

/// A confirmed match: byte offsets of the secret and the whole regex match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawMatch {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    pub match_start: usize,
    pub match_end: usize,
    pub entropy: f32,
}

/// A rule a keyword triggers: its index, and the exact spelling the keyword must have when it
/// has upper-case letters.
type KeywordRule = (usize, Option<Box<[u8]>>);

/// A compiled rule set.
#[derive(Debug)]
pub struct Engine {
    pub rules: Vec<EngineRule>,
    /// One automaton over every keyword, ASCII case-insensitive: a single pass over the text
    /// (two automata, one per case mode, cost a second pass).
    keywords: Option<AhoCorasick>,
    /// Per keyword pattern: the rules it triggers, each with the exact spelling required when
    /// the rule's keyword has upper-case letters (matched case-sensitively).
    keyword_rules: Vec<Vec<KeywordRule>>,
    /// Rules without keywords: run on every text.
    always: Vec<usize>,
}

/// The built-in rule set, compiled once.
pub static DEFAULT: LazyLock<Arc<Engine>> = LazyLock::new(|| {
    let rules = crate::rules::ALL.iter().map(|r| builtin_rule(r)).collect();
    Arc::new(Engine::new(rules))
});

/// A built-in rule, its regex compiled on first use (see [`RuleRegex`]).
pub fn builtin_rule(r: &'static SecretRule) -> EngineRule {
    EngineRule {
        meta: &r.meta,
        builtin: Some(r),
        label: Cow::Borrowed(r.meta.slug),
        description: Cow::Owned(format!("{} {}", r.provider, r.what)),
        regex: Some(RuleRegex::lazy(r.regex)),
        group: r.group,
        entropy: r.entropy,
        validator: r.validator,
        rank: r.rank,
        multiline: r.multiline,
        placeholder_check: !matches!(r.family, crate::rules::Family::PrivateKey),
        path: None,
        allows: Vec::new(),
        keywords: r.keywords.iter().map(|k| k.to_string()).collect(),
    }
}

impl Engine {
    /// Builds the automata over the rules' keywords.
    pub fn new(rules: Vec<EngineRule>) -> Engine {
        let mut pats: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<KeywordRule>> = Vec::new();
        let mut always = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if r.regex.is_none() {
                continue; // path-only rule
            }
            if r.keywords.is_empty() {
                always.push(i);
                continue;
            }
            for k in &r.keywords {
                if k.is_empty() {
                    continue;
                }
                // A keyword with upper-case letters is matched exactly (a prefix such as `AKIA`),
                // the others in any case.
                let exact: Option<Box<[u8]>> = k
                    .bytes()
                    .any(|b| b.is_ascii_uppercase())
                    .then(|| k.as_bytes().into());
                let key = k.to_ascii_lowercase();
                let p = match pats.iter().position(|p| *p == key) {
                    Some(p) => p,
                    None => {
                        pats.push(key);
                        keyword_rules.push(Vec::new());
                        pats.len() - 1
                    }
                };
                if !keyword_rules[p].contains(&(i, exact.clone())) {
                    keyword_rules[p].push((i, exact));
                }
            }
        }
        let keywords = (!pats.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&pats)
                    .or_else(|_| {
                        AhoCorasickBuilder::new()
                            .ascii_case_insensitive(true)
                            .match_kind(MatchKind::Standard)
                            .build(&pats)
                    })
                    .ok()
            })
            .flatten();
        Engine {
            keywords,
            keyword_rules,
            always,
            rules,
        }
    }

    /// Scans a text; returns confirmed matches, overlaps resolved, sorted by position.
    /// `path` is the display path (for gitleaks path-scoped rules), when known.
    pub fn scan(&self, bytes: &[u8], path: Option<&str>) -> Vec<RawMatch> {
        self.scan_lines(bytes, path, None)
    }

    /// [`Engine::scan`], looking for keywords only in `region` (a line-aligned byte range: in history
    /// scans, the part of a file that changed since its previous version). Confirmation still sees
    /// the whole text around each hit.
    pub fn scan_lines(
        &self,
        bytes: &[u8],
        path: Option<&str>,
        region: Option<(usize, usize)>,
    ) -> Vec<RawMatch> {
        let (rs, re) = region.map_or((0, bytes.len()), |(s, e)| {
            let e = e.min(bytes.len());
            (s.min(e), e)
        });
        // (window start, window end, rule, haystack end): a match must start inside the window; the
        // regex sees the text before the window (for `\b`, `^`) and up to the haystack end.
        let mut cands: Vec<(usize, usize, usize, usize)> = Vec::new();
        if let Some(ac) = &self.keywords {
            let mut line = (usize::MAX, 0usize);
            for m in ac.find_overlapping_iter(&bytes[rs..re]) {
                let (hs, he) = (rs + m.start(), rs + m.end());
                let rules = &self.keyword_rules[m.pattern().as_usize()];
                let hit = &bytes[hs..he];
                if rules
                    .iter()
                    .all(|(_, exact)| exact.as_deref().is_some_and(|e| e != hit))
                {
                    continue; // only exact-case keywords, none spelled this way
                }
                if !(line.0 <= hs && he <= line.1) {
                    let ls = memchr::memrchr(b'\n', &bytes[..hs]).map_or(0, |p| p + 1);
                    let le = memchr::memchr(b'\n', &bytes[he..]).map_or(bytes.len(), |p| he + p);
                    line = (ls, le);
                }
                for (ri, exact) in rules {
                    if exact.as_deref().is_some_and(|e| e != hit) {
                        continue;
                    }
                    let ri = *ri;
                    let rule = &self.rules[ri];
                    let cand = if rule.multiline {
                        let end = (line.0 + MULTILINE_WINDOW).min(bytes.len());
                        (line.0, end, ri, end)
                    } else if line.1 - line.0 > LONG_LINE {
                        let we = (he + WINDOW).min(line.1);
                        (
                            hs.saturating_sub(WINDOW).max(line.0),
                            we,
                            ri,
                            (we + 512).min(line.1),
                        )
                    } else {
                        (line.0, line.1, ri, line.1)
                    };
                    cands.push(cand);
                }
            }
        }
        for &ri in &self.always {
            cands.push((0, bytes.len(), ri, bytes.len()));
        }
        // Per rule, merge overlapping windows: a minified line with thousands of hits is then
        // searched once per rule, not once per hit.
        cands.sort_unstable_by_key(|&(ws, we, ri, _)| (ri, ws, we));
        let mut merged: Vec<(usize, usize, usize, usize)> = Vec::with_capacity(cands.len());
        for c in cands {
            match merged.last_mut() {
                Some(last) if last.2 == c.2 && c.0 <= last.1 => {
                    last.1 = last.1.max(c.1);
                    last.3 = last.3.max(c.3);
                }
                _ => merged.push(c),
            }
        }

        let mut out: Vec<RawMatch> = Vec::new();
        for (ws, we, ri, hay_end) in merged {
            let rule = &self.rules[ri];
            if let (Some(p), Some(path)) = (&rule.path, path) {
                if !p.is_match(path.as_bytes()) {
                    continue;
                }
            } else if rule.path.is_some() && path.is_none() {
                continue;
            }
            let Some(re) = rule.regex.as_ref().and_then(RuleRegex::get) else {
                continue;
            };
            // A group named `user` holds a URL user name: a password equal to it is a default.
            let user_group = re.capture_names().position(|n| n == Some("user"));
            let hay = &bytes[..hay_end];
            // One byte early: patterns such as `(?:^|[^a-z])key` consume the newline before the line.
            let mut pos = ws.saturating_sub(1);
            while pos <= we && pos <= hay.len() {
                let Some(caps) = re.captures_at(hay, pos) else {
                    break;
                };
                let Some(whole) = caps.get(0) else { break };
                if whole.start() > we {
                    break;
                }
                pos = if whole.end() > whole.start() {
                    whole.end()
                } else {
                    whole.end() + 1
                };
                let secret = if rule.group == 0 {
                    Some(whole)
                } else {
                    (rule.group..caps.len()).find_map(|g| caps.get(g))
                };
                let Some(secret) = secret else { continue };
                let s = secret.as_bytes();
                if s.is_empty() {
                    continue;
                }
                let ent = validate::entropy(s);
                if ent < rule.entropy {
                    continue;
                }
                if rule.placeholder_check && validate::is_placeholder(s) {
                    continue;
                }
                if let Some(ug) = user_group {
                    if caps.get(ug).is_some_and(|u| u.as_bytes() == s) {
                        continue;
                    }
                }
                let abs_start = secret.start();
                let abs_end = secret.end();
                if matches!(rule.rank, Rank::Assignment | Rank::Entropy) {
                    let before = abs_start.checked_sub(1).map(|i| bytes[i]);
                    let quoted = matches!(before, Some(b'"' | b'\'' | b'`'));
                    if !validate::plausible_assigned_value(s, quoted) {
                        continue;
                    }
                    // A bare value followed by a call, an index or a struct body is an expression
                    // (`token = JSONExprTok1[0]`, `pass := parallelPushdown{…}`).
                    if matches!(bytes.get(abs_end), Some(b'(' | b'[' | b'{')) {
                        continue;
                    }
                    if sealed_ciphertext(bytes, s) {
                        continue;
                    }
                    if quoted && quote_closes_key_literal(bytes, whole.start(), abs_start) {
                        continue;
                    }
                }
                // The entropy rule accepts any key containing a credential word: one naming an
                // identifier (`AUTH0_CLIENT_ID`, `sessionName`) holds no secret.
                if rule.rank == Rank::Entropy
                    && (validate::identifier_key(assigned_key(&bytes[whole.start()..abs_start]))
                        || public_key_name(bytes, whole.start(), abs_start))
                {
                    continue;
                }
                if !rule.multiline
                    && rule
                        .builtin
                        .is_none_or(|b| b.family != crate::rules::Family::PrivateKey)
                    && in_data_uri(bytes, abs_start)
                {
                    continue;
                }
                if let Some(v) = rule.validator {
                    if !v(s) {
                        continue;
                    }
                }
                if !rule.allows.is_empty() && self.rule_allowed(rule, bytes, path, whole, s) {
                    continue;
                }
                out.push(RawMatch {
                    rule: ri,
                    start: abs_start,
                    end: abs_end,
                    match_start: whole.start(),
                    match_end: whole.end(),
                    entropy: ent,
                });
            }
        }
        self.resolve(out, bytes)
    }

    fn rule_allowed(
        &self,
        rule: &EngineRule,
        bytes: &[u8],
        path: Option<&str>,
        whole: regex::bytes::Match<'_>,
        secret: &[u8],
    ) -> bool {
        rule.allows.iter().any(|a| {
            let target: &[u8] = match a.target {
                AllowTarget::Secret => secret,
                AllowTarget::Match => whole.as_bytes(),
                AllowTarget::Line => {
                    let (ls, le) = line_bounds(bytes, whole.start());
                    &bytes[ls..le]
                }
            };
            let lower = String::from_utf8_lossy(secret).to_ascii_lowercase();
            let mut checks: Vec<bool> = Vec::new();
            if !a.regexes.is_empty() {
                checks.push(a.regexes.iter().any(|r| r.is_match(target)));
            }
            if !a.stopwords.is_empty() {
                checks.push(a.stopwords.iter().any(|w| lower.contains(w.as_str())));
            }
            if !a.paths.is_empty() {
                checks.push(path.is_some_and(|p| a.paths.iter().any(|r| r.is_match(p.as_bytes()))));
            }
            if checks.is_empty() {
                false
            } else if a.all {
                checks.iter().all(|c| *c)
            } else {
                checks.iter().any(|c| *c)
            }
        })
    }

    /// Drops duplicates and overlaps (the more specific rule wins; then the longer secret), and
    /// matches on lines carrying an inline `shipshape:allow` / `gitleaks:allow`.
    fn resolve(&self, mut v: Vec<RawMatch>, bytes: &[u8]) -> Vec<RawMatch> {
        // Greedy: best rank first, then the longer secret, then the earlier one; keep a match only
        // if it overlaps nothing kept. Quadratic in the matches of one text, which are few.
        v.sort_by(|a, b| {
            let (ra, rb) = (self.rules[a.rule].rank, self.rules[b.rule].rank);
            ra.cmp(&rb)
                .then((b.end - b.start).cmp(&(a.end - a.start)))
                .then(a.start.cmp(&b.start))
                .then(a.rule.cmp(&b.rule))
        });
        let mut kept: Vec<RawMatch> = Vec::with_capacity(v.len());
        for m in v {
            if kept.iter().all(|k| k.end <= m.start || m.end <= k.start) {
                kept.push(m);
            }
        }
        kept.retain(|m| !inline_allowed(bytes, m.match_start, m.match_end));
        kept.sort_by_key(|m| (m.start, m.rule));
        kept
    }
}

/// The key of an assignment match: the last identifier before the separator in `head` (the text
/// of the match before the secret).
fn assigned_key(head: &[u8]) -> &[u8] {
    let end = head
        .iter()
        .rposition(|b| b.is_ascii_alphanumeric() || b"_.-".contains(b))
        .map_or(0, |p| p + 1);
    let start = head[..end]
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || b"_.-".contains(b)))
        .map_or(0, |p| p + 1);
    &head[start..end]
}

/// Whether the quote opening an assigned value (at `value_start - 1`) actually closes a string
/// literal that holds the key: the key is not quoted itself and an odd number of that quote
/// character precedes it on its line (`log("password = " + pw + " ok")`, `"...:_password = "+x`).
/// The "value" is then code between two literals.
fn quote_closes_key_literal(bytes: &[u8], match_start: usize, value_start: usize) -> bool {
    let Some(q) = value_start.checked_sub(1).map(|i| bytes[i]) else {
        return false;
    };
    let head = &bytes[match_start..value_start - 1];
    let key = assigned_key(head);
    if key.is_empty() {
        return false;
    }
    // `key` is a subslice of `head`: its offset within the text.
    let key_start = match_start + (key.as_ptr() as usize - head.as_ptr() as usize);
    let key_end = key_start + key.len();
    if matches!(bytes.get(key_end), Some(b'"' | b'\'' | b'`')) {
        return false;
    }
    let line_start = memchr::memrchr(b'\n', &bytes[..key_start]).map_or(0, |p| p + 1);
    let before = &bytes[line_start..key_start];
    let unescaped = (0..before.len())
        .filter(|&i| before[i] == q && (i == 0 || before[i - 1] != b'\\'))
        .count();
    unescaped % 2 == 1
}

/// Whether the key of an assignment names a public key (`public_key`, `publicKey`, `pubkey`,
/// `# public key:`): public halves of key pairs are published on purpose.
fn public_key_name(bytes: &[u8], match_start: usize, value_start: usize) -> bool {
    let head = &bytes[match_start..value_start];
    let key = assigned_key(head);
    let key_start = match_start + (key.as_ptr() as usize).wrapping_sub(head.as_ptr() as usize);
    // The key and the word before it on the line (`public key`, written with a space).
    let line_start = memchr::memrchr(b'\n', &bytes[..key_start]).map_or(0, |p| p + 1);
    let from = key_start.saturating_sub(8).max(line_start);
    let text: Vec<u8> = bytes[from..key_start + key.len()]
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect();
    text.ends_with(b"publickey") || text.ends_with(b"pubkey")
}

/// Whether `value` is a Bitnami SealedSecret ciphertext: a long base64 value in a file declaring
/// `kind: SealedSecret`. Those values are encrypted to the cluster controller's public key and
/// made to be committed; only the controller can decrypt them.
fn sealed_ciphertext(bytes: &[u8], value: &[u8]) -> bool {
    value.len() >= 64
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
        && memchr::memmem::find(bytes, b"SealedSecret").is_some()
}

/// Whether the text at `pos` lies inside the payload of a base64 `data:` URI
/// (`data:image/png;base64,...`): encoded images and fonts, where a provider pattern matches by
/// chance.
fn in_data_uri(bytes: &[u8], pos: usize) -> bool {
    let run_start = bytes[..pos]
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || b"+/=".contains(b)))
        .map_or(0, |p| p + 1);
    run_start > 0 && bytes[..run_start].ends_with(b";base64,")
}

/// Byte range of the line holding `pos` (without the newline).
pub fn line_bounds(bytes: &[u8], pos: usize) -> (usize, usize) {
    let pos = pos.min(bytes.len());
    let ls = memchr::memrchr(b'\n', &bytes[..pos]).map_or(0, |p| p + 1);
    let le = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |p| pos + p);
    (ls, le)
}

/// Whether the first or last line of a match carries an inline allow marker.
pub(crate) fn inline_allowed(bytes: &[u8], start: usize, end: usize) -> bool {
    let has = |pos: usize| {
        let (ls, le) = line_bounds(bytes, pos);
        let line = &bytes[ls..le];
        memchr::memmem::find(line, b"shipshape:allow").is_some()
            || memchr::memmem::find(line, b"gitleaks:allow").is_some()
    };
    has(start) || has(end.saturating_sub(1).max(start))
}
