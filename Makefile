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

.PHONY: synth test deps clean

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: node_modules/.installed ## install the pinned CDK CLI and Node 22
	go mod download

synth: node_modules/.installed ## synthesize both stacks into cdk.out/ (STAGE=dev|prod)
	$(CDK) synth $(CDK_FLAGS) -c stage=$(STAGE) --quiet
	@ls -d cdk.out/*.template.json

test: node_modules/.installed ## run every test (stack, construct, handler, fuzz seeds)
	go vet ./...
	go test -count=1 ./...

clean:
	rm -rf cdk.out bin
