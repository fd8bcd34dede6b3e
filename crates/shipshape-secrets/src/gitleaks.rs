//! `--gitleaks-config FILE`: import a gitleaks TOML configuration so teams keep their custom rules.
//!
//! Supported: `[[rules]]` (`id`, `description`, `regex`, `secretGroup`, `entropy`, `keywords`,
//! `path`), per-rule allowlists (`[rules.allowlist]` and `[[rules.allowlists]]`: `regexes`,
//! `regexTarget`, `stopwords`, `paths`, `commits`, `condition`), global allowlists (`[allowlist]`
//! and `[[allowlists]]` with `targetRules`), and `[extend] path` / `disabledRules`. Imported rules
//! run in addition to the built-in ones and report under [`CUSTOM_META`] with their gitleaks id.
//! gitleaks regexes are Go RE2; the Rust `regex` crate accepts the same syntax for all practical
//! purposes, and a rule that does not compile is an error naming the rule.

use crate::engine::{builtin_rule, AllowTarget, Engine, EngineRule, RuleAllow};
use crate::rules::Rank;
use crate::SecretsError;
use regex::bytes::Regex;
use serde::Deserialize;
use shipshape_core::checklist::ChecklistItem;
use shipshape_core::finding::SourceKind;
use shipshape_core::rule::RuleMeta;
use shipshape_core::severity::Severity;
use std::borrow::Cow;
use std::path::Path;

