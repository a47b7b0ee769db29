#!/usr/bin/env bash
# The demo of what ReviewGate does so far, on a throwaway repository.
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Ada Author" GIT_AUTHOR_EMAIL=ada@example.com
export GIT_COMMITTER_NAME="Ada Author" GIT_COMMITTER_EMAIL=ada@example.com

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "A repository with a few commits"
git init -q -b main "$work/repo"
cd "$work/repo"
mkdir -p src/payments docs
echo 'func charge() {}' > src/payments/api.swift
echo '# Docs' > docs/README.md
git add -A && git commit -qm "Add payments API"
git mv docs/README.md docs/GUIDE.md
echo 'func refund() {}' >> src/payments/api.swift
chmod +x src/payments/api.swift
git add -A && git commit -qm "Rename the guide, add refunds"
git log --oneline

step "reviewgate inspect HEAD: what the gate sees in a commit"
"$bin" inspect HEAD

step "reviewgate inspect HEAD --format json (SPEC §5)"
"$bin" inspect HEAD --format json

step "A push: a pre-receive hook runs reviewgate on the pushed commit inside git's quarantine"
git init -q --bare "$work/server.git"
cat > "$work/server.git/hooks/pre-receive" <<HOOK
#!/bin/sh
while read old new ref; do
  "$bin" inspect "\$new" | sed -n '1p;/^changes/,\$p'
done
HOOK
chmod +x "$work/server.git/hooks/pre-receive"
git push -q "$work/server.git" main

step "A commit that adds a secret: reviewgate check refuses it (exit 1), never printing the secret"
cd "$work/repo"
# A Stripe-style key built from parts, so this script holds no secret itself.
key="sk_""live_$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
printf 'STRIPE_KEY=%s\n' "$key" > .env.production
git add -A && git commit -qm "Add production settings"
"$bin" check HEAD~1..HEAD || echo "(exit $?)"

step "Moving the file introduces nothing new: the same check passes"
git mv .env.production deploy.env && git commit -qm "Move settings"
"$bin" check HEAD~1..HEAD && echo "(exit 0)"

step "A whole-history audit reports it once, where it came in"
"$bin" audit --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); [print(f["rule"], f["commit"][:12], f["path"], f["redacted"]) for f in d["findings"] if f["kind"]=="secret"]' || true

step "Bad input is one clear line and an exit code"
"$bin" inspect no-such-revision || echo "(exit $?)"
"$bin" inspect HEAD --repo /nonexistent || echo "(exit $?)"
