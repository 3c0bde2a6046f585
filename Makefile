# lakectl: build, test, demo. See README.md.
GO      ?= go
PKG     := github.com/lakectl/lakectl
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS := -s -w -X $(PKG)/internal/cli/version.Version=$(VERSION) -X $(PKG)/internal/cli/version.Commit=$(COMMIT)

.PHONY: all build test lint fuzz bench demo docs clean

all: build

## build: the lakectl binary, pure Go, into bin/lakectl
build:
	@echo "build: bin/lakectl (the first build on a machine downloads and compiles every module: a few minutes)"
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/lakectl ./cmd/lakectl

## test: lint, then every test, with MinIO, PostgreSQL, MariaDB and moto
## started on 127.0.0.1 (scripts/with-services.sh)
test: lint
	@echo "test: go test ./... under scripts/with-services.sh (the first run builds MinIO and compiles every test: many minutes)"
	scripts/with-services.sh $(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

## TEST_TIMEOUT bounds each package's tests. cmd/lakectl's end-to-end and
## kill tests take 5 to 15 minutes on 2 cores, more on a busy machine: go
## test's own default, 10m, is too short there.
TEST_TIMEOUT ?= 30m

## fuzz: every fuzz target, FUZZTIME each, from its seeds on. The budget is a
## count of inputs (50000x), not a duration: with a duration, Go 1.26's fuzz
## coordinator can fail a target at the deadline with "context deadline
## exceeded" and no crasher (golang/go#75804, fixed in Go 1.27).
FUZZTIME ?= 50000x
fuzz:
	@for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$(grep -h -o '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | cut -c6-); do \
			echo "$$dir $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$dir || exit 1; \
		done; \
	done

## lint: gofmt and go vet
lint:
	@echo "lint: gofmt"
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt needed:"; echo "$$bad"; exit 1; fi
	@echo "lint: go mod download (the first run on a machine downloads every module: about 180 MB)"
	$(GO) mod download
	@echo "lint: go vet ./... (the first run compiles every package and its dependencies: several minutes)"
	$(GO) vet ./...

## bench: the Go benchmarks (under scripts/with-services.sh: the S3 and Glue ones need MinIO and moto), then lakectl convert against DuckDB (bench/, cgo); see docs/performance.md
bench: build
	scripts/with-services.sh $(GO) test -run '^$$' -bench . -benchmem ./...
	cd bench && CGO_ENABLED=1 $(GO) run . -rows 1000000 -lakectl ../bin/lakectl -runs 5
	cd bench && CGO_ENABLED=1 $(GO) run . -rows 10000000 -lakectl ../bin/lakectl -runs 3

## demo: build lakectl and run its main job end to end on the embedded catalog
demo: build
	scripts/demo.sh bin/lakectl

## docs: regenerate docs/cli from the command tree
docs:
	$(GO) test ./internal/cli -run TestDocsAreCurrent -update

clean:
	rm -rf bin .tmp
