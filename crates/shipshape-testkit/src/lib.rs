//! Test-only helpers shared by the rule fixture harnesses (`tests/rules.rs` of the Dockerfile,
//! runtime and image crates). Used as a dev-dependency only; never published.
//!
//! A fixture is one input for one rule, kept under `tests/fixtures/rules/<CODE>/`. Its header
//! (leading `#` comment lines, or a sidecar file for formats without comments) says what the rule
//! under test must report:
//!
//! - `# expect: SS1001@5 SS1001@9` — one finding per item, at that place (for text inputs the
//!   place is the line; the harness decides what a place is, see [`Suite::check`]);
//! - `# expect: SS3018 /root/.ssh/id_rsa` — one finding at the place written after the code (for
//!   images: a path in the image or a config key); one such finding per line;
//! - `# expect: SS3019` — one finding, wherever it is; repeat the line (or the code) to expect more;
//! - `# expect: none` — nothing;
//! - `# known-issue: ...` — the fixture records what the rule does today, which is wrong in the
//!   way described; the harness lists these when it runs;
//! - `# <key>: <value>` — options the harness declares (e.g. `target`, `context`).
//!
//! Free comments in the header are allowed but must not start with a lower-case `word:`, which
//! is read as an option (and an unknown option is an error, to catch typos).
//!
//! [`Suite`] compares each fixture's findings with its header, checks (when the caller turns it
//! on) that findings of rules declaring a fix carry edits, and at the end that every registered
//! rule has a fixture that fires and one that does not.

use shipshape_core::{Finding, RuleMeta};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Whether `s` is a rule code (`SS` and four digits).
pub fn is_code(s: &str) -> bool {
    s.len() == 6 && s.starts_with("SS") && s[2..].bytes().all(|b| b.is_ascii_digit())
}

/// One expected finding of the rule under test: its code and, when given, its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub code: String,
    /// `None`: anywhere.
    pub at: Option<String>,
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{}@{at}", self.code),
            None => f.write_str(&self.code),
        }
    }
}

/// A fixture's header.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// The findings the rule under test must report (empty: none).
    pub expect: Vec<Expected>,
    /// Why the expectation records a misbehaviour, when it does.
    pub known_issue: Option<String>,
    options: Vec<(String, String)>,
}

impl Header {
    /// Parses the leading comment lines of `text` (lines starting with `#`, and blank lines).
    /// `code` is the rule under test; `keys` the options the harness accepts.
    pub fn parse(text: &str, code: &str, keys: &[&str]) -> Result<Header, String> {
        let lines = text
            .lines()
            .take_while(|l| l.starts_with('#') || l.trim().is_empty());
        Self::from_lines(lines, code, keys)
    }

    /// Parses a sidecar expectation file (`<fixture>.expect`): every line is a header line, with
    /// or without its leading `#`.
    pub fn parse_sidecar(text: &str, code: &str, keys: &[&str]) -> Result<Header, String> {
        Self::from_lines(text.lines(), code, keys)
    }

    fn from_lines<'a>(
        lines: impl Iterator<Item = &'a str>,
        code: &str,
        keys: &[&str],
    ) -> Result<Header, String> {
        let mut h = Header::default();
        let mut saw_expect = false;
        for line in lines {
            let body = line.trim().trim_start_matches('#').trim();
            let Some((key, value)) = option_line(body) else {
                continue;
            };
            let value = value.trim();
            match key {
                "expect" => {
                    saw_expect = true;
                    h.expect.extend(parse_expect(value, code)?);
                }
                "known-issue" => h.known_issue = Some(value.to_string()),
                k if keys.contains(&k) => h.options.push((k.to_string(), value.to_string())),
                k => {
                    return Err(format!(
                        "unknown header option `{k}:` (known: expect, known-issue{})",
                        keys.iter().fold(String::new(), |s, k| s + ", " + k)
                    ))
                }
            }
        }
        if !saw_expect {
            return Err("missing `# expect:` header".into());
        }
        Ok(h)
    }

    /// Whether the rule must report something.
    pub fn fires(&self) -> bool {
        !self.expect.is_empty()
    }

    /// The last value of option `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The whitespace-separated words of every `key:` line.
    pub fn words(&self, key: &str) -> Vec<String> {
        self.options
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split_whitespace().map(str::to_string))
            .collect()
    }
}

