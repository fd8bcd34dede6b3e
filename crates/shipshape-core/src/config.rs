//! `shipshape.toml`: the one configuration file, validated up front with errors that name the line.

use crate::checklist::ChecklistItem;
use crate::rule::{RuleMeta, RuleRegistry};
use crate::severity::Severity;
use crate::source::SourceFile;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// File names looked for when walking up from the scanned path.
pub const CONFIG_FILE_NAMES: [&str; 2] = ["shipshape.toml", ".shipshape.toml"];

/// A problem in the configuration, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<Spanned<String>>,
    min_confidence: Option<Spanned<String>>,
    profile: Option<Spanned<String>>,
    #[serde(default)]
    gate_contexts: Vec<Spanned<String>>,
    contexts: Option<BTreeMap<String, Vec<Spanned<String>>>>,
    #[serde(default)]
    require: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<String, Spanned<RawRuleSetting>>,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
    dockerfile: Option<RawDockerfile>,
    fail_on_kev: Option<bool>,
    #[serde(default)]
    vex: Vec<Spanned<String>>,
    vulnerabilities: Option<RawVulnerabilities>,
    /// Sections owned by analysers: present here so that `deny_unknown_fields` accepts them;
    /// each analyser deserialises its own with [`Config::section`] (errors keep their span).
    #[serde(rename = "secrets")]
    _secrets: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawRuleSetting {
    /// `SS1001 = "off"` or `SS1001 = "low"`.
    Level(String),
    /// `[rules.SS1001]` with `enabled` and `severity`.
    Table(RawRuleTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleTable {
    enabled: Option<bool>,
    severity: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    #[serde(default)]
    rules: Vec<Spanned<String>>,
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    reason: Option<Spanned<String>>,
    expires: Option<Spanned<RawDate>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawDate {
    Toml(toml::value::Datetime),
    Text(String),
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDockerfile {
    /// Build target: the stage treated as final.
    target: Option<String>,
    /// Registries base images may come from (SS1008); empty means any registry.
    #[serde(default)]
    trusted_registries: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawVulnerabilities {
    db_max_age: Option<Spanned<i64>>,
    #[serde(default)]
    severity: Vec<Spanned<String>>,
    only_fixed: Option<bool>,
}

/// Per-rule override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuleOverride {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
}

/// An accepted-risk entry: findings of these rules in these paths are suppressed until `expires`.
#[derive(Debug, Clone)]
pub struct Ignore {
    pub rules: Vec<&'static RuleMeta>,
    /// Glob patterns as written; empty means every path.
    pub paths: Vec<String>,
    matcher: Option<GlobSet>,
    pub reason: String,
    pub expires: Option<jiff::civil::Date>,
    /// 1-based line of the `[[ignore]]` entry in the config file.
    pub line: u32,
    /// Byte range of the entry, for findings pointing at it.
    pub byte_range: (usize, usize),
}

impl Ignore {
    /// Whether the entry names the rule and covers the path.
    pub fn matches(&self, code: &str, path: &str) -> bool {
        self.rules.iter().any(|r| r.code == code)
            && self.matcher.as_ref().is_none_or(|m| m.is_match(path))
    }
}

/// Options of the Dockerfile analyser.
#[derive(Debug, Clone, Default)]
pub struct DockerfileOptions {
    pub target: Option<String>,
    pub trusted_registries: Vec<String>,
}

/// Options of vulnerability scanning (`[vulnerabilities]`; `image`, `check` and `sbom`).
#[derive(Debug, Clone)]
pub struct VulnOptions {
    /// The cache directory holding the database: `--cache-dir` or `SHIPSHAPE_CACHE_DIR`, set by
    /// the binary (a machine path is not a project setting); `None` is the user's cache.
    pub cache_dir: Option<PathBuf>,
    /// A database older than this many days is reported on standard error and in the
    /// checklist note (`db-max-age`, default 7).
    pub db_max_age_days: u64,
    /// Only vulnerability findings of these severities are shown (`severity`, `--severity`);
    /// empty shows all.
    pub severities: Vec<Severity>,
    /// Only vulnerability findings with a fixed version are shown (`only-fixed`,
    /// `--only-fixed`).
    pub only_fixed: bool,
}

impl Default for VulnOptions {
    fn default() -> Self {
        VulnOptions {
            cache_dir: None,
            db_max_age_days: 7,
            severities: Vec::new(),
            only_fixed: false,
        }
    }
}

impl VulnOptions {
    /// Whether a finding is shown under the filters. The filters are a view of the
    /// `vulnerabilities` item only: findings of other items are always shown. A vulnerability
    /// finding is "fixed" when it carries a fix (the version to upgrade to).
    pub fn shows(&self, f: &crate::finding::Finding) -> bool {
        f.checklist != ChecklistItem::Vulnerabilities
            || ((self.severities.is_empty() || self.severities.contains(&f.severity))
                && (!self.only_fixed || f.fix.is_some()))
    }

    /// Whether a filter is set.
    pub fn filtered(&self) -> bool {
        !self.severities.is_empty() || self.only_fixed
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any (defaults otherwise).
    pub source: Option<SourceFile>,
    pub fail_on: Severity,
    /// Path contexts whose findings decide the exit code and the checklist (default:
    /// production only); the others are reported and counted.
    pub gate_contexts: Vec<crate::context::PathContext>,
    /// `[contexts]`: globs that put paths in a context, before `.gitattributes` and convention.
    pub context_overrides: Vec<(crate::context::PathContext, GlobSet)>,
    /// Findings less sure than this are set aside (shown as suppressed, never failing).
    pub min_confidence: crate::severity::Confidence,
    /// The Pod Security Standards profile the gate enforces (`profile`, `--profile`).
    pub profile: crate::profile::Profile,
    pub require: Vec<ChecklistItem>,
    pub exclude: Vec<String>,
    exclude_matcher: GlobSet,
    pub rules: BTreeMap<&'static str, RuleOverride>,
    pub ignores: Vec<Ignore>,
    pub dockerfile: DockerfileOptions,
    /// `fail-on-kev`: a vulnerability in the CISA KEV catalog fails the run whatever its severity.
    pub fail_on_kev: bool,
    /// `vex`: OpenVEX or CycloneDX VEX documents applied to vulnerability findings, as paths
    /// relative to the working directory (the file lists them relative to itself).
    pub vex: Vec<PathBuf>,
    pub vulnerabilities: VulnOptions,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            fail_on: Severity::High,
            min_confidence: crate::severity::Confidence::Low,
            profile: crate::profile::Profile::Baseline,
            gate_contexts: vec![crate::context::PathContext::Production],
            context_overrides: Vec::new(),
            require: Vec::new(),
            exclude: Vec::new(),
            exclude_matcher: GlobSet::empty(),
            rules: BTreeMap::new(),
            ignores: Vec::new(),
            dockerfile: DockerfileOptions::default(),
            fail_on_kev: false,
            vex: Vec::new(),
            vulnerabilities: VulnOptions::default(),
        }
    }
}

impl Config {
    /// Finds the nearest config file walking up from `start` (a file or directory).
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let start = start.canonicalize().ok()?;
        let mut dir = if start.is_dir() {
            Some(start.as_path())
        } else {
            start.parent()
        };
        while let Some(d) = dir {
            for name in CONFIG_FILE_NAMES {
                let candidate = d.join(name);
                if candidate.is_file() {
                    return Some(candidate);
                }
            }
            dir = d.parent();
        }
        None
    }

    /// Parses and validates a configuration. Every problem is reported, each with its line.
    pub fn parse(file: SourceFile, registry: &RuleRegistry) -> Result<Config, Vec<ConfigError>> {
        let err_at = |start: usize, message: String| {
            let (line, column) = file.line_col(start);
            ConfigError {
                path: file.path().to_string(),
                line,
                column,
                message,
            }
        };
        let raw: RawConfig = match toml::from_str(file.text()) {
            Ok(raw) => raw,
            Err(e) => {
                let start = e.span().map_or(0, |s| s.start);
                return Err(vec![err_at(start, e.message().to_string())]);
            }
        };
        let mut errors = Vec::new();
        let mut config = Config::default();

        if let Some(f) = &raw.fail_on {
            match f.get_ref().parse::<Severity>() {
                Ok(s) => config.fail_on = s,
                Err(e) => errors.push(err_at(f.span().start, format!("fail-on: {e}"))),
            }
        }
        if let Some(c) = &raw.min_confidence {
            match c.get_ref().parse() {
                Ok(c) => config.min_confidence = c,
                Err(e) => errors.push(err_at(c.span().start, format!("min-confidence: {e}"))),
            }
        }
        if let Some(p) = &raw.profile {
            match p.get_ref().parse() {
                Ok(v) => config.profile = v,
                Err(e) => errors.push(err_at(p.span().start, format!("profile: {e}"))),
            }
        }
        if !raw.gate_contexts.is_empty() {
            config.gate_contexts.clear();
            for c in &raw.gate_contexts {
                match c.get_ref().parse() {
                    Ok(c) => config.gate_contexts.push(c),
                    Err(e) => errors.push(err_at(c.span().start, format!("gate-contexts: {e}"))),
                }
            }
        }
        for (name, globs) in raw.contexts.iter().flatten() {
            let at = globs.first().map_or(0, |g| g.span().start);
            let context: crate::context::PathContext = match name.parse() {
                Ok(c) => c,
                Err(e) => {
                    errors.push(err_at(at, format!("contexts: {e}")));
                    continue;
                }
            };
            let mut b = GlobSetBuilder::new();
            for g in globs {
                if let Err(e) = add_path_glob(&mut b, g.get_ref()) {
                    errors.push(err_at(g.span().start, format!("contexts.{name}: {e}")));
                }
            }
            match b.build() {
                Ok(set) => config.context_overrides.push((context, set)),
                Err(e) => errors.push(err_at(at, format!("contexts.{name}: {e}"))),
            }
        }
        for r in &raw.require {
            match r.get_ref().parse::<ChecklistItem>() {
                Ok(i) => config.require.push(i),
                Err(e) => errors.push(err_at(r.span().start, format!("require: {e}"))),
            }
        }
        let mut exclude = GlobSetBuilder::new();
        for g in &raw.exclude {
            match add_path_glob(&mut exclude, g.get_ref()) {
                Ok(()) => config.exclude.push(g.get_ref().clone()),
                Err(e) => errors.push(err_at(g.span().start, format!("exclude: {e}"))),
            }
        }
        match exclude.build() {
            Ok(m) => config.exclude_matcher = m,
            Err(e) => errors.push(err_at(0, format!("exclude: {e}"))),
        }

        for (name, setting) in &raw.rules {
            let at = setting.span().start;
            let Some(meta) = registry.get(name) else {
                errors.push(err_at(
                    at,
                    format!("rules: unknown rule `{name}` (see `shipshape rules`)"),
                ));
                continue;
            };
            let mut ov = RuleOverride::default();
            match setting.get_ref() {
                RawRuleSetting::Level(level) if level.eq_ignore_ascii_case("off") => {
                    ov.enabled = Some(false)
                }
                RawRuleSetting::Level(level) => match level.parse::<Severity>() {
                    Ok(s) => ov.severity = Some(s),
                    Err(e) => errors.push(err_at(
                        at,
                        format!("rules.{name}: {e}, or \"off\" to disable the rule"),
                    )),
                },
                RawRuleSetting::Table(t) => {
                    ov.enabled = t.enabled;
                    if let Some(sev) = &t.severity {
                        match sev.parse::<Severity>() {
                            Ok(s) => ov.severity = Some(s),
                            Err(e) => {
                                errors.push(err_at(at, format!("rules.{name}.severity: {e}")))
                            }
                        }
                    }
                }
            }
            config.rules.insert(meta.code, ov);
        }

        for entry in &raw.ignore {
            let span = entry.span();
            let raw_ig = entry.get_ref();
            let mut rules = Vec::new();
            if raw_ig.rules.is_empty() {
                errors.push(err_at(
                    span.start,
                    "ignore: `rules` is required (list the rule codes or slugs this entry accepts)"
                        .into(),
                ));
            }
            for r in &raw_ig.rules {
                match registry.get(r.get_ref()) {
                    Some(meta) => rules.push(meta),
                    None => errors.push(err_at(
                        r.span().start,
                        format!(
                            "ignore: unknown rule `{}` (see `shipshape rules`)",
                            r.get_ref()
                        ),
                    )),
                }
            }
            let reason = match &raw_ig.reason {
                Some(r) if !r.get_ref().trim().is_empty() => r.get_ref().trim().to_string(),
                _ => {
                    errors.push(err_at(
                        span.start,
                        "ignore: `reason` is required: say why this risk is accepted".into(),
                    ));
                    String::new()
                }
            };
            let mut matcher = None;
            if !raw_ig.paths.is_empty() {
                let mut b = GlobSetBuilder::new();
                for p in &raw_ig.paths {
                    if let Err(e) = add_path_glob(&mut b, p.get_ref()) {
                        errors.push(err_at(p.span().start, format!("ignore.paths: {e}")));
                    }
                }
                match b.build() {
                    Ok(m) => matcher = Some(m),
                    Err(e) => errors.push(err_at(span.start, format!("ignore.paths: {e}"))),
                }
            }
            let expires = match &raw_ig.expires {
                None => None,
                Some(d) => {
                    let text = match d.get_ref() {
                        RawDate::Toml(dt) => dt.to_string(),
                        RawDate::Text(t) => t.clone(),
                    };
                    match text.parse::<jiff::civil::Date>() {
                        Ok(date) if text.len() == 10 => Some(date),
                        _ => {
                            errors.push(err_at(
                                d.span().start,
                                format!("ignore.expires: `{text}` is not a date (use YYYY-MM-DD)"),
                            ));
                            None
                        }
                    }
                }
            };
            config.ignores.push(Ignore {
                rules,
                paths: raw_ig.paths.iter().map(|p| p.get_ref().clone()).collect(),
                matcher,
                reason,
                expires,
                line: file.line_col(span.start).0,
                byte_range: (span.start, span.end),
            });
        }

        config.fail_on_kev = raw.fail_on_kev.unwrap_or(false);
        let base = Path::new(file.path()).parent().unwrap_or(Path::new(""));
        for v in &raw.vex {
            let path = base.join(v.get_ref());
            if v.get_ref().trim().is_empty() {
                errors.push(err_at(v.span().start, "vex: an empty path".into()));
            } else if !path.is_file() {
                errors.push(err_at(
                    v.span().start,
                    format!(
                        "vex: {} is not a file (paths are relative to the configuration file)",
                        path.display()
                    ),
                ));
            } else {
                config.vex.push(path);
            }
        }

        if let Some(d) = raw.dockerfile {
            config.dockerfile = DockerfileOptions {
                target: d.target,
                trusted_registries: d.trusted_registries,
            };
        }

        if let Some(v) = raw.vulnerabilities {
            if let Some(age) = &v.db_max_age {
                match u64::try_from(*age.get_ref()) {
                    Ok(days) => config.vulnerabilities.db_max_age_days = days,
                    Err(_) => errors.push(err_at(
                        age.span().start,
                        "vulnerabilities.db-max-age: a number of days, 0 or more".into(),
                    )),
                }
            }
            for w in &v.severity {
                match w.get_ref().parse::<Severity>() {
                    Ok(s) => config.vulnerabilities.severities.push(s),
                    Err(e) => errors.push(err_at(
                        w.span().start,
                        format!("vulnerabilities.severity: {e}"),
                    )),
                }
            }
            config.vulnerabilities.only_fixed = v.only_fixed.unwrap_or(false);
        }

        if errors.is_empty() {
            config.source = Some(file);
            Ok(config)
        } else {
            Err(errors)
        }
    }

    /// Deserialises the `[name]` table of the configuration file as `T` (an analyser's own
    /// options), straight from the file's text so that an error names the file, line and column
    /// of the offending key or value. No file, or no such table: `T::default()`.
    pub fn section<T>(&self, name: &str) -> Result<T, ConfigError>
    where
        T: serde::de::DeserializeOwned + Default,
    {
        let Some(file) = &self.source else {
            return Ok(T::default());
        };
        let error = |e: toml::de::Error| {
            let (line, column) = file.line_col(e.span().map_or(0, |s| s.start));
            ConfigError {
                path: file.path().to_string(),
                line,
                column,
                message: format!("[{name}]: {}", e.message()),
            }
        };
        let de = toml::Deserializer::parse(file.text()).map_err(error)?;
        serde::de::DeserializeSeed::deserialize(SectionSeed::<T>::new(name), de)
            .map(Option::unwrap_or_default)
            .map_err(error)
    }

    /// The matcher of `exclude` (paths relative to the scan root, .gitignore-like meaning).
    pub fn exclude_matcher(&self) -> &GlobSet {
        &self.exclude_matcher
    }

    /// Whether a path (relative to the scan root, `/`-separated) is excluded from scanning.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude_matcher.is_match(path)
    }

    /// Whether a rule is enabled.
    pub fn rule_enabled(&self, code: &str) -> bool {
        self.rules.get(code).and_then(|o| o.enabled).unwrap_or(true)
    }

    /// The configured severity override for a rule.
    pub fn severity_override(&self, code: &str) -> Option<Severity> {
        self.rules.get(code).and_then(|o| o.severity)
    }
}

/// Adds a path pattern with .gitignore-like meaning: `*` stays within one path segment, a
/// pattern matches at any depth unless it starts with `/`, and a directory pattern also matches
/// everything below it.
pub(crate) fn add_path_glob(set: &mut GlobSetBuilder, pattern: &str) -> Result<(), globset::Error> {
    let (anchored, pat) = match pattern.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, pattern.strip_prefix("./").unwrap_or(pattern)),
    };
    let pat = pat.trim_end_matches('/');
    let mut variants = vec![pat.to_string(), format!("{pat}/**")];
    if !anchored && !pat.starts_with("**/") {
        variants.push(format!("**/{pat}"));
        variants.push(format!("**/{pat}/**"));
    }
    for v in variants {
        set.add(GlobBuilder::new(&v).literal_separator(true).build()?);
    }
    Ok(())
}

