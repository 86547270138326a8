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

# cdk.json runs the app through tools/cdkapp (internal/cdkapp): it compiles
# the app when its code changed (the first time: minutes, and it says so)
# and reuses the last cloud assembly when no input changed.
SYNTH_FLAGS ?=
synth: node_modules/.installed ## synthesize both stacks into cdk.out/ (STAGE=dev|prod; more CLI flags in SYNTH_FLAGS)
	$(CDK) synth $(CDK_FLAGS) -c stage=$(STAGE) --quiet $(SYNTH_FLAGS)
	@ls -d cdk.out/*.template.json

test: node_modules/.installed ## run every test (stack, construct, handler, fuzz seeds)
	@echo "go vet + go test: the first run on a machine compiles the CDK packages (several minutes on 2 cores); later runs reuse the Go build cache"
	go vet ./...
	go test -count=1 -timeout 20m ./...

# Local runs (docs/local.md): the real functions, built for this machine, under
# the Lambda Runtime Interface Emulator, against local DynamoDB and S3.
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
DYNAMODB_PORT ?= 0
S3_PORT ?= 0

$(RIE_STAMP):
	GOBIN=$(CURDIR)/bin CGO_ENABLED=0 go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)
	@rm -f bin/.aws-lambda-rie-* && touch $@

localrun:
	@go build -o $(LOCALRUN) ./tools/localrun

$(TEMPLATE):
	$(MAKE) synth STAGE=$(STAGE)

local-services: node_modules/.installed localrun $(TEMPLATE) ## run local DynamoDB + S3 with the templates' table and bucket (Ctrl-C stops)
	$(LOCALRUN) services -stage $(STAGE) -dynamodb-port $(DYNAMODB_PORT) -s3-port $(S3_PORT)

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
DIAGRAM_DPI := 100

.PHONY: diagram examples

diagram: node_modules/.installed ## render docs/architecture.png (+ .dot) from the synthesized dev app; needs Graphviz
	@command -v dot >/dev/null || { echo "diagram: Graphviz's dot is not on PATH. Install it: apt-get install graphviz (macOS: brew install graphviz)" >&2; exit 1; }
	$(MAKE) synth STAGE=dev
	$(NODE_BIN)/node docs/architecture.js cdk.out/tree.json docs/architecture.dot
	dot -q -Tpng -Gdpi=$(DIAGRAM_DPI) docs/architecture.dot -o docs/architecture.png
	@echo "diagram: wrote docs/architecture.dot and docs/architecture.png"

# The example module (its own go.mod) that imports the constructs the way
# another project would; `go test ./...` at the root does not enter it.
examples: node_modules/.installed ## vet and test examples/queueconsumer (synthesizes its stack)
	cd examples/queueconsumer && go vet ./... && go test -count=1 ./...

test: examples

# Benchmarks (docs/bench.md): prints one markdown table (synth of a fresh
# clone, synth against the same app in TypeScript with its components and
# a scaling line, function sizes, cold starts and warm invocations under the
# emulator, handler cost per event) and writes the raw samples, the table
# and the cost section under .build/bench/. Works in throwaway clones of
# HEAD in a temp dir; takes 1-2 hours on 2 cores. Flags via BENCH_FLAGS,
# e.g. BENCH_FLAGS="-worktree" (include uncommitted changes) or
# BENCH_FLAGS="-runs 1 -pairs 2 -scale-pairs 1 -sessions 3 -count 3" (a quick look).
BENCH_FLAGS ?=

.PHONY: bench

bench: $(RIE_STAMP) ## benchmark synth (also against TypeScript), functions and handlers; one markdown table (docs/bench.md)
	go run ./bench -rie $(RIE) $(BENCH_FLAGS)
