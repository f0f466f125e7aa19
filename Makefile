# opsh: the openport shell. `make demo` to try it, `make test` to test it.
SWIFT ?= swift
BIN := .build/debug
RELEASE_BIN := .build/release

.PHONY: all build release demo test soak test-deps conformance-env bench fuzz fuzz-smoke fuzz-build deps clean completions \
	manual manual-page install install-files uninstall

all: build

# libedit-dev provides the line editor, libmaxminddb-dev the reader of .mmdb files (geoip):
# install them when pkg-config cannot find them.
deps:
	@missing=; pkg-config --exists libedit 2>/dev/null || missing="$$missing libedit-dev"; \
	pkg-config --exists libmaxminddb 2>/dev/null || missing="$$missing libmaxminddb-dev"; \
	if [ -n "$$missing" ]; then \
		echo "opsh: installing$$missing (the line editor and .mmdb reader libraries)"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing pkg-config; \
	fi

build: deps
	$(SWIFT) build --product opsh
	$(SWIFT) build --product opsh-emulator

release: deps
	$(SWIFT) build -c release --product opsh
	$(SWIFT) build -c release --product opsh-emulator

demo: build
	$(BIN)/opsh --demo

# The end-to-end tests also drive real bash, zsh and fish (completion scripts) and less
# (the pager) at a pseudo-terminal, man (the installed page), bash-completion (which
# finds the installed bash script), openssl (a throwaway CA for the HTTPS tests) and
# tinyproxy (a real proxy), and MaxMind's writer of .mmdb files (the geoip tests make their
# own small databases): install the ones a fresh machine lacks.
test-deps: deps
	@missing=; for need in bash:bash zsh:zsh fish:fish less:less man:man-db openssl:openssl tinyproxy:tinyproxy; do \
		command -v $${need%%:*} >/dev/null 2>&1 || missing="$$missing $${need#*:}"; \
	done; \
	[ -f /usr/share/bash-completion/bash_completion ] || missing="$$missing bash-completion"; \
	perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null || missing="$$missing libmaxmind-db-writer-perl"; \
	if [ -n "$$missing" ]; then \
		echo "opsh: installing$$missing (used by the end-to-end tests)"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# ConformanceTests compare the emulator with a Django REST Framework app (conformance/): its
# Python venv is made when missing (python3-venv from apt if needed, packages from PyPI).
# They run after the rest: gunicorn, Django and two opsh scans at once would starve the
# timed end-to-end tests beside them.
conformance-env:
	conformance/bootstrap

# The manual's base page comes from the debug build here (the flags are the same in every
# configuration): InstallTests installs it with the debug binaries through install-files.
# ConformanceTests run after the rest: gunicorn, Django and opsh's scans of both servers at
# once would take both cores from the end-to-end tests beside them.
test: test-deps conformance-env
	$(SWIFT) build
	$(MAKE) manual MANUAL_CONFIG=debug
	$(SWIFT) test --skip ConformanceTests
	$(SWIFT) test --skip-build --filter ConformanceTests

# The scan soaks (100 full scans under faults, twice): minutes of both cores, so a target
# of their own, run alone (CI runs them after `make test`).
soak: deps
	OPSH_SOAK=1 $(SWIFT) test --filter SoakTests

bench: deps release
	bench/run

