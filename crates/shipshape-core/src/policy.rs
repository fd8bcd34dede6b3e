//! Applies the configuration to what the analysers found: the one place severities are overridden,
//! findings suppressed, expired ignores reported, checklist verdicts and the exit code decided.

use crate::checklist::{ChecklistItem, ChecklistStatus};
use crate::config::Config;
use crate::evidence::{summarise, Evidence};
use crate::exit;
use crate::finding::{Finding, Location, SourceKind};
use crate::report::{Analysis, ChecklistEntry, EvidenceEntry, Report, Summary, Suppressed};
use crate::rule::RuleMeta;
use crate::severity::Severity;
use crate::suppress::IgnoreSyntax;
use std::collections::{HashMap, HashSet};

/// Rules of the policy itself.
pub mod rules {
    use super::*;

    pub static EXPIRED_IGNORE: RuleMeta = RuleMeta {
        code: "SS0001",
        slug: "expired-ignore",
        summary: "An accepted risk in shipshape.toml has passed its expiry date",
        severity: Severity::High,
        checklist: ChecklistItem::Provenance,
        source: SourceKind::Policy,
        equivalents: &[],
        fix: None,
        docs: r#"## What it does
Reports an `[[ignore]]` entry of `shipshape.toml` whose `expires` date has passed. From that day
the entry no longer suppresses anything, so the findings it covered are reported again, and the
entry itself is reported (against the checklist item of the rule it names).

## Why it matters
An accepted risk is a promise to look again. An ignore that silently lives forever turns a
temporary exception into a permanent hole in the gate.

## How to fix
Fix the underlying findings and delete the entry, or review the risk and move `expires` forward
with an updated `reason`.

## Example
```toml
[[ignore]]
rules = ["SS1001"]
reason = "vendor image runs as root until v2"
expires = 2025-01-31   # in the past: reported
```
"#,
    };

    pub static UNUSED_IGNORE: RuleMeta = RuleMeta {
        code: "SS0002",
        slug: "unused-ignore",
        summary: "An accepted risk in shipshape.toml matched no finding",
        severity: Severity::Info,
        checklist: ChecklistItem::Provenance,
        source: SourceKind::Policy,
        equivalents: &[],
        fix: None,
        docs: r#"## What it does
Reports an `[[ignore]]` entry that suppressed nothing in this scan.

## Why it matters
Stale exceptions hide future regressions: when the finding comes back it is silently accepted.

## How to fix
Delete the entry, or narrow `paths` so it names what it is meant to cover.

## Example
```toml
[[ignore]]
rules = ["SS1004"]
paths = ["old/**"]      # nothing under old/ any more
reason = "legacy image"
```
"#,
    };

    crate::register_rules! { metas; EXPIRED_IGNORE, UNUSED_IGNORE }
}

/// Options of one policy run.
#[derive(Debug, Clone)]
pub struct PolicyRun<'a> {
    pub config: &'a Config,
    /// The date ignores expire against (today, in the local calendar).
    pub today: jiff::civil::Date,
    /// What was scanned, as the user named it.
    pub target: String,
    /// Show secrets in source excerpts (`--show-secrets`); by default the text a `secrets`
    /// finding points at is masked in every excerpt, whichever rule flagged it.
    pub show_secrets: bool,
}