/// The commented default configuration written by `shipshape init`.
pub const DEFAULT_CONFIG: &str = r#"# shipshape configuration. Every key is optional; the values shown are the defaults
# or examples. Reference: README.md, section "Configuration".

# Exit with code 1 when a finding has this severity or worse:
# critical, high, medium, low or info.
fail-on = "high"

# Findings less sure than this (high, medium or low) are set aside: listed as suppressed,
# never failing the run. Low keeps everything.
min-confidence = "low"

# The Kubernetes Pod Security Standards profile the gate enforces. "baseline": what it forbids
# (privileged, host namespaces, host path and socket mounts, added dangerous capabilities,
# unconfined seccomp/AppArmor, host ports) fails the run. "restricted" also fails on what the
# restricted profile adds (non-root, drop ALL, no privilege escalation, a seccomp profile) and
# on a writable root filesystem and missing limits: the full production checklist.
profile = "baseline"

# Findings in these path contexts decide the exit code and the checklist; the others (tests,
# fixtures, docs and examples, vendored code) are reported and counted, never hidden.
# Contexts: production, test, fixture, docs, vendored.
gate-contexts = ["production"]

# Put paths in a context yourself (globs relative to the scanned directory); checked before
# .gitattributes (linguist-vendored, linguist-documentation) and the
# conventions (tests/, testdata/, docs/, examples/, vendor/, *_test.go, *.md, ...).
# [contexts]
# production = ["examples/prod/**"]
# test = ["qa/**"]

