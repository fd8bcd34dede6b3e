#!/usr/bin/env python3
"""Compares two sets of `shipshape check --format json` reports, one per corpus directory, and
lists every finding that appeared, disappeared or changed (see bench/corpus-diff.sh, which runs the
two binaries and calls this).

    corpus_diff.py RUN_DIR [--out FILE] [--limit N]

RUN_DIR holds `units.txt` (one corpus directory a line, in run order), `labels.txt` (two lines:
the old and the new side's names) and, for each side `old` and `new`, `<index>.json`,
`<index>.err` and `<index>.rc` per directory.

Findings are matched old <-> new by (rule code, path, line, message) first, then what is left by
(rule code, path, line): such a pair is "changed" (severity or message). A pair matched on the
full key whose severity differs is "changed" too. Duplicates are matched one for one.

The reader is tolerant of the new side's JSON growing: the rule code is taken from
`finding.rule` when it is a string, or from `finding.rule.code` (or `.id`) when it is an object;
unknown fields are ignored.

Exit status: 0 when nothing differs, 1 when something does, 2 when RUN_DIR is unusable.
"""

import argparse
import json
import os
import sys
from collections import Counter, defaultdict

SIDES = ("old", "new")


def rule_code(f):
    r = f.get("rule")
    if isinstance(r, dict):
        r = r.get("code") or r.get("id")
    if r is None:
        r = f.get("code") or f.get("rule_code")
    return str(r) if r is not None else "?"


def severity(f):
    s = f.get("severity")
    if s is None and isinstance(f.get("rule"), dict):
        s = f["rule"].get("severity")
    if isinstance(s, dict):
        s = s.get("level") or s.get("name")
    return str(s) if s is not None else "?"


def location(f):
    loc = f.get("location")
    if not isinstance(loc, dict):
        loc = f
    path = loc.get("path", "?")
    line = loc.get("line")
    if line is None and isinstance(loc.get("span"), dict):
        line = loc["span"].get("line")
    return str(path), line


def one_line(text):
    return str(text).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


class F:
    """One finding, reduced to what is compared."""

    __slots__ = ("rule", "path", "line", "severity", "message")

    def __init__(self, raw):
        self.rule = rule_code(raw)
        self.path, self.line = location(raw)
        self.severity = severity(raw)
        self.message = one_line(raw.get("message", ""))

    def where(self):
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def sort_key(self):
        return (self.path, self.line if self.line is not None else -1, self.rule, self.message)

    def show(self):
        return f"{self.where()} {self.rule} {self.severity} {self.message}"


def match(old, new):
    """Returns (appeared, disappeared, changed pairs) between two lists of F."""

    def pair_by(key, olds, news):
        by_key = defaultdict(list)
        for f in olds:
            by_key[key(f)].append(f)
        pairs, left_new = [], []
        for f in news:
            bucket = by_key.get(key(f))
            if bucket:
                pairs.append((bucket.pop(0), f))
            else:
                left_new.append(f)
        left_old = [f for bucket in by_key.values() for f in bucket]
        return pairs, left_old, left_new

    exact, old_left, new_left = pair_by(
        lambda f: (f.rule, f.path, f.line, f.message), old, new
    )
    near, old_left, new_left = pair_by(lambda f: (f.rule, f.path, f.line), old_left, new_left)
    changed = [(o, n) for o, n in exact if o.severity != n.severity] + near
    return new_left, old_left, changed


def load(run, side, idx):
    base = os.path.join(run, side, str(idx))
    try:
        with open(base + ".rc") as fh:
            rc = fh.read().strip()
    except OSError:
        rc = "not run"
    try:
        with open(base + ".err", errors="replace") as fh:
            err = [line.rstrip("\n") for line in fh]
    except OSError:
        err = []
    doc, problem = None, None
    try:
        with open(base + ".json", errors="replace") as fh:
            text = fh.read()
        if text.strip():
            doc = json.loads(text)
            if not isinstance(doc, dict):
                doc, problem = None, "report is not a JSON object"
        else:
            problem = "no report on stdout"
    except OSError as e:
        problem = f"no report ({e.strerror})"
    except json.JSONDecodeError as e:
        problem = f"report is not valid JSON ({e.msg} at line {e.lineno})"
    return {"rc": rc, "err": err, "doc": doc, "problem": problem}