/// Applies the policy and produces the report.
pub fn apply(mut analysis: Analysis, run: &PolicyRun<'_>) -> Report {
    let config = run.config;
    let mut findings = Vec::new();
    let mut suppressed = Vec::new();
    let mut ignore_used = vec![false; config.ignores.len()];

    for mut f in std::mem::take(&mut analysis.findings) {
        if !config.rule_enabled(f.rule.code) {
            continue;
        }
        if let Some(sev) = config.severity_override(f.rule.code) {
            f.severity = sev;
        }
        if f.confidence < config.min_confidence {
            suppressed.push(Suppressed {
                finding: f,
                by: "min-confidence",
                reason: Some(format!(
                    "below the minimum confidence ({})",
                    config.min_confidence
                )),
            });
            continue;
        }
        // A VEX statement saying the product is not affected, or fixed: set aside with the
        // statement, visible in the report, never gating.
        if let Some(vex) = f
            .vulnerability
            .as_ref()
            .and_then(|v| v.vex.as_ref())
            .filter(|v| v.status.suppresses())
        {
            let reason = Some(vex.describe());
            suppressed.push(Suppressed {
                finding: f,
                by: "vex",
                reason,
            });
            continue;
        }
        if let Some(reason) = inline_suppression(&analysis, &f) {
            suppressed.push(Suppressed {
                finding: f,
                by: "inline",
                reason,
            });
            continue;
        }
        let mut by_config = None;
        for (i, ig) in config.ignores.iter().enumerate() {
            let expired = ig.expires.is_some_and(|d| d < run.today);
            if !expired && ig.matches(f.rule.code, &f.location.path) {
                ignore_used[i] = true;
                by_config = Some(ig.reason.clone());
                break;
            }
        }
        match by_config {
            Some(reason) => suppressed.push(Suppressed {
                finding: f,
                by: "config",
                reason: Some(reason),
            }),
            None => findings.push(f),
        }
    }

    // The config's own findings: expired and unused ignores.
    if let Some(file) = &config.source {
        for (i, ig) in config.ignores.iter().enumerate() {
            let (start, end) = ig.byte_range;
            let header_end = file.text()[start..end.min(file.text().len())]
                .find('\n')
                .map_or(end, |n| start + n);
            let names: Vec<&str> = ig.rules.iter().map(|r| r.code).collect();
            let item = ig
                .rules
                .first()
                .map_or(ChecklistItem::Provenance, |r| r.checklist);
            if let Some(date) = ig.expires.filter(|d| *d < run.today) {
                let mut f = Finding::at(
                    &rules::EXPIRED_IGNORE,
                    file,
                    start,
                    header_end,
                    format!(
                        "ignore of {} expired on {date}; its findings are reported again (reason was: {})",
                        names.join(", "),
                        ig.reason
                    ),
                );
                f.checklist = item;
                if config.rule_enabled(f.rule.code) {
                    findings.push(f);
                }
            } else if !ignore_used[i] {
                let mut f = Finding::at(
                    &rules::UNUSED_IGNORE,
                    file,
                    start,
                    header_end,
                    format!("ignore of {} matched no finding", names.join(", ")),
                );
                f.checklist = item;
                if config.rule_enabled(f.rule.code) {
                    findings.push(f);
                }
            }
        }
        analysis.add_source(file);
    }

    // The vulnerability filters (`--severity`, `--only-fixed`) are a view: what they hide is
    // neither shown nor counted for the exit code, as in other scanners' filters, but a hidden
    // critical or high vulnerability still fails the `vulnerabilities` item (a filter must not
    // pass an item that the unfiltered scan fails). Suppression came first: an ignored finding
    // fails nothing, hidden or not. With `fail-on-kev`, a known exploited vulnerability is
    // never hidden: the user asked for it to gate whatever its severity.
    let (mut findings, hidden): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| {
            config.vulnerabilities.shows(f) || (config.fail_on_kev && f.known_exploited())
        });
    dedupe_secrets(&mut findings);
    // Sorted through a permutation: findings are large, and sorting them in place moves each one
    // once per merge level (a fifth of a 20,000-finding run was spent in memmove).
    fn key(f: &Finding) -> (&str, Option<u32>, Option<u32>, &str) {
        (
            f.location.path.as_str(),
            f.location.line(),
            f.location.span.map(|s| s.column),
            f.rule.code,
        )
    }
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| key(&findings[a]).cmp(&key(&findings[b])));
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let mut findings: Vec<Finding> = order.iter().filter_map(|&i| slots[i].take()).collect();
    disambiguate_fingerprints(&mut findings);

    let mut summary = Summary {
        suppressed: suppressed.len(),
        errors: analysis.errors.len(),
        inputs: analysis.inputs.len(),
        fail_on: Some(config.fail_on),
        fail_on_kev: config.fail_on_kev,
        ..Summary::default()
    };
    // Findings outside the gating contexts are reported and counted, not gated on; so are those
    // only a stricter Pod Security profile than the enforced one forbids (they still count in
    // the checklist, the full production checklist).
    let in_context = |f: &Finding| config.gate_contexts.contains(&f.context);
    let deferred = |f: &Finding| f.profile.is_some_and(|p| p > config.profile);
    let gates = |f: &Finding| in_context(f) && !deferred(f);
    // `fail-on-kev`: a known exploited vulnerability fails whatever its severity.
    let kev_fails = |f: &Finding| config.fail_on_kev && f.known_exploited();
    for f in findings.iter().filter(|f| !gates(f)) {
        let key = if in_context(f) {
            "restricted-profile"
        } else {
            f.context.as_str()
        };
        *summary.not_gating.entry(key).or_default() += 1;
    }
    for f in findings.iter().filter(|f| gates(f)) {
        match f.severity {
            Severity::Critical => summary.critical += 1,
            Severity::High => summary.high += 1,
            Severity::Medium => summary.medium += 1,
            Severity::Low => summary.low += 1,
            Severity::Info => summary.info += 1,
        }
    }

    // Coverage comes from the rules that ran and are enabled: turning off every rule that decides
    // an item leaves it not analysed (and a `require`d item then fails). Within coverage, an item
    // passes only on evidence: what an analyser saw that makes it hold.
    let covered = analysis.covered_items(|r| config.rule_enabled(r.code));
    // An accepted vulnerability still contradicts the evidence "no critical or high": the item
    // then passes on the acceptance, which its note names, not on that evidence.
    let accepted_vulns: Vec<Finding> = suppressed
        .iter()
        .filter(|s| {
            s.by != "min-confidence" && s.finding.checklist == ChecklistItem::Vulnerabilities
        })
        .map(|s| s.finding.clone())
        .collect();
    let contradicting: Vec<Finding> = if accepted_vulns.is_empty() {
        Vec::new()
    } else {
        findings.iter().cloned().chain(accepted_vulns).collect()
    };
    let evidence: Vec<Evidence> = live_evidence(
        &analysis.evidence,
        if contradicting.is_empty() {
            &findings
        } else {
            &contradicting
        },
    )
    .into_iter()
    .filter(|e| config.gate_contexts.contains(&e.context))
    .collect();
    let checklist: Vec<ChecklistEntry> = ChecklistItem::ALL
        .into_iter()
        .map(|item| {
            let failing = |f: &&Finding| {
                in_context(f)
                    && f.checklist == item
                    && (f.severity >= fails_item(item) || kev_fails(f))
            };
            let n = findings.iter().filter(failing).count();
            let n_hidden = hidden.iter().filter(failing).count();
            let of_item: Vec<&Evidence> = evidence.iter().filter(|e| e.item == item).collect();
            let pass: Vec<&Evidence> = of_item
                .iter()
                .copied()
                .filter(|e| e.verdict.is_pass())
                .collect();
            let not_applicable: Vec<&Evidence> = of_item
                .iter()
                .copied()
                .filter(|e| !e.verdict.is_pass())
                .collect();
            let accepted = suppressed
                .iter()
                .filter(|s| {
                    s.finding.checklist == item && s.by != "min-confidence" && s.by != "vex"
                })
                .count();
            let vexed = suppressed
                .iter()
                .filter(|s| s.finding.checklist == item && s.by == "vex")
                .count();
            let unsure = suppressed
                .iter()
                .filter(|s| s.finding.checklist == item && s.by == "min-confidence")
                .count();
            let covers = covered.contains(&item);
            let (status, note, shown) = if n > 0 && n_hidden == 0 {
                (ChecklistStatus::Fail, None, Vec::new())
            } else if n + n_hidden > 0 {
                let note = format!(
                    "{n_hidden} critical or high finding{} hidden by the vulnerability filters (severity, only-fixed) still fail{} the item",
                    if n_hidden == 1 { "" } else { "s" },
                    if n_hidden == 1 { "s" } else { "" }
                );
                (ChecklistStatus::Fail, Some(note), Vec::new())
            } else if covers && !pass.is_empty() {
                (
                    ChecklistStatus::Pass,
                    summarise(&pass, several_inputs(&pass)),
                    pass,
                )
            } else if covers && accepted + unsure + vexed > 0 {
                let plural = |n: usize| if n == 1 { "" } else { "s" };
                let mut why = Vec::new();
                if vexed > 0 {
                    why.push(format!(
                        "{vexed} finding{} not affected or fixed per VEX",
                        plural(vexed)
                    ));
                }
                if accepted > 0 {
                    why.push(format!(
                        "{accepted} finding{} accepted by an ignore",
                        plural(accepted)
                    ));
                }
                if unsure > 0 {
                    why.push(format!(
                        "{unsure} finding{} below the minimum confidence hidden",
                        plural(unsure)
                    ));
                }
                (ChecklistStatus::Pass, Some(why.join(", ")), Vec::new())
            } else if !not_applicable.is_empty() {
                let note = summarise(&not_applicable, several_inputs(&not_applicable));
                (ChecklistStatus::NotApplicable, note, not_applicable)
            } else if analysis.not_applicable.contains(&item) {
                (
                    ChecklistStatus::NotApplicable,
                    Some(
                        analysis
                            .notes
                            .get(&item)
                            .cloned()
                            .unwrap_or_else(|| "does not apply to what was scanned".to_string()),
                    ),
                    Vec::new(),
                )
            } else {
                let outside = findings
                    .iter()
                    .filter(|f| !gates(f) && f.checklist == item)
                    .count();
                let note = if covers && outside > 0 {
                    format!(
                        "{outside} finding{}, all outside the gating contexts (tests, fixtures, docs, vendored code); nothing in the gating contexts showed that the item holds",
                        if outside == 1 { "" } else { "s" }
                    )
                } else if covers {
                    analysis.notes.get(&item).cloned().unwrap_or_else(|| {
                        "the rules that ran found nothing wrong, but nothing scanned showed that the item holds".to_string()
                    })
                } else {
                    analysis
                        .notes
                        .get(&item)
                        .cloned()
                        .unwrap_or_else(|| not_analysed_note(item).to_string())
                };
                (ChecklistStatus::NotAnalysed, Some(note), Vec::new())
            };
            ChecklistEntry {
                id: item,
                title: item.title(),
                status,
                findings: n + n_hidden,
                note,
                required: config.require.contains(&item),
                evidence: shown
                    .iter()
                    .map(|e| EvidenceEntry {
                        path: e.path.clone(),
                        note: e.note().to_string(),
                    })
                    .collect(),
            }
        })
        .collect();

    // What the enforced profile forbids fails whatever its severity.
    let failing = findings.iter().any(|f| {
        gates(f)
            && (f.severity >= config.fail_on
                || f.profile.is_some_and(|p| p <= config.profile)
                || kev_fails(f))
    });
    let required_missing = checklist
        .iter()
        .any(|c| c.required && c.status != ChecklistStatus::Pass);
    summary.exit_code = if !analysis.errors.is_empty() {
        exit::ERROR
    } else if failing || required_missing {
        exit::FINDINGS
    } else {
        exit::CLEAN
    };

    if !run.show_secrets {
        mask_secrets(&findings, &suppressed, &mut analysis.sources);
    }

    Report {
        target: run.target.clone(),
        findings,
        suppressed,
        errors: analysis.errors,
        checklist,
        inputs: analysis.inputs,
        skipped: analysis.skipped,
        summary,
        sources: analysis.sources,
        profile: config.profile,
        gate_contexts: config.gate_contexts.clone(),
        image: analysis.image,
    }
}

