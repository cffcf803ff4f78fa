# SkyLedger. `make run` runs the whole system locally; `make test` runs every test tier.
SHELL := /bin/bash
.DEFAULT_GOAL := help
GO        ?= go
STAGE     ?= dev
LAMBDA_ARCH ?= arm64
DIST      ?= dist
GOFLAGS_LAMBDA = CGO_ENABLED=0 GOOS=linux GOARCH=$(LAMBDA_ARCH)
FUNCTIONS := $(notdir $(wildcard functions/*)) # one folder a Lambda main; internal/wire checks it against infra/spec

.PHONY: help run dev seed test test-go test-infra test-web test-browser bench bench-e2e bench-abuse replay logrepair build synth deploy \
        venv web-build localstack-up localstack-deploy test-integration fuzz clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

venv: ## project-local Python venv with moto server and cfn-lint (pinned)
	@bash scripts/venv.sh

## ---- run -------------------------------------------------------------------
run: web-build ## run the whole system on 127.0.0.1 (embedded storage in .data/)
	@mkdir -p .bin && $(GO) build -o .bin/skyledger ./cmd/skyledger
	@# the built binary, not go run: it takes the terminal's foreground
	@# (internal/termfg), so Ctrl-C stops it alone and make exits with its 0
	.bin/skyledger $(ARGS)

dev: ## Go runtime rebuilt and restarted on .go changes + Vite dev server (hot reload) for the console
	@bash scripts/dev.sh $(ARGS)

seed: ## fill the running runtime with a demo tenant, users and PIREPs (prints the logins): make seed ARGS='-h'
	$(GO) run ./cmd/skyledger seed $(ARGS)

web-build: ## build web/dist when the frontend sources changed
	@bash scripts/web-build.sh

## ---- tests -----------------------------------------------------------------
test: test-go test-infra test-integration test-web test-browser ## every test tier (Go unit+contract+e2e with -race, CDK, the stack deployed into MiniStack, web, browser)

test-go: venv ## Go: vet, unit, contract suites (embedded + DynamoDB on moto), in-process e2e; -race
	bash scripts/test-go.sh

test-infra: venv build ## CDK assertions, synth of the real Lambda zips, cfn-lint, checkov (allow-list: infra/checkov-allowlist.txt)
	bash scripts/test-infra.sh

test-web: ## Vitest
	bash scripts/test-web.sh

test-browser: ## Playwright (playwright-core + Debian chromium) against the local runtime
	bash scripts/test-browser.sh

fuzz: ## run every fuzz target for FUZZTIME (default 10s each)
	bash scripts/fuzz.sh $(FUZZTIME)

## ---- performance -----------------------------------------------------------
bench: venv ## Go benchmarks (store, PIREP codec, notifier fan-out)
	$(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 30m ./events/... ./domain/... ./internal/...

bench-e2e: ## end-to-end latency, fan-out and RSS of the local runtime
	$(GO) run ./cmd/bench-e2e

bench-abuse: ## runtime RSS through 500 concurrent failed logins and 40 concurrent 10 MB bodies (goal < 300 MB)
	$(GO) run ./cmd/bench-e2e -abuse

replay: ## rebuild read models from the event log: make replay ARGS='-help'
	$(GO) run ./cmd/replay $(ARGS)

logrepair: ## salvage a damaged embedded event log, runtime stopped: make logrepair ARGS='-dry-run'
	$(GO) run ./cmd/logrepair $(ARGS)

## ---- cloud -----------------------------------------------------------------
build: ## Lambda bootstrap binaries (linux/arm64; LAMBDA_ARCH=amd64 DIST=dir for another) zipped into dist/
	@mkdir -p $(DIST)
	@for f in $(FUNCTIONS); do \
	  mkdir -p $(DIST)/$$f && $(GOFLAGS_LAMBDA) $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -o $(DIST)/$$f/bootstrap ./functions/$$f || exit 1; \
	  (cd $(DIST)/$$f && rm -f ../$$f.zip && zip -q -X ../$$f.zip bootstrap) || exit 1; \
	done; ls -l $(DIST)/*.zip

synth: build ## synthesize the CDK stack offline into cdk.out/
	bash scripts/synth.sh $(STAGE)

deploy: build web-build ## deploy to AWS: make deploy STAGE=prod CDK_ARGS='-c alarmEmail=ops@example.com' [REQUIRE_APPROVAL=never]
	bash scripts/deploy.sh $(STAGE)

localstack-up: ## start LocalStack (needs Docker and LOCALSTACK_AUTH_TOKEN)
	docker compose -f localstack/docker-compose.yml up -d

localstack-deploy: build ## deploy to LocalStack with cdklocal
	bash scripts/deploy.sh $(STAGE) local

test-integration: venv ## the synthesized stack deployed into MiniStack (or LocalStack: LOCALSTACK_AUTH_TOKEN + Docker), e2e suite through it
	bash scripts/test-integration.sh

clean:
	rm -rf dist cdk.out .data web/dist
