# kinesis-redshift — every operation is a target. `make help` lists them.
# Only Node.js is needed: pnpm is fetched through npx when it is not installed.
SHELL := /bin/bash
PNPM_VERSION := 12.21.0
PNPM ?= $(shell command -v pnpm >/dev/null 2>&1 && echo pnpm || echo "npx --yes pnpm@$(PNPM_VERSION)")
TF_BIN ?= cdktf
STACKS := account-a account-b
STACK ?=
FROM ?=
TO ?=
ARGS ?=
# Directory holding .env, build.tfvars, cdktf.out and local state (default: the repository root);
# `make rehearse` points it at a scratch directory so a rehearsal never touches real state.
KR_WORKDIR ?=
export KR_WORKDIR
# The AWS SDK warns on every run that its 2027 releases will need Node.js 22; README says so once.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?= true

.PHONY: help install demo test synth create-infra destroy state dump-dummy-data create-redshift-tables \
	load status bench local-up local-clean rehearse doctor

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-24s %s\n", $$1, $$2}'

node_modules/.modules.yaml: pnpm-lock.yaml package.json
	$(PNPM) install --frozen-lockfile
	@touch $@

install: node_modules/.modules.yaml ## install the workspace (pnpm, frozen lockfile)

demo: install ## run the whole pipeline locally: generate → deliver → load → re-import → report
	$(PNPM) run demo $(ARGS)

test: install ## lint, typecheck and run every test (PG_URL=postgres://… adds a PostgreSQL server)
	$(PNPM) test

synth: install ## synthesize both stacks to cdktf.out/stacks/<stack>/cdk.tf.json (in KR_WORKDIR when set)
	$(if $(KR_WORKDIR),cd "$(KR_WORKDIR)" && "$(CURDIR)/node_modules/.bin/tsx" "$(CURDIR)/apps/infra/src/main.ts",$(PNPM) run synth)

local-up: install ## start local S3, Firehose and warehouse in the foreground (state in .local/)
	$(PNPM) run local-up

local-clean: ## delete the local stand-ins' state (.local/)
	rm -rf .local

dump-dummy-data: install ## generate events into the configured Firehose (ARGS="--count 10000 ...")
	$(PNPM) run generate $(ARGS)

create-redshift-tables: install ## create the stream tables and the loader ledger (idempotent; ARGS=--dry-run prints the DDL)
	$(PNPM) run load create-tables $(ARGS)

load: install ## load an hour range: make load FROM=2026-11-23T05 TO=2026-11-23T08 [ARGS="--reimport --dry-run"]; no FROM: catch up
	$(PNPM) run load $(if $(FROM),--from "$(FROM)") $(if $(TO),--to "$(TO)") $(ARGS)

status: install ## hour-by-hour grid of S3 vs the ledger, load lag and the command per gap: make status [FROM=… TO=…] [ARGS="--json"]
	$(PNPM) run load status $(if $(FROM),--from "$(FROM)") $(if $(TO),--to "$(TO)") $(ARGS)

bench: install ## benchmarks: prints a table and writes bench/results.json
	$(PNPM) run bench $(ARGS)

create-infra: synth ## deploy account-b, then account-a (its bucket policy names B's roles); TF_BIN=cdktf|terraform|tofu, AUTO_APPROVE=1
	@bash tools/deploy.sh apply $(TF_BIN) account-b account-a

destroy: synth ## destroy account-a then account-b; stops first if the events bucket holds objects: KEEP_EVENTS=1 or DELETE_EVENTS=1
	@bash tools/deploy.sh destroy $(TF_BIN) account-a account-b

rehearse: install ## the deploy on this machine: two emulated accounts (moto), create-infra, generate, destroy; prints a table
	@node_modules/.bin/tsx tools/rehearse/main.ts

doctor: install ## preflight against the deployed accounts: profiles, bucket policy, roles, cluster, loader ping, tables, Firehose; ARGS="--json"
	$(if $(KR_WORKDIR),cd "$(KR_WORKDIR)" && "$(CURDIR)/node_modules/.bin/tsx" "$(CURDIR)/apps/doctor/src/main.ts" $(ARGS),$(PNPM) run doctor $(ARGS))

state: ## list Terraform state of one stack: make state STACK=account-a|account-b
	@test -n "$(STACK)" || { echo "usage: make state STACK=account-a|account-b" >&2; exit 2; }
	@bash tools/deploy.sh state $(TF_BIN) $(STACK)