# libFuzzer over the pure layers (lexer, parser, completion analyser, evaluator, JSON,
# timestamps): Records and Query built as modules with coverage and ASan, then the entry in
# fuzz/, which reads the shell's command catalogue from the built opsh. Crashes land in
# $(FUZZ_DIR)/crashes/. Leak checks are off, at each input and at exit: LeakSanitizer rescans
# the heap after nearly every input (the Swift runtime caches metadata and the evaluator runs
# in a Task), cutting the rate tenfold, and at exit it takes the boxes of the catalogue's
# indirect enums, held by a global, for leaks.
SWIFTC ?= swiftc
FUZZ_DIR := .build/fuzz
FUZZ_FLAGS := -sanitize=fuzzer,address -parse-as-library -O -g -use-ld=lld
FUZZ_TIME ?= 60
RECORDS_SRC := $(wildcard Sources/Records/*.swift)
QUERY_SRC := $(shell find Sources/Query -name '*.swift' | sort)
FUZZ_RUN = mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/crashes && \
	ASAN_OPTIONS=detect_leaks=0 OPSH_COMMAND_SYNTAX=$(FUZZ_DIR)/command-syntax.json $(FUZZ_DIR)/opsh-fuzz $(FUZZ_DIR)/corpus fuzz/corpus -artifact_prefix=$(FUZZ_DIR)/crashes/ \
	-max_len=131072 -timeout=10 -rss_limit_mb=4096 -detect_leaks=0 -print_final_stats=1

$(FUZZ_DIR)/libRecords.a: $(RECORDS_SRC)
	@mkdir -p $(FUZZ_DIR)
	$(SWIFTC) $(FUZZ_FLAGS) -module-name Records -emit-module -emit-module-path $(FUZZ_DIR)/Records.swiftmodule \
		-emit-library -static -o $@ $(RECORDS_SRC)

$(FUZZ_DIR)/libQuery.a: $(QUERY_SRC) $(FUZZ_DIR)/libRecords.a
	$(SWIFTC) $(FUZZ_FLAGS) -module-name Query -I $(FUZZ_DIR) -emit-module -emit-module-path $(FUZZ_DIR)/Query.swiftmodule \
		-emit-library -static -o $@ $(QUERY_SRC)

$(FUZZ_DIR)/opsh-fuzz: fuzz/FuzzEntry.swift $(FUZZ_DIR)/libQuery.a
	$(SWIFTC) $(FUZZ_FLAGS) -module-name OpshFuzz -I $(FUZZ_DIR) -L $(FUZZ_DIR) -lQuery -lRecords \
		fuzz/FuzzEntry.swift -o $@

# The shell's command catalogue, for the completion analyser under the fuzzer (no copy of it
# in fuzz/): written by the built opsh.
$(FUZZ_DIR)/command-syntax.json: build
	@mkdir -p $(FUZZ_DIR)
	$(BIN)/opsh --generate-command-syntax > $@

fuzz-build: $(FUZZ_DIR)/opsh-fuzz $(FUZZ_DIR)/command-syntax.json

# `make fuzz FUZZ_TIME=600` for longer; new inputs that find coverage go to $(FUZZ_DIR)/corpus.
fuzz: fuzz-build
	$(FUZZ_RUN) -max_total_time=$(FUZZ_TIME)

# CI: about 20 s.
fuzz-smoke: fuzz-build
	$(FUZZ_RUN) -max_total_time=20

# Shell completion scripts, generated by opsh itself (CompletionScriptTests fails when
# the committed ones differ from what the binary prints).
completions: build
	$(BIN)/opsh --generate-completion-script bash > completions/opsh.bash
	$(BIN)/opsh --generate-completion-script zsh > completions/_opsh
	$(BIN)/opsh --generate-completion-script fish > completions/opsh.fish

# Installing: `make install` (PREFIX=/usr/local), `make install PREFIX=~/.local` (no root),
# `make install DESTDIR=/tmp/stage` for packaging; `make uninstall` with the same PREFIX and
# DESTDIR removes exactly the files listed in INSTALLED.
PREFIX ?= /usr/local
# PREFIX=~/.local reaches make unexpanded from zsh and sh: expand it here.
override PREFIX := $(patsubst ~/%,$(HOME)/%,$(patsubst ~,$(HOME),$(PREFIX)))
DESTDIR ?=
BINDIR := $(PREFIX)/bin
MAN1DIR := $(PREFIX)/share/man/man1
BASH_COMPLETIONS := $(PREFIX)/share/bash-completion/completions
ZSH_COMPLETIONS := $(PREFIX)/share/zsh/site-functions
FISH_COMPLETIONS := $(PREFIX)/share/fish/vendor_completions.d
INSTALLED := $(BINDIR)/opsh $(BINDIR)/opsh-emulator $(MAN1DIR)/opsh.1 \
	$(BASH_COMPLETIONS)/opsh $(ZSH_COMPLETIONS)/_opsh $(FISH_COMPLETIONS)/opsh.fish

# The manual: swift-argument-parser's generate-manual plugin writes opsh.1 from opsh's
# flags (it builds the package in MANUAL_CONFIG first), then manual-page adds the section
# on the command language that `opsh --generate-manual-language` prints from the catalogues.
# `make manual` then `man -l .build/manual/opsh.1` reads it without installing.
MANUAL_CONFIG ?= release
MANUAL_BASE := .build/plugins/GenerateManual/outputs/opsh/opsh.1
MANUAL := .build/manual/opsh.1

manual: deps
	$(SWIFT) build -c $(MANUAL_CONFIG) --product opsh
	$(SWIFT) package plugin generate-manual --configuration $(MANUAL_CONFIG)
	@test -f $(MANUAL_BASE) || { echo "opsh: the generate-manual plugin wrote no $(MANUAL_BASE)" >&2; exit 1; }
	@$(MAKE) --no-print-directory manual-page BIN_DIR=.build/$(MANUAL_CONFIG)
	@echo "opsh: the manual is $(MANUAL): man -l $(MANUAL)"

install: release
	$(MAKE) manual MANUAL_CONFIG=release
	$(MAKE) install-files BIN_DIR=$(RELEASE_BIN)

# MANUAL: MANUAL_BASE with the language section (from BIN_DIR's opsh) and without the
# hidden `__complete` (scripts/manual/join.awk says how).
BIN_DIR ?= $(RELEASE_BIN)
manual-page:
	@for f in $(BIN_DIR)/opsh $(MANUAL_BASE); do \
		test -f $$f || { echo "opsh: $$f is missing: run 'make manual' (or 'make install')" >&2; exit 1; }; \
	done
	@mkdir -p $(dir $(MANUAL))
	$(BIN_DIR)/opsh --generate-manual-language > $(MANUAL).language
	awk -v section=$(MANUAL).language -f scripts/manual/join.awk $(MANUAL_BASE) > $(MANUAL)

# Copies what is already built: opsh and opsh-emulator from BIN_DIR, the completions/
# scripts, and the manual (manual-page).
install-files: manual-page
	@for f in $(BIN_DIR)/opsh $(BIN_DIR)/opsh-emulator $(MANUAL_BASE); do \
		test -f $$f || { echo "opsh: $$f is missing: run 'make install'" >&2; exit 1; }; \
	done
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MAN1DIR)" \
		"$(DESTDIR)$(BASH_COMPLETIONS)" "$(DESTDIR)$(ZSH_COMPLETIONS)" "$(DESTDIR)$(FISH_COMPLETIONS)"
	install -m 755 $(BIN_DIR)/opsh $(BIN_DIR)/opsh-emulator "$(DESTDIR)$(BINDIR)/"
	install -m 644 completions/opsh.bash "$(DESTDIR)$(BASH_COMPLETIONS)/opsh"
	install -m 644 completions/_opsh "$(DESTDIR)$(ZSH_COMPLETIONS)/_opsh"
	install -m 644 completions/opsh.fish "$(DESTDIR)$(FISH_COMPLETIONS)/opsh.fish"
	install -m 644 $(MANUAL) "$(DESTDIR)$(MAN1DIR)/opsh.1"
	@echo "opsh: installed in $(DESTDIR)$(PREFIX)"

uninstall:
	@for f in $(INSTALLED); do \
		if [ -e "$(DESTDIR)$$f" ]; then rm -f "$(DESTDIR)$$f" && echo "removed $(DESTDIR)$$f"; fi; \
	done

clean:
	rm -rf .build
