# OAuth 2.0 reference implementation: provider (:8080) and client (:3000).
SHELL := /bin/bash
GO    ?= go
# MODULES are the workspace's modules (go.work): the two programs, and the
# test-only deploytest, loadtest and interop/mcpsdk (the MCP Go SDK as a client).
MODULES := provider client deploytest loadtest interop/mcpsdk
PKGS    := $(patsubst %,./%/...,$(MODULES))

.PHONY: run build test bench loadtest lint fmt fuzz e2e keys-rotate clean reset-data

## run: start the provider, wait for its /readyz, start the client; Ctrl-C stops both (scripts/run.sh)
run: build
	@bash scripts/run.sh

## build: compile both programs into ./bin
build:
	$(GO) build -o bin/provider ./provider
	$(GO) build -o bin/client ./client

## test: gofmt and go vet, then every module with the race detector, then a
## summary of what ran and what was skipped, with why
## (PostgreSQL tests run when TEST_DATABASE_URL is set; browser tests when chromium is installed)
test: lint
	@set -o pipefail; $(GO) test -race -count=1 -json $(PKGS) 2>&1 | $(GO) run ./deploytest/cmd/testsummary

## e2e: every end-to-end test, each named TestE2E… (TestBrowser… when Chromium drives it):
## the real provider and client over HTTP, the programs as processes, deploytest
e2e:
	$(GO) test -race -count=1 -run '^Test(E2E|Browser)' $(PKGS)

## bench: the benchmarks, each beside its RS256 reference measured in the same run
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./provider/...

## loadtest: the real provider pinned to one core under load over HTTP: server CPU
## per request of each path beside its reference measured in the same run
## (README, "Performance"). Knobs: LOADTEST_DURATION per path; a postgres://
## DATABASE_URL or TEST_DATABASE_URL adds a PostgreSQL pass; LOADTEST_FLAGS
## (e.g. -svg docs/loadtest.svg; go run ./loadtest -h lists them)
LOADTEST_DURATION ?= 5s
LOADTEST_FLAGS    ?=
loadtest:
	$(GO) run ./loadtest -duration $(LOADTEST_DURATION) $(LOADTEST_FLAGS)

## lint: gofmt, go vet and staticcheck must be clean; govulncheck too when
## its vulnerability database can be reached (else it says it skipped)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
lint:
	@test -z "$$(gofmt -l $(MODULES))" || (gofmt -l $(MODULES); exit 1)
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) $(PKGS)
	@GO="$(GO)" bash .ci/govulncheck $(GOVULNCHECK) $(MODULES)

## fuzz: run every fuzz target for FUZZTIME each (their seed corpora run in make test)
FUZZTIME ?= 10s
fuzz:
	@set -e; pkgs=$$($(GO) list $(PKGS)); for pkg in $$pkgs; do \
	  list=$$($(GO) test -list '^Fuzz' $$pkg); \
	  for target in $$(grep '^Fuzz' <<<"$$list" || true); do \
	    echo "== $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

fmt:
	gofmt -w $(MODULES)

## keys-rotate: add a new signing key (running providers pick it up within a minute)
keys-rotate:
	$(GO) run ./provider keys rotate

## clean: remove the build output (./bin); the provider's data stays
clean:
	rm -rf bin

## reset-data: delete ./data, the provider's state: its SQLite database
## (users' grants, clients, refresh tokens, signing keys) and data/kek, the
## key that seals the signing keys, also those of a PostgreSQL store run
## with DATABASE_FALLBACK=data/provider.db: without it that database's
## keys cannot be opened (stop the provider first)
reset-data:
	@echo "deleting ./data: the SQLite database and data/kek, the key-encryption key of the signing keys"
	rm -rf data

.PHONY: screenshots
## screenshots: run the client's browser tests, saving their screenshots in docs/screenshots (the README shows them)
screenshots:
	SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run 'Browser' ./client/internal/web/
