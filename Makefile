# journalqa — the two commands: `make run` (set up + chat over the bundled corpus) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: help run test test-fast lint eval bench index install install-dev system-deps realdocs constraints clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first and pinned: an unpinned torch would pull a multi-GB CUDA build. Every other package at the version
# a clean `make test` last passed with (constraints.txt): pyproject.toml says what journalqa needs, the constraints
# what it was measured with.
CONSTRAINTS := constraints.txt
PIP_INSTALL := $(BIN)/pip install -q -c $(CONSTRAINTS)
$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) torch==2.13.0
	$(PIP_INSTALL) -e .
	touch $@

# llama-cpp-python (the real LLM server of the LLM-mode tests) compiles llama.cpp from source; by default for the
# compiling CPU's instructions, and pip reuses a wheel it built once, so a wheel built on one machine crashed on
# another (a general protection fault in libggml-cpu on the first request, 2026-12-02). Built portable and not
# from pip's cache: about 4 min on 2 cores.
LLAMA_CPP := llama-cpp-python[server]==0.3.36
$(VENV)/.installed-dev: pyproject.toml $(CONSTRAINTS) $(VENV)/.installed
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PIP_INSTALL) --no-cache-dir "$(LLAMA_CPP)"
	$(PIP_INSTALL) -e ".[dev]"
	touch $@

# After a deliberate upgrade (pip install -U ... in .venv, then make test): record the versions that passed.
constraints: install-dev  ## rewrite constraints.txt from the versions installed in .venv
	@{ sed -n '1,3p' $(CONSTRAINTS); $(BIN)/pip freeze --exclude-editable | sed 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/'; } \
		> $(CONSTRAINTS).new && mv $(CONSTRAINTS).new $(CONSTRAINTS)

install: $(VENV)/.installed  ## create .venv and install journalqa

install-dev: $(VENV)/.installed-dev  ## install journalqa with the test extras

# Debian packages the tests need: chromium for the browser tests; Tesseract (eng, rus, kaz), ocrmypdf, poppler and
# img2pdf for scanned pages; DejaVu for the Unicode PDFs the tests render; the Kazakh and Russian Hunspell
# dictionaries for the answerer's name check (journalqa.text.lexicon). Only the missing ones, one apt-get update.
DEB_TEST := chromium tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus tesseract-ocr-kaz ocrmypdf poppler-utils \
	img2pdf fonts-dejavu-core hunspell-kk hunspell-ru
system-deps:  ## Debian packages the tests need (chromium, tesseract + eng/rus/kaz, ocrmypdf, poppler, img2pdf, DejaVu, hunspell kk/ru)
	@missing=$$(for p in $(DEB_TEST); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	[ -z "$$missing" ] || { echo "apt-get install" $$missing; apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; }

# Real PDFs for the real-document bench and tests, taken out of Debian packages (downloaded, never installed).
REALDOCS := .cache/realdocs
$(REALDOCS)/SOURCES.json: evals/realdocs/fetch.py
	python3 evals/realdocs/fetch.py --out $(REALDOCS)

# The bundled issue as the two-column PDF a publisher would send (reportlab is in the test extras; DejaVu fonts).
$(REALDOCS)/kjfs-2022-no1-2.pdf: evals/realdocs/render_journal_pdf.py $(wildcard corpus/*.md) | $(VENV)/.installed-dev
	$(BIN)/python evals/realdocs/render_journal_pdf.py --out $@

realdocs: $(REALDOCS)/SOURCES.json $(REALDOCS)/kjfs-2022-no1-2.pdf  ## real-PDF bench documents (Debian packages + the issue as PDF) in .cache/

index: install  ## build the index if it is missing or stale
	$(BIN)/journalqa index --if-stale

# No apt-get here: without Tesseract or the Hunspell dictionaries the assistant still runs, and a line says what
# each needs.
run: index  ## set up, build the index if needed, and start the assistant
	-@$(BIN)/python -m journalqa.ingest.ocr
	-@$(BIN)/python -m journalqa.text.lexicon
	$(BIN)/journalqa serve

test: install-dev system-deps realdocs  ## install test extras and run the whole suite (CI runs this)
	$(BIN)/pytest --durations=10; rc=$$?; [ $$rc -eq 5 ] && { echo "no tests collected"; exit 1; }; exit $$rc

test-fast: install-dev  ## the fast tests only
	$(BIN)/pytest -m "not slow" -q

lint: install-dev  ## ruff lint + format check
	$(BIN)/ruff check src ui evals tests
	$(BIN)/ruff format --check src ui evals tests

bench: index  ## latency / build benchmark against the llama-index default pipeline
	$(BIN)/python evals/bench_latency.py

eval: index  ## answer-quality bench on the gold set (tables + charts in evals/reports/<time>/)
	$(BIN)/journalqa eval

clean:  ## remove the venv and built indexes
	rm -rf $(VENV) index/v-* index/CURRENT
