"""Fiftieth pass: conformity with Claude Code, and the hooks package reading each file once.

Each settings file's handlers are walked once for every check of a ``hookd status`` or ``hooks
status`` (merge.handlers), not once per check; the cap of 256 judged handlers applies where a
check parses each command. Counted (calls to ``entries.is_hookd``), not timed. Real files under a
throwaway HOME, the CLI in-process (docs/security.md, "Fiftieth pass: conformity").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hookd.hooks import entries
from test_hooks_install import home, user_settings  # noqa: F401 - fixture
from test_pass29_conformity import managed  # noqa: F401 - fixture
from test_pass39_conformity import _hooks_status, _status_problems, _write


@pytest.fixture
def short_state(home, monkeypatch):  # noqa: F811
    """State and socket under a short path: a control socket's path under xdist's can pass 108 bytes."""
    monkeypatch.setenv("HOOKD_STATE_DIR", str(home / "state"))
    monkeypatch.setenv("HOOKD_SOCKET", str(home / "state" / "hookd.sock"))


def _others(home: Path, count: int) -> None:
    handlers = [{"type": "command", "command": f"/usr/local/bin/formatter {i}"} for i in range(count)]
    _write(user_settings(home), {"hooks": {"PostToolUse": [{"matcher": "*", "hooks": handlers}]}})


def _counted(monkeypatch) -> list[object]:
    seen: list[object] = []
    real = entries.is_hookd

    def counted(handler, url=None):
        seen.append(handler)
        return real(handler, url)

    monkeypatch.setattr(entries, "is_hookd", counted)
    return seen


COUNT = 3000


def test_hookd_status_walks_each_files_handlers_once(home, managed, capsys, short_state, monkeypatch):  # noqa: F811
    _others(home, COUNT)
    seen = _counted(monkeypatch)
    assert _status_problems(capsys) == []
    # One walk of the user file serves the reach, HTTP, ports, fields and switches checks (six before).
    assert COUNT <= len(seen) < 2 * COUNT, len(seen)


def test_hooks_status_walks_each_files_handlers_once(home, managed, capsys, monkeypatch):  # noqa: F811
    _others(home, COUNT)
    seen = _counted(monkeypatch)
    code, out = _hooks_status(capsys)
    assert code == 3 and "no hookd hooks" in out, out
    assert COUNT <= len(seen) < 2 * COUNT, len(seen)
