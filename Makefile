# Everything the project needs is installed from here: a virtualenv with hookd
# and its test tools; Debian's redis-server, systemd tools, a C compiler, Python's headers (the
# redaction view's C core) and chromium (the UI's browser tests) when they are missing; and the
# native hook-send (built and self-tested, or a note that hooks will use the Python client).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup run test lint types bench clean

# The compiler and Python's headers come first: the install builds the redaction view's C core
# (hookd/redact/_viewcore.c; optional, so without them it is skipped and the view runs in Python). An
# editable install does not rebuild it when the .c changes: the dependency below does.
$(BIN)/hookd: pyproject.toml hookd/redact/_viewcore.c
	scripts/install-c-compiler
	scripts/install-python-headers $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(BIN)/hookd
	scripts/install-redis-server
	scripts/install-systemd-tools
	scripts/install-c-compiler
	scripts/install-chromium
	$(BIN)/python -m hookd.hooks.native

run: setup
	scripts/dev-redis
	exec $(BIN)/hookd run

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy over hookd/ (settings in pyproject.toml); .ci/run runs it after lint
types: setup
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/client_startup.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/replay.py
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/restart_window.py
	$(BIN)/python bench/http_floor.py --runs 3
	$(BIN)/python bench/http_ingest.py
	$(BIN)/python bench/ui.py

clean:
	rm -rf $(VENV) .run *.egg-info
