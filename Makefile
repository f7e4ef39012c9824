# Everything the project needs is installed from here: a virtualenv with hookd
# and its test tools; Debian's redis-server, systemd tools, a C compiler, Python's headers (the
# redaction view's C core), chromium (the UI's browser tests) and nodejs with npm (eslint, make lint) when
# they are missing; eslint itself (npm ci, package-lock.json); and the
# native hook-send (built and self-tested, or a note that hooks will use the Python client); and the
# redaction scanner's databases for the built-in rules, compiled once (hookd/redact/prebuild.py).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: runtime setup run test lint types bench clean constraints

# The compiler and Python's headers come first: the install builds the redaction view's C core
# (hookd/redact/_viewcore.c; optional, so without them it is skipped and the view runs in Python). An
# editable install does not rebuild it when the .c changes: the dependency below does.
# constraints.txt holds the versions of every package the suite last passed with: a clean clone
# installs those, so a release made since cannot break it (a new redis-py once failed make types).
$(BIN)/hookd: pyproject.toml constraints.txt hookd/redact/_viewcore.c $(wildcard hookd/redact/_viewcore_*.h)
	scripts/install-c-compiler
	scripts/install-python-headers $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	@echo "make: installing hookd and its test tools into $(VENV)/ (quiet; a minute or two the first time)"
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

# Move to the newest releases pyproject.toml allows, and write them down; then make lint types test.
constraints: setup
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade --upgrade-strategy eager -e '.[test]'
	{ echo "# make constraints writes this file: the versions make setup installs (see the Makefile)"; \
	  $(BIN)/pip freeze --exclude-editable; } > constraints.txt

# What hookd itself runs on: the virtualenv, the native hook-send (or a note) and the scanners.
runtime: $(BIN)/hookd
	$(BIN)/python -m hookd.hooks.native
	@test -d hookd/redact/_scanners || echo "make: compiling the redaction scanners' databases (once; up to a minute)"
	$(BIN)/python -m hookd.redact.prebuild

# eslint for make lint, from package-lock.json's exact versions into node_modules/ (npm ci writes
# the stamp). Without npm (a user who cannot install it) setup goes on and make lint says what to do.
node_modules/.package-lock.json: package.json package-lock.json
	scripts/install-node
	@if command -v npm >/dev/null 2>&1; then \
	  echo "make: installing eslint into node_modules/ (npm ci)"; \
	  npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "make: npm is missing, so make lint cannot run eslint: install nodejs and npm, then make setup" >&2; fi

# The tests' tools besides: a user who cannot install packages still gets make run (run needs none
# of them, and dev-redis installs redis-server only when it has to start one).
setup: runtime node_modules/.package-lock.json
	scripts/install-redis-server
	scripts/install-systemd-tools
	scripts/install-c-compiler
	scripts/install-chromium
	scripts/install-strace
	scripts/install-fuse
	scripts/install-valgrind

run: runtime
	scripts/dev-redis
	exec $(BIN)/hookd run

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff over the Python, eslint (eslint.config.js) over the web UI's modules; any finding fails
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@test -x node_modules/.bin/eslint || { echo "make lint: eslint is not in node_modules/: install nodejs and npm (scripts/install-node as root), then make setup" >&2; exit 1; }
	node_modules/.bin/eslint --max-warnings 0 hookd/ui/static

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
	rm -rf $(VENV) .run *.egg-info node_modules