/// The evidence no finding contradicts: a piece of evidence is dropped when a finding (of any
/// severity or context) on the same item is about the same input, or, for evidence about the
/// whole scan (an empty path), when any finding is on the same item. Findings of an image name
/// paths inside it: its evidence (empty path) yields to any of them.
fn live_evidence(evidence: &[Evidence], findings: &[Finding]) -> Vec<Evidence> {
    // Below an item's failing severity (a medium vulnerability) a finding contradicts nothing:
    // the evidence of that item states the absence of what fails it.
    let findings: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            f.checklist != ChecklistItem::Vulnerabilities || f.severity >= fails_item(f.checklist)
        })
        .collect();
    let contradicted: HashSet<(ChecklistItem, &str)> = findings
        .iter()
        .map(|f| (f.checklist, f.location.path.as_str()))
        .collect();
    let items_with_findings: HashSet<ChecklistItem> =
        findings.iter().map(|f| f.checklist).collect();
    let mut seen = HashSet::new();
    let mut live: Vec<Evidence> = evidence
        .iter()
        .filter(|e| {
            if e.path.is_empty() {
                !items_with_findings.contains(&e.item)
            } else {
                !contradicted.contains(&(e.item, e.path.as_str()))
            }
        })
        .filter(|e| seen.insert((e.item, e.path.clone(), e.note().to_string())))
        .cloned()
        .collect();
    // Evidence about the whole scan (a tree's secrets scan, an image) leads its item's note.
    live.sort_by_key(|e| !e.path.is_empty());
    live
}

/// Whether evidence is about more than one input (its notes then name them).
fn several_inputs(evidence: &[&Evidence]) -> bool {
    evidence
        .iter()
        .map(|e| e.path.as_str())
        .filter(|p| !p.is_empty())
        .collect::<HashSet<_>>()
        .len()
        > 1
}

/// The lowest severity of a gating finding that fails an item: `high` for `vulnerabilities` (the
/// CI gate of `docker scout cves --only-severity critical,high`), `low` for every other item.
fn fails_item(item: ChecklistItem) -> Severity {
    match item {
        ChecklistItem::Vulnerabilities => Severity::High,
        _ => Severity::Low,
    }
}

