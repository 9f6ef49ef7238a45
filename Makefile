# Two commands on a fresh machine: `make demo` runs the main job, `make test` the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-api serve clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

DB ?= loanbook.db
TO ?= 2002-12-31

# The main job: load the example book into SQLite, close business day by day, print every
# loan's status. Running it again reuses the file and posts nothing twice.
demo: $(STAMP)
	$(BIN)/loanbook import examples/lexington --db $(DB)
	$(BIN)/loanbook run --to $(TO) --db $(DB)
	$(BIN)/loanbook status --as-of $(TO) --db $(DB)

test: $(STAMP)
	$(BIN)/pytest -n 2 -rs

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)
	$(BIN)/mypy src

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The HTTP API against the CLI's service call: statement and payments, req/s and p50/p99.
bench-api: $(STAMP)
	$(BIN)/python benchmarks/api.py --json benchmarks/results/api-sqlite.json

# The API and web application on the demo database (http://127.0.0.1:8000/).
serve: $(STAMP)
	$(BIN)/loanbook serve --db $(DB)

clean:
	rm -rf $(VENV) loanbook.db
