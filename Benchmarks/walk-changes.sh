#!/usr/bin/env bash
# Times computing the changes of every commit of a branch: ReviewGate's git layer against
# `git log --raw --no-renames --no-abbrev` on the same repository, in the same run.
#   Benchmarks/walk-changes.sh REPO [BRANCH]      (REPO: e.g. a bare clone of git/git)
# Prints both times, the ratio, and checks that both found the same non-merge entries.
set -euo pipefail
repo=${1:?usage: walk-changes.sh REPO [BRANCH]}
branch=${2:-master}
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH=/opt/swift/usr/bin:$PATH

(cd "$here" && swift build -c release --static-swift-stdlib --product walk-changes >/dev/null)
bin="$here/.build/release/walk-changes"

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

# Warm the page cache for both tools.
git -C "$repo" log --raw --no-renames --no-abbrev --format=%H "$branch" >/dev/null

t0=$(now)
git_entries=$(git -C "$repo" log --raw --no-renames --no-abbrev --format=%H "$branch" | grep -c '^:')
t1=$(now)
ours1=$("$bin" "$repo" "$branch" --threads 1)
t2=$(now)
ours2=$("$bin" "$repo" "$branch" --threads 2)
t3=$(now)

git_ms=$(ms "$t0" "$t1"); one_ms=$(ms "$t1" "$t2"); two_ms=$(ms "$t2" "$t3")
our_entries=$(sed -E 's/.*non-merge-raw-entries ([0-9]+).*/\1/' <<<"$ours1")
echo "repository: $repo ($branch)"
echo "reviewgate: $ours1"
echo "git log --raw --no-renames: $git_entries raw entries (merges are not diffed by git log)"
echo "git log --raw:          ${git_ms} ms"
echo "reviewgate, 1 thread:   ${one_ms} ms   ratio $(awk "BEGIN{printf \"%.2f\", $one_ms/$git_ms}")x git"
echo "reviewgate, 2 threads:  ${two_ms} ms   ratio $(awk "BEGIN{printf \"%.2f\", $two_ms/$git_ms}")x git"
echo "(reviewgate also computes every merge's own changes, which git log skips)"
if [ "$our_entries" != "$git_entries" ]; then
  echo "MISMATCH: reviewgate found $our_entries non-merge entries, git $git_entries" >&2
  exit 1
fi
