# carecast — make targets. Everything runs with only Go installed; tools are pinned in go.mod
# and run with `go tool`.
GO        ?= go
PKGS      ?= ./...
BIN       ?= bin/carecast
DATA_DIR  ?= .carecast
ADDR      ?= 127.0.0.1:8080
FUZZTIME  ?= 20s

.PHONY: all build run test test-deps test-go test-browser lint fmt vet staticcheck bench fuzz openapi datasets clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/carecast

run: build
	./$(BIN) serve --addr $(ADDR) --data-dir $(DATA_DIR)

test: test-deps lint test-go

# Installs (or names, when it cannot) what the browser, PostgreSQL and notebook tests need.
test-deps:
	./scripts/test-deps.sh

test-go:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

# The web pages in a real browser (Debian's chromium: scripts/ci-deps.sh installs it);
# screenshots land in web/testoutput/.
test-browser:
	$(GO) test -count=1 -run Browser -v ./web/

lint: fmt vet staticcheck

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

staticcheck:
	$(GO) tool staticcheck $(PKGS)

bench:
	./scripts/bench.sh

fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

openapi: build
	./$(BIN) openapi > api/testdata/openapi.golden.json

datasets:
	$(GO) run ./cmd/carecast datasets build --raw ../shared/data/raw --out datasets/defaultdata

clean:
	rm -rf bin
