# jiance build: `make test` and `make demo` work from a fresh Debian 12 clone and are idempotent.
#
# Bootstrap = system packages (scripts/setup-system.sh, a no-op when present) + .venv built from the
# pinned requirements.lock + an editable install of jiance. A stamp file records a finished install,
# so a second `make test` reinstalls nothing unless the lock or pyproject.toml changed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.jiance-installed
JOBS   ?= 2
CHECKED := src tests benchmarks evals fuzz

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1

.PHONY: all bootstrap system demo test lint fmt bench soak fuzz reliability lock clean distclean

all: test

system:
	bash scripts/setup-system.sh

# `system` is order-only: it must run first, but does not by itself make the install stale.
$(STAMP): requirements.lock pyproject.toml scripts/fetch-web-assets.sh | system
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	bash scripts/fetch-web-assets.sh $(VENV)
	touch $@

bootstrap: $(STAMP)

# DEMO_SERVE=0 make demo: build everything and exit instead of serving the web app at the end.
DEMO_SERVE ?= 1
demo: bootstrap
	$(BIN)/jiance demo --out demo-output $(if $(filter 1,$(DEMO_SERVE)),--serve)

lint: bootstrap
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)
	$(BIN)/mypy --strict

test: lint
	$(BIN)/pytest -n $(JOBS) -m "not slow" tests

fmt: bootstrap
	$(BIN)/ruff check --fix $(CHECKED)
	$(BIN)/ruff format $(CHECKED)

bench: bootstrap
	$(BIN)/python -m benchmarks $(BENCH)

# The long reliability runs (docs: README "Reliability"). Each records its figures under
# test-output/reliability/; `make reliability` rebuilds the README section from whatever was recorded.
SOAK_SECONDS ?= 300
soak: bootstrap
	$(BIN)/python -m tests.reliability.soak --seconds $(SOAK_SECONDS)
	$(BIN)/pytest -n $(JOBS) -m slow tests/reliability
	$(BIN)/python -m tests.reliability.report

FUZZ_SECONDS ?= 60
fuzz: bootstrap
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python -m fuzz $(FUZZ)
	$(BIN)/python -m tests.reliability.report

reliability: bootstrap
	$(BIN)/pytest -n $(JOBS) -m "not slow" tests/reliability
	$(BIN)/python -m tests.reliability.report

# Re-freeze the lock from the current .venv (after a deliberate upgrade); keeps the header comment.
lock: bootstrap
	{ grep '^#' requirements.lock; $(BIN)/python -m pip freeze --exclude-editable | grep -v -e '^#' -e '^-e'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

# Build outputs and caches; keeps .venv (use distclean to drop it too).
clean:
	rm -rf build dist demo-output .mypy_cache .ruff_cache .pytest_cache .hypothesis src/*.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .bench .fuzz
