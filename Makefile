# Each target bootstraps its own environment in .venv (Python 3.11+ required).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-cc-latest lint bench bench-replay clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m ctxlean.demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The savings benchmark (issue 9): real trajectories through the real Claude Code CLI, with and without
# ctxlean and context-mode (installed with npm into benchmarks/savings/.context-mode); writes
# benchmarks/README.md. BENCH_ARGS e.g. `--arms none,ctxlean --only fix_tests`.
bench: $(STAMP)
	$(BIN)/python benchmarks/savings/bench.py $(BENCH_ARGS)

# The end-to-end suite against the newest Claude Code on npm instead of the CLI claude-agent-sdk bundles
# (not part of `make test`). npm installs it into CC_LATEST (kept between runs); CTXLEAN_CLAUDE points every
# e2e test, `ctxlean install` and the demo at it.
CC_LATEST ?= $(HOME)/.cache/ctxlean/claude-code-latest
test-cc-latest: $(STAMP)
	mkdir -p $(CC_LATEST)
	npm install --prefix $(CC_LATEST) --no-audit --no-fund --loglevel=error @anthropic-ai/claude-code@latest
	$(CC_LATEST)/node_modules/.bin/claude --version
	CTXLEAN_CLAUDE=$(abspath $(CC_LATEST))/node_modules/.bin/claude $(BIN)/python -m pytest -q -m e2e

# The replay benchmark (issue 14): real agent trajectories from public repositories (benchmarks/replay/data)
# through ctxlean's offload path; writes its table into benchmarks/README.md.
bench-replay: $(STAMP)
	$(BIN)/python benchmarks/replay/bench.py $(BENCH_ARGS)