# Checklist items that must pass; an item that fails or could not be analysed fails the run.
# Ids: non-root, read-only, resource-limits, capabilities, no-new-privileges, vulnerabilities,
# base-image, healthcheck, log-rotation, image-tag, secrets, network, minimal-image,
# build-context, provenance.
require = []

# Paths (globs relative to the scanned directory) that are never scanned.
exclude = []

# A vulnerability in the CISA Known Exploited Vulnerabilities catalog (imported with
# `shipshape db import`) fails the run whatever its severity.
fail-on-kev = false

# VEX documents (OpenVEX JSON, CycloneDX VEX JSON), relative to this file: `not_affected` and
# `fixed` statements suppress the vulnerability findings they name.
# vex = ["security/vex.openvex.json"]

# Per-rule settings, by code or slug: "off", a severity, or a table.
# [rules]
# SS1012 = "off"
# missing-healthcheck = "low"
# SS1001 = { enabled = true, severity = "critical" }

# Accepted risks. `rules` and `reason` are required; `paths` (globs) limits the entry to some
# files; after `expires` (YYYY-MM-DD) the entry stops working and is itself reported.
# [[ignore]]
# rules = ["SS1001"]
# paths = ["tools/debug/**"]
# reason = "debug image, never deployed"
# expires = 2027-06-30

