# Two commands on a fresh machine: `make demo` runs the main job, `make test` the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean scenario

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
	$(BIN)/loanbook compliance --as-of $(TO) --db $(DB)

# The second scenario of the example book (examples/scenarios/exhibit-a-rescinded.yaml): the
# 004 Exhibit A waivers rescinded by a holder's step on 2002-12-02, in a book of its own.
SCENARIO_DB ?= scenario.db
scenario: $(STAMP)
	$(BIN)/loanbook import examples/lexington --db $(SCENARIO_DB)
	$(BIN)/loanbook defaults --as-of 2002-12-31 --db $(SCENARIO_DB)
	$(BIN)/loanbook record-compliance --file examples/scenarios/exhibit-a-rescinded.yaml --db $(SCENARIO_DB)
	$(BIN)/loanbook defaults --as-of 2002-12-31 --db $(SCENARIO_DB)

test: $(STAMP)
	$(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)
	$(BIN)/mypy src

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) loanbook.db scenario.db
