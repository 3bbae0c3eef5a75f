# Every target creates or refreshes the virtualenv in .venv, installs the
# package with what it needs, then acts.  Works on a fresh machine with only
# python3 (>= 3.11) on the PATH.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: venv run demo test bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

# Until the HTTP service lands, `make run` runs the demo pipeline.
run: venv
	$(BIN)/matching demo --out out/demo

demo: venv
	$(BIN)/matching demo --out out/demo

test: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

bench: venv
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) out build *.egg-info
