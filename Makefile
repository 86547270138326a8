# Order flow: Go CDK app. `make synth` and `make test` work on a machine with
# only Go, Node 20 and npm: the pinned CDK CLI and a Node 22 for jsii come from
# package-lock.json into node_modules/.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := synth

STAGE ?= dev
NODE_BIN := $(CURDIR)/node_modules/.bin
# Node 22 from npm runs both the CDK CLI and jsii (the library's Node side).
export PATH := $(NODE_BIN):$(PATH)
export JSII_NODE := $(NODE_BIN)/node
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# No telemetry, no version check, no notices: synth stays offline.
export CDK_DISABLE_CLI_TELEMETRY := true
CDK := $(NODE_BIN)/cdk
CDK_FLAGS := --no-version-reporting --no-notices --no-path-metadata

.PHONY: synth test deps clean invoke events api local-services localrun

node_modules/.installed: package.json package-lock.json
	@echo "npm ci: installing the pinned CDK CLI and a Node 22 for jsii into node_modules/ (once per clone, ~30 s)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: node_modules/.installed ## install the pinned CDK CLI and Node 22
	go mod download

# cdk.json runs the app through tools/cmd/synthcache (tools/synthcache): it compiles
# the app when its code changed (the first time: minutes, and it says so)
# and reuses the last cloud assembly when no input changed.
SYNTH_FLAGS ?=
synth: node_modules/.installed ## synthesize both stacks into cdk.out/ (STAGE=dev|prod; more CLI flags in SYNTH_FLAGS)
	$(CDK) synth $(CDK_FLAGS) -c stage=$(STAGE) --quiet $(SYNTH_FLAGS)
	@ls -d cdk.out/*.template.json

test: node_modules/.installed ## run every test (stack, construct, handler, fuzz seeds)
	@echo "go vet + go test: the first run on a machine compiles the CDK packages (several minutes on 2 cores); later runs reuse the Go build cache"
	go vet ./...
	cd constructs && go vet ./...
	go test -count=1 -timeout 20m ./...
	cd constructs && go test -count=1 -timeout 20m ./...

# Local runs (docs/local.md): the real functions, built for this machine, under
# the Lambda Runtime Interface Emulator, against moto, a local AWS (DynamoDB, S3, SQS, SNS, EventBridge).
# Pinned; equal to localrun.RIEVersion (a test checks).
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
RIE := bin/aws-lambda-rie
RIE_STAMP := bin/.aws-lambda-rie-$(RIE_VERSION)
LOCALRUN := bin/localrun
TEMPLATE := cdk.out/OrderFlow-$(STAGE)-Service.template.json
FN ?=
EVENT ?=
FORCE ?=
PORT ?= 3000

$(RIE_STAMP):
	GOBIN=$(CURDIR)/bin CGO_ENABLED=0 go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)
	@rm -f bin/.aws-lambda-rie-* && touch $@

localrun:
	@go build -o $(LOCALRUN) ./tools/cmd/localrun

$(TEMPLATE):
	$(MAKE) synth STAGE=$(STAGE)

local-services: node_modules/.installed moto localrun $(TEMPLATE) ## run moto (a local AWS) with the templates' resources (Ctrl-C stops)
	$(LOCALRUN) services -stage $(STAGE)

# FN is checked against the template's functions; EVENT defaults to
# events/$(FN).json, written from the sample only when it does not exist.
invoke: $(RIE_STAMP) localrun $(TEMPLATE) ## run one function once: make invoke FN=api [EVENT=events/api.json]
	$(LOCALRUN) invoke -stage $(STAGE) -rie $(RIE) -fn "$(FN)" $(if $(EVENT),-event "$(EVENT)")

events: localrun $(TEMPLATE) ## write a sample event per function into events/ (existing ones are kept; FORCE=1 overwrites)
	$(LOCALRUN) events -stage $(STAGE) -out events $(if $(FORCE),-force)

api: $(RIE_STAMP) localrun $(TEMPLATE) ## serve the HTTP API on 127.0.0.1:$(PORT) through the api function
	$(LOCALRUN) api -stage $(STAGE) -rie $(RIE) -port $(PORT)

clean:
	rm -rf cdk.out bin

# The pinned CDK CLI (node_modules/.bin/cdk) with any arguments. In a fresh
# clone `npx cdk` would fetch whatever CLI is newest; this installs the
# pinned one first.
.PHONY: cdk
ARGS ?= --help
cdk: node_modules/.installed ## run the pinned CDK CLI: make cdk ARGS="diff -c stage=prod"
	$(CDK) $(ARGS)

# Architecture picture (docs/ci.md): docs/architecture.js draws the dev
# stage's cdk.out/tree.json with cdk-dia into docs/architecture.dot, Graphviz's
# dot renders that into docs/architecture.png. Commit both: test/diagram_test.go
# regenerates the DOT from the app (Node only, no Graphviz) and fails when the
# committed one is stale.
# 80 dpi keeps the PNG under the 1 MiB a tracked file may have (test/repository_test.go);
# newrank: Graphviz 2.43 (Debian 12) fails on this graph without it ("trouble in init_rank").
DIAGRAM_DPI := 80

.PHONY: diagram examples

diagram: node_modules/.installed ## render docs/architecture.png (+ .dot) from the synthesized dev app; needs Graphviz
	@command -v dot >/dev/null || { echo "diagram: Graphviz's dot is not on PATH. Install it: apt-get install graphviz (macOS: brew install graphviz)" >&2; exit 1; }
	$(MAKE) synth STAGE=dev
	$(NODE_BIN)/node docs/architecture.js cdk.out/tree.json docs/architecture.dot
	dot -q -Tpng -Gdpi=$(DIAGRAM_DPI) -Gnewrank=true docs/architecture.dot -o docs/architecture.png
	@echo "diagram: wrote docs/architecture.dot and docs/architecture.png"

# The example modules (each its own go.mod) that import the constructs the
# way another project would; `go test ./...` at the root does not enter them.
examples: node_modules/.installed ## vet and test examples/queueconsumer and examples/allconstructs (synthesize their stacks)
	cd examples/queueconsumer && go vet ./... && go test -count=1 ./...
	cd examples/allconstructs && go vet ./... && go test -count=1 ./...

test: examples

# The handler runtime (runtime/, its own go.mod: github.com/example/orderflow/runtime),
# which `go test ./...` at the root does not enter either. Its idempotency
# tests start a local DynamoDB (moto, installed here where it can be).
.PHONY: runtime
runtime: node_modules/.installed moto-if-possible ## vet and test the handler runtime module (runtime/)
	cd runtime && go vet ./... && go test -count=1 ./...

test: runtime

# Benchmarks (docs/bench.md): one markdown table (synth of a fresh clone,
# function sizes, cold starts and warm invocations under the emulator,
# handler cost per event), printed and written into BENCHMARKS.md (commit
# it; then make capacity), the raw samples under .build/bench/. Works in
# throwaway clones of HEAD in a temp dir; takes about an hour on 2 cores.
# Flags via BENCH_FLAGS, e.g. BENCH_FLAGS="-worktree" (include uncommitted
# changes); a quick look, whose BENCHMARKS.md is not for the record:
# BENCH_FLAGS="-runs 1 -sessions 3 -count 3".
BENCH_FLAGS ?=

.PHONY: bench

bench: $(RIE_STAMP) moto-if-possible ## benchmark synth, functions, handlers and the runtime into BENCHMARKS.md (docs/bench.md)
	go run ./bench -rie $(RIE) $(BENCH_FLAGS)

# Capacity model (docs/capacity.md): capacity, first limit and monthly cost at
# 10, 100, 1,000 and 10,000 orders per second, from BENCHMARKS.md's measured
# durations, item sizes from the code, the write-pattern simulation
# (tools/flowsim) and the prod stage's settings. tools/capacity's
# TestCapacityDocIsCurrent (part of make test) fails when the committed file
# is stale: run this and commit the result.
.PHONY: capacity

capacity: ## regenerate docs/capacity.md
	go run ./tools/cmd/capacity -bench BENCHMARKS.md -out docs/capacity.md

# Linters beside `go vet` (docs/ci.md): staticcheck on both modules and
# actionlint on the workflow, each pinned and run with `go run pkg@version`
# (the module and build caches keep them; nothing enters go.mod, so the
# construct library's users do not inherit them). actionlint runs shellcheck
# on the workflow's scripts when shellcheck is on PATH (GitHub's runners
# have it). Bump the versions by hand: Dependabot does not see these pins.
STATICCHECK_VERSION := v0.8.2
ACTIONLINT_VERSION := v1.7.12
STATICCHECK := go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
ACTIONLINT := go run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

.PHONY: lint

lint: ## gofmt, staticcheck (the app, the constructs, the runtime, both examples) and actionlint, pinned; 0 findings
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt -w these: $$unformatted" >&2; exit 1; fi
	$(STATICCHECK) ./...
	cd constructs && $(STATICCHECK) ./...
	cd examples/queueconsumer && $(STATICCHECK) ./...
	cd examples/allconstructs && $(STATICCHECK) ./...
	cd runtime && $(STATICCHECK) ./...
	$(ACTIONLINT)

test: lint

# Template snapshots (docs/testing.md): the normalized templates
# of the dev and prod stages in test/testdata/snapshots/<stage>/. TestSnapshot
# (in make test) fails when the app's templates differ and prints the diff and
# its security-relevant part. After reviewing a change, refresh and commit
# them. A change that deletes or replaces a stateful resource (table, bucket,
# queue, ...) is refused unless ACCEPT_REPLACEMENT=1.
ACCEPT_REPLACEMENT ?=

.PHONY: snapshots

snapshots: node_modules/.installed ## refresh the template snapshots (ACCEPT_REPLACEMENT=1: also a stateful replacement)
	go test -count=1 ./test -run '^TestSnapshot$$' -v -update $(if $(filter 1 true yes,$(ACCEPT_REPLACEMENT)),-accept-replacement) 2>&1 \
		| grep -v '^Bundling asset'

# Deploy rehearsal (docs/operations.md): the dev stage synthesized as `make
# synth` does, deployed unchanged with the pinned CDK CLI to moto (a local AWS
# emulator) on 127.0.0.1, read back through the AWS SDK and compared with its
# templates, redeployed, updated, destroyed; then a throwaway stage with
# destroyData. No Docker, no AWS account, nothing reaches AWS. Needs Python 3
# with moto[server]: where python3 has none, `make moto` installs the pinned
# version into .build/moto (a venv) and says so. Flags via DEPLOY_LOCAL_FLAGS,
# e.g. DEPLOY_LOCAL_FLAGS="-v" (the CLI's output too) or "-work DIR" (keep the
# assemblies and logs).
MOTO_VERSION := 5.2.1
MOTO_VENV := .build/moto
DEPLOY_LOCAL_FLAGS ?=

.PHONY: deploy-local moto moto-if-possible

moto: ## make sure Python has moto[server]; installs moto[server]==$(MOTO_VERSION) into .build/moto when missing
	@if python3 -c 'import moto.server, flask' 2>/dev/null || $(MOTO_VENV)/bin/python -c 'import moto.server, flask' 2>/dev/null; then \
	  exit 0; \
	fi; \
	echo "moto: not installed; installing moto[server]==$(MOTO_VERSION) into $(MOTO_VENV) (python3 -m venv + pip)"; \
	python3 -m venv $(MOTO_VENV) && $(MOTO_VENV)/bin/pip install --quiet --disable-pip-version-check 'moto[server]==$(MOTO_VERSION)' \
	  || { echo "moto: could not install moto[server]==$(MOTO_VERSION) (needs python3-venv and access to PyPI)" >&2; exit 1; }

deploy-local: node_modules/.installed moto ## rehearse `cdk deploy` against moto on 127.0.0.1: deploy, read back, redeploy, update, destroy
	go run ./tools/cmd/deploylocal $(DEPLOY_LOCAL_FLAGS)

# make test runs the rehearsal too (tools/deploylocal); it installs moto where it
# can, and the test skips without it (fails under CI=true).
moto-if-possible:
	-@$(MAKE) --no-print-directory moto

test: moto-if-possible

# The size of the dev tooling: tracked non-test Go and Python lines under
# tools/, bench/ and test/ (the product is the rest). A number to watch,
# not a gate.
.PHONY: tooling-lines

tooling-lines: ## count the dev tooling's non-test .go and .py lines (tools/, bench/, test/)
	@git ls-files -- tools bench test | grep -E '\.(go|py)$$' | grep -v '_test\.go$$' | xargs cat | wc -l