/// The code every imported gitleaks rule reports under (the gitleaks id is in the message).
pub static CUSTOM_META: RuleMeta = RuleMeta {
    code: "SS4799",
    slug: "gitleaks-custom-rule",
    summary: "A secret matched by a rule imported from a gitleaks configuration",
    severity: Severity::High,
    checklist: ChecklistItem::Secrets,
    source: SourceKind::Secret,
    equivalents: &[],
    fix: None,
    docs: concat!(
        "## What it does\n\nRuns the rules of a gitleaks configuration given with `--gitleaks-config`, ",
        "next to the built-in rules. Each finding names the gitleaks rule id.\n\n",
        "## Why it matters\n\nTeams encode their own token formats in gitleaks rules; importing them keeps ",
        "that knowledge when moving to shipshape.\n\n",
        "## How to fix\n\nRotate the credential and remove it from the file; or refine the gitleaks rule ",
        "or its allowlist if the match is not a secret.\n\n",
        "## Example\n\n```toml\n[[rules]]\nid = \"internal-token\"\nregex = '''itk_[a-z0-9]{32}'''\nkeywords = [\"itk_\"]\n```\n"
    ),
};

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    #[serde(default)]
    extend: Option<RawExtend>,
    #[serde(default)]
    rules: Vec<RawRule>,
    #[serde(default)]
    allowlist: Option<RawAllow>,
    #[serde(default)]
    allowlists: Vec<RawAllow>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawExtend {
    path: Option<String>,
    #[serde(default)]
    disabled_rules: Vec<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    id: String,
    description: Option<String>,
    regex: Option<String>,
    secret_group: Option<usize>,
    entropy: Option<f32>,
    #[serde(default)]
    keywords: Vec<String>,
    path: Option<String>,
    allowlist: Option<RawAllow>,
    #[serde(default)]
    allowlists: Vec<RawAllow>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct RawAllow {
    condition: Option<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    regex_target: Option<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    target_rules: Vec<String>,
}

/// A compiled global allowlist.
#[derive(Debug)]
struct GlobalAllow {
    allow: RuleAllow,
    commits: Vec<String>,
    target_rules: Vec<String>,
}

/// A path-only rule: the file's presence is the finding.
#[derive(Debug)]
pub struct PathRule {
    pub id: String,
    pub description: String,
    pub path: Regex,
}

/// A loaded gitleaks configuration: the combined engine and the global allowlists.
#[derive(Debug)]
pub struct GitleaksConfig {
    engine: Engine,
    globals: Vec<GlobalAllow>,
    path_rules: Vec<PathRule>,
    /// Number of imported rules.
    pub imported: usize,
}

impl GitleaksConfig {
    /// Loads a gitleaks TOML file (following `[extend] path`).
    pub fn load(path: &Path) -> Result<GitleaksConfig, SecretsError> {
        let raw = load_raw(path, 0)?;
        Self::build(raw, &path.display().to_string())
    }

    /// Parses gitleaks TOML text (`[extend] path` is not followed).
    pub fn parse(text: &str) -> Result<GitleaksConfig, SecretsError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| SecretsError::GitleaksConfig {
            path: "<text>".into(),
            message: e.message().to_string(),
        })?;
        Self::build(raw, "<text>")
    }

    fn build(raw: RawConfig, origin: &str) -> Result<GitleaksConfig, SecretsError> {
        let err = |message: String| SecretsError::GitleaksConfig {
            path: origin.to_string(),
            message,
        };
        let mut rules: Vec<EngineRule> =
            crate::rules::ALL.iter().map(|r| builtin_rule(r)).collect();
        let mut path_rules = Vec::new();
        let mut imported = 0;
        for r in &raw.rules {
            if r.id.trim().is_empty() {
                return Err(err("a rule has no id".into()));
            }
            let path = match &r.path {
                Some(p) => Some(
                    compile_go_regex(p).map_err(|e| err(format!("rule {}: path: {e}", r.id)))?,
                ),
                None => None,
            };
            let Some(re_src) = &r.regex else {
                match path {
                    Some(p) => path_rules.push(PathRule {
                        id: r.id.clone(),
                        description: r.description.clone().unwrap_or_else(|| r.id.clone()),
                        path: p,
                    }),
                    None => return Err(err(format!("rule {}: neither regex nor path", r.id))),
                }
                imported += 1;
                continue;
            };
            let regex =
                compile_go_regex(re_src).map_err(|e| err(format!("rule {}: regex: {e}", r.id)))?;
            let groups = regex.captures_len();
            let group = match r.secret_group {
                Some(g) if g >= groups => {
                    return Err(err(format!(
                        "rule {}: secretGroup {g} but the regex has {} groups",
                        r.id,
                        groups - 1
                    )))
                }
                Some(g) => g,
                None if groups > 1 => 1,
                None => 0,
            };
            let mut allows = Vec::new();
            for a in r.allowlist.iter().chain(r.allowlists.iter()) {
                allows.push(
                    compile_allow(a).map_err(|e| err(format!("rule {}: allowlist: {e}", r.id)))?,
                );
            }
            let multiline =
                re_src.contains("\\n") || re_src.contains("[\\s\\S]") || re_src.contains("(?s");
            rules.push(EngineRule {
                meta: &CUSTOM_META,
                builtin: None,
                label: Cow::Owned(r.id.clone()),
                description: Cow::Owned(format!(
                    "gitleaks rule {}{}",
                    r.id,
                    r.description
                        .as_deref()
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default()
                )),
                regex: Some(crate::engine::RuleRegex::compiled(regex)),
                group,
                entropy: r.entropy.unwrap_or(0.0),
                validator: None,
                rank: Rank::Specific,
                multiline,
                placeholder_check: false,
                path,
                allows,
                keywords: r.keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
            });
            imported += 1;
        }
        let mut globals = Vec::new();
        for a in raw.allowlist.iter().chain(raw.allowlists.iter()) {
            globals.push(GlobalAllow {
                allow: compile_allow(a).map_err(|e| err(format!("allowlist: {e}")))?,
                commits: a.commits.clone(),
                target_rules: a.target_rules.clone(),
            });
        }
        Ok(GitleaksConfig {
            engine: Engine::new(rules),
            globals,
            path_rules,
            imported,
        })
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Path-only rules whose path regex matches.
    pub fn path_rules_matching<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = &'a PathRule> + 'a {
        self.path_rules
            .iter()
            .filter(move |r| r.path.is_match(path.as_bytes()))
    }

    /// Whether a global allowlist (with only paths) excludes the file.
    pub fn path_allowed(&self, path: &str) -> bool {
        self.globals.iter().any(|g| {
            g.target_rules.is_empty()
                && !g.allow.paths.is_empty()
                && (!g.allow.all
                    || (g.allow.regexes.is_empty()
                        && g.allow.stopwords.is_empty()
                        && g.commits.is_empty()))
                && g.allow.paths.iter().any(|r| r.is_match(path.as_bytes()))
        })
    }

    /// Whether a global allowlist suppresses a finding.
    pub(crate) fn globally_allowed(
        &self,
        secret: &str,
        matched: &str,
        line: &str,
        commit: Option<&str>,
    ) -> bool {
        self.globals
            .iter()
            .filter(|g| g.target_rules.is_empty())
            .any(|g| {
                let target = match g.allow.target {
                    AllowTarget::Secret => secret,
                    AllowTarget::Match => matched,
                    AllowTarget::Line => line,
                };
                let mut checks = Vec::new();
                if !g.allow.regexes.is_empty() {
                    checks.push(
                        g.allow
                            .regexes
                            .iter()
                            .any(|r| r.is_match(target.as_bytes())),
                    );
                }
                if !g.allow.stopwords.is_empty() {
                    let lower = secret.to_ascii_lowercase();
                    checks.push(g.allow.stopwords.iter().any(|w| lower.contains(w.as_str())));
                }
                if !g.commits.is_empty() {
                    checks.push(
                        commit.is_some_and(|c| g.commits.iter().any(|x| c.starts_with(x.as_str()))),
                    );
                }
                if checks.is_empty() {
                    false
                } else if g.allow.all {
                    checks.iter().all(|c| *c)
                } else {
                    checks.iter().any(|c| *c)
                }
            })
    }
}

/// Compiles a gitleaks (Go RE2) regex. RE2 reads a `{` that does not start a counted repetition
/// (`{n}`, `{n,}`, `{n,m}`) as a literal, where the Rust crate reports an error: such braces are
/// escaped first. Everything else in RE2 syntax is accepted as is.
pub fn compile_go_regex(src: &str) -> Result<Regex, regex::Error> {
    // gitleaks rules lean on Unicode classes and wide counted repetitions: allow larger programs
    // than the crate's default 10 MiB.
    regex::bytes::RegexBuilder::new(&escape_literal_braces(src))
        .size_limit(256 << 20)
        .dfa_size_limit(64 << 20)
        .build()
}

