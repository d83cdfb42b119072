# One entry point for people and CI. `make ci` is what .ci/run runs.
GO ?= go
BIN := bin/stepd

.PHONY: build test vet fmt tidy check conformance api-conformance api-conformance-postgres lintcases clients crash cluster hostile parked bench fuzz ci clean

build:
	$(GO) build -o $(BIN) ./cmd/stepd

test:
	$(GO) test ./...

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# go.mod and go.sum are exactly what the imports need.
tidy:
	$(GO) mod tidy -diff

check: fmt vet tidy

conformance: build
	scripts/conformance.sh

lintcases: build
	scripts/lintcases.sh

# The conformance corpus over the API of a real stepd serve.
api-conformance: build
	scripts/api-conformance.sh

# The same over a stepd serve on PostgreSQL (STEPD_TEST_POSTGRES).
api-conformance-postgres: build
	scripts/api-conformance-postgres.sh

# boto3 and the AWS CLI against a real stepd serve (and one with --auth sigv4).
clients: build
	STEPD_BIN=$(BIN) $${PYTHON:-python3} test/clients/clients.py
	STEPD_BIN=$(BIN) $${PYTHON:-python3} test/clients/lifecycle.py

# aws-sdk-js-v3 against a real stepd serve --auth sigv4 (installs the SDK from
# npm, as test/clients/js/package-lock.json pins it; needs Node 20).
clients-js: build
	STEPD_BIN=$(CURDIR)/$(BIN) test/clients/js/run.sh

.PHONY: clients-js
ci: clients-js

# A real stepd with STEPD_PARKED (default 100000) executions parked in a Wait:
# its resident memory must stay under 200 MB.
parked:
	$(GO) test -tags soak -count=1 -timeout 20m -v -run TestParked ./test/parked/

# A real stepd killed with SIGKILL under load, restarted, checked.
crash:
	$(GO) test -tags crash -count=1 -timeout 15m ./test/crash/

# A real stepd attacked as an attacker would: each attack's outcome is bounded.
hostile:
	$(GO) test -tags hostile -count=1 -timeout 20m -v ./test/hostile/

# Three real stepd nodes on one PostgreSQL database (STEPD_TEST_POSTGRES), one
# killed with SIGKILL under load, checked.
cluster:
	$(GO) test -tags cluster -count=1 -timeout 15m -v -run 'TestKillOneOfThree|TestParkedWaits' ./test/cluster/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Each fuzz target for FUZZTIME (default 60s).
FUZZTIME ?= 60s
fuzz:
	scripts/fuzz.sh $(FUZZTIME)

ci: check test conformance api-conformance api-conformance-postgres lintcases clients crash cluster hostile

clean:
	rm -rf bin

# The conformance cases that call Lambda functions, through stepd serve, with
# the functions as commands and as Lambda handlers in warm workers.
conformance-functions: build
	scripts/conformance-functions.sh

# The examples, each through a real stepd serve (moto's server for the AWS
# ones; STEPD_REQUIRE_MOTO=1 makes its absence a failure). go test ./... runs
# them too.
examples:
	$(GO) test -count=1 ./examples/...

# A warm Python handler invocation through the worker pool against a cold
# process per invocation.
bench-functions:
	$(GO) test -run '^$$' -bench 'Handler|Command' -benchtime 5s ./runner/lambda/

.PHONY: conformance-functions examples bench-functions
ci: conformance-functions

# The web console (console/). Its build, console/dist, is committed, so
# building stepd needs no Node; these targets need Node 20 and npm.
console-build:
	cd console && npm ci --no-audit --no-fund --loglevel=error && npm run --silent typecheck && npm run --silent build

# The committed console/dist is exactly what the sources and package-lock.json
# build (CI runs this).
console-check: console-build
	@git diff --exit-code --stat -- console/dist && test -z "$$(git status --porcelain -- console/dist)" || \
		{ echo "console/dist differs from a fresh build: run make console-build and commit console/dist"; exit 1; }

# Browser tests: Debian's headless Chromium (installed when missing) against a
# real stepd serve; each page's screenshot lands in console/e2e/artifacts/.
console-test: build
	STEPD_BIN=$(CURDIR)/$(BIN) console/e2e/run.sh

.PHONY: console-build console-check console-test

# Testing workflows (docs/testing.md): TestState graded through stepd serve;
# Step Functions Local's mock configuration graded in memory and through a
# server; the LambdaSQSIntegration suite of AWS's documentation with boto3;
# stepd test over the examples' test files.
teststate: build
	scripts/teststate.sh

mockcases: build
	scripts/mockcases.sh

mock-clients: build
	STEPD_BIN=$(BIN) $${PYTHON:-python3} test/clients/mock_config.py

examples-test: build
	$(BIN) test --cover-min 100 examples

.PHONY: teststate mockcases mock-clients examples-test
ci: teststate mockcases mock-clients examples-test
ci: release-smoke image-smoke

# Releases: static binaries (CGO off) for PLATFORMS, with the version, commit
# and date stamped in (stepd version), into dist/. CI builds linux/amd64 only
# (PLATFORMS=linux/amd64) and runs it through the API smoke test.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
release:
	@mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		out=dist/stepd-$(VERSION)-$$os-$$arch$$ext; \
		echo "== $$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$out ./cmd/stepd; \
	done
	@cd dist && sha256sum stepd-$(VERSION)-* > SHA256SUMS

# The release binary of this machine through the API smoke test.
release-smoke:
	$(MAKE) release PLATFORMS=$$($(GO) env GOOS)/$$($(GO) env GOARCH)
	scripts/release-smoke.sh dist/stepd-$(VERSION)-$$($(GO) env GOOS)-$$($(GO) env GOARCH)

# The platforms CI does not build a release for, type-checked with their build
# tags (go vet, test files included), so that code that builds on Linux only
# fails CI instead of make release.
CROSS_PLATFORMS ?= darwin/arm64 windows/amd64
cross-vet:
	@set -e; for p in $(CROSS_PLATFORMS); do \
		echo "== go vet ./... for $$p"; \
		CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./...; \
	done

# The image (Dockerfile: FROM scratch, the static binary, non-root, /data),
# built and answering the smoke test, with podman (or docker); skipped with
# the reason when neither can build here.
image-smoke:
	VERSION=$(VERSION) COMMIT=$(COMMIT) DATE=$(DATE) scripts/smoke.sh

.PHONY: release release-smoke cross-vet image-smoke
ci: cross-vet

# Distributed Maps reading and writing S3 (moto's server) through a real
# stepd serve, with boto3: on SQLite, then on PostgreSQL (STEPD_TEST_POSTGRES).
dmap-clients: build
	STEPD_BIN=$(BIN) $${PYTHON:-python3} test/clients/distributed_map.py

.PHONY: dmap-clients
ci: dmap-clients