# [secrets]
# max-file-size = 10485760          # bytes; larger files are skipped
# allow-paths = ["tests/fixtures/**"]
# allow-regexes = ["^AKIA[0-9A-Z]{12}EXAMPLE$"]
# stopwords = ["example", "dummy"]

# [dockerfile]
# target = "production"            # the stage built for release (default: the last stage)
# trusted-registries = ["registry.example.internal/"]   # base images must come from these (SS1008)

# [vulnerabilities]
# db-max-age = 7                   # days; an older vulnerability database is warned about
# severity = ["critical", "high"]  # show only these (--severity); hidden critical or high
#                                  # vulnerabilities still fail the `vulnerabilities` item
# only-fixed = true                # show only vulnerabilities with a fixed version (--only-fixed)
"#;

#[cfg(test)]
mod confidence_tests {
    use super::*;
    use crate::policy::{apply, PolicyRun};
    use crate::report::Analysis;
    use crate::rule::tests::TEST_RULE;
    use crate::severity::Confidence;

    #[test]
    fn min_confidence_sets_findings_aside_without_hiding_them() {
        let file = SourceFile::new("Dockerfile", "FROM x\nUSER root\n");
        let run = |config_text: &str| {
            let mut a = Analysis::default();
            a.findings.push(
                crate::Finding::at(&TEST_RULE, &file, 7, 16, "sure")
                    .with_confidence(Confidence::High),
            );
            a.findings.push(
                crate::Finding::at(&TEST_RULE, &file, 0, 6, "a guess")
                    .with_confidence(Confidence::Low),
            );
            let reg = RuleRegistry::new(&[&[&TEST_RULE]]);
            let config =
                Config::parse(SourceFile::new("shipshape.toml", config_text), &reg).expect("valid");
            apply(
                a,
                &PolicyRun {
                    config: &config,
                    today: "2026-01-01".parse().unwrap(),
                    target: ".".into(),
                    show_secrets: false,
                },
            )
        };
        let all = run("");
        assert_eq!(all.findings.len(), 2);
        let sure = run("min-confidence = \"medium\"\n");
        assert_eq!(sure.findings.len(), 1);
        assert_eq!(sure.findings[0].message, "sure");
        assert_eq!(sure.suppressed.len(), 1);
        assert_eq!(sure.suppressed[0].by, "min-confidence");
        let bad = Config::parse(
            SourceFile::new("shipshape.toml", "min-confidence = \"certain\"\n"),
            &RuleRegistry::default(),
        );
        assert!(bad.is_err());
    }
}