/// `key: value` where key is lower-case kebab (`trusted-registries`), or `None`.
fn option_line(body: &str) -> Option<(&str, &str)> {
    let (key, value) = body.split_once(':')?;
    let kebab = key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    kebab.then_some((key, value))
}

/// The items of one `expect:` line.
fn parse_expect(value: &str, code: &str) -> Result<Vec<Expected>, String> {
    let words: Vec<&str> = value.split_whitespace().collect();
    let check = |c: &str| -> Result<String, String> {
        if !is_code(c) {
            return Err(format!("bad expect item `{c}`: not a rule code"));
        }
        if c != code {
            return Err(format!(
                "expects {c}, but the fixture is for {code} (only the rule under test is compared)"
            ));
        }
        Ok(c.to_string())
    };
    match words.as_slice() {
        [] => Err("empty `expect:` (write `none`)".into()),
        ["none"] => Ok(Vec::new()),
        [first, ..] if first.contains('@') => words
            .iter()
            .map(|w| {
                let (c, at) = w
                    .split_once('@')
                    .ok_or_else(|| format!("bad expect item `{w}`: CODE@PLACE expected"))?;
                if at.is_empty() {
                    return Err(format!("bad expect item `{w}`: empty place"));
                }
                Ok(Expected {
                    code: check(c)?,
                    at: Some(at.to_string()),
                })
            })
            .collect(),
        [first, rest @ ..] if rest.iter().all(|w| is_code(w)) => std::iter::once(first)
            .chain(rest)
            .map(|c| {
                Ok(Expected {
                    code: check(c)?,
                    at: None,
                })
            })
            .collect(),
        [first, ..] => Ok(vec![Expected {
            code: check(first)?,
            at: Some(value.trim()[first.len()..].trim().to_string()),
        }]),
    }
}

/// Sorts places for messages: numbers numerically, then the rest.
fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort_by_key(|s| (s.parse::<u64>().ok(), s.clone()));
    v
}

/// Compares expected findings with the places of the findings the rule reported. An expectation
/// with a place takes a finding at that place; one without takes any finding left over.
pub fn compare(expected: &[Expected], got: &[String]) -> Result<(), String> {
    let mut left: Vec<String> = got.to_vec();
    let mut missing = Vec::new();
    for e in expected.iter().filter(|e| e.at.is_some()) {
        match left.iter().position(|p| Some(p) == e.at.as_ref()) {
            Some(i) => {
                left.remove(i);
            }
            None => missing.push(e.to_string()),
        }
    }
    for e in expected.iter().filter(|e| e.at.is_none()) {
        if left.is_empty() {
            missing.push(e.to_string());
        } else {
            left.remove(0);
        }
    }
    if missing.is_empty() && left.is_empty() {
        return Ok(());
    }
    let want: Vec<String> = expected
        .iter()
        .map(|e| e.at.clone().unwrap_or_else(|| "*".into()))
        .collect();
    Err(format!(
        "expected {:?}, got {:?} (missing {:?}, unexpected {:?})",
        sorted(want),
        sorted(got.to_vec()),
        missing,
        sorted(left)
    ))
}

/// One finding as a snapshot line: `LINE:COL-END_LINE:END_COL` (or the path when the finding has
/// no region), the key if any, the severity and the message.
pub fn render(f: &Finding) -> String {
    let mut out = String::new();
    match f.location.span {
        Some(s) => {
            let _ = write!(
                out,
                "{}:{}-{}:{}",
                s.line, s.column, s.end_line, s.end_column
            );
        }
        None => out.push_str(&f.location.path),
    }
    if let Some(k) = &f.location.key {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(k);
    }
    if !out.is_empty() {
        out.push(' ');
    }
    let _ = write!(out, "{} {}", f.severity, f.message);
    out
}

