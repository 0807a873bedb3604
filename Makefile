# shannot — see README.md. `make demo` and `make test` work on a fresh
# Debian or Ubuntu machine: both install what is missing first.

GO      ?= go
BIN     := bin/shannot
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build setup setup-test demo test unit integration lint fuzz bench clean

all: build

setup:
	@./scripts/setup.sh

setup-test:
	@./scripts/setup.sh test

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/shannot

demo: setup build
	$(BIN) run ls /
	$(BIN) verify

# Unit tests, then the integration tests against the built binary and
# the real bwrap. -count=1: integration results depend on the host.
test: setup-test build unit integration

unit:
	$(GO) test -count=1 ./cmd/... ./pkg/... ./profiles/...

integration: build
	SHANNOT_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -v ./integration/...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt -l:"; echo "$$out"; exit 1; fi
	@if command -v staticcheck >/dev/null 2>&1; then staticcheck ./...; else echo "staticcheck not installed; skipped"; fi

# Each fuzz target for a bounded time (FUZZTIME); not part of make test.
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./pkg/profile -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/seccomp -run '^$$' -fuzz '^FuzzParsePolicy$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/seccomp -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/...

clean:
	rm -rf bin
