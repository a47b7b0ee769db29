# ReviewGate: `make demo` and `make test` do all set-up on a fresh Debian machine.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

# Debian packages the build, the tests and the demo need (installed only when absent).
DEB_PACKAGES := pkg-config libgit2-dev libpcre2-dev libhyperscan-dev libdeflate-dev zlib1g-dev libarchive-dev libmimalloc-dev git openssh-client python3
# The real servers the end-to-end server tests start on 127.0.0.1 (Tests/ServerTests).
DEB_PACKAGES += openssh-server gitolite3 nginx fcgiwrap apache2-utils
# Archive writers the reader tests make their inputs with (zstd, lz4, 7-Zip streams).
DEB_PACKAGES += zstd lz4 p7zip-full

SWIFT_BUILD_FLAGS ?=
BIN := .build/debug/reviewgate
# `make install PREFIX=/usr/local DESTDIR=` puts the release binary in $(PREFIX)/bin and the
# hook scripts in $(PREFIX)/share/reviewgate/hooks.
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps build release install test demo bench clean

all: build

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v swift >/dev/null || { echo "swift is not installed (expected under /opt/swift)"; exit 1; }

build: deps
	swift build $(SWIFT_BUILD_FLAGS) --product reviewgate

# The product only: a self-contained binary (Swift runtime linked in, so a server without
# Swift runs it; libgit2, PCRE2, Hyperscan, libdeflate and zlib come from Debian's packages).
release: deps
	swift build -c release --static-swift-stdlib $(SWIFT_BUILD_FLAGS) --product reviewgate

install: release
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/reviewgate/hooks"
	install -s -m 0755 "$$(swift build -c release --static-swift-stdlib $(SWIFT_BUILD_FLAGS) --show-bin-path)/reviewgate" "$(DESTDIR)$(PREFIX)/bin/reviewgate"
	sed "s|@REVIEWGATE_BIN@|$(PREFIX)/bin/reviewgate|" hooks/pre-receive > "$(DESTDIR)$(PREFIX)/share/reviewgate/hooks/pre-receive"
	chmod 0755 "$(DESTDIR)$(PREFIX)/share/reviewgate/hooks/pre-receive"
	install -m 0755 hooks/pre-commit "$(DESTDIR)$(PREFIX)/share/reviewgate/hooks/pre-commit"
	install -m 0644 hooks/README.md hooks/github-actions.yml hooks/gitlab-ci.yml "$(DESTDIR)$(PREFIX)/share/reviewgate/hooks/"
	@echo "installed $(DESTDIR)$(PREFIX)/bin/reviewgate; next: reviewgate install --repo /srv/git/app.git --policy policy.toml"

# The tests keep compiled databases in a directory of their own, new for each run (not the
# user's ~/.cache/reviewgate): every run compiles, then loads, whatever the machine kept before.
test: deps
	swift build $(SWIFT_BUILD_FLAGS) --build-tests
	cache=$$(mktemp -d /tmp/reviewgate-test-cache.XXXXXX); \
	REVIEWGATE_CACHE_DIR=$$cache swift test $(SWIFT_BUILD_FLAGS) --skip-build --disable-xctest; status=$$?; \
	rm -rf "$$cache"; exit $$status

demo: build
	@scripts/demo.sh "$(BIN)"

# Benchmarks against git on a large repository: make bench REPO=/path/to/git.git [BRANCH=master]
bench: deps
	swift build -c release --static-swift-stdlib $(SWIFT_BUILD_FLAGS) --product walk-changes
	Benchmarks/walk-changes.sh "$(REPO)" "$(or $(BRANCH),master)"

clean:
	rm -rf .build