/// Replaces every `sha256:` digest (12 or more hex digits) in `s` with `sha256:<digest>`, for
/// snapshots of findings whose messages name layers or manifests.
pub fn redact_digests(s: &str) -> String {
    const TAG: &str = "sha256:";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(TAG) {
        let after = &rest[i + TAG.len()..];
        let hex = after
            .bytes()
            .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count();
        out.push_str(&rest[..i + TAG.len()]);
        if hex >= 12 {
            out.push_str("<digest>");
            rest = &after[hex..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Findings that carry edits although their rule declares no fix (`RuleMeta.fix` is `None`):
/// a machine fix must be declared, so `shipshape rules` and the docs say it exists.
pub fn fix_edit_problems(
    fixture: &str,
    findings: &[&Finding],
    place: impl Fn(&Finding) -> String,
) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule.fix.is_none())
        .filter(|f| f.fix.as_ref().is_some_and(|fx| !fx.edits.is_empty()))
        .map(|f| {
            format!(
                "{fixture}: {} declares no fix, but its finding at {} carries edits",
                f.rule.code,
                place(f)
            )
        })
        .collect()
}

/// Which rules have fixtures that fire and fixtures that do not, by input kind.
#[derive(Debug, Default)]
pub struct Coverage {
    /// code -> kind -> number of fixtures.
    fires: BTreeMap<String, BTreeMap<String, usize>>,
    passes: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Coverage {
    /// Records a fixture of `code` for input `kind` (`Dockerfile`, `compose`, `image`…).
    pub fn record(&mut self, code: &str, kind: &str, fires: bool) {
        let map = if fires {
            &mut self.fires
        } else {
            &mut self.passes
        };
        *map.entry(code.to_string())
            .or_default()
            .entry(kind.to_string())
            .or_default() += 1;
    }

    /// The kinds of input `code` has firing fixtures for.
    pub fn kinds_firing(&self, code: &str) -> BTreeSet<&str> {
        Self::kinds(&self.fires, code)
    }

    /// The kinds of input `code` has quiet fixtures for.
    pub fn kinds_passing(&self, code: &str) -> BTreeSet<&str> {
        Self::kinds(&self.passes, code)
    }

    fn kinds<'a>(
        map: &'a BTreeMap<String, BTreeMap<String, usize>>,
        code: &str,
    ) -> BTreeSet<&'a str> {
        map.get(code)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Rules of `rules` without a fixture that fires or one that does not, and fixtures for
    /// rules that are not in `rules`.
    pub fn problems<'a>(&self, rules: impl IntoIterator<Item = &'a RuleMeta>) -> Vec<String> {
        let mut out = Vec::new();
        let mut known = BTreeSet::new();
        for meta in rules {
            known.insert(meta.code);
            if self.kinds_firing(meta.code).is_empty() {
                out.push(format!("{} has no fixture that fires", meta.code));
            }
            if self.kinds_passing(meta.code).is_empty() {
                out.push(format!("{} has no fixture that must not fire", meta.code));
            }
        }
        for code in self.fires.keys().chain(self.passes.keys()) {
            if !known.contains(code.as_str()) {
                out.push(format!(
                    "fixtures for {code}, which is not a registered rule"
                ));
            }
        }
        out.dedup();
        out
    }
}

/// One harness run: compares fixtures, collects failures and coverage, reports at the end.
#[derive(Debug, Default)]
pub struct Suite {
    pub coverage: Coverage,
    failures: Vec<String>,
    known_issues: Vec<String>,
    check_fix_edits: bool,
    /// Rules one of whose fixture findings carried edits.
    with_edits: std::collections::BTreeSet<String>,
}

impl Suite {
    /// `check_fix_edits`: also require that a rule declaring a fix (`RuleMeta.fix`) emits edits
    /// in at least one of its fixtures (a fix may be mechanical only in some cases), and that no
    /// rule without one emits edits ([`fix_edit_problems`]).
    pub fn new(check_fix_edits: bool) -> Self {
        Suite {
            check_fix_edits,
            ..Suite::default()
        }
    }

    /// Checks one fixture: `mine` are the findings of the rule under test (`code`), `place` gives
    /// each one's place as written in `expect:` items (a line number, a path…), `kind` the input
    /// kind for coverage.
    pub fn check(
        &mut self,
        fixture: &str,
        kind: &str,
        code: &str,
        header: &Header,
        mine: &[&Finding],
        place: impl Fn(&Finding) -> String,
    ) {
        if let Some(f) = mine.iter().find(|f| f.rule != code) {
            self.failures
                .push(format!("{fixture}: harness passed a finding of {}", f.rule));
        }
        let places: Vec<String> = mine.iter().map(|f| place(f)).collect();
        if let Err(e) = compare(&header.expect, &places) {
            let messages: Vec<&str> = mine.iter().map(|f| f.message.as_str()).collect();
            self.failures
                .push(format!("{fixture}: {e}; messages: {messages:#?}"));
        }
        if self.check_fix_edits {
            self.failures
                .extend(fix_edit_problems(fixture, mine, &place));
            for f in mine {
                if f.fix.as_ref().is_some_and(|fx| !fx.edits.is_empty()) {
                    self.with_edits.insert(f.rule.code.to_string());
                }
            }
        }
        if let Some(why) = &header.known_issue {
            self.known_issues.push(format!("{fixture}: {why}"));
        }
        self.coverage.record(code, kind, header.fires());
    }

    /// Records a failure found by the harness itself (a scan error, a bad fixture).
    pub fn fail(&mut self, message: impl Into<String>) {
        self.failures.push(message.into());
    }

    /// Records a failure for each snapshot in `dir/snapshots/` whose fixture (`<name>.snap`) is
    /// not in `fixtures` (left behind by a renamed or removed fixture).
    pub fn check_snapshots(&mut self, dir: &Path, fixtures: &[String]) {
        self.failures.extend(stale_snapshots(dir, fixtures));
    }

    /// Fixtures marked `known-issue`, as `fixture: why`.
    pub fn known_issues(&self) -> &[String] {
        &self.known_issues
    }

    /// Panics with every failure, then with every rule of `rules` lacking a firing or a quiet
    /// fixture. Prints the known issues.
    pub fn finish<'a>(self, rules: impl IntoIterator<Item = &'a RuleMeta>) {
        for k in &self.known_issues {
            eprintln!("known issue: {k}");
        }
        assert!(
            self.failures.is_empty(),
            "{} fixture failures:\n{}",
            self.failures.len(),
            self.failures.join("\n\n")
        );
        let rules: Vec<&RuleMeta> = rules.into_iter().collect();
        if self.check_fix_edits {
            let silent: Vec<&str> = rules
                .iter()
                .filter(|r| r.fix.is_some() && !self.with_edits.contains(r.code))
                .map(|r| r.code)
                .collect();
            assert!(
                silent.is_empty(),
                "rules declaring a fix whose fixtures never carry edits: {silent:?}"
            );
        }
        let problems = self.coverage.problems(rules);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

/// Snapshots in `dir/snapshots/` named after no fixture of `fixtures` (`<fixture>.snap`).
pub fn stale_snapshots(dir: &Path, fixtures: &[String]) -> Vec<String> {
    let snaps = dir.join("snapshots");
    if !snaps.is_dir() {
        return Vec::new();
    }
    entries(&snaps)
        .into_iter()
        .filter_map(|p| {
            let name = file_name(&p);
            let fixture = name.strip_suffix(".snap")?;
            (!fixtures.iter().any(|f| f == fixture)).then(|| {
                format!(
                    "{}: stale snapshot, no fixture `{fixture}` (delete it)",
                    p.display()
                )
            })
        })
        .collect()
}

/// The rule directories under `root` (`<root>/<CODE>/`), sorted, as `(code, dir)`.
pub fn rule_dirs(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = entries(root)
        .into_iter()
        .filter(|p| p.is_dir())
        .map(|p| (file_name(&p), p))
        .collect();
    out.sort();
    for (code, dir) in &out {
        assert!(is_code(code), "{}: not a rule code", dir.display());
    }
    out
}

/// The entries of `dir`, sorted by name.
pub fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            e.unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .collect();
    v.sort();
    v
}

/// The last component of `path`, as text.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads a fixture file.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(code: &str, at: Option<&str>) -> Expected {
        Expected {
            code: code.into(),
            at: at.map(str::to_string),
        }
    }

    #[test]
    fn headers() {
        let text = "# A free comment: with a colon.\n# expect: SS1001@5 SS1001@9\n# target: build\n\n# context: .env id_rsa\nFROM x\n# expect: SS1001@99\n";
        let h = Header::parse(text, "SS1001", &["target", "context"]).unwrap();
        assert_eq!(
            h.expect,
            vec![exp("SS1001", Some("5")), exp("SS1001", Some("9"))]
        );
        assert_eq!(h.get("target"), Some("build"));
        assert_eq!(h.words("context"), vec![".env", "id_rsa"]);
        assert!(h.fires());
        let none = Header::parse("# expect: none\n", "SS1001", &[]).unwrap();
        assert!(!none.fires());
        assert!(Header::parse("FROM x\n", "SS1001", &[]).is_err());
        assert!(Header::parse("# expect: SS1002@3\n", "SS1001", &[]).is_err());
        assert!(Header::parse("# expect: none\n# tagret: x\n", "SS1001", &["target"]).is_err());
        assert!(Header::parse("# expect: SS1001@\n", "SS1001", &[]).is_err());
        let k = Header::parse("# expect: none\n# known-issue: misses x\n", "SS1001", &[]).unwrap();
        assert_eq!(k.known_issue.as_deref(), Some("misses x"));
    }

    #[test]
    fn image_style_expectations() {
        let text =
            "# expect: SS3018 /root/.ssh/id_rsa\n# expect: SS3018\n# expect: SS3003 SS3003\n";
        let h = Header::parse(text, "SS3018", &[]);
        assert!(h.is_err(), "another rule's code");
        let text =
            "# expect: SS3018 /root/.ssh/id_rsa\n# expect: SS3018\n# expect: SS3018 SS3018\n";
        let h = Header::parse(text, "SS3018", &[]).unwrap();
        assert_eq!(
            h.expect,
            vec![
                exp("SS3018", Some("/root/.ssh/id_rsa")),
                exp("SS3018", None),
                exp("SS3018", None),
                exp("SS3018", None)
            ]
        );
        let side =
            Header::parse_sidecar("expect: SS2001@3\n# expect: SS2001@4\n", "SS2001", &[]).unwrap();
        assert_eq!(side.expect.len(), 2);
    }

    #[test]
    fn comparison() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let e = [exp("SS1", Some("5")), exp("SS1", None)];
        assert!(compare(&e, &s(&["9", "5"])).is_ok());
        assert!(compare(&e, &s(&["5"])).is_err(), "one missing");
        assert!(compare(&e, &s(&["5", "6", "7"])).is_err(), "one too many");
        assert!(compare(&e, &s(&["6", "7"])).is_err(), "wrong place");
        assert!(compare(&[], &[]).is_ok());
        assert!(compare(&[], &s(&["1"])).is_err());
    }

    #[test]
    fn digests_are_redacted() {
        assert_eq!(
            redact_digests(
                "layer 2 (sha256:0123456789ab) and sha256:abc and sha256:0123456789abcdef0"
            ),
            "layer 2 (sha256:<digest>) and sha256:abc and sha256:<digest>"
        );
    }

    static FIXED: RuleMeta = RuleMeta {
        code: "SS9998",
        slug: "fixed",
        summary: "s",
        severity: shipshape_core::Severity::Low,
        checklist: shipshape_core::ChecklistItem::NonRoot,
        source: shipshape_core::SourceKind::Dockerfile,
        equivalents: &[],
        fix: Some(shipshape_core::FixApplicability::Safe),
        docs: "",
    };

    static ADVICE: RuleMeta = RuleMeta {
        code: "SS9997",
        fix: None,
        ..FIXED
    };

    #[test]
    fn fix_edits_are_required_only_where_declared() {
        let file = shipshape_core::SourceFile::new("Dockerfile", "FROM x\n");
        let bare = Finding::at(&FIXED, &file, 0, 4, "m");
        let advice = bare.clone().with_fix(shipshape_core::Fix {
            description: "d".into(),
            applicability: shipshape_core::FixApplicability::Safe,
            edits: Vec::new(),
        });
        let mut edited = advice.clone();
        if let Some(fix) = edited.fix.as_mut() {
            fix.edits.push(shipshape_core::finding::Edit {
                start: 0,
                end: 4,
                replacement: "FROM".into(),
            });
        }
        let place = |f: &Finding| f.location.line().unwrap_or(0).to_string();
        // A rule declaring a fix may give advice only in some cases (checked per rule by
        // `Suite::finish`); a rule declaring none must not emit edits.
        assert!(fix_edit_problems("f", &[&bare, &advice, &edited], place).is_empty());
        let none = Finding::at(&ADVICE, &file, 0, 4, "m");
        assert!(fix_edit_problems("f", &[&none], place).is_empty());
        let mut undeclared = none.clone();
        undeclared.fix = edited.fix.clone();
        assert_eq!(fix_edit_problems("f", &[&undeclared], place).len(), 1);
        // Per rule: a declared fix whose fixtures never carry edits fails the suite.
        let mut suite = Suite::new(true);
        let header = Header::parse("# expect: SS9998@1\n", "SS9998", &[]).unwrap();
        suite.check("f", "Dockerfile", "SS9998", &header, &[&advice], place);
        let finished = std::panic::catch_unwind(move || suite.finish([&FIXED]));
        assert!(finished.is_err());
    }

    #[test]
    fn coverage_needs_both_kinds_of_fixture() {
        let mut c = Coverage::default();
        c.record("SS9998", "Dockerfile", true);
        assert_eq!(c.problems([&FIXED]).len(), 1);
        c.record("SS9998", "compose", false);
        assert!(c.problems([&FIXED]).is_empty());
        assert_eq!(
            c.kinds_firing("SS9998").into_iter().collect::<Vec<_>>(),
            ["Dockerfile"]
        );
        c.record("SS9997", "x", true);
        assert_eq!(c.problems([&FIXED]).len(), 1, "unregistered rule");
    }

    #[test]
    fn stale_snapshots_are_found() {
        let dir = std::env::temp_dir().join(format!("shipshape-testkit-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("snapshots")).unwrap();
        std::fs::write(dir.join("snapshots/a.Dockerfile.snap"), "").unwrap();
        std::fs::write(dir.join("snapshots/b.Dockerfile.snap"), "").unwrap();
        std::fs::write(dir.join("snapshots/b.Dockerfile.snap.new"), "").unwrap();
        let stale = stale_snapshots(&dir, &["a.Dockerfile".to_string()]);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(stale.len(), 1, "{stale:?}");
        assert!(stale[0].contains("b.Dockerfile"));
    }

    #[test]
    fn rendering() {
        let file = shipshape_core::SourceFile::new("Dockerfile", "FROM x\nUSER root\n");
        let f = Finding::at(&FIXED, &file, 7, 16, "runs as root");
        assert_eq!(render(&f), "2:1-2:10 low runs as root");
        let mut g = Finding::new(
            &FIXED,
            shipshape_core::Location::path("").with_key("config.User"),
            "m",
            "",
        );
        assert_eq!(render(&g), "config.User low m");
        g.location.key = None;
        g.location.path = "/etc/passwd".into();
        assert_eq!(render(&g), "/etc/passwd low m");
    }
}
