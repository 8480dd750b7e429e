# The README's commands. Each sets up .venv on first use, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup crawl test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The sample portal, offline; warnings and the run's summary line (the full log: drop LOG_LEVEL).
crawl: $(STAMP)
	$(BIN)/scrapy crawl portal -s LOG_LEVEL=WARNING

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder  # two processes: see tests/conftest.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmarks are measurements, not tests: each prints its figures and writes benchmarks/results/.
# A missed target makes a script exit 1; the `-` lets the others still run. QUICK=1 for a fast look.
BENCH_ARGS := $(if $(QUICK),--quick,)
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	-$(BIN)/python benchmarks/extraction.py $(BENCH_ARGS)
	-$(BIN)/python benchmarks/dedup.py $(BENCH_ARGS)
	-$(BIN)/python benchmarks/export.py $(BENCH_ARGS)
	-$(BIN)/python benchmarks/crawl.py $(BENCH_ARGS)
	-$(BIN)/python benchmarks/worker_calls.py $(BENCH_ARGS)
	-$(BIN)/python benchmarks/cluster.py $(BENCH_ARGS)
	-$(BIN)/python benchmarks/discovery.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) output .newsportal .pytest_cache .ruff_cache
