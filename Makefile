# archie: a backend-architect agent in C.
#
#   make            build build/archie
#   make test       install missing build dependencies, build, run every test
#   make check      the same suite under AddressSanitizer + UBSan
#   make lint       clang-tidy, cppcheck, and the banned-function check
#   make tsan       the threaded suites under ThreadSanitizer
#   make fuzz       run the libFuzzer targets (FUZZ_SECONDS each; FUZZ_ONLY="fuzz_x ..." for some)
#   make bench      benchmarks, as ratios to references in the same run
#   make man        regenerate docs/archie.1 from the command table
#   make install    install to $(PREFIX) (default /usr/local)

B        ?= build
CC       ?= cc
PREFIX   ?= /usr/local
WERROR   ?= -Werror
FUZZ_SECONDS ?= 60

# Libraries, resolved lazily: `make test` installs them before these are
# expanded.
# libcurl is not linked: src/provider/curl_dl.c loads it on first use, so
# commands that never touch the network do not pay its start-up cost; nor
# is libpq (src/core/pq_dl.c: the design checker and the shared record),
# nor libmicrohttpd (src/serve/mhd_dl.c: archie serve alone).
PKGS      = jansson libfyaml libpcre2-8 libedit libseccomp sqlite3 md4c
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) libcurl libpq libmicrohttpd)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CURL_LIBS  = $(shell pkg-config --libs libcurl)
TEST_LIBS  = $(shell pkg-config --libs cmocka)

WARN     = -Wall -Wextra $(WERROR) -Wshadow -Wformat=2 -Wmissing-prototypes \
	   -Wstrict-prototypes -Wpointer-arith -Wvla -Wno-format-nonliteral \
	   -fno-common
OPT      ?= -O2 -g
SAN      ?=
ALL_CFLAGS = -std=gnu17 -D_GNU_SOURCE $(OPT) $(WARN) $(SAN) -Isrc -I$(B)/gen \
	     -MMD -MP $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN) -Wl,--as-needed $(LDFLAGS)

SRCS     := $(sort $(wildcard src/*/*.c))
OBJS     := $(SRCS:%.c=$(B)/obj/%.o) $(B)/obj/gen/builtin_agents.o $(B)/obj/gen/builtin_skills.o
AGENTS   := $(sort $(wildcard agents/*.md))
SKILLS   := $(sort $(wildcard skills/*/SKILL.md))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/tests/%_replay)

.PHONY: all deps test test-bins check tsan lint fuzz man install clean bench openapi-lint mcp-servers
.DEFAULT_GOAL := all

all: $(B)/archie

deps:
	@sh mk/deps.sh

$(B)/libarchie.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/archie: $(B)/obj/src/main.o $(B)/libarchie.a
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Built-in agents: agents/*.md compiled into the binary.
$(B)/mk/embed: mk/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -o $@ $<

$(B)/gen/builtin_agents.c: $(AGENTS) $(B)/mk/embed
	@mkdir -p $(dir $@)
	$(B)/mk/embed $@ $(AGENTS)

# Built-in skills: skills/*/SKILL.md, named by their folder.
$(B)/gen/builtin_skills.c: $(SKILLS) $(B)/mk/embed
	@mkdir -p $(dir $@)
	$(B)/mk/embed --table builtin_skill_files --strip skills/ $@ $(SKILLS)

$(B)/obj/gen/builtin_skills.o: $(B)/gen/builtin_skills.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/obj/gen/builtin_agents.o: $(B)/gen/builtin_agents.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Unit tests (cmocka), one binary per module.
$(B)/tests/test_%: tests/unit/test_%.c tests/unit/testutil.h $(B)/libarchie.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DTEST_DATA_DIR=\"$(CURDIR)/tests/data\" \
		-DFIXTURES_DIR=\"$(CURDIR)/../shared/fixtures\" \
		-DFAKELLM_PATH=\"$(CURDIR)/$(B)/tests/fakellm\" -Itests/unit -o $@ $< $(B)/libarchie.a $(ALL_LDFLAGS) $(PKG_LIBS) $(TEST_LIBS)

# Fuzz targets rebuilt as plain programs that replay the kept corpus.
$(B)/tests/%_replay: tests/fuzz/%.c tests/fuzz/replay.c $(B)/libarchie.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(B)/libarchie.a $(ALL_LDFLAGS) $(PKG_LIBS)

# The fake LLM server the provider and end-to-end tests talk to.
$(B)/tests/fakellm: tests/fakellm/fakellm.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) -ljansson -lpthread

