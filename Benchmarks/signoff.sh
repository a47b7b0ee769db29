#!/usr/bin/env bash
# Sign-off at scale: `reviewgate audit` over a generated 100,000-commit history with a 20-rule
# policy protecting its branch, against the same audit without a policy (secrets only), so the
# difference is what judging core paths, trailers and approvals costs. Then what sign-off adds
# to a 10-commit `reviewgate check`.
#   Benchmarks/signoff.sh [COMMITS] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
COMMITS=${1:-100000}
REPS=${2:-9}
export PATH=/opt/swift/usr/bin:$PATH
make -s release >/dev/null
RG=$PWD/.build/release/reviewgate
WORK=$(mktemp -d /tmp/rg-signoff-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
python3 - "$WORK" "$RG" "$COMMITS" "$REPS" <<'PY'
import json, os, random, statistics, subprocess, sys, time
work, rg, commits, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(7)
repo = os.path.join(work, "repo")
subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
dirs = ["core%d" % i for i in range(20)] + ["src", "docs", "tests", "lib/a", "lib/b"]
people = ["p%d" % i for i in range(8)]
out = []
for i in range(commits):
    author = rnd.choice(people)
    msg = "change %d\n" % i
    if rnd.random() < 0.5:
        msg += "\n" + "".join("Reviewed-by: %s <%s@example.com>\n" % (p, p) for p in rnd.sample(people, rnd.randint(1, 3)))
    out.append("commit refs/heads/main\ncommitter %s <%s@example.com> %d +0000\n" % (author, author, 1600000000 + i))
    out.append("data %d\n%s" % (len(msg), msg))
    for _ in range(rnd.randint(1, 3)):
        d = rnd.choice(dirs)
        content = "line %d %d\n" % (i, rnd.getrandbits(32))
        out.append("M 100644 inline %s/f%d.txt\ndata %d\n%s\n" % (d, rnd.randint(0, 99), len(content), content))
subprocess.run(["git", "fast-import", "--quiet"], input="".join(out).encode(), cwd=repo, check=True)
subprocess.run(["git", "gc", "-q"], cwd=repo, check=True)
policy = os.path.join(work, "policy.toml")
with open(policy, "w") as f:
    f.write("version = 1\n\n")
    for p in people:
        f.write('[[people]]\nid = "%s"\nemails = ["%s@example.com"]\ngroups = ["senior"]\n\n' % (p, p))
    for i in range(20):
        f.write('[[core]]\nname = "r%d"\npaths = ["core%d/", "lib/**/secure%d_*.c"]\napprovals = 2\nfrom = ["senior"]\nevidence = "trailer"\n\n' % (i, i, i))
    f.write('[refs]\nprotected = ["refs/heads/main"]\n')

def timed(args):
    t = time.perf_counter()
    r = subprocess.run(args, capture_output=True)
    return (time.perf_counter() - t) * 1000, r

base = ["audit", "--repo", repo, "--format", "json"]
ms_plain, _ = timed([rg] + base + ["--log-dir", os.path.join(work, "log1")])
ms_policy, r = timed([rg] + base + ["--policy", policy, "--log-dir", os.path.join(work, "log2")])
if not r.stdout: sys.exit("audit with policy failed: " + r.stderr.decode()[-2000:])
findings = json.loads(r.stdout)["findings"]
approvals = sum(1 for f in findings if f["kind"] == "approval")
print("history: %d commits, 20 core rules, trailers on half the commits" % commits)
print("audit without policy:  %8.0f ms" % ms_plain)
print("audit with policy:     %8.0f ms  (%d approval findings)" % (ms_policy, approvals))
print("sign-off over history: %8.0f ms  (%.1f us per commit)" % (ms_policy - ms_plain, (ms_policy - ms_plain) * 1000 / commits))

def median(args):
    return statistics.median(timed(args)[0] for _ in range(reps))
check = ["check", "main~10..main", "--repo", repo, "--no-log", "--format", "json"]
with open(os.path.join(work, "nocore.toml"), "w") as f:
    f.write("version = 1\n")
a = median([rg] + check + ["--policy", os.path.join(work, "nocore.toml")])
b = median([rg] + check + ["--policy", policy])
print("check of 10 commits:   %8.1f ms without core rules, %.1f ms with 20 (sign-off adds %.1f ms; median of %d)" % (a, b, b - a, reps))
PY
