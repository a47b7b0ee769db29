#!/usr/bin/env python3
"""Scores a scanner's findings against a corpus's labels (make_corpus.py).
Usage: score.py LABELS.json FINDINGS.json [--format reviewgate|betterleaks] [--verbose]
A finding counts by (path, line): on a labelled secret's line it is a true positive, anywhere
else a false positive. Prints recall and precision."""
import json, sys

labels = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
fmt = sys.argv[sys.argv.index("--format") + 1] if "--format" in sys.argv else "reviewgate"
verbose = "--verbose" in sys.argv
if fmt == "reviewgate":
    found = {(f["path"], f["line"]) for f in doc["findings"] if f["kind"] == "secret" and f.get("location") == "content"}
    rules = {(f["path"], f["line"]): f["rule"] for f in doc["findings"] if f["kind"] == "secret"}
else:
    # betterleaks 2: {"findings": [{"rule_id", "location": {"path", "start_line"}, ...}]};
    # gitleaks 8: a list of {"RuleID", "File", "StartLine"}.
    items = doc["findings"] if isinstance(doc, dict) else doc
    def key(f):
        if "location" in f:
            return (f["location"]["path"], f["location"]["start_line"])
        return (f["File"], f["StartLine"])
    found = {key(f) for f in items}
    rules = {key(f): f.get("rule_id", f.get("RuleID")) for f in items}
truth = {(s["path"], s["line"]): s["kind"] for s in labels["secrets"]}
decoys = {(d["path"], d["line"]): d["kind"] for d in labels["decoys"]}
tp = found & truth.keys()
fp = found - truth.keys()
fn = truth.keys() - found
recall = len(tp) / len(truth) if truth else 1.0
precision = len(tp) / len(found) if found else 1.0
print(f"{fmt}: recall {recall:.4f} ({len(tp)}/{len(truth)}), precision {precision:.4f} ({len(tp)}/{len(found)})")
if verbose:
    for key in sorted(fn, key=str):
        print("  missed", truth[key], key)
    for key in sorted(fp, key=str):
        print("  false ", rules.get(key), key, "decoy " + decoys[key] if key in decoys else "")
