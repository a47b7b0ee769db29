#!/usr/bin/env bash
# Audit log speed, release build:
#   1. append latency with fdatasync: N single-record appends (one process, a lock, a tail
#      read, one write, fdatasync each) — median and p99; then the same with a signed
#      checkpoint after each append;
#   2. `reviewgate log verify` throughput on a 1M-record log (frames, canonical JSON, chain,
#      Merkle root). Goal: over 200k records/s.
#   Benchmarks/audit-log.sh [APPENDS] [RECORDS]      (defaults 2000 and 1000000)
# The log is built in $TMPDIR (or /tmp): about 650 MB for 1M records.
set -euo pipefail
appends=${1:-2000}
records=${2:-1000000}
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH=/opt/swift/usr/bin:$PATH
(cd "$here" && swift build -c release --static-swift-stdlib --product log-append >/dev/null && make -s release >/dev/null)
bin="$here/.build/release"
work=$(mktemp -d "${TMPDIR:-/tmp}/audit-log-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

percentiles() {  # microseconds on stdin (second column) -> "median X us, p99 Y us"
    awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.99+0.5)]; printf "median %d us, p99 %d us (%d appends)\n", m, p, NR}'
}

echo "== append latency, fdatasync before each acknowledgement"
"$bin/log-append" --dir "$work/latency" --count "$appends" --timings | percentiles
echo "== append latency with a signed checkpoint after each append"
"$bin/reviewgate" log keygen --name bench.example/audit --out "$work/key" 2>/dev/null
"$bin/log-append" --dir "$work/signed" --count "$appends" --key "$work/key" --timings | percentiles

echo "== building a $records-record log (batches of 10000, one sync per batch)"
t0=$(date +%s%N)
"$bin/log-append" --dir "$work/big" --count "$records" --batch 10000 >/dev/null
t1=$(date +%s%N)
size=$(du -sm "$work/big" | cut -f1)
echo "built in $(( (t1 - t0) / 1000000 )) ms, ${size} MB"

echo "== reviewgate log verify on $records records (page cache warm)"
cat "$work"/big/*.log >/dev/null
best=0
for run in 1 2 3; do
    t0=$(date +%s%N)
    out=$("$bin/reviewgate" log verify --dir "$work/big")
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    rate=$(( records * 1000 / (ms > 0 ? ms : 1) ))
    echo "run $run: $ms ms, $rate records/s — $out"
    (( rate > best )) && best=$rate
done
echo "best: $best records/s (goal: > 200000)"
