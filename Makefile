# Everything the project needs is installed from here: a virtualenv with hookd
# and its test tools, and Debian's redis-server, systemd tools and chromium (the UI's browser tests) when they are missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup run test bench clean

$(BIN)/hookd: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(BIN)/hookd
	scripts/install-redis-server
	scripts/install-systemd-tools
	scripts/install-chromium

run: setup
	scripts/dev-redis
	exec $(BIN)/hookd run

test: setup
	$(BIN)/python -m pytest

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
