# shannot — see README.md. `make demo` and `make test` work on a fresh
# Debian or Ubuntu machine: both install what is missing first.

# The host's go when it is as new as go.mod asks, else the one that
# scripts/setup.sh fetched into bin/go-toolchain (see go-toolchain.sh).
GO      ?= $(shell ./scripts/go-toolchain.sh)
BIN     := bin/shannot
# The MCP server's own binary: shannot mcp runs it (internal/companion
# finds it beside shannot first), so shannot does not link the MCP SDK.
MCPBIN  := bin/shannot-mcp
# git describe, as a version Debian accepts: v1.2.3-4-gabc -> 1.2.3+4.gabc;
# without a tag, 0.0~gitN.HASH (N commits).
VERSION ?= $(shell ./scripts/version.sh)
# urfave_cli_no_docs: the shipped binary carries no man page generator
# (blackfriday), which would cost every launch its start-up time.
TAGS    := urfave_cli_no_docs
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
# The package that holds the version variables.
CLIPKG  := github.com/shannot-project/shannot/internal/cli
LDFLAGS := -X $(CLIPKG).version=$(VERSION) -X $(CLIPKG).commit=$(COMMIT)
# shannot-init runs under the host-view filter, which lets no signal but
# 0 leave a process: the Go runtime's preemption signal (tgkill SIGURG)
# would fail there, and --explain-denials would report it as the
# command's. GODEBUG cannot be set for it (the environment is the
# command's), so the default is linked in.
INITLDFLAGS := -X=runtime.godebugDefault=asyncpreemptoff=1

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(PREFIX)/bin
LIBEXECDIR := $(PREFIX)/libexec/shannot
DATADIR := $(PREFIX)/share
MANDIR  := $(DATADIR)/man