def findings_of(doc, field):
    if not doc:
        return []
    out = []
    for raw in doc.get(field) or []:
        if isinstance(raw, dict):
            # a suppressed entry may nest the finding instead of flattening it
            out.append(F(raw.get("finding") if isinstance(raw.get("finding"), dict) else raw))
    return out


def errors_of(doc):
    if not doc:
        return Counter()
    out = Counter()
    for e in doc.get("errors") or []:
        if isinstance(e, dict):
            where = str(e.get("path", "?"))
            if e.get("line") is not None:
                where += f":{e['line']}"
            out[f"{where} {one_line(e.get('message', ''))}"] += 1
        else:
            out[one_line(e)] += 1
    return out


def inputs_of(doc):
    if not doc:
        return Counter()
    return Counter(
        f"{i.get('path', '?')} ({i.get('kind', '?')})" if isinstance(i, dict) else str(i)
        for i in doc.get("inputs") or []
    )


def tool_version(doc):
    if doc and isinstance(doc.get("tool"), dict):
        return str(doc["tool"].get("version", "?"))
    return None


class Out:
    """Writes the full report to FILE (if any) and to stdout, where lists are cut at LIMIT."""

    def __init__(self, path, limit):
        self.file = open(path, "w") if path else None
        self.path = path
        self.limit = limit

    def line(self, text=""):
        print(text)
        if self.file:
            self.file.write(text + "\n")

    def items(self, lines):
        for i, text in enumerate(lines):
            if self.file:
                self.file.write(text + "\n")
            if not self.limit or i < self.limit:
                print(text)
            elif i == self.limit:
                where = f"in {self.path}" if self.path else "not shown (--limit 0 shows all)"
                print(f"  ... {len(lines) - self.limit} more {where}")

    def close(self):
        if self.file:
            self.file.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run")
    ap.add_argument("--out", help="write the full list to FILE (stdout then cuts each list)")
    ap.add_argument("--limit", type=int, default=None,
                    help="lines per list on stdout (default: all, or 50 with --out; 0 = all)")
    a = ap.parse_args()
    limit = a.limit if a.limit is not None else (50 if a.out else 0)

    try:
        with open(os.path.join(a.run, "units.txt")) as fh:
            units = [u.rstrip("\n") for u in fh if u.strip()]
        with open(os.path.join(a.run, "labels.txt")) as fh:
            labels = [l.rstrip("\n") for l in fh][:2]
    except OSError as e:
        print(f"corpus_diff: {a.run}: {e}", file=sys.stderr)
        return 2
    while len(labels) < 2:
        labels.append(SIDES[len(labels)])

    per_rule = defaultdict(Counter)  # rule -> old/new/appeared/disappeared/changed
    appeared, disappeared, changed = [], [], []
    s_appeared, s_disappeared = [], []
    runs = []  # (unit, [lines]) exit code, report, error and stderr differences
    inputs_diff = []
    versions = {side: set() for side in SIDES}

    for idx, unit in enumerate(units):
        r = {side: load(a.run, side, idx) for side in SIDES}
        for side in SIDES:
            v = tool_version(r[side]["doc"])
            if v:
                versions[side].add(v)
        old = findings_of(r["old"]["doc"], "findings")
        new = findings_of(r["new"]["doc"], "findings")
        for f in old:
            per_rule[f.rule]["old"] += 1
        for f in new:
            per_rule[f.rule]["new"] += 1
        ap_, dis_, ch_ = match(old, new)
        for f in ap_:
            per_rule[f.rule]["appeared"] += 1
        for f in dis_:
            per_rule[f.rule]["disappeared"] += 1
        for o, n in ch_:
            per_rule[n.rule]["changed"] += 1
        appeared += ap_
        disappeared += dis_
        changed += ch_

        sap, sdis, sch = match(
            findings_of(r["old"]["doc"], "suppressed"), findings_of(r["new"]["doc"], "suppressed")
        )
        s_appeared += sap + [n for _, n in sch]
        s_disappeared += sdis + [o for o, _ in sch]

        notes = []
        if r["old"]["rc"] != r["new"]["rc"]:
            notes.append(f"exit code {r['old']['rc']} -> {r['new']['rc']}")
        for side in SIDES:
            if r[side]["problem"]:
                notes.append(f"{side}: {r[side]['problem']} (exit {r[side]['rc']})")
        eo, en = errors_of(r["old"]["doc"]), errors_of(r["new"]["doc"])
        notes += [f"scan error appeared: {e}" for e in sorted((en - eo).elements())]
        notes += [f"scan error disappeared: {e}" for e in sorted((eo - en).elements())]
        so, sn = Counter(r["old"]["err"]), Counter(r["new"]["err"])
        notes += [f"stderr appeared: {e}" for e in sorted((sn - so).elements())]
        notes += [f"stderr disappeared: {e}" for e in sorted((so - sn).elements())]
        if notes:
            runs.append((unit, notes))
        io_, in_ = inputs_of(r["old"]["doc"]), inputs_of(r["new"]["doc"])
        inputs_diff += [f"+ {i}" for i in sorted((in_ - io_).elements())]
        inputs_diff += [f"- {i}" for i in sorted((io_ - in_).elements())]

    out = Out(a.out, limit)
    ver = {s: ", ".join(sorted(versions[s])) or "?" for s in SIDES}
    out.line(f"old: {labels[0]} (shipshape {ver['old']})")
    out.line(f"new: {labels[1]} (shipshape {ver['new']})")
    out.line(f"runs per side: {len(units)} (one per corpus directory)")
    out.line()
    out.line("== findings per rule")
    head = f"{'rule':<12} {'old':>7} {'new':>7} {'appeared':>9} {'disappeared':>12} {'changed':>8}"
    out.line(head)
    total = Counter()
    for rule in sorted(per_rule):
        c = per_rule[rule]
        total.update(c)
        out.line(f"{rule:<12} {c['old']:>7} {c['new']:>7} {c['appeared']:>9} "
                 f"{c['disappeared']:>12} {c['changed']:>8}")
    out.line(f"{'total':<12} {total['old']:>7} {total['new']:>7} {total['appeared']:>9} "
             f"{total['disappeared']:>12} {total['changed']:>8}")

    def section(title, lines):
        out.line()
        out.line(f"== {title} ({len(lines)})")
        out.items(lines)

    def by_place(fs):
        return [f.show() for f in sorted(fs, key=F.sort_key)]

    section("appeared", by_place(appeared))
    section("disappeared", by_place(disappeared))
    section("changed (- old, + new)", [
        f"{n.where()} {n.rule}\n  - {o.severity} {o.message}\n  + {n.severity} {n.message}"
        for o, n in sorted(changed, key=lambda p: p[1].sort_key())
    ])
    section("suppressed findings that appeared", by_place(s_appeared))
    section("suppressed findings that disappeared", by_place(s_disappeared))
    section("inputs (+ read only by new, - read only by old)", inputs_diff)
    section("exit codes, reports and scan errors per directory",
            [f"{u}: {note}" for u, notes in runs for note in notes])
    differs = bool(appeared or disappeared or changed or s_appeared or s_disappeared
                   or inputs_diff or runs)
    out.line()
    out.line("differences found" if differs else "no differences")
    out.close()
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