/// Why an item nothing decided is not analysed, when no analyser said more.
fn not_analysed_note(item: ChecklistItem) -> &'static str {
    match item {
        ChecklistItem::Vulnerabilities => {
            "no package was checked against a vulnerability database (`shipshape image` checks an image's packages, `check` a project's lockfiles)"
        }
        _ => "no enabled rule evaluated this item on what was scanned",
    }
}

/// The same leaked value is often seen by two analysers (a Dockerfile `ENV` rule and the secrets
/// engine): of the `secrets` findings whose spans overlap in one file, only the most severe is kept.
/// A whole-file `secrets` finding (a credentials file or key file in an image layer) is dropped
/// when a finding with a span points into the same file of the same layer: that one says where
/// the secret is.
fn dedupe_secrets(findings: &mut Vec<Finding>) {
    // Secret findings with a span, grouped by file; most severe first within a file.
    let mut by_path: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if f.checklist == ChecklistItem::Secrets && f.location.span.is_some() {
            by_path.entry(f.location.path.as_str()).or_default().push(i);
        }
    }
    let mut drop = vec![false; findings.len()];
    for group in by_path.values_mut() {
        group.sort_by(|a, b| findings[*b].severity.cmp(&findings[*a].severity));
        for (n, &i) in group.iter().enumerate() {
            if drop[i] {
                continue;
            }
            let Some(si) = findings[i].location.span else {
                continue;
            };
            for &j in &group[n + 1..] {
                if let Some(sj) = findings[j].location.span {
                    if sj.byte_start < si.byte_end && si.byte_start < sj.byte_end {
                        drop[j] = true;
                    }
                }
            }
        }
    }
    let pinpointed: HashSet<(&str, Option<&str>)> = findings
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            !drop[*i] && f.checklist == ChecklistItem::Secrets && f.location.span.is_some()
        })
        .map(|(_, f)| (f.location.path.as_str(), f.location.layer.as_deref()))
        .collect();
    for (i, f) in findings.iter().enumerate() {
        if f.checklist == ChecklistItem::Secrets
            && f.location.span.is_none()
            && f.location.key.is_none()
            && pinpointed.contains(&(f.location.path.as_str(), f.location.layer.as_deref()))
        {
            drop[i] = true;
        }
    }
    let mut idx = 0;
    findings.retain(|_| {
        let keep = !drop[idx];
        idx += 1;
        keep
    });
}

/// Replaces the text of every `secrets` finding's span, after its first four characters, with `*`
/// in the sources kept for excerpts (byte lengths are kept, so every span stays valid).
fn mask_secrets(
    findings: &[Finding],
    suppressed: &[Suppressed],
    sources: &mut std::collections::BTreeMap<String, crate::SourceFile>,
) {
    let mut spans: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for f in findings.iter().chain(suppressed.iter().map(|s| &s.finding)) {
        if f.checklist == ChecklistItem::Secrets {
            if let Some(s) = f.location.span {
                spans
                    .entry(f.location.path.as_str())
                    .or_default()
                    .push((s.byte_start, s.byte_end));
            }
        }
    }
    for (path, ranges) in spans {
        let Some(file) = sources.get(path) else {
            continue;
        };
        let text = file.text();
        // '*' is one byte, so each masked character becomes as many '*' as it had bytes: every
        // byte offset, and so every span, stays valid.
        let mut bytes = text.as_bytes().to_vec();
        for (start, end) in ranges {
            let Some(slice) = text.get(start..end) else {
                continue;
            };
            let keep = slice.char_indices().nth(4).map_or(slice.len(), |(k, _)| k);
            for (off, c) in slice[keep..].char_indices() {
                if !c.is_whitespace() {
                    let at = start + keep + off;
                    bytes[at..at + c.len_utf8()].fill(b'*');
                }
            }
        }
        let masked = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let replaced = crate::SourceFile::new(file.path(), masked);
        sources.insert(path.to_string(), replaced);
    }
}

/// The reason of the inline comment that suppresses `f`, if one does (`Some(None)`: no reason given).
fn inline_suppression(analysis: &Analysis, f: &Finding) -> Option<Option<String>> {
    let line = f.location.line()?;
    let ignores = analysis.ignores.get(&f.location.path)?;
    ignores
        .iter()
        .filter(|ig| ig.covers(line))
        .find(|ig| {
            ig.rules.iter().any(|name| match ig.syntax {
                IgnoreSyntax::Shipshape => f.rule.is_named(name),
                IgnoreSyntax::Hadolint => f
                    .rule
                    .equivalents
                    .iter()
                    .any(|(tool, id)| *tool == "hadolint" && id.eq_ignore_ascii_case(name)),
            })
        })
        .map(|ig| ig.reason.clone())
}

/// Identical fingerprints (the same text flagged twice in one file) get `-2`, `-3`, … in order.
fn disambiguate_fingerprints(findings: &mut [Finding]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in findings.iter_mut() {
        let n = seen.entry(f.fingerprint.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            f.fingerprint = format!("{}-{}", f.fingerprint, n);
        }
    }
}

