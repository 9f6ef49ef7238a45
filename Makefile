# Two commands on a fresh machine: `make demo` runs the main job, `make test` the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-api bench-portfolio serve fuzz mutate clean docs scenario

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

DB ?= loanbook.db
TO ?= 2002-12-31

# The main job: create the book (init is idempotent), load the example book into SQLite,
# close business day by day, print every loan's status and the compliance summary. Running it
# again reuses the file and posts nothing twice.
demo: $(STAMP)
	$(BIN)/loanbook init --db $(DB)
	$(BIN)/loanbook import examples/lexington --db $(DB)
	$(BIN)/loanbook run --to $(TO) --db $(DB)
	$(BIN)/loanbook status --as-of $(TO) --db $(DB)
	$(BIN)/loanbook compliance --as-of $(TO) --db $(DB)

# The second scenario of the example book (examples/scenarios/exhibit-a-rescinded.yaml): the
# 004 Exhibit A waivers rescinded by a holder's step on 2002-12-02, in a book of its own.
SCENARIO_DB ?= scenario.db
scenario: $(STAMP)
	$(BIN)/loanbook init --db $(SCENARIO_DB)
	$(BIN)/loanbook import examples/lexington --db $(SCENARIO_DB)
	$(BIN)/loanbook defaults --as-of 2002-12-31 --db $(SCENARIO_DB)
	$(BIN)/loanbook record-compliance --file examples/scenarios/exhibit-a-rescinded.yaml --db $(SCENARIO_DB)
	$(BIN)/loanbook defaults --as-of 2002-12-31 --db $(SCENARIO_DB)

test: $(STAMP)
	$(BIN)/pytest -n 2 -rs

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)
	$(BIN)/mypy src

# The fuzz test with many more examples than `make test` runs (FUZZ=examples per test).
FUZZ ?= 500
fuzz: $(STAMP)
	LOANBOOK_FUZZ_EXAMPLES=$(FUZZ) $(BIN)/pytest -n 2 tests/cli/test_fuzz.py

# The term-format reference is generated from the pydantic models (a test keeps it in step).
docs: $(STAMP)
	$(BIN)/python -m loanbook.terms.reference > docs/term-format.md

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Mutation testing (mutmut), one module at a time with the tests that exercise it; slow, so
# not part of `make test`. Survivors by file and line: .mutate/<module>/survivors.txt.
MODULES ?= money time rates terms-versioning engine revolving storage-record storage-close
mutate: $(STAMP)
	$(BIN)/python benchmarks/mutate.py --modules $(MODULES) --report .mutate/report.md

# The HTTP API against the CLI's service call: statement and payments, req/s and p50/p99.
bench-api: $(STAMP)
	$(BIN)/python benchmarks/api.py --json benchmarks/results/api-sqlite.json

# The API and web application on the demo database (http://127.0.0.1:8000/).
serve: $(STAMP)
	$(BIN)/loanbook serve --db $(DB)

# The portfolio engine (benchmarks/README.md): exactness over 100,000 loans, cash flows
# against QuantLib and the exact engine, close of business over 1,000,000 loans, scaling, Dask.
bench-portfolio: $(STAMP)
	$(BIN)/python benchmarks/portfolio.py exactness --loans 100000 --seed 1
	$(BIN)/python benchmarks/portfolio.py cashflows --loans 1000000 --peer-loans 3000 --exact-loans 300
	$(BIN)/python benchmarks/portfolio.py cob --loans 1000000
	$(BIN)/python benchmarks/portfolio.py scaling --sizes 10000,100000,1000000
	$(BIN)/python benchmarks/portfolio.py dask --loans 200000

clean:
	rm -rf $(VENV) loanbook.db scenario.db .mutate
