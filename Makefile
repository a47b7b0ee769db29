# ReviewGate: `make demo` and `make test` do all set-up on a fresh Debian machine.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

# Debian packages the build, the tests and the demo need (installed only when absent).
DEB_PACKAGES := pkg-config libgit2-dev libpcre2-dev libhyperscan-dev libdeflate-dev zlib1g-dev git openssh-client python3 \
	openssh-server gitolite3 nginx fcgiwrap apache2-utils

SWIFT_BUILD_FLAGS ?=
BIN := .build/debug/reviewgate

.PHONY: all deps build release test demo bench clean

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

release: deps
	swift build -c release --static-swift-stdlib $(SWIFT_BUILD_FLAGS)

test: deps
	swift build $(SWIFT_BUILD_FLAGS) --build-tests
	swift test $(SWIFT_BUILD_FLAGS) --skip-build --disable-xctest

demo: build
	@scripts/demo.sh "$(BIN)"

# Benchmarks against git on a large repository: make bench REPO=/path/to/git.git [BRANCH=master]
bench: release
	Benchmarks/walk-changes.sh "$(REPO)" "$(or $(BRANCH),master)"

clean:
	rm -rf .build
