#!/usr/bin/env python3
"""Precision and recall of shipshape-secrets, gitleaks and detect-secrets on labelled data.

Labelled sets (under shared/corpus/secrets, read in place):
  * noseyparker rule examples: every `examples` entry is a positive, every `negative_examples`
    entry a negative. Each is written to its own file; a tool "finds" a file if it reports anything
    in it. Scored per file. A negative example is only negative for its own rule: the few that
    hold a credential-shaped string listed as a positive example (of any secret rule) carry both
    labels and are left out.
  * CredSweeper samples: `tests/data/output.json` lists the credentials CredSweeper's own test
    suite expects on `tests/samples/`, each with its line(s). A credential counts as found when a
    tool reports any of its lines; a reported line belonging to no credential is a false positive. These labels come from another tool's expectations, so they
    include heuristic "passwords" that are debatable; they are used as is, never tuned against.

Families come from keyword rules over rule names (provider names), the same for every tool.

Usage: evaluate.py [--scan-bin PATH] [--corpus DIR] [--no-peers] [--list-fp TOOL] [--list-fn TOOL]
--list-fp / --list-fn print the false positives / missed positives of one tool (file, line, rule
and the line's text, truncated) after the tables, for error analysis.
Peers are looked up on PATH (source the env.sh of ../shared/peers/install.sh's folder first) and
skipped if missing.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(CRATE))
DEFAULT_CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus", "secrets")

FAMILY_KEYWORDS = [
    ("private-key", ["private key", "private-key", "privatekey", "pem", "ssh", "pgp", "pkcs", "putty",
                     "age secret", "age-secret", "jwk", "json web key", "jwt", "json web token", "keystore"]),
    ("cloud", ["aws", "amazon", "gcp", "google", "azure", "alibaba", "digital ocean", "digitalocean",
               "cloudflare", "heroku", "hashicorp", "vault", "terraform", "ibm", "tencent", "yandex",
               "scaleway", "linode", "akamai", "firebase", "bedrock", "oracle"]),
    ("vcs-ci", ["github", "gitlab", "bitbucket", "atlassian", "jira", "confluence", "circleci", "travis",
                "azure devops", "buildkite", "sonar", "codecov", "drone", "jenkins", "gitea"]),
    ("registry", ["npm", "pypi", "docker", "rubygems", "nuget", "crates", "jfrog", "artifactory",
                  "clojars", "pulumi", "yarn", "hex"]),
    ("connection-string", ["url credentials", "connection", "postgres", "mysql", "mongodb", "redis",
                           "amqp", "jdbc", "sql password", "uri", "url"]),
    ("generic", ["password", "passwd", "secret", "token", "key", "credential", "auth", "salt",
                 "keyword", "high entropy", "entropy", "generic", "curl", "cmd", "basic", "bearer",
                 "nonce", "api"]),
]
SAAS_HINT = "saas"


def family_of(name):
    n = (name or "").lower().replace("_", " ")
    for fam, words in FAMILY_KEYWORDS[:5]:
        if any(w in n for w in words):
            return fam
    # named providers without a family above are SaaS; bare credential words are generic
    generic_words = FAMILY_KEYWORDS[5][1]
    stripped = n
    for w in generic_words + ["access", "api", "value", "id", "client", "user", "personal"]:
        stripped = stripped.replace(w, " ")
    return "generic" if not stripped.strip() else SAAS_HINT


# ----------------------------------------------------------------------------------------------
# Tools: each returns {relative path: set of 1-based lines reported} and {(path, line): rule name}


def run_shipshape(scan_bin, root):
    out = subprocess.run([scan_bin, "--no-ignore", root], capture_output=True, text=True)
    found = collections.defaultdict(set)
    names = {}
    for line in out.stdout.splitlines():
        f = json.loads(line)
        found[f["path"]].add(f["line"])
        names[(f["path"], f["line"])] = f["family"]
        names[("rule", f["path"], f["line"])] = f["slug"]
    return found, names, True


def run_gitleaks(root):
    if not shutil.which("gitleaks"):
        return None, None, False
    with tempfile.TemporaryDirectory() as t:
        rep = os.path.join(t, "r.json")
        subprocess.run(["gitleaks", "dir", "--no-banner", "--log-level", "error", "-f", "json",
                        "-r", rep, "--exit-code", "0", root], capture_output=True)
        data = json.load(open(rep)) if os.path.exists(rep) else []
    found = collections.defaultdict(set)
    names = {}
    for f in data:
        p = os.path.relpath(f["File"], root) if os.path.isabs(f["File"]) else f["File"]
        p = p[len(root) + 1:] if p.startswith(root + "/") else p
        found[p].add(f["StartLine"])
        names[(p, f["StartLine"])] = f["RuleID"]
    return found, names, True


def run_detect_secrets(root):
    if not shutil.which("detect-secrets"):
        return None, None, False
    out = subprocess.run(["detect-secrets", "scan", "--all-files", "."], capture_output=True,
                         text=True, cwd=root)
    try:
        data = json.loads(out.stdout)
    except json.JSONDecodeError:
        return None, None, False
    found = collections.defaultdict(set)
    names = {}
    for path, results in data.get("results", {}).items():
        for r in results:
            found[path].add(r["line_number"])
            names[(path, r["line_number"])] = r["type"]
    return found, names, True


# ----------------------------------------------------------------------------------------------
# Labelled sets


def noseyparker_set(corpus, workdir):
    import yaml  # noqa: PLC0415 (optional dependency, only for this set)

    rules_dir = os.path.join(corpus, "praetorian-inc+noseyparker", "crates", "noseyparker", "data",
                             "default", "builtin", "rules")
    labels = {}  # relpath -> (is_positive, family)
    if not os.path.isdir(rules_dir):
        return labels, 0
    rules = []
    for fn in sorted(os.listdir(rules_dir)):
        doc = yaml.safe_load(open(os.path.join(rules_dir, fn))) or {}
        for rule in doc.get("rules", []):
            # noseyparker also detects identifiers (bucket names, ARNs, client ids): only rules it
            # files under the `secret` category label secrets.
            if "secret" in (rule.get("categories") or []):
                rules.append((fn, rule))
    # A negative example is negative for its own rule only: several hold a credential that another
    # rule lists as a positive example (a Slack user token among the bot-token rule's negatives).
    # Such a negative is labelled both ways; it is left out rather than counted as "no secret".
    positive_tokens = {t for _, rule in rules for ex in rule.get("examples") or []
                       for t in credential_tokens(ex)}
    n = 0
    conflicting = 0
    for fn, rule in rules:
        if True:
            fam = family_of(rule.get("name", "") + " " + fn.replace(".yml", ""))
            for kind, key in (("pos", "examples"), ("neg", "negative_examples")):
                for ex in rule.get(key) or []:
                    if kind == "neg" and credential_tokens(ex) & positive_tokens:
                        conflicting += 1
                        continue
                    n += 1
                    rel = f"{kind}/{rule['id']}-{n}.txt"
                    p = os.path.join(workdir, rel)
                    os.makedirs(os.path.dirname(p), exist_ok=True)
                    with open(p, "w") as fh:
                        fh.write(ex if ex.endswith("\n") else ex + "\n")
                    labels[rel] = (kind == "pos", fam)
    return labels, conflicting


def credential_tokens(text):
    """Credential-shaped strings of a text: 20+ token characters with 3+ digits and 3+ letters."""
    import re  # noqa: PLC0415

    return {t for t in re.findall(r"[A-Za-z0-9_\-+/=.~]{20,}", text)
            if sum(c.isdigit() for c in t) >= 3 and sum(c.isalpha() for c in t) >= 3}


def credsweeper_set(corpus, workdir):
    base = os.path.join(corpus, "Samsung+CredSweeper")
    out_json = os.path.join(base, "tests", "data", "output.json")
    labels = {}  # credential index -> (family, set of (relpath, line))
    lines_of = {}
    if not os.path.exists(out_json):
        return labels, lines_of
    samples = os.path.join(base, "tests", "samples")
    dst = os.path.join(workdir, "samples")
    shutil.copytree(samples, dst)
    for i, rec in enumerate(json.load(open(out_json))):
        keys = set()
        for ld in rec["line_data_list"]:
            p = ld["path"].replace("./tests/samples/", "")
            if "/" in p or ":" in p:  # archive members, nested paths
                continue
            keys.add((p, ld["line_num"]))
        if keys:
            labels[i] = (family_of(rec["rule"]), keys)
    for fn in os.listdir(dst):
        fp = os.path.join(dst, fn)
        if os.path.isfile(fp):
            with open(fp, "rb") as fh:
                lines_of[fn] = fh.read().count(b"\n") + 1
    return labels, lines_of


# ----------------------------------------------------------------------------------------------


def pr(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    return p, r


def fmt(x):
    return "  -  " if x != x else f"{x:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scan-bin", default=os.environ.get("SHIPSHAPE_SCAN_BIN"))
    ap.add_argument("--corpus", default=os.environ.get("SHIPSHAPE_SECRETS_CORPUS", DEFAULT_CORPUS))
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--list-fp", metavar="TOOL", help="list this tool's false positives")
    ap.add_argument("--list-fn", metavar="TOOL", help="list this tool's missed positives")
    args = ap.parse_args()
    if not os.path.isdir(args.corpus):
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    scan_bin = args.scan_bin
    if not scan_bin:
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
        scan_bin = os.path.join(target, "release", "examples", "scan")
        if not os.path.exists(scan_bin):
            subprocess.run(["cargo", "build", "--release", "-p", "shipshape-secrets", "--example", "scan"],
                           cwd=REPO, check=True)

    tools = [("shipshape", lambda r: run_shipshape(scan_bin, r))]
    if not args.no_peers:
        tools += [("gitleaks", run_gitleaks), ("detect-secrets", run_detect_secrets)]

    with tempfile.TemporaryDirectory() as np_dir, tempfile.TemporaryDirectory() as cs_dir:
        np_labels, np_conflicting = noseyparker_set(args.corpus, np_dir)
        cs_labels, cs_lines = credsweeper_set(args.corpus, cs_dir)
        cs_root = os.path.join(cs_dir, "samples")
        print(f"noseyparker examples: {sum(1 for v in np_labels.values() if v[0])} positive, "
              f"{sum(1 for v in np_labels.values() if not v[0])} negative files "
              f"({np_conflicting} negatives left out: they hold another rule's positive example)")
        print(f"CredSweeper samples: {len(cs_labels)} labelled credentials in {len(cs_lines)} files\n")

        listing = []  # (set, kind, family, path, line, rule, root)
        for set_name in ("noseyparker", "credsweeper"):
            rows = collections.defaultdict(dict)
            totals = {}
            for tool, run in tools:
                root = np_dir if set_name == "noseyparker" else cs_root
                found, names, ok = run(root)
                if not ok:
                    print(f"({tool} not available: skipped)")
                    continue
                counts = collections.defaultdict(lambda: [0, 0, 0])  # tp fp fn
                if set_name == "noseyparker":
                    for rel, (pos, fam) in np_labels.items():
                        hit = bool(found.get(rel))
                        if pos and hit:
                            counts[fam][0] += 1
                        elif pos:
                            counts[fam][2] += 1
                            if tool == args.list_fn:
                                listing.append((set_name, "FN", fam, rel, 1, "", root))
                        elif hit:
                            counts[fam][1] += 1
                            if tool == args.list_fp:
                                for ln in sorted(found[rel]):
                                    rule = names.get(("rule", rel, ln)) or names.get((rel, ln), "")
                                    listing.append((set_name, "FP", fam, rel, ln, rule, root))
                else:
                    predicted = {(p, l) for p, ls in found.items() for l in ls if p in cs_lines}
                    labelled = set()
                    for fam, keys in cs_labels.values():
                        labelled |= keys
                        counts[fam][0 if keys & predicted else 2] += 1
                        if tool == args.list_fn and not keys & predicted:
                            for p, ln in sorted(keys):
                                listing.append((set_name, "FN", fam, p, ln, "", root))
                    for key in sorted(predicted - labelled):
                        fam = names.get(key, "")
                        rule = names.get(("rule",) + key) or fam
                        fam = fam if tool == "shipshape" else family_of(fam)
                        counts[fam][1] += 1
                        if tool == args.list_fp:
                            listing.append((set_name, "FP", fam, key[0], key[1], rule, root))
                tot = [sum(c[i] for c in counts.values()) for i in range(3)]
                totals[tool] = tot
                for fam, c in counts.items():
                    rows[fam][tool] = c
            print(f"## {set_name}\n")
            names_ = [t for t, _ in tools if t in totals]
            print("| family | " + " | ".join(f"{t} P | {t} R" for t in names_) + " |")
            print("|---|" + "---|---|" * len(names_))
            for fam in sorted(rows):
                cells = []
                for t in names_:
                    c = rows[fam].get(t, [0, 0, 0])
                    p, r = pr(*c)
                    cells += [fmt(p), fmt(r)]
                print(f"| {fam} | " + " | ".join(cells) + " |")
            cells = []
            for t in names_:
                p, r = pr(*totals[t])
                cells += [f"**{fmt(p)}**", f"**{fmt(r)}**"]
            print("| **all** | " + " | ".join(cells) + " |")
            print("\n(tp, fp, fn) totals: " + ", ".join(f"{t} {tuple(totals[t])}" for t in names_) + "\n")
        for set_name, kind, fam, rel, ln, rule, root in listing:
            try:
                with open(os.path.join(root, rel), "rb") as fh:
                    text = fh.read().split(b"\n")[ln - 1].decode("utf-8", "replace").strip()
            except (OSError, IndexError):
                text = "?"
            print(f"{kind} {set_name} {fam} {rel}:{ln} [{rule}] {text[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
