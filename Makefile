# Wijksignaal: everything a fresh machine with python3 and make needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONFIG ?= config/example.toml
DB     ?= data/wijksignaal.db
# uv installs the locked versions (uv.lock); uv itself is pinned here and lives in its own venv.
UV_VERSION := 0.13.9
UV     := .tools/bin/uv
UV_ENV := UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON_DOWNLOADS=never

.PHONY: all install lock catalogs locales lint test run check bench bench-scale model clean

all: test

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet uv==$(UV_VERSION)

# Exactly the versions in uv.lock (--locked: a lock that no longer fits pyproject.toml is an
# error that says to run 'make lock'), the project itself editable.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV_ENV) $(UV) sync --locked --extra dev --python $(PYTHON) --quiet
	touch $(STAMP)

install: $(STAMP)

# After a change to the dependencies in pyproject.toml: resolve again and write uv.lock.
# 'make lock ARGS=--upgrade' moves every package to its newest version.
lock: | $(UV)
	$(UV_ENV) $(UV) lock --python $(PYTHON) $(ARGS)

# Compile the committed .po files into .mo files (the bot refuses to start without them).
catalogs: $(STAMP)
	$(BIN)/pybabel compile --domain wijksignaal --directory locales --statistics

# Extract every msgid from the code and the flow files, merge it into the catalogs, compile.
# The template keeps its creation date and Babel version unless a message changed, so building
# leaves tracked files unchanged.
locales: $(STAMP)
	$(BIN)/pybabel extract --mapping babel.cfg --output-file locales/wijksignaal.pot.new \
		--no-location --sort-output --project Wijksignaal --version 0.1 .
	@grep -v -E '^"(POT-Creation-Date|Generated-By)' locales/wijksignaal.pot.new > locales/.new.tmp; \
	grep -v -E '^"(POT-Creation-Date|Generated-By)' locales/wijksignaal.pot > locales/.old.tmp 2>/dev/null; \
	if cmp -s locales/.new.tmp locales/.old.tmp; then rm locales/wijksignaal.pot.new; \
	else mv locales/wijksignaal.pot.new locales/wijksignaal.pot; fi; \
	rm -f locales/.new.tmp locales/.old.tmp
	$(BIN)/pybabel update --domain wijksignaal --input-file locales/wijksignaal.pot \
		--output-dir locales --no-fuzzy-matching --ignore-obsolete
	$(MAKE) catalogs

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: catalogs lint
	$(BIN)/wijksignaal check --config $(CONFIG)
	$(BIN)/python -m pytest -q

run: catalogs
	@mkdir -p data
	@test -f data/wijksignaal.key || $(BIN)/wijksignaal keygen --out data/wijksignaal.key
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then \
		$(BIN)/wijksignaal run --config $(CONFIG) --db $(DB); \
	else \
		$(BIN)/wijksignaal console --config $(CONFIG) --db $(DB); \
	fi

check: catalogs
	$(BIN)/wijksignaal check --config $(CONFIG)

bench: catalogs
	$(BIN)/python -m bench.bench

# The bot at a region's size after five years (1,000,000 signals; the database is built once
# into data/ and reused). Takes a while: see bench/scale.py for --signals and --repeat.
bench-scale: catalogs
	$(BIN)/python -m bench.scale

# Train the model head on config/labelled/*.jsonl (fixed seed); commit bot/language/head.npz.
model: $(STAMP)
	$(BIN)/python -m bot.language.train

clean:
	rm -rf $(VENV) .tools data .mypy_cache .ruff_cache .pytest_cache
	find locales -name '*.mo' -delete