fn escape_literal_braces(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' {
            // copy the escape and the escaped character (UTF-8 safe: find the next boundary)
            let mut j = i + 1;
            while j < b.len() && !src.is_char_boundary(j + 1) {
                j += 1;
            }
            out.push_str(&src[i..(j + 1).min(b.len())]);
            i = j + 1;
            continue;
        }
        if in_class {
            if c == b']' {
                in_class = false;
            }
        } else if c == b'[' {
            in_class = true;
            // a `]` right after `[` or `[^` is literal
            let mut j = i + 1;
            if b.get(j) == Some(&b'^') {
                j += 1;
            }
            if b.get(j) == Some(&b']') {
                out.push_str(&src[i..=j]);
                i = j + 1;
                continue;
            }
        } else if c == b'{' && !is_repetition(&b[i..]) {
            out.push_str("\\{");
            i += 1;
            continue;
        } else if c == b'}' {
            // a `}` not closing a repetition (those are consumed below) is literal
            out.push_str("\\}");
            i += 1;
            continue;
        }
        if c == b'{' && !in_class {
            let end = b[i..]
                .iter()
                .position(|x| *x == b'}')
                .map_or(b.len(), |p| i + p + 1);
            out.push_str(&src[i..end]);
            i = end;
            continue;
        }
        let ch_len = src[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&src[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// Whether `s` (starting at `{`) is `{n}`, `{n,}` or `{n,m}`.
fn is_repetition(s: &[u8]) -> bool {
    let Some(close) = s.iter().position(|c| *c == b'}') else {
        return false;
    };
    let inner = &s[1..close];
    let mut parts = inner.splitn(2, |c| *c == b',');
    let first = parts.next().unwrap_or(&[]);
    if first.is_empty() || !first.iter().all(u8::is_ascii_digit) {
        return false;
    }
    match parts.next() {
        None => true,
        Some(second) => second.iter().all(u8::is_ascii_digit),
    }
}

fn compile_allow(a: &RawAllow) -> Result<RuleAllow, String> {
    let target = match a.regex_target.as_deref() {
        None | Some("secret") | Some("") => AllowTarget::Secret,
        Some("match") => AllowTarget::Match,
        Some("line") => AllowTarget::Line,
        Some(other) => return Err(format!("unknown regexTarget `{other}`")),
    };
    let regexes = a
        .regexes
        .iter()
        .map(|r| compile_go_regex(r).map_err(|e| format!("regex `{r}`: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let paths = a
        .paths
        .iter()
        .map(|r| compile_go_regex(r).map_err(|e| format!("path `{r}`: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RuleAllow {
        regexes,
        target,
        stopwords: a.stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
        paths,
        all: a
            .condition
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("and")),
    })
}

fn load_raw(path: &Path, depth: usize) -> Result<RawConfig, SecretsError> {
    let err = |message: String| SecretsError::GitleaksConfig {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let mut raw: RawConfig = toml::from_str(&text).map_err(|e| err(e.message().to_string()))?;
    let Some(ext) = raw.extend.take() else {
        return Ok(raw);
    };
    let mut base = match ext.path {
        Some(p) if depth < 2 => {
            let p = Path::new(&p);
            let full = if p.is_absolute() {
                p.to_path_buf()
            } else {
                path.parent().unwrap_or(Path::new(".")).join(p)
            };
            load_raw(&full, depth + 1)?
        }
        Some(_) => return Err(err("extend chain deeper than 2".into())),
        None => RawConfig::default(),
    };
    base.rules.retain(|r| !ext.disabled_rules.contains(&r.id));
    for r in raw.rules {
        match base.rules.iter_mut().find(|b| b.id == r.id) {
            Some(b) => {
                if r.description.is_some() {
                    b.description = r.description;
                }
                if r.regex.is_some() {
                    b.regex = r.regex;
                }
                if r.secret_group.is_some() {
                    b.secret_group = r.secret_group;
                }
                if r.entropy.is_some() {
                    b.entropy = r.entropy;
                }
                if r.path.is_some() {
                    b.path = r.path;
                }
                b.keywords.extend(r.keywords);
                b.allowlists.extend(r.allowlist);
                b.allowlists.extend(r.allowlists);
            }
            None => base.rules.push(r),
        }
    }
    base.allowlist = base.allowlist.or(raw.allowlist);
    base.allowlists.extend(raw.allowlists);
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_braces_become_literals() {
        assert_eq!(escape_literal_braces("a{2,3}b{c}"), "a{2,3}b\\{c\\}");
        assert_eq!(escape_literal_braces("[{}]x{3}"), "[{}]x{3}");
        assert_eq!(escape_literal_braces("\\{{x"), "\\{\\{x");
        assert!(compile_go_regex("['\"]?\\$?{{[^}]+}}").is_ok());
        assert!(compile_go_regex("é{é").is_ok());
    }
}
