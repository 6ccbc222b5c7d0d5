# numgate — run `make help` for the targets.

GO       ?= go
OPA_VERSION := v1.22.2
# The stock OPA CLI, pinned: installed once per version under bin/, so an opa of another
# version elsewhere on the machine is never the one tested against.
OPA_DIR  := $(CURDIR)/bin/opa-$(OPA_VERSION)
OPA      := $(OPA_DIR)/opa

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/numgate
	$(GO) build -o bin/numgate ./cmd/numgate

.PHONY: run
run: ## serve the API on 127.0.0.1:8080 from ./countries and ./policies (reloads on edit)
	$(GO) run ./cmd/numgate serve

.PHONY: check
check: ## validate countries and policies (numgate check)
	$(GO) run ./cmd/numgate check

.PHONY: test
test: lint check go-test opa-test numgate-test fuzz ## everything CI runs

.PHONY: go-test
go-test: $(OPA) ## Go tests: engine, loader corpus, Rego unit tests, decision cases (the bundle test serves with $(OPA))
	OPA=$(OPA) $(GO) test -count=1 ./...

.PHONY: numgate-test
numgate-test: ## numgate test: Rego unit tests and decision cases, with coverage
	$(GO) run ./cmd/numgate test

.PHONY: opa-test
opa-test: $(OPA) ## Rego unit tests under the stock OPA CLI
	$(OPA) test policies/

.PHONY: lint
lint: $(OPA) ## gofmt, go vet, opa fmt, opa check --strict
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet ./...
	@out=$$($(OPA) fmt -l policies/); if [ -n "$$out" ]; then echo "opa fmt would change: $$out"; exit 1; fi
	$(OPA) check --strict policies/

# Each target runs for a count of executions, not a duration: Go 1.26's fuzz coordinator
# can fail a time-bounded run at its deadline ("context deadline exceeded", no failing
# input) when the CPU is busy (go.dev/issue/75804, fixed in Go 1.27); a count has no
# deadline to race. The counts take a few seconds each here (a country-file execution
# loads and compiles a whole tree). FUZZTIME=1m (or 100000x) overrides them all.
FUZZTIME ?=
FUZZ_RUNS := FuzzActivation:3000x FuzzAccountAction:3000x FuzzContactVerification:3000x FuzzPhone:1500x FuzzNumberReading:3000x FuzzCountryFile:30x FuzzDecodeJSON:3000x FuzzMask:5000x

.PHONY: fuzz
fuzz: ## run each fuzz target (a few seconds each; FUZZTIME=1m for longer); crashers land in engine/testdata/fuzz
	@for tr in $(FUZZ_RUNS); do t=$${tr%%:*}; n=$(if $(FUZZTIME),$(FUZZTIME),$${tr##*:}); echo "fuzz $$t ($$n)"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $$n ./engine || exit 1; done

.PHONY: bench
bench: $(OPA) ## benchmark suite (~10 min): engine per kind, numgate vs stock OPA vs a no-op server over HTTP at 60 and 250 countries, the default configuration vs log off, each for one request and the decision-case corpus
	$(GO) build -o bin/numgate ./cmd/numgate
	$(GO) build -o bin/numgate-bench ./cmd/numgate-bench
	./bin/numgate-bench -opa $(OPA) -out bench-results.json

.PHONY: generate-client
generate-client: ## regenerate client/numgate.gen.go from server/openapi.json (oapi-codegen)
	$(GO) tool oapi-codegen -config client/oapi-codegen.yaml server/openapi.json

.PHONY: bench-go
bench-go: ## Go benchmarks: engine decisions and the decision log off/SQLite/PostgreSQL
	$(GO) test -run '^$$' -bench . -benchmem ./engine
	$(GO) test -run '^$$' -bench DecisionLog -benchtime 5s ./server

$(OPA):
	GOBIN=$(OPA_DIR) $(GO) install github.com/open-policy-agent/opa@$(OPA_VERSION)