#[cfg(test)]
mod section_tests {
    use super::*;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct Opts {
        max_file_size: Option<u64>,
        #[serde(default)]
        words: Vec<String>,
    }

    fn config(text: &str) -> Config {
        Config::parse(
            SourceFile::new("shipshape.toml", text),
            &RuleRegistry::default(),
        )
        .expect("valid config")
    }

    #[test]
    fn a_section_is_read_with_errors_at_their_line() {
        let c = config("fail-on = \"high\"\n[secrets]\nmax-file-size = 5\nwords = [\"a\"]\n");
        let o: Opts = c.section("secrets").unwrap();
        assert_eq!(o.max_file_size, Some(5));
        assert_eq!(o.words, vec!["a"]);
        let c = config("[secrets]\nmax-file-size = 5\n\nwordz = 1\n");
        let e = c.section::<Opts>("secrets").unwrap_err();
        assert_eq!((e.path.as_str(), e.line), ("shipshape.toml", 4), "{e}");
        assert!(e.message.contains("wordz"), "{e}");
        let c = config("[secrets]\nmax-file-size = \"big\"\n");
        let e = c.section::<Opts>("secrets").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        // Absent table, no file: defaults.
        assert_eq!(
            config("").section::<Opts>("secrets").unwrap(),
            Opts::default()
        );
        assert_eq!(
            Config::default().section::<Opts>("secrets").unwrap(),
            Opts::default()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::tests::TEST_RULE;

    fn reg() -> RuleRegistry {
        RuleRegistry::new(&[&[&TEST_RULE]])
    }

    #[test]
    fn default_config_parses() {
        let c = Config::parse(SourceFile::new("shipshape.toml", DEFAULT_CONFIG), &reg()).unwrap();
        assert_eq!(c.fail_on, Severity::High);
    }

    #[test]
    fn vex_paths_are_relative_to_the_config_file_and_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sec")).unwrap();
        std::fs::write(dir.path().join("sec/a.json"), "{}").unwrap();
        let cfg = dir.path().join("shipshape.toml");
        let text = "fail-on-kev = true\nvex = [\"sec/a.json\"]\n";
        let c = Config::parse(
            SourceFile::new(cfg.to_string_lossy().to_string(), text),
            &reg(),
        )
        .unwrap();
        assert!(c.fail_on_kev);
        assert_eq!(c.vex, vec![dir.path().join("sec/a.json")]);
        let text = "\nvex = [\"sec/a.json\", \"missing.json\"]\n";
        let errors = Config::parse(
            SourceFile::new(cfg.to_string_lossy().to_string(), text),
            &reg(),
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 2);
        assert!(errors[0].message.contains("missing.json"), "{errors:?}");
        assert!(!Config::default().fail_on_kev);
    }

    #[test]
    fn full_config() {
        let text = r#"
fail-on = "medium"
require = ["non-root"]
exclude = ["vendor/**"]
[rules]
SS9999 = "low"
[[ignore]]
rules = ["test-rule"]
paths = ["legacy/*"]
reason = "legacy"
expires = 2030-01-01
"#;
        let c = Config::parse(SourceFile::new("shipshape.toml", text), &reg()).unwrap();
        assert_eq!(c.fail_on, Severity::Medium);
        assert_eq!(c.require, vec![ChecklistItem::NonRoot]);
        assert!(c.is_excluded("vendor/a/Dockerfile"));
        assert!(
            c.is_excluded("examples/app/vendor/a/Dockerfile"),
            "matches at any depth"
        );
        assert!(!c.is_excluded("src/Dockerfile"));
        assert!(!c.is_excluded("vendorized/Dockerfile"));
        assert_eq!(c.severity_override("SS9999"), Some(Severity::Low));
        assert_eq!(c.ignores.len(), 1);
        assert_eq!(c.ignores[0].line, 7, "points at the [[ignore]] header");
        assert!(c.ignores[0].matches("SS9999", "legacy/Dockerfile"));
        assert!(!c.ignores[0].matches("SS9999", "new/Dockerfile"));
        assert!(c.ignores[0].matches("SS9999", "examples/legacy/Dockerfile"));
        assert!(!c.ignores[0].matches("SS9999", "legacy-old/Dockerfile"));
    }

    #[test]
    fn errors_name_the_line() {
        let text = "fail-on = \"severe\"\n[[ignore]]\nrules = [\"nope\"]\n";
        let errs = Config::parse(SourceFile::new("shipshape.toml", text), &reg()).unwrap_err();
        let shown: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert!(
            shown
                .iter()
                .any(|e| e.starts_with("shipshape.toml:1:") && e.contains("severe")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|e| e.starts_with("shipshape.toml:3:") && e.contains("nope")),
            "{shown:?}"
        );
        assert!(shown.iter().any(|e| e.contains("reason")), "{shown:?}");
        let errs = Config::parse(SourceFile::new("s.toml", "\n\nfoo = 1\n"), &reg()).unwrap_err();
        assert_eq!(errs[0].line, 3, "{:?}", errs);
        let errs = Config::parse(SourceFile::new("s.toml", "fail-on = [\n"), &reg()).unwrap_err();
        assert_eq!(errs[0].line, 1);
        let bad_date = "[[ignore]]\nrules=[\"SS9999\"]\nreason=\"r\"\nexpires=\"soon\"\n";
        let errs = Config::parse(SourceFile::new("s.toml", bad_date), &reg()).unwrap_err();
        assert_eq!(errs[0].line, 4);
    }
}

/// Deserialises one top-level table of a document, skipping the others (so the table's own
/// errors keep their spans in the whole file).
struct SectionSeed<'n, T> {
    name: &'n str,
    marker: std::marker::PhantomData<T>,
}

impl<'n, T> SectionSeed<'n, T> {
    fn new(name: &'n str) -> Self {
        SectionSeed {
            name,
            marker: std::marker::PhantomData,
        }
    }
}

impl<'de, T: serde::de::DeserializeOwned> serde::de::DeserializeSeed<'de> for SectionSeed<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Option<T>, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de, T: serde::de::DeserializeOwned> serde::de::Visitor<'de> for SectionSeed<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a configuration with an optional [{}] table", self.name)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.name {
                found = Some(map.next_value::<T>()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}
