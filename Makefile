# Every target creates or refreshes the virtualenv in .venv, installs the
# package with what it needs, then acts.  Works on a fresh machine with only
# python3 (>= 3.11) on the PATH.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: venv system-deps run demo test bench bench-quality clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	@touch $(STAMP)

venv: $(STAMP)

# Debian packages the browser tests need (Chromium); a no-op when present.
system-deps:
	@bash .ci/system-deps

# The service on 127.0.0.1:8000, SQLite under ./var, a demo event when empty.
run: venv
	$(BIN)/python -m api --host 127.0.0.1 --port 8000

demo: venv
	$(BIN)/matching demo --out out/demo

test: venv system-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q

bench: venv
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

bench-quality: venv
	$(BIN)/python -m benchmarks.quality $(BENCH_ARGS)

clean:
	rm -rf $(VENV) out build var *.egg-info
