# newscorpus: `make demo` and `make test` are the two commands a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Prefect must stay offline and quiet unless the user points it at a server.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install demo test lint bench ui clean lock stack-env

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: install
	$(BIN)/newscorpus import examples/articles
	@echo
	@echo "Look at the result:"
	@echo "  $(BIN)/newscorpus export --out data/articles.jsonl   # one JSON line per article"
	@echo "  $(BIN)/newscorpus runs                               # ingestion runs and failures"
	@echo "  $(BIN)/newscorpus duplicates                         # duplicate clusters"
	@echo "  make ui                                                # the Prefect UI with these runs"

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/dedup.py
	$(BIN)/python bench/fetch.py
	$(BIN)/python bench/pipeline.py

ui: install
	PREFECT_HOME=$${PREFECT_HOME:-$(CURDIR)/.prefect} $(BIN)/prefect server start

# The compose stack's .env with random secrets (an existing .env is left as it is).
stack-env:
	$(PYTHON) docker/stack_env.py .env

# Re-resolve the pinned versions (run after changing dependencies in pyproject.toml).
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip freeze --exclude-editable > constraints.txt

clean:
	rm -rf $(VENV) data .prefect
