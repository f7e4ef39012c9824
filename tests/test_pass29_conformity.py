"""Twenty-ninth pass: what Claude Code does with settings and hooks today, against `hookd hooks`.

From the hooks, settings, managed-settings and plugins references (docs/security.md, "Twenty-ninth
pass: conformity"): Claude Code merges the user, project, local and managed settings and takes each
key from the highest file that sets it (``disableAllHooks``, ``env`` variable by variable,
``sandbox.enabled``); the managed tier includes ``managed-settings.d/*.json``; a command hook may be
written in exec form (``command`` the program, ``args`` its arguments); and an enabled plugin's
``hooks/hooks.json`` runs beside the settings' hooks. ``hookd hooks status`` read one file's switches
and ``env`` at a time, no drop-in, no exec form and no plugin.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from hookd.hooks import switches
from hookd.hooks.command import hook_command
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture

ADDR = "127.0.0.1:8787"
PROXY = "http://proxy.example:3128"


@pytest.fixture
def managed(home, monkeypatch):  # noqa: F811
    path = home / "etc" / "claude-code" / "managed-settings.json"
    (path.parent / "managed-settings.d").mkdir(parents=True)
    monkeypatch.setattr(switches, "MANAGED_SETTINGS", (str(path),))
    return path


def _status(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = run_hooks("status", *args)
    return code, capsys.readouterr().out


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def _merge_into(path: Path, extra: dict) -> None:
    _write(path, {**json.loads(path.read_text()), **extra})


# A command hook in exec form: command is the program, args its arguments.


def _exec_form(event: str) -> dict:
    argv = hook_command(event)
    return {"type": "command", "command": argv[0], "args": argv[1:], "timeout": 5}


def test_hookds_hook_in_exec_form_is_seen_replaced_and_removed(home, managed, capsys):  # noqa: F811
    path = user_settings(home)
    _write(path, {"hooks": {"Stop": [{"hooks": [_exec_form("Stop")]}]}})
    code, out = _status(capsys, "--scope", "user")
    assert "Stop" in out and "no hookd hooks" not in out, out
    assert run_hooks("install", "--events", "Stop") == 0
    handlers = json.loads(path.read_text())["hooks"]["Stop"]
    assert handlers == [{"hooks": [{"type": "command", "command": shlex.join(hook_command("Stop")), "timeout": 5}]}]
    _write(path, {"hooks": {"Stop": [{"hooks": [_exec_form("Stop")]}]}})
    assert run_hooks("uninstall") == 0
    assert json.loads(path.read_text()) == {}
