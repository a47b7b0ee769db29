#!/usr/bin/env bash
# The main job end to end, on throwaway repositories: a git server with the ReviewGate hook,
# pushes refused for a secret and for an unsigned core change, one accepted with signed
# approvals, a break-glass override, then the audit log shown (with what landed) and verified,
# and a ref moved outside the gate caught by audit.
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Carol Coder" GIT_AUTHOR_EMAIL=carol@example.com
export GIT_COMMITTER_NAME="Carol Coder" GIT_COMMITTER_EMAIL=carol@example.com
export REVIEWGATE_USER=carol

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }

step "Two senior reviewers with SSH keys, and a policy"
mkdir -p "$work/keys"
for who in alice bob; do ssh-keygen -q -t ed25519 -N "" -C "$who@laptop" -f "$work/keys/$who"; done
cat > "$work/policy.toml" <<POLICY
version = 1

[[people]]
id = "alice"
emails = ["alice@example.com"]
logins = ["alice"]
keys = ["$(cat "$work/keys/alice.pub")"]
groups = ["senior", "security"]

[[people]]
id = "bob"
emails = ["bob@example.com"]
logins = ["bob"]
keys = ["$(cat "$work/keys/bob.pub")"]
groups = ["senior"]

[[people]]
id = "carol"
emails = ["carol@example.com"]
logins = ["carol"]

[[core]]
name = "payments"
paths = ["src/payments/"]
approvals = 2
from = ["senior"]
evidence = "signed"

[[core]]
name = "reviewgate"
paths = ["/.reviewgate/", "/hooks/"]
approvals = 1
from = ["senior"]
evidence = "signed"

[refs]
protected = ["refs/heads/main"]
deny_force_push = ["refs/heads/main"]
deny_delete = ["refs/heads/main"]

[breakglass]
from = ["security"]
POLICY
sed -n '/\[\[core\]\]/,$p' "$work/policy.toml"

step "The server: a bare repository set up by reviewgate install"
git init -q --bare -b main "$work/server.git"
run "$bin" install --repo "$work/server.git" --policy "$work/policy.toml"

step "Carol clones it and pushes a first commit"
git clone -q "$work/server.git" "$work/carol" 2>/dev/null
cd "$work/carol"
mkdir -p src/payments docs
echo '# Shop' > docs/README.md
git add -A && git commit -qm "Start the shop"
run git push -q origin HEAD:main

step "A commit with a secret is refused (the pusher sees where, what and how to fix it — never the secret)"
# A Stripe-style key built from parts, so this script holds no secret itself.
key="sk_""live_$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
printf 'STRIPE_KEY=%s\n' "$key" > .env.production
git add -A && git commit -qm "Add production settings"
run git push -q origin HEAD:main || echo "(push refused)"

step "Carol drops that commit and changes a core path without sign-off: refused"
git reset -q --hard HEAD~1
echo 'func charge(cents: Int) {}' > src/payments/api.swift
git add -A && git commit -qm "Payments: charge in cents"
run git push -q origin HEAD:main || echo "(push refused)"

step "Alice and Bob review it and sign approvals (SSH signatures in git notes)"
run "$bin" approve HEAD --key "$work/keys/alice"
run "$bin" approve HEAD --key "$work/keys/bob"
run git notes --ref reviewgate show HEAD | head -6
run "$bin" inspect HEAD | sed -n '/^core rule/,$p'

step "The branch and its approvals, pushed together: accepted"
run git push -q origin HEAD:main refs/notes/reviewgate

step "An urgent unreviewed fix: Carol may not break glass, Alice (security) may"
echo 'func refund() {}' >> src/payments/api.swift
git add -A && git commit -qm "Hotfix: refunds"
run git push -q -o reviewgate.override="incident 42: refunds down" origin HEAD:main || echo "(push refused)"
REVIEWGATE_USER=alice run git push -q -o reviewgate.override="incident 42: refunds down" origin HEAD:main

step "The audit log: the install baseline, one record per push, a landed record per push that landed, hash-chained"
run "$bin" log show --dir "$work/server.git/reviewgate/audit"
run "$bin" log show --dir "$work/server.git/reviewgate/audit" --kind landed
run "$bin" log verify --dir "$work/server.git/reviewgate/audit"

step "An administrator moves main on disk, outside the gate: audit says so"
run git -C "$work/server.git" update-ref refs/heads/main refs/heads/main~1
run "$bin" audit --repo "$work/server.git" || echo "(audit: exit $?)"
run git -C "$work/server.git" update-ref refs/heads/main "$(git rev-parse HEAD)"

step "What a security team reads from it"
run "$bin" log analyze --dir "$work/server.git/reviewgate/audit" || echo "(red flags: exit $?)"

step "Tampering with one byte of the log is caught"
seg=$(ls "$work/server.git/reviewgate/audit/"*.log 2>/dev/null | head -1 || true)
if [ -n "$seg" ]; then
  python3 - "$seg" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.find(b'"decision":"reject"')
if i >= 0:
    b[i + 12:i + 18] = b"accept"
open(p, "wb").write(bytes(b))
PY
  run "$bin" log verify --dir "$work/server.git/reviewgate/audit" || echo "(log verify: exit $?)"
fi