$(B)/tests/mcpserver: tests/mcpserver/mcpserver.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) -ljansson -lcrypto

test-bins: $(B)/archie $(B)/tests/fakellm $(B)/tests/mcpserver $(UNIT_BINS) $(FUZZ_REPLAY) openapi-lint mcp-servers

# An OpenAPI 3.1 validator for the export tests (tests/e2e/t_design.sh),
# from the npm registry, pinned; kept under build/.
REDOCLY_VERSION = 1.25.15
# (One copy for every build directory; Debian's npm only where there is no npm.)
openapi-lint: build/npm/node_modules/.bin/redocly
build/npm/node_modules/.bin/redocly:
	@command -v npm >/dev/null 2>&1 || sh mk/deps.sh nodejs npm
	@mkdir -p build/npm
	@echo "npm: installing @redocly/cli@$(REDOCLY_VERSION) into build/npm"
	@npm install --prefix build/npm --no-audit --no-fund --loglevel=error \
		@redocly/cli@$(REDOCLY_VERSION) >/dev/null

# The MCP reference servers (tests/e2e/t_mcp_npm.sh), pinned, kept under
# build/ like the linter.  Where the registry cannot be reached the test
# says so and skips: nothing here is needed to build archie.
MCP_SERVERS_VERSION = 2026.8.31
mcp-servers: build/npm-mcp/node_modules/.bin/mcp-server-everything
build/npm-mcp/node_modules/.bin/mcp-server-everything:
	@command -v npm >/dev/null 2>&1 || sh mk/deps.sh nodejs npm
	@mkdir -p build/npm-mcp
	@echo "npm: installing the MCP reference servers $(MCP_SERVERS_VERSION) into build/npm-mcp"
	@npm install --prefix build/npm-mcp --no-audit --no-fund --loglevel=error \
		@modelcontextprotocol/server-everything@$(MCP_SERVERS_VERSION) \
		@modelcontextprotocol/server-filesystem@$(MCP_SERVERS_VERSION) >/dev/null 2>&1 || \
		echo "npm: the MCP reference servers could not be installed (is the npm registry reachable?); their test will skip"

# What CI runs: dependencies, build, every test, one summary line.
test: deps
	@$(MAKE) --no-print-directory test-bins
	@sh tests/run.sh $(B)

check: deps
	@$(MAKE) --no-print-directory B=build-san OPT="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		test-bins
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		sh tests/run.sh build-san

# The suites that run threads (delegation's child loops, parallel
# read-only calls and walks, MCP servers starting and listing in the
# background, the REPL's spinner), built with ThreadSanitizer; any race
# report fails them.
TSAN_SUITES = test_tools test_registry t_delegate t_mcp t_repl t_commands t_background t_checkpoints t_serve t_team_store
tsan: deps
	@$(MAKE) --no-print-directory B=build-tsan OPT="-O1 -g" \
		SAN="-fsanitize=thread -fno-omit-frame-pointer" test-bins
	@set -e; for t in $(TSAN_SUITES); do \
		TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
		TESTS=$$t sh tests/run.sh build-tsan; done

