# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint typecheck check clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# The package itself, editable: `.venv/bin/shareproxy` (the admin commands, `serve`) runs
# this checkout's code, and `make run` serves with it. The store is instance/shareproxy.db
# of this checkout unless SHAREPROXY_STORE says otherwise (README, "Where the data is").
$(VENV)/.installed: pyproject.toml $(VENV)/.runtime
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

run: $(VENV)/.installed
	@echo "shareproxy command: $(BIN)/shareproxy (or: . $(BIN)/activate)"
	PORT=$(PORT) $(BIN)/shareproxy serve

test: $(VENV)/.dev $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Benchmarks against a baseline measured in the same run (seconds each; see bench/RESULTS.md).
bench: $(VENV)/.dev
	$(BIN)/python bench/run.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Translations: collect new strings from the code and templates, then merge them into every
# language's catalog (shareproxy/translations/<lang>/LC_MESSAGES/messages.po). The .po files
# are compiled in memory at start-up (shareproxy/i18n.py): there is no .mo to rebuild.
.PHONY: messages
messages: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --project shareproxy \
		--copyright-holder "shareproxy contributors" \
		-o shareproxy/translations/messages.pot .
	$(BIN)/pybabel update -i shareproxy/translations/messages.pot -d shareproxy/translations \
		--no-fuzzy-matching --ignore-obsolete

# The buttons' visual references (tests/browser/visual/*.png), written anew from this
# checkout's rendering: look at every changed picture before committing it.
.PHONY: visual-references
visual-references: $(VENV)/.dev
	UPDATE_VISUAL_REFERENCES=1 SHAREPROXY_TEST_BROWSER=required \
		$(BIN)/python -m pytest tests/browser/test_browser_visual.py -q

# axe-core for the browser tests, pinned in tests/browser/package.json (and its lock file).
# Without npm the axe tests are skipped, unless SHAREPROXY_TEST_BROWSER=required (CI).
AXE := tests/browser/node_modules/axe-core/axe.min.js
test: $(AXE)
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
		cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/axe-core/axe.min.js; \
	else echo "npm not found: the axe-core browser tests will be skipped"; fi
