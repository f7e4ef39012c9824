"""Twenty-first red-team pass: Claude Code's side of the hook, its off switches.

Claude Code runs no hook of the user, project or local settings when any of them says
``disableAllHooks: true`` (then only the managed settings' hooks run), none at all when the managed
settings say it, and only the managed settings' hooks when they say ``allowManagedHooksOnly: true``.
``hookd hooks status`` read none of these: it called hookd's hooks sound (exit 0) while Claude Code
never ran them and no event arrived, nothing saying why. Now each switch that stops them is a
problem of the file holding the hooks (exit 1), naming the file, the setting and the fix.
"""

from __future__ import annotations

import importlib
import json
import os
import threading

import pytest

from test_hooks_install import home, run_hooks  # noqa: F401 - fixture


@pytest.fixture
def managed(home, monkeypatch):  # noqa: F811
    path = home / "etc" / "claude-code" / "managed-settings.json"
    path.parent.mkdir(parents=True)
    try:  # the machine's own managed settings are not the test's: it names a file of its own
        switches = importlib.import_module("hookd.hooks.switches")
    except ImportError:  # a hookd that reads no managed settings
        return path
    monkeypatch.setattr(switches, "MANAGED_SETTINGS", (str(path),))
    return path


def _status(capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = run_hooks("status")
    return code, capsys.readouterr().out


def test_disable_all_hooks_in_the_project_settings_is_said_of_the_user_hooks(home, managed, capsys):  # noqa: F811
    assert run_hooks("install") == 0
    assert _status(capsys)[0] == 0  # sound: the test starts from hooks that would run
    claude = home / "project" / ".claude"
    claude.mkdir()
    (claude / "settings.local.json").write_text(json.dumps({"disableAllHooks": True}))
    code, out = _status(capsys)
    assert code == 1, out
    assert "disableAllHooks is true in" in out and "settings.local.json" in out and "fix:" in out, out


def test_disable_all_hooks_in_the_same_file_is_said(home, managed, capsys):  # noqa: F811
    assert run_hooks("install") == 0
    user = home / "home" / ".claude" / "settings.json"
    data = json.loads(user.read_text())
    user.write_text(json.dumps({**data, "disableAllHooks": True}))
    code, out = _status(capsys)
    assert code == 1 and "disableAllHooks is true in" in out, out


@pytest.mark.parametrize("key", ["disableAllHooks", "allowManagedHooksOnly"])
def test_the_managed_settings_switches_are_said(home, managed, capsys, key):  # noqa: F811
    assert run_hooks("install") == 0
    managed.write_text(json.dumps({key: True}))
    code, out = _status(capsys)
    assert code == 1, out
    assert f"{key} is true in" in out and str(managed) in out and "fix:" in out, out


def test_switches_set_to_false_are_not_problems(home, managed, capsys):  # noqa: F811
    """A guard: the settings present but off keep the hooks sound."""
    assert run_hooks("install") == 0
    managed.write_text(json.dumps({"disableAllHooks": False, "allowManagedHooksOnly": False}))
    claude = home / "project" / ".claude"
    claude.mkdir()
    (claude / "settings.json").write_text(json.dumps({"disableAllHooks": False}))
    code, out = _status(capsys)
    assert code == 0, out


def test_a_fifo_among_the_settings_is_refused_not_waited_on(home, managed, capsys):  # noqa: F811
    """A checkout can carry its settings.local.json as a FIFO: reading the switches in it must not
    wait for a writer (settings.load refuses it as not a regular file), or `hooks status` hangs."""
    assert run_hooks("install") == 0
    claude = home / "project" / ".claude"
    claude.mkdir()
    fifo = claude / "settings.local.json"
    os.mkfifo(fifo)
    capsys.readouterr()
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(run_hooks("status")), daemon=True)
    worker.start()
    worker.join(20)
    try:
        assert not worker.is_alive(), "hooks status waited on the FIFO among the settings"
    finally:
        try:  # a writer releases a reader still waiting in open(), so no thread is left blocked
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        worker.join(5)
    out = capsys.readouterr().out
    assert result == [1] and "not a regular file" in out, (result, out)