/// A location in a file that is not otherwise a source (used by analysers without spans).
pub fn whole_file(path: &str) -> Location {
    Location::path(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Evidence;
    use crate::rule::tests::TEST_RULE;
    use crate::rule::RuleRegistry;
    use crate::source::SourceFile;
    use crate::suppress::scan_hash_comments;

    fn registry() -> RuleRegistry {
        RuleRegistry::new(&[&[&TEST_RULE], rules::METAS])
    }

    fn analysis_with(text: &str) -> (Analysis, SourceFile) {
        let file = SourceFile::new("Dockerfile", text.to_string());
        let start = text.find("USER").unwrap();
        let mut a = Analysis::default();
        a.findings
            .push(Finding::at(&TEST_RULE, &file, start, start + 9, "root"));
        a.ignores
            .insert("Dockerfile".into(), scan_hash_comments(file.text()));
        a.evaluated_by([&TEST_RULE]);
        (a, file)
    }

    #[test]
    fn required_item_whose_rules_are_off_is_not_analysed_and_fails() {
        // Nothing found, the deciding rule ran and said why the item holds: the required item
        // passes.
        let mut a = Analysis::default();
        a.evaluated_by([&TEST_RULE]);
        a.add_evidence(Evidence::pass(
            ChecklistItem::NonRoot,
            "Dockerfile",
            "USER app (line 2)",
        ));
        let r = run(a, "require = [\"non-root\"]\n", "2026-01-01");
        let item = r
            .checklist
            .iter()
            .find(|c| c.id == ChecklistItem::NonRoot)
            .unwrap();
        assert_eq!(item.status, ChecklistStatus::Pass);
        assert_eq!(r.exit_code(), exit::CLEAN);
        // The same run with the rule turned off: nothing decided the item, so it is not
        // analysed, and being required it fails the gate.
        let mut a = Analysis::default();
        a.evaluated_by([&TEST_RULE]);
        a.add_evidence(Evidence::pass(
            ChecklistItem::NonRoot,
            "Dockerfile",
            "USER app (line 2)",
        ));
        let r = run(
            a,
            "require = [\"non-root\"]\n[rules]\nSS9999 = \"off\"\n",
            "2026-01-01",
        );
        let item = r
            .checklist
            .iter()
            .find(|c| c.id == ChecklistItem::NonRoot)
            .unwrap();
        assert_eq!(item.status, ChecklistStatus::NotAnalysed);
        assert_eq!(r.exit_code(), exit::FINDINGS);
    }

    fn item(r: &Report, id: ChecklistItem) -> &ChecklistEntry {
        r.checklist.iter().find(|c| c.id == id).unwrap()
    }

    #[test]
    fn no_pass_without_evidence() {
        // The deciding rule ran and found nothing, but no analyser said why the item holds:
        // not analysed, and a required item fails.
        let mut a = Analysis::default();
        a.evaluated_by([&TEST_RULE]);
        let r = run(a, "require = [\"non-root\"]\n", "2026-01-01");
        let c = item(&r, ChecklistItem::NonRoot);
        assert_eq!(c.status, ChecklistStatus::NotAnalysed);
        assert!(c
            .note
            .as_deref()
            .unwrap()
            .contains("nothing scanned showed"));
        assert_eq!(r.exit_code(), exit::FINDINGS);
    }

    #[test]
    fn pass_names_its_evidence() {
        let mut a = Analysis::default();
        a.evaluated_by([&TEST_RULE]);
        a.add_evidence(Evidence::pass(
            ChecklistItem::NonRoot,
            "Dockerfile",
            "USER app (line 7)",
        ));
        let r = run(a, "", "2026-01-01");
        let c = item(&r, ChecklistItem::NonRoot);
        assert_eq!(c.status, ChecklistStatus::Pass);
        assert_eq!(c.note.as_deref(), Some("USER app (line 7)"));
        assert_eq!(c.evidence.len(), 1);
        // Two inputs: the note names the first and counts the rest.
        let mut a = Analysis::default();
        a.evaluated_by([&TEST_RULE]);
        a.add_evidence(Evidence::pass(
            ChecklistItem::NonRoot,
            "a/Dockerfile",
            "USER app (line 7)",
        ));
        a.add_evidence(Evidence::pass(
            ChecklistItem::NonRoot,
            "b/Dockerfile",
            "USER 1000 (line 3)",
        ));
        let r = run(a, "", "2026-01-01");
        assert_eq!(
            item(&r, ChecklistItem::NonRoot).note.as_deref(),
            Some("a/Dockerfile: USER app (line 7) (and 1 more)")
        );
    }

    #[test]
    fn only_not_applicable_evidence_is_na_with_its_reason() {
        let mut a = Analysis::default();
        a.evaluated_by([&TEST_RULE]);
        a.add_evidence(Evidence::not_applicable(
            ChecklistItem::NonRoot,
            "Dockerfile",
            "not a service",
        ));
        let r = run(a, "require = [\"non-root\"]\n", "2026-01-01");
        let c = item(&r, ChecklistItem::NonRoot);
        assert_eq!(c.status, ChecklistStatus::NotApplicable);
        assert_eq!(c.note.as_deref(), Some("not a service"));
        // Required items still need a pass.
        assert_eq!(r.exit_code(), exit::FINDINGS);
    }

    #[test]
    fn evidence_contradicted_by_a_finding_is_dropped() {
        // An info finding does not fail the item, but it contradicts the evidence about the
        // same input: nothing is left to pass on.
        static INFO_RULE: RuleMeta = RuleMeta {
            code: "SS9993",
            slug: "info-rule",
            severity: Severity::Info,
            ..TEST_RULE
        };
        let file = SourceFile::new("Dockerfile", "USER root\n");
        let mut a = Analysis::default();
        a.evaluated_by([&INFO_RULE]);
        a.findings
            .push(Finding::at(&INFO_RULE, &file, 0, 9, "root"));
        a.add_evidence(Evidence::pass(
            ChecklistItem::NonRoot,
            "Dockerfile",
            "USER app",
        ));
        a.add_evidence(Evidence::pass(
            ChecklistItem::NonRoot,
            "other/Dockerfile",
            "USER 10001",
        ));
        let config = Config::parse(
            SourceFile::new("shipshape.toml", ""),
            &RuleRegistry::new(&[&[&INFO_RULE], rules::METAS]),
        )
        .unwrap();
        let r = apply(
            a,
            &PolicyRun {
                config: &config,
                today: "2026-01-01".parse().unwrap(),
                target: ".".into(),
                show_secrets: false,
            },
        );
        let c = item(&r, ChecklistItem::NonRoot);
        assert_eq!(c.status, ChecklistStatus::Pass);
        assert_eq!(
            c.note.as_deref(),
            Some("USER 10001"),
            "the other input's evidence"
        );
        // Whole-scan evidence (an image) yields to any finding on its item.
        let mut a = Analysis::default();
        a.evaluated_by([&INFO_RULE]);
        a.findings
            .push(Finding::at(&INFO_RULE, &file, 0, 9, "root"));
        a.add_evidence(Evidence::pass(
            ChecklistItem::NonRoot,
            "",
            "config.User is app",
        ));
        let r = apply(
            a,
            &PolicyRun {
                config: &config,
                today: "2026-01-01".parse().unwrap(),
                target: ".".into(),
                show_secrets: false,
            },
        );
        assert_eq!(
            item(&r, ChecklistItem::NonRoot).status,
            ChecklistStatus::NotAnalysed
        );
    }

    #[test]
    fn evidence_outside_the_gating_contexts_passes_nothing() {
        let mut a = Analysis::default();
        a.evaluated_by([&TEST_RULE]);
        a.add_evidence(Evidence::pass(
            ChecklistItem::NonRoot,
            "tests/fixtures/Dockerfile",
            "USER app (line 2)",
        ));
        a.assign_contexts(&crate::context::ContextClassifier::new(
            &Config::default(),
            std::path::Path::new("/nonexistent"),
        ));
        let r = run(a, "", "2026-01-01");
        assert_eq!(
            item(&r, ChecklistItem::NonRoot).status,
            ChecklistStatus::NotAnalysed
        );
    }

    #[test]
    fn vulnerabilities_fail_on_high_only_and_lower_findings_keep_the_evidence() {
        static VULN: RuleMeta = RuleMeta {
            code: "SS9998",
            slug: "test-vuln",
            summary: "a vulnerability rule for tests",
            severity: Severity::High,
            checklist: ChecklistItem::Vulnerabilities,
            source: crate::finding::SourceKind::Vulnerability,
            equivalents: &[],
            fix: None,
            docs: "",
        };
        let with_config = |severity: Severity, config: &str| {
            let mut a = Analysis::default();
            a.evaluated_by([&VULN]);
            a.add_evidence(Evidence::pass(
                ChecklistItem::Vulnerabilities,
                "",
                "3 packages checked: no critical or high",
            ));
            a.findings.push(
                Finding::new(
                    &VULN,
                    crate::finding::Location::path("/var/lib/dpkg/status"),
                    "libc6 is affected",
                    "libc6 CVE-1",
                )
                .with_severity(severity),
            );
            run(a, config, "2026-01-01")
        };
        let with = |severity: Severity| with_config(severity, "");
        let r = with(Severity::Medium);
        let c = item(&r, ChecklistItem::Vulnerabilities);
        assert_eq!(c.status, ChecklistStatus::Pass);
        assert_eq!(
            c.note.as_deref(),
            Some("3 packages checked: no critical or high")
        );
        let r = with(Severity::High);
        let c = item(&r, ChecklistItem::Vulnerabilities);
        assert_eq!(c.status, ChecklistStatus::Fail);
        assert_eq!(c.findings, 1);
        assert_eq!(r.exit_code(), exit::FINDINGS);
        // A filter hides the high finding from the report and the exit code, not from the item.
        let r = with_config(
            Severity::High,
            "[vulnerabilities]\nseverity = [\"medium\"]\n",
        );
        assert!(r.findings.is_empty());
        assert_eq!(r.exit_code(), exit::CLEAN);
        let c = item(&r, ChecklistItem::Vulnerabilities);
        assert_eq!(c.status, ChecklistStatus::Fail);
        assert!(c
            .note
            .as_deref()
            .unwrap()
            .starts_with("1 critical or high finding hidden"));
        // Hidden mediums change nothing: the item passes on its evidence.
        let r = with_config(Severity::Medium, "[vulnerabilities]\nonly-fixed = true\n");
        assert!(r.findings.is_empty());
        assert_eq!(
            item(&r, ChecklistItem::Vulnerabilities).status,
            ChecklistStatus::Pass
        );
    }

    #[test]
    fn suppressed_findings_are_accepted_evidence() {
        let (a, _) = analysis_with("FROM x\n# shipshape:ignore SS9999 base sets it\nUSER root\n");
        let r = run(a, "require = [\"non-root\"]\n", "2026-01-01");
        let c = item(&r, ChecklistItem::NonRoot);
        assert_eq!(c.status, ChecklistStatus::Pass);
        assert_eq!(c.note.as_deref(), Some("1 finding accepted by an ignore"));
        assert_eq!(r.exit_code(), exit::CLEAN);
    }

    fn with_vulnerability(
        a: &mut Analysis,
        vex: Option<crate::vulnerability::VexStatus>,
        kev: bool,
    ) {
        use crate::vulnerability::{Kev, VexVerdict, VulnerabilityInfo};
        let f = a.findings.remove(0).with_severity(Severity::Low);
        a.findings.push(f.with_vulnerability(VulnerabilityInfo {
            id: "CVE-2025-0001".into(),
            aliases: vec![],
            purl: Some("pkg:deb/debian/libc6@2.36-9".into()),
            kev: kev.then(|| Kev {
                cve: "CVE-2025-0001".into(),
                date_added: "2025-01-02".into(),
                due_date: None,
                ransomware: false,
            }),
            epss: None,
            vex: vex.map(|status| VexVerdict {
                status,
                justification: Some("vulnerable_code_not_in_execute_path".into()),
                statement: None,
                action: None,
                source: "vex.json".into(),
                key: "statements[0]".into(),
            }),
        }));
    }

    #[test]
    fn vex_not_affected_suppresses_and_affected_keeps() {
        use crate::vulnerability::VexStatus;
        let (mut a, _) = analysis_with("FROM x\nUSER root\n");
        with_vulnerability(&mut a, Some(VexStatus::NotAffected), false);
        let r = run(a, "fail-on = \"low\"\n", "2026-01-01");
        assert!(r.findings.is_empty());
        assert_eq!(r.suppressed[0].by, "vex");
        let reason = r.suppressed[0].reason.as_deref().unwrap();
        assert_eq!(
            reason,
            "not_affected (vulnerable_code_not_in_execute_path), per VEX vex.json statements[0]"
        );
        assert_eq!(r.exit_code(), exit::CLEAN);
        let c = item(&r, ChecklistItem::NonRoot);
        assert_eq!(
            c.note.as_deref(),
            Some("1 finding not affected or fixed per VEX")
        );
        for kept in [VexStatus::Affected, VexStatus::UnderInvestigation] {
            let (mut a, _) = analysis_with("FROM x\nUSER root\n");
            with_vulnerability(&mut a, Some(kept), false);
            let r = run(a, "fail-on = \"low\"\n", "2026-01-01");
            assert_eq!(r.findings.len(), 1, "{kept:?}");
            assert_eq!(r.exit_code(), exit::FINDINGS);
        }
    }

    #[test]
    fn fail_on_kev_gates_a_low_known_exploited_finding() {
        let (mut a, _) = analysis_with("FROM x\nUSER root\n");
        with_vulnerability(&mut a, None, true);
        let r = run(a, "", "2026-01-01");
        assert_eq!(r.exit_code(), exit::CLEAN, "low is below fail-on high");
        let (mut a, _) = analysis_with("FROM x\nUSER root\n");
        with_vulnerability(&mut a, None, true);
        let r = run(a, "fail-on-kev = true\n", "2026-01-01");
        assert_eq!(r.exit_code(), exit::FINDINGS);
        assert_eq!(
            item(&r, ChecklistItem::NonRoot).status,
            ChecklistStatus::Fail
        );
        let (mut a, _) = analysis_with("FROM x\nUSER root\n");
        with_vulnerability(&mut a, None, false);
        let r = run(a, "fail-on-kev = true\n", "2026-01-01");
        assert_eq!(r.exit_code(), exit::CLEAN, "not in KEV");
        // The vulnerability filters do not hide what fail-on-kev gates on.
        let kev_low = || {
            let (mut a, _) = analysis_with("FROM x\nUSER root\n");
            with_vulnerability(&mut a, None, true);
            a.findings[0].checklist = ChecklistItem::Vulnerabilities;
            a
        };
        let filtered = "[vulnerabilities]\nseverity = [\"critical\"]\n";
        let r = run(kev_low(), filtered, "2026-01-01");
        assert!(r.findings.is_empty(), "hidden without fail-on-kev");
        assert_eq!(r.exit_code(), exit::CLEAN);
        let r = run(
            kev_low(),
            &format!("fail-on-kev = true\n{filtered}"),
            "2026-01-01",
        );
        assert_eq!(r.findings.len(), 1, "kept by fail-on-kev");
        assert_eq!(r.exit_code(), exit::FINDINGS);
    }

    fn run(a: Analysis, config_text: &str, today: &str) -> Report {
        let config =
            Config::parse(SourceFile::new("shipshape.toml", config_text), &registry()).unwrap();
        apply(
            a,
            &PolicyRun {
                config: &config,
                today: today.parse().unwrap(),
                target: ".".into(),
                show_secrets: false,
            },
        )
    }

    #[test]
    fn finding_fails_item_and_exits_1() {
        let (a, _) = analysis_with("FROM x\nUSER root\n");
        let r = run(a, "", "2026-01-01");
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.exit_code(), exit::FINDINGS);
        let item = r
            .checklist
            .iter()
            .find(|c| c.id == ChecklistItem::NonRoot)
            .unwrap();
        assert_eq!(item.status, ChecklistStatus::Fail);
        let other = r
            .checklist
            .iter()
            .find(|c| c.id == ChecklistItem::Network)
            .unwrap();
        assert_eq!(other.status, ChecklistStatus::NotAnalysed);
    }

    #[test]
    fn threshold_and_overrides() {
        let (a, _) = analysis_with("FROM x\nUSER root\n");
        let r = run(a, "[rules]\nSS9999 = \"low\"\n", "2026-01-01");
        assert_eq!(r.findings[0].severity, Severity::Low);
        assert_eq!(r.exit_code(), exit::CLEAN);
        let (a, _) = analysis_with("FROM x\nUSER root\n");
        let r = run(a, "[rules]\ntest-rule = \"off\"\n", "2026-01-01");
        assert!(r.findings.is_empty());
        let item = r
            .checklist
            .iter()
            .find(|c| c.id == ChecklistItem::NonRoot)
            .unwrap();
        // The only rule deciding the item is off: nothing decided it (it used to pass).
        assert_eq!(item.status, ChecklistStatus::NotAnalysed);
    }

    #[test]
    fn inline_ignores() {
        let (a, _) = analysis_with("FROM x\n# shipshape:ignore SS9999 base sets it\nUSER root\n");
        let r = run(a, "", "2026-01-01");
        assert!(r.findings.is_empty());
        assert_eq!(r.suppressed[0].reason.as_deref(), Some("base sets it"));
        let (a, _) = analysis_with("FROM x\n# hadolint ignore=DL3002\nUSER root\n");
        assert!(run(a, "", "2026-01-01").findings.is_empty());
        let (a, _) = analysis_with("FROM x\n# hadolint ignore=DL3008\nUSER root\n");
        assert_eq!(run(a, "", "2026-01-01").findings.len(), 1);
    }

    #[test]
    fn expiring_ignores() {
        let cfg = "[[ignore]]\nrules = [\"SS9999\"]\nreason = \"accepted\"\nexpires = 2026-06-30\n";
        let (a, _) = analysis_with("FROM x\nUSER root\n");
        let r = run(a, cfg, "2026-06-30");
        assert!(r.findings.is_empty(), "unexpired ignore suppresses");
        assert_eq!(r.suppressed.len(), 1);
        let (a, _) = analysis_with("FROM x\nUSER root\n");
        let r = run(a, cfg, "2026-07-01");
        let rules: Vec<&str> = r.findings.iter().map(|f| f.rule.code).collect();
        let mut sorted = rules.clone();
        sorted.sort();
        assert_eq!(sorted, vec!["SS0001", "SS9999"], "{rules:?}");
        let expired = r.findings.iter().find(|f| f.rule == "SS0001").unwrap();
        assert_eq!(expired.location.path, "shipshape.toml");
        assert_eq!(expired.location.line(), Some(1));
        assert_eq!(expired.checklist, ChecklistItem::NonRoot);
    }

    #[test]
    fn secrets_are_masked_in_excerpts() {
        static SECRET_RULE: RuleMeta = RuleMeta {
            code: "SS9998",
            slug: "secret-rule",
            summary: "s",
            severity: Severity::High,
            checklist: ChecklistItem::Secrets,
            source: SourceKind::Secret,
            equivalents: &[],
            fix: None,
            docs: "d",
        };
        let text = "ENV TOKEN=abcdefghijklmnop é\n";
        let file = SourceFile::new("Dockerfile", text);
        let start = text.find("abcd").unwrap();
        let mut a = Analysis::default();
        a.findings
            .push(Finding::at(&SECRET_RULE, &file, start, start + 16, "tok"));
        a.add_source(&file);
        let config = Config::default();
        let r = apply(
            a,
            &PolicyRun {
                config: &config,
                today: "2026-01-01".parse().unwrap(),
                target: ".".into(),
                show_secrets: false,
            },
        );
        let shown = r.sources["Dockerfile"].text();
        assert_eq!(shown, "ENV TOKEN=abcd************ é\n");
        assert_eq!(shown.len(), text.len());
    }

    #[test]
    fn overlapping_secret_findings_keep_the_most_severe() {
        static SECRET_LOW: RuleMeta = RuleMeta {
            code: "SS9997",
            slug: "secret-low",
            summary: "s",
            severity: Severity::Medium,
            checklist: ChecklistItem::Secrets,
            source: SourceKind::Secret,
            equivalents: &[],
            fix: None,
            docs: "d",
        };
        static SECRET_HIGH: RuleMeta = RuleMeta {
            code: "SS9996",
            slug: "secret-high",
            severity: Severity::Critical,
            ..SECRET_LOW
        };
        let text = "ENV A=abcdefghijklmnop\nENV B=qrstuvwxyz012345\n";
        let file = SourceFile::new("Dockerfile", text);
        let a_at = text.find("abcd").unwrap();
        let b_at = text.find("qrst").unwrap();
        let mut a = Analysis::default();
        a.findings
            .push(Finding::at(&SECRET_LOW, &file, a_at, a_at + 16, "generic"));
        a.findings.push(Finding::at(
            &SECRET_HIGH,
            &file,
            a_at + 2,
            a_at + 16,
            "specific",
        ));
        a.findings.push(Finding::at(
            &SECRET_LOW,
            &file,
            b_at,
            b_at + 16,
            "other line",
        ));
        let r = run(a, "", "2026-01-01");
        let kept: Vec<&str> = r.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(kept, vec!["specific", "other line"]);
    }

    #[test]
    fn whole_file_secret_finding_yields_to_a_pinpointed_one_in_the_same_layer() {
        static FILE_RULE: RuleMeta = RuleMeta {
            code: "SS9995",
            slug: "secret-file",
            summary: "s",
            severity: Severity::High,
            checklist: ChecklistItem::Secrets,
            source: SourceKind::Image,
            equivalents: &[],
            fix: None,
            docs: "d",
        };
        static VALUE_RULE: RuleMeta = RuleMeta {
            code: "SS9994",
            slug: "secret-value",
            ..FILE_RULE
        };
        let in_layer = |path: &str, layer: &str| {
            let mut l = Location::path(path);
            l.layer = Some(layer.to_string());
            l
        };
        let env = SourceFile::new("img:/app/.env", "AWS_SECRET=abcdefghijklmnop\n");
        let mut a = Analysis::default();
        // The same file in layers 1 and 2; the engine pinpoints a value only in layer 2's copy.
        for layer in ["sha256:1", "sha256:2"] {
            a.findings.push(Finding::new(
                &FILE_RULE,
                in_layer("img:/app/.env", layer),
                format!(".env file in {layer}"),
                "",
            ));
        }
        let mut pinpointed = Finding::at(&VALUE_RULE, &env, 11, 27, "key in sha256:2");
        pinpointed.location.layer = Some("sha256:2".into());
        a.findings.push(pinpointed);
        let r = run(a, "", "2026-01-01");
        let mut kept: Vec<&str> = r.findings.iter().map(|f| f.message.as_str()).collect();
        kept.sort();
        assert_eq!(kept, vec![".env file in sha256:1", "key in sha256:2"]);
    }

    #[test]
    fn unused_ignore_is_info() {
        let cfg = "[[ignore]]\nrules = [\"SS9999\"]\npaths = [\"other/**\"]\nreason = \"r\"\n";
        let (a, _) = analysis_with("FROM x\nUSER root\n");
        let r = run(a, cfg, "2026-01-01");
        let unused = r.findings.iter().find(|f| f.rule == "SS0002").unwrap();
        assert_eq!(unused.severity, Severity::Info);
    }

    #[test]
    fn errors_exit_2_and_fingerprints_unique() {
        let file = SourceFile::new("Dockerfile", "USER root\nUSER root\n");
        let mut a = Analysis::default();
        a.findings.push(Finding::at(&TEST_RULE, &file, 0, 9, "a"));
        a.findings.push(Finding::at(&TEST_RULE, &file, 10, 19, "b"));
        a.errors.push(crate::ScanError::new("compose.yaml", "bad"));
        let r = run(a, "", "2026-01-01");
        assert_eq!(r.exit_code(), exit::ERROR);
        assert_ne!(r.findings[0].fingerprint, r.findings[1].fingerprint);
        assert!(r.findings[1].fingerprint.ends_with("-2"));
    }
}
