#!/usr/bin/env bash
# Core-rule matching speed: 100k changed paths against a 20-rule policy, release build.
#   Benchmarks/policy-match.sh [PATHS_FILE]   (one path per line; default: 100k synthesized)
# A real tree works too: git -C REPO ls-tree -r --name-only HEAD > /tmp/paths
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
swift build -c release --static-swift-stdlib --product policy-match >/dev/null
.build/release/policy-match "$@"
