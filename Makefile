# OAuth 2.0 reference implementation: provider (:8080) and client (:3000).
SHELL := /bin/bash
GO    ?= go
PKGS  := ./provider/... ./client/...

.PHONY: run build test bench lint fmt e2e keys-rotate clean

## run: start the provider and the client with the defaults; Ctrl-C stops both
run: build
	@mkdir -p data
	@trap 'kill 0' INT TERM EXIT; \
	  ./bin/provider 2>&1 | sed -u 's/^/[provider] /' & \
	  ./bin/client   2>&1 | sed -u 's/^/[client]   /' & \
	  wait

## build: compile both programs into ./bin
build:
	$(GO) build -o bin/provider ./provider
	$(GO) build -o bin/client ./client

## test: gofmt and go vet, then every module with the race detector
## (PostgreSQL tests run when TEST_DATABASE_URL is set; browser tests when chromium is installed)
test: lint
	$(GO) test -race -count=1 $(PKGS)

## e2e: only the end-to-end tests (real provider on httptest, x/oauth2 client)
e2e:
	$(GO) test -race -count=1 -run 'E2E|Flow|Walkthrough|Browser' $(PKGS)

## bench: the benchmarks, each beside its RS256 reference measured in the same run
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./provider/...

## lint: gofmt and go vet must be clean
lint:
	@test -z "$$(gofmt -l provider client)" || (gofmt -l provider client; exit 1)
	$(GO) vet $(PKGS)

fmt:
	gofmt -w provider client

## keys-rotate: add a new signing key (running providers pick it up within a minute)
keys-rotate:
	$(GO) run ./provider keys rotate

clean:
	rm -rf bin data

.PHONY: screenshots
## screenshots: run the client's browser tests, saving their screenshots in docs/screenshots (the README shows them)
screenshots:
	SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run 'Browser' ./client/internal/web/
