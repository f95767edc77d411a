# smb-coach: `make demo` runs the coach on the embedded database, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint fix bench real-llm clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first: a plain `torch` requirement would pull a CUDA build of several GB.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/coach demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fix: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/rls_overhead.py
	$(BIN)/python benchmarks/forecast_accuracy.py
	$(BIN)/python benchmarks/optimize.py
	$(BIN)/python benchmarks/evidence.py

# A real small local model for benchmarks/coach_real_llm.py: weights (hash-checked) and llama-server, cached
# outside the repo in ~/.cache/smb-coach/real-llm. Never needed by `make test`.
real-llm: $(STAMP)
	$(BIN)/python benchmarks/real_llm.py setup

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
