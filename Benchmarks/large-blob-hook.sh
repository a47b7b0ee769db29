#!/usr/bin/env bash
# A large blob through the pre-receive hook (SPEC §1.3: a large blob is streamed): pushes one
# SIZE_MB file of compressible log lines with a token on its last line into a server whose
# policy raises max_file_bytes to 2 GiB, and prints the hook's wall time and peak resident
# memory (/usr/bin/time around the binary, through REVIEWGATE_BIN), against the same server
# taking a one-line file (the baseline). The push must be refused (the token), in bounded memory.
#   Benchmarks/large-blob-hook.sh [SIZE_MB]        (default 1024; REVIEWGATE_BIN=<release binary> skips the build)
#   PACKED=1 Benchmarks/large-blob-hook.sh ...     (the server keeps the push as a pack: transfer.unpackLimit=1)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${1:-1024}
export PATH=/opt/swift/usr/bin:$PATH
RG=${REVIEWGATE_BIN:-}
[ -n "$RG" ] || { make -s release >/dev/null; RG=$PWD/.build/release/reviewgate; }
WORK=$(mktemp -d /tmp/rg-large-blob.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com

# The hook's binary, measured: peak RSS (KB) and seconds of each run, one line per run.
cat > "$WORK/measured" <<EOF
#!/bin/sh
exec /usr/bin/time -a -o "$WORK/hook.time" -f "%M %e" "$RG" "\$@"
EOF
chmod +x "$WORK/measured"

git init -q --bare "$WORK/server.git"
printf 'version = 1\n[secrets]\nmax_file_bytes = 2147483648\n[budget]\nseconds = 600.0\n' > "$WORK/policy.toml"
"$RG" install --repo "$WORK/server.git" --policy "$WORK/policy.toml" >/dev/null
[ -z "${PACKED:-}" ] || git -C "$WORK/server.git" config transfer.unpackLimit 1
git init -q -b main "$WORK/client"
git -C "$WORK/client" remote add origin "$WORK/server.git"

push() { # label: pushes HEAD to a new branch, prints the hook's figures and verdict
  : > "$WORK/hook.time"
  local start end
  start=$(date +%s.%N)
  REVIEWGATE_BIN="$WORK/measured" git -C "$WORK/client" push -q origin "HEAD:refs/heads/$1" 2> "$WORK/push.err" && status=0 || status=$?
  end=$(date +%s.%N)
  read -r kb secs < <(tail -1 "$WORK/hook.time")
  verdict=$(grep -E "^remote: (reviewgate|error)" "$WORK/push.err" | head -3 | tr '\n' ' ' | cut -c1-160)
  printf "%-22s hook %7.2f s  %8d KB peak   push %6.2f s  exit %d  %s\n" "$1" "$secs" "$kb" "$(echo "$end - $start" | bc)" "$status" "$verdict"
}

echo "one line" > "$WORK/client/small.txt"
git -C "$WORK/client" add small.txt
git -C "$WORK/client" commit -qm small
push baseline

python3 - "$WORK/client/big.log" "$SIZE_MB" <<'PY'
import random, sys
path, size = sys.argv[1], int(sys.argv[2]) << 20
rnd = random.Random(7)
words = "GET POST /api/v1/items 200 404 ms user cache miss hit retry".split()
chunk = "".join(" ".join(rnd.choice(words) for _ in range(8)) + " %d\n" % rnd.randrange(100000) for _ in range(30000)).encode()
alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
token = "AK" + "IA" + "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
with open(path, "wb") as f:
    written = 0
    while written < size:
        f.write(chunk); written += len(chunk)
    f.write(("aws_access_key_id = %s\n" % token).encode())
PY
git -C "$WORK/client" add big.log
git -C "$WORK/client" commit -qm "a large log"
push "large-${SIZE_MB}MB"
