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
# ICU: Unicode NFC checks and search folding of identifying text (ledger/state/identity.h).
DEB_PACKAGES += libicu-dev
# The outside verifier test (tests/outside) is Python 3 + PyNaCl.
DEB_PACKAGES += python3-nacl
# The TLS test makes its certificate with the openssl command.
DEB_PACKAGES += openssl
# The browser test (tests/browser) also needs Debian's chromium, and node + npm for
# playwright-core; only `make test` installs them (`make run` needs nothing from npm).
# The format_check test runs clang-format (tests/format_check.sh).
TEST_DEB_PACKAGES := chromium clang-format
# tests/deploy: the package (dpkg-dev for dpkg-shlibdeps, lintian), its units (systemd for
# systemd-analyze; the machine need not run systemd) and the nginx front (Debian's nginx).
# nginx also serves `vigil publish` output in the static-reads test (tests/outside/static_test.py).
TEST_DEB_PACKAGES += dpkg-dev lintian systemd nginx

.PHONY: run test bench build deps clean fuzz stress tsan deb

# `make deb`: $(BUILD)/vigil_<version>_amd64.deb (cli/deploy/package.cmake): builds only the
# program and its man pages, then CPack (Depends from dpkg-shlibdeps). docs/operator.md section 1.
DEB_DEB_PACKAGES := dpkg-dev
deb: deps
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(DEB_DEB_PACKAGES)"
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS) --target vigil vigil_man
	cd $(BUILD) && cpack -G DEB
	@ls -l $(BUILD)/vigil_*_amd64.deb

# `make fuzz`: every libFuzzer harness of tests/fuzz (clang, ASan, UBSan) for FUZZ_SECONDS each,
# in its own build directory (the normal build and `make test` never need clang). New inputs go
# to $(FUZZ_BUILD)/corpus/<harness> (the committed seeds in tests/fuzz/corpus are only read),
# crashing inputs to $(FUZZ_BUILD)/crashes/, each run's statistics to $(FUZZ_BUILD)/<harness>.log.
# Warnings are not errors here: -Werror holds for g++ 12 (the build of record), and clang's
# -Wconversion family is wider (e.g. int to size_t sign changes g++ does not flag).
FUZZ_BUILD     ?= build-fuzz-clang
FUZZ_SECONDS   ?= 180
FUZZ_HARNESSES ?= payload entry note tile csv http keyfile
FUZZ_DEB_PACKAGES := clang libclang-rt-14-dev

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

# Every benchmark of docs/performance.md with the machine's limits from the same run; results
# (JSON) in $(BUILD)/bench. scale.sh grows one generated log to each of BENCH_SIZES entries
# (proofs, queries, storage, server RSS in process and over HTTP), then builds the Merkle tree
# alone at BENCH_TREE_SIZES leaves (proofs at 10M), then verifies the largest log; plot.py (matplotlib)
# draws docs/performance-scale.png; ingest.sh measures the HTTP floor with wrk.
# vigil_history_bench measures the cost per record of ONE busy business at BENCH_HISTORY prior
# records (issue 14 item 7) -> $(BUILD)/bench/history.json and a table on stdout.
# ingest.sh also measures ONE busy business over HTTP (honest, a dishonest-but-valid mix, the
# batch route) at each of BENCH_BUSINESS prior records (issue 18) -> ingest_business.json and
# docs/performance-business.png.
BENCH_DEB_PACKAGES := python3-matplotlib wrk curl
BENCH_BUSINESS ?= 1000 10000 100000
BENCH_SIZES ?= 10000 100000 1000000
BENCH_TREE_SIZES ?= 10000000
BENCH_HISTORY ?= 1000,10000,100000
bench: build
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(BENCH_DEB_PACKAGES)"
	BUSINESS_POINTS="$(BENCH_BUSINESS)" tests/bench/ingest.sh $(BUILD) $(BUILD)/bench
	$(BUILD)/bin/vigil_history_bench --points $(BENCH_HISTORY) --out $(BUILD)/bench/history.json
	tests/bench/scale.sh $(BUILD) $(BUILD)/bench "$(BENCH_SIZES)" "$(BENCH_TREE_SIZES)"

# Only the history benchmark (a few minutes): `make bench-history`.
.PHONY: bench-history
bench-history: build
	@mkdir -p $(BUILD)/bench
	$(BUILD)/bin/vigil_history_bench --points $(BENCH_HISTORY) --out $(BUILD)/bench/history.json

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

# `make tsan`: the tests with concurrency of their own under ThreadSanitizer, in a build directory
# of their own (-DVIGIL_SANITIZE=thread): the writer's group commit (ledger_test "[writer]") and
# the HTTP server with concurrent clients, Stop() and limits (api_test "[api]"). A race report
# fails the run (TSan exits 66).
TSAN_BUILD ?= build-tsan
tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_SANITIZE=thread
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target ledger_test api_test
	TSAN_OPTIONS="second_deadlock_stack=1 $(TSAN_OPTIONS)" $(TSAN_BUILD)/bin/ledger_test "[writer]"
	TSAN_OPTIONS="second_deadlock_stack=1 $(TSAN_OPTIONS)" $(TSAN_BUILD)/bin/api_test "[api]"