# The calls git, curl and others ban: unbounded copies and parsers that
# cannot report errors.
BANNED = strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll|tmpnam
lint:
	@sh mk/deps.sh cppcheck clang-tidy
	@echo "lint: shape (include circles, file and function lengths)"
	@python3 mk/shape.py
	@echo "lint: banned functions"
	@! grep -nE '\b($(BANNED))\s*\(' $(SRCS) $(wildcard src/*/*.h) mk/*.c tests/*/*.c
	@echo "lint: cppcheck"
	@cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
		--library=mk/jansson.cfg --inline-suppr --suppress=missingIncludeSystem -Isrc $(SRCS)
	@echo "lint: clang-tidy"
	@clang-tidy --quiet $(SRCS) -- -std=gnu17 -D_GNU_SOURCE -Isrc -I$(B)/gen \
		$(PKG_CFLAGS) 2>/dev/null | (! grep -E 'warning:|error:')
	@echo "lint: ok"

# libFuzzer targets: clang with -fsanitize=fuzzer, corpus kept in
# tests/fuzz/corpus/<target>/ (new finds are added there).
fuzz:
	@sh mk/deps.sh clang libclang-rt-14-dev
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang OPT="-O1 -g" WERROR= \
		SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		build-fuzz/libarchie.a
	@set -e; for src in $(if $(FUZZ_ONLY),$(addprefix tests/fuzz/,$(addsuffix .c,$(FUZZ_ONLY))),$(FUZZ_SRCS)); do \
		t=$$(basename $$src .c); \
		clang -std=gnu17 -D_GNU_SOURCE -O1 -g -Isrc $(PKG_CFLAGS) \
			-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o build-fuzz/$$t $$src \
			build-fuzz/libarchie.a $(PKG_LIBS); \
		mkdir -p tests/fuzz/corpus/$$t build-fuzz/new-$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		seeds=""; [ "$$t" = fuzz_sse_decode ] && [ -d ../shared/fixtures ] && \
			seeds="../shared/fixtures/openai ../shared/fixtures/anthropic"; \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		build-fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
			build-fuzz/new-$$t tests/fuzz/corpus/$$t $$seeds; \
		echo "fuzz: $$t: merging new coverage into the kept corpus"; \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		build-fuzz/$$t -merge=1 tests/fuzz/corpus/$$t build-fuzz/new-$$t 2>/dev/null; \
	done

# Benchmarks: figures as ratios against a reference measured in the same
# run (docs/performance.md records them).
$(B)/bench/bench_%: bench/bench_%.c $(B)/libarchie.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libarchie.a $(ALL_LDFLAGS) $(PKG_LIBS) $(CURL_LIBS)

bench:
	@sh mk/deps.sh ripgrep tmux
	@$(MAKE) --no-print-directory $(B)/archie $(B)/bench/bench_provider \
		$(B)/bench/bench_agent $(B)/bench/bench_search $(B)/bench/bench_store $(B)/bench/bench_sandbox $(B)/tests/fakellm \
		$(B)/bench/bench_render $(B)/bench/bench_bgshell $(B)/bench/bench_checkpoint \
		$(B)/tests/mcpserver $(B)/bench/bench_pgstore
	@echo "bench: provider (SSE decode, per-request overhead)"
	@$(B)/bench/bench_provider ../shared/fixtures $(B)/tests/fakellm
	@echo "bench: agent (startup, first request, per-turn overhead, memory)"
	@$(B)/bench/bench_agent $(CURDIR)/$(B)/archie $(CURDIR)/$(B)/tests/fakellm
	@echo "bench: the REPL's rendering (CPU per streamed token)"
	@$(B)/bench/bench_render
	@echo "bench: search (Grep and Glob against ripgrep on 100k files)"
	@$(B)/bench/bench_search
	@echo "bench: store (events per second, resuming 10,000 messages)"
	@$(B)/bench/bench_store
	@echo "bench: sandbox (policy decision, the walk for secrets cold and cached, a command under the sandbox)"
	@$(B)/bench/bench_sandbox
	@echo "bench: background shells (BashOutput on a chatty command)"
	@$(B)/bench/bench_bgshell
	@echo "bench: checkpoints (a snapshot of a 10,000-file workspace)"
	@$(B)/bench/bench_checkpoint
	@echo "bench: delegation (parallel subagents against a fixed-latency fake server)"
	@sh bench/bench_delegate.sh $(B)/archie $(B)/tests/fakellm
	@echo "bench: a long session (40 documents of 6k tokens, a 100k window; input billed as Anthropic prices caching)"
	@sh bench/bench_context.sh $(B)/archie $(B)/tests/fakellm
	@echo "bench: MCP (time to the prompt with three servers, one hanging)"
	@sh bench/bench_mcp.sh $(B)/archie $(B)/tests/mcpserver
	@echo "bench: the design checker (check-design on PostgreSQL, cold and with the cached template)"
	@sh bench/bench_design.sh $(B)/archie tests/data/design/valid.md
	@echo "bench: MCP (time to the first model request with ten stdio servers)"
	@sh bench/bench_mcp_start.sh $(B)/archie $(B)/tests/fakellm $(B)/tests/mcpserver
	@echo "bench: the team's record (events per second into PostgreSQL from 8 writers)"
	@$(B)/bench/bench_pgstore
	@echo "bench: archie serve (a request's cost; memory per idle session)"
	@sh bench/bench_serve.sh $(B)/archie $(B)/tests/fakellm

man: $(B)/archie
	$(B)/archie help --man > docs/archie.1

install: $(B)/archie
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(B)/archie $(DESTDIR)$(PREFIX)/bin/archie
	install -m 0644 docs/archie.1 $(DESTDIR)$(PREFIX)/share/man/man1/archie.1

clean:
	rm -rf build build-san build-fuzz

-include $(OBJS:.o=.d) $(B)/obj/src/main.d
