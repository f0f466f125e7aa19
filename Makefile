# opsh: the openport shell. `make demo` to try it, `make test` to test it.
SWIFT ?= swift
BIN := .build/debug
RELEASE_BIN := .build/release

.PHONY: all build release demo test bench fuzz deps clean completions

all: build

# libedit-dev provides the line editor; install it when pkg-config cannot find it.
deps:
	@if ! pkg-config --exists libedit 2>/dev/null; then \
		echo "opsh: installing libedit-dev (the line editor library)"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libedit-dev pkg-config; \
	fi

build: deps
	$(SWIFT) build --product opsh
	$(SWIFT) build --product opsh-emulator

release: deps
	$(SWIFT) build -c release --product opsh
	$(SWIFT) build -c release --product opsh-emulator

demo: build
	$(BIN)/opsh --demo

test: deps
	$(SWIFT) build
	$(SWIFT) test

bench: deps release
	bench/run

clean:
	rm -rf .build