PROFILES := $(wildcard profiles/*.json)
POLICIES := $(wildcard profiles/seccomp/*.json)

.PHONY: all build setup setup-test demo test unit unit-nocgo race integration \
        lint check-generated fuzz bench breakdown man completions install uninstall static deb clean

all: build

setup:
	@./scripts/setup.sh

setup-test:
	@./scripts/setup.sh test

# shannot is built without cgo: one static file that loads no library at
# start. JSON policies are compiled by shannot-seccomp (cgo, libseccomp
# linked dynamically, so that security updates reach it), which install
# puts in $(LIBEXECDIR); see docs/seccomp.md.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/shannot
	CGO_ENABLED=1 $(GO) build -trimpath -o bin/shannot-seccomp ./cmd/shannot-seccomp
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(INITLDFLAGS)" -o bin/shannot-init ./cmd/shannot-init
	$(GO) build -trimpath -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(MCPBIN) ./cmd/shannot-mcp

# A statically linked binary, libseccomp included: runs on any x86_64
# Linux with bwrap.
static:
	CGO_ENABLED=1 $(GO) build -trimpath -tags $(TAGS),netgo,osusergo \
		-ldflags "$(LDFLAGS) -linkmode external -extldflags -static" -o bin/shannot-static ./cmd/shannot
	CGO_ENABLED=1 $(GO) build -trimpath -tags $(TAGS),netgo,osusergo \
		-ldflags "$(LDFLAGS) -linkmode external -extldflags -static" -o bin/shannot-mcp-static ./cmd/shannot-mcp

demo: setup build
	$(BIN) run ls /
	$(BIN) verify

# Unit tests, then the integration tests against the built binary and
# the real bwrap. -count=1: integration results depend on the host.
test: setup-test build unit integration

# Unit tests touch nothing outside their temporary directories, as root
# too: integration/ is built only with -tags integration.
unit:
	$(GO) test -count=1 ./...

# Every package as the shipped shannot is built: without cgo. Tests that
# compile JSON policies build shannot-seccomp (with cgo) and use it, as
# shannot does.
unit-nocgo:
	CGO_ENABLED=0 $(GO) build ./...
	CGO_ENABLED=0 $(GO) test -count=1 ./...

race:
	$(GO) test -race -count=1 ./...

# Creates users, writes /etc/sudoers.d, installs the .deb: see
# CONTRIBUTING.md before running it on a machine you care about.
integration: build
	SHANNOT_BIN=$(CURDIR)/$(BIN) SHANNOT_MCP_BIN=$(CURDIR)/$(MCPBIN) $(GO) test -tags integration -count=1 -timeout 30m -v ./integration/...

# runc's linters that fit, each pinned and run with go run (built once,
# then from the build cache): errorlint (errors compared or asserted
# without errors.Is/As, %v where %w keeps the chain), govet's nilness,
# and runc's forbidigo rules as a grep.
ERRORLINT := github.com/polyfloyd/go-errorlint@v1.8.0
NILNESS   := golang.org/x/tools/go/analysis/passes/nilness/cmd/nilness@v0.52.0
lint:
	$(GO) vet ./...
	$(GO) vet -tags integration ./integration/
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt -l:"; echo "$$out"; exit 1; fi
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags integration ./...
	@# The analyzers' own -tags flag does not reach the package loader (it
	@# said "build constraints exclude all Go files" for integration/):
	@# GOFLAGS does.
	GOFLAGS=-tags=integration $(GO) run $(ERRORLINT) ./...
	GOFLAGS=-tags=integration $(GO) run $(NILNESS) ./...
	@# forbidigo, as runc sets it: os.Create follows a planted symlink and
	@# truncates (use atomicfile, or os.OpenFile with the flags spelt out);
	@# os.IsNotExist and the other os.Is* do not unwrap (use errors.Is with
	@# fs.ErrNotExist...). Tests may use them; a deliberate use elsewhere
	@# carries "//nolint:forbidigo // why" on its line.
	@out=$$(git ls-files --cached --others --exclude-standard '*.go' ':!:*_test.go' | xargs grep -nE '\bos\.(Create|Is[A-Za-z]+)\b' | grep -v '//nolint:forbidigo //'); \
		if [ -n "$$out" ]; then echo "os.Create or os.Is* outside tests:"; echo "$$out"; exit 1; fi

# The golden files regenerated in a scratch copy must equal the committed
# ones, and the man pages must render without a warning.
check-generated:
	GO="$(GO)" ./scripts/check-generated.sh

# Each fuzz target for a bounded time (FUZZTIME); not part of make test.
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./pkg/profile -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/profile -run '^$$' -fuzz '^FuzzSchemaAgreement$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/seccomp -run '^$$' -fuzz '^FuzzParsePolicy$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/seccomp -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)

# Go benchmarks, then one run of launches timed side by side: raw bwrap,
# a minimal Go launcher, shannot, firejail, shannot-mcp, and BEFORE (an
# earlier shannot) when given (see docs/performance.md). firejail is
# installed here, as root, when missing: the bench's set-up, not CI's.
# As root, shannot needs its sandbox user (make install creates it).
BENCH_N ?= 200
BEFORE  ?=
bench: build
	@command -v firejail >/dev/null || [ "$$(id -u)" != 0 ] || apt-get install -y firejail || echo "bench: no firejail, its row is left out"
	$(GO) build -o bin/golaunch ./bench/golaunch
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/...
	$(GO) run ./bench/launch -shannot $(BIN) -mcp $(MCPBIN) -golaunch bin/golaunch -n $(BENCH_N) $(if $(BEFORE),-before $(BEFORE))
	$(GO) run ./bench/seccomp -shannot $(BIN) -n 20

# Instructions, page faults and system calls of a launch (valgrind, perf,
# strace): numbers the machine's load does not change. As an ordinary user.
breakdown: build
	$(GO) build -o bin/golaunch ./bench/golaunch
	$(GO) run ./bench/breakdown -shannot $(BIN) -golaunch bin/golaunch

# Man pages, from the CLI's own definitions (built without the no-docs tag).
man: bin/man/shannot.1 bin/man/shannot-profile.5 bin/man/shannot-mcp.1
bin/man/shannot.1: $(wildcard internal/cli/*.go)
	@mkdir -p bin/man
	$(GO) run ./cmd/shannot __man 1 > $@
bin/man/shannot-profile.5: internal/cli/shannot-profile.5.md
	@mkdir -p bin/man
	$(GO) run ./cmd/shannot __man 5 > $@
bin/man/shannot-mcp.1: $(wildcard internal/cli/*.go internal/mcpcli/*.go)
	@mkdir -p bin/man
	$(GO) run ./cmd/shannot-mcp __man 1 > $@

completions: build
	@mkdir -p bin/completions
	$(BIN) completion bash > bin/completions/shannot.bash
	$(BIN) completion zsh > bin/completions/_shannot
	$(BIN) completion fish > bin/completions/shannot.fish
	$(MCPBIN) completion bash > bin/completions/shannot-mcp.bash
	$(MCPBIN) completion zsh > bin/completions/_shannot-mcp
	$(MCPBIN) completion fish > bin/completions/shannot-mcp.fish

# Every file install puts in place, so that uninstall removes exactly them.
INSTALLED := $(BINDIR)/shannot $(BINDIR)/shannot-mcp $(LIBEXECDIR)/shannot-seccomp $(LIBEXECDIR)/shannot-init \
	$(patsubst profiles/%,$(DATADIR)/shannot/profiles/%,$(PROFILES) $(POLICIES)) \
	$(DATADIR)/shannot/profile.schema.json \
	$(MANDIR)/man1/shannot.1 $(MANDIR)/man5/shannot-profile.5 $(MANDIR)/man1/shannot-mcp.1 \
	$(DATADIR)/bash-completion/completions/shannot \
	$(DATADIR)/zsh/site-functions/_shannot \
	$(DATADIR)/fish/vendor_completions.d/shannot.fish \
	$(DATADIR)/bash-completion/completions/shannot-mcp \
	$(DATADIR)/zsh/site-functions/_shannot-mcp \
	$(DATADIR)/fish/vendor_completions.d/shannot-mcp.fish

install: build man completions
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/shannot
	install -D -m 0755 $(MCPBIN) $(DESTDIR)$(BINDIR)/shannot-mcp
	install -D -m 0755 bin/shannot-seccomp $(DESTDIR)$(LIBEXECDIR)/shannot-seccomp
	install -D -m 0755 bin/shannot-init $(DESTDIR)$(LIBEXECDIR)/shannot-init
	for f in $(PROFILES) $(POLICIES); do \
		install -D -m 0644 $$f $(DESTDIR)$(DATADIR)/shannot/$$f || exit 1; done
	install -D -m 0644 pkg/profile/schema.json $(DESTDIR)$(DATADIR)/shannot/profile.schema.json
	install -D -m 0644 bin/man/shannot.1 $(DESTDIR)$(MANDIR)/man1/shannot.1
	install -D -m 0644 bin/man/shannot-profile.5 $(DESTDIR)$(MANDIR)/man5/shannot-profile.5
	install -D -m 0644 bin/man/shannot-mcp.1 $(DESTDIR)$(MANDIR)/man1/shannot-mcp.1
	install -D -m 0644 bin/completions/shannot.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/shannot
	install -D -m 0644 bin/completions/_shannot $(DESTDIR)$(DATADIR)/zsh/site-functions/_shannot
	install -D -m 0644 bin/completions/shannot.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/shannot.fish
	install -D -m 0644 bin/completions/shannot-mcp.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/shannot-mcp
	install -D -m 0644 bin/completions/_shannot-mcp $(DESTDIR)$(DATADIR)/zsh/site-functions/_shannot-mcp
	install -D -m 0644 bin/completions/shannot-mcp.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/shannot-mcp.fish
	@# The sandbox user of root-run shannot; a staged install (DESTDIR, the
	@# .deb) leaves it to the package's postinst.
	@if [ -z "$(DESTDIR)" ]; then ./scripts/sandbox-user.sh; fi

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null
	-rmdir $(DESTDIR)$(DATADIR)/shannot/profiles/seccomp $(DESTDIR)$(DATADIR)/shannot/profiles $(DESTDIR)$(DATADIR)/shannot 2>/dev/null

# A Debian package from a staged tree: see scripts/deb.sh.
deb: build man completions
	VERSION=$(VERSION) ./scripts/deb.sh

clean:
	rm -rf bin dist
