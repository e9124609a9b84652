# The two set-up commands of the README. Each installs what is missing (Debian packages),
# configures and builds; `run` then serves a demo ledger, `test` runs every test via ctest.

BUILD    ?= build
DATA     ?= var/demo
LISTEN   ?= 127.0.0.1:8080
ORIGIN   ?= vigil.demo.example/log
JOBS     ?= $(shell nproc)
VIGIL    := $(BUILD)/bin/vigil

# Debian 12 packages the build and the tests need (DESIGN.md section 9).
DEB_PACKAGES := g++ cmake make pkg-config ccache liblmdb-dev lmdb-utils libsodium-dev \
  libcpp-httplib-dev nlohmann-json3-dev catch2 libcli11-dev libspdlog-dev libbenchmark-dev
# The outside verifier test (tests/outside) is Python 3 + PyNaCl.
DEB_PACKAGES += python3-nacl
# The browser test (tests/browser) also needs Debian's chromium, and node + npm for
# playwright-core; only `make test` installs them (`make run` needs nothing from npm).
TEST_DEB_PACKAGES := chromium

.PHONY: run test build deps clean

run: build
	@if [ ! -f $(DATA)/keys/log.key ]; then \
	  $(VIGIL) init --data $(DATA) --origin $(ORIGIN) --province "Hà Nội" && \
	  $(VIGIL) demo --data $(DATA) --offline; \
	fi
	$(VIGIL) serve --data $(DATA) --listen $(LISTEN)

test: build test-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# What only the tests need: chromium, node + npm, and the locked npm modules of tests/browser.
.PHONY: test-deps
test-deps:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(TEST_DEB_PACKAGES)"
	@command -v npm >/dev/null 2>&1 || $(MAKE) --no-print-directory deps DEB_PACKAGES="nodejs npm"
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

# Installs only what is missing, non-interactively; a no-op on a machine that has it all.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(BUILD)
