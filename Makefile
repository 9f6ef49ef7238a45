# Two commands on a fresh machine: `make demo` runs the main job, `make test` the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-portfolio clean

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
	$(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)
	$(BIN)/mypy src

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The portfolio engine (benchmarks/README.md): exactness over 100,000 loans, cash flows
# against QuantLib and the exact engine, close of business over 1,000,000 loans, scaling, Dask.
bench-portfolio: $(STAMP)
	$(BIN)/python benchmarks/portfolio.py exactness --loans 100000 --seed 1
	$(BIN)/python benchmarks/portfolio.py cashflows --loans 100000
	$(BIN)/python benchmarks/portfolio.py cob --loans 1000000
	$(BIN)/python benchmarks/portfolio.py scaling --sizes 10000,100000,1000000
	$(BIN)/python benchmarks/portfolio.py dask --loans 200000

clean:
	rm -rf $(VENV) loanbook.db