fuzz:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(FUZZ_DEB_PACKAGES)"
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DVIGIL_FUZZ=ON \
	  -DVIGIL_WERROR=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addsuffix _fuzz,$(FUZZ_HARNESSES))
	@mkdir -p $(FUZZ_BUILD)/crashes; failed=""; \
	for h in $(FUZZ_HARNESSES); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$h; \
	  echo "== $$h: $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/bin/$${h}_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/crashes/$$h- $(FUZZ_BUILD)/corpus/$$h tests/fuzz/corpus/$$h \
	    > $(FUZZ_BUILD)/$$h.log 2>&1 || failed="$$failed $$h"; \
	  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' $(FUZZ_BUILD)/$$h.log; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz findings in:$$failed (see $(FUZZ_BUILD)/crashes/)"; exit 1; fi


# `make stress`: the long part of issue 7's reliability suites (docs/reliability.md), about
# 15 minutes on 2 cores: the real server SIGKILLed during HTTP ingest for CRASH_ROUNDS rounds,
# the in-process crash test's 50 rounds, TAMPER_FLIPS random byte flips in stored entries, and
# STRESS_SECONDS of mixed load (wrk reads + signed appends at STRESS_RATE/s, RSS sampled), and
# ABUSE_SECONDS of keyless abuse (issue 15: idle and slow connections, header bombs, unread
# answers) while a normal client's p99 must stay under 100 ms (tests/stress/abuse.sh), then the
# same abuse against the shipped nginx front (cli/deploy/nginx) in front of the server, the
# normal client and the outside verifier going through nginx (tests/stress/nginx.sh).
# The fast parts of the same suites run in `make test` (a Catch2 tag also selects the hidden
# [.stress] cases, so "[tamper]" runs the fast and the long flips). Logs go to $(STRESS_OUT).
STRESS_OUT        ?= $(BUILD)/stress
CRASH_ROUNDS      ?= 200
TAMPER_FLIPS      ?= 1000
STRESS_SECONDS    ?= 180
STRESS_RATE       ?= 50
ABUSE_SECONDS     ?= 60
STRESS_DEB_PACKAGES := wrk nginx

stress: build
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(STRESS_DEB_PACKAGES)"
	@mkdir -p $(STRESS_OUT)
	@echo "== crash: vigil serve SIGKILLed during HTTP ingest, $(CRASH_ROUNDS) rounds"
	@VIGIL_CRASH_ROUNDS=$(CRASH_ROUNDS) $(BUILD)/bin/reliability_test "[crash][server][.stress]" \
	  > $(STRESS_OUT)/crash.log 2>&1 || { tail -50 $(STRESS_OUT)/crash.log; exit 1; }
	@grep -A1 '^RESULT' $(STRESS_OUT)/crash.log
	@echo "== crash: in-process writer SIGKILLed, 50 rounds"
	@$(BUILD)/bin/ledger_test "[crash][.slow]" > $(STRESS_OUT)/crash-writer.log 2>&1 \
	  || { tail -50 $(STRESS_OUT)/crash-writer.log; exit 1; }
	@tail -2 $(STRESS_OUT)/crash-writer.log
	@echo "== fault injection: every write/sync of one append failed in turn"
	@$(BUILD)/bin/reliability_test "[fault]" > $(STRESS_OUT)/fault.log 2>&1 \
	  || { tail -50 $(STRESS_OUT)/fault.log; exit 1; }
	@grep -E '^(RESULT|\|)' $(STRESS_OUT)/fault.log
	@echo "== tamper: $(TAMPER_FLIPS) random byte flips, truncation, derived state, older copy"
	@VIGIL_TAMPER_FLIPS=$(TAMPER_FLIPS) $(BUILD)/bin/reliability_test "[tamper]" \
	  > $(STRESS_OUT)/tamper.log 2>&1 || { tail -50 $(STRESS_OUT)/tamper.log; exit 1; }
	@grep -E '^(RESULT|  )' $(STRESS_OUT)/tamper.log
	@echo "== abuse: $(ABUSE_SECONDS) s of 200+ idle/slow connections, header bombs, unread answers"
	tests/stress/abuse.sh $(BUILD) $(STRESS_OUT)/abuse $(ABUSE_SECONDS)
	@echo "== nginx: $(ABUSE_SECONDS) s of the same abuse against nginx in front (cli/deploy/nginx)"
	tests/stress/nginx.sh $(BUILD) $(STRESS_OUT)/nginx $(ABUSE_SECONDS)
	@echo "== load: $(STRESS_SECONDS) s of wrk reads + appends at $(STRESS_RATE)/s"
	RATE=$(STRESS_RATE) tests/stress/load.sh $(BUILD) $(STRESS_OUT)/load $(STRESS_SECONDS)
