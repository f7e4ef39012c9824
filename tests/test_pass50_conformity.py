"""Fiftieth pass: conformity with Claude Code, and the hooks package reading each file once.

Each settings file's handlers are walked once for every check of a ``hookd status`` or ``hooks
status`` (merge.handlers), not once per check; the cap of 256 judged handlers applies where a
check parses each command. Counted (calls to ``entries.is_hookd``), not timed. Real files under a
throwaway HOME, the CLI in-process (docs/security.md, "Fiftieth pass: conformity").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import wait_until
from hookd.cli import main
from hookd.hooks import entries
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture
from test_pass29_conformity import managed  # noqa: F401 - fixture
from test_pass39_conformity import _groups, _hookd_hook, _hooks_status, _status_problems, _write


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


# HOOKD_SEND_TIMEOUT_MS raised past a hook's timeout: Claude Code ends hook-send first.


def test_hooks_status_says_a_deadline_from_this_environment_past_the_hooks_timeout(home, managed, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOOKD_SEND_TIMEOUT_MS", "8000")
    _write(user_settings(home), _groups({"Stop": _hookd_hook("Stop")}))
    code, out = _hooks_status(capsys)
    assert code == 1, out
    assert "timeout = 5 s, but hook-send takes HOOKD_SEND_TIMEOUT_MS=8000 from this environment" in out, out
    assert "lower HOOKD_SEND_TIMEOUT_MS in this environment to under 5000" in out, out


def test_hookd_status_says_it_with_the_file(home, managed, capsys, short_state, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOOKD_SEND_TIMEOUT_MS", "5000")
    path = user_settings(home)
    _write(path, _groups({"PreToolUse": _hookd_hook("PreToolUse")}))
    [problem] = [p for p in _status_problems(capsys) if "HOOKD_SEND_TIMEOUT_MS" in p]
    assert problem.startswith(f"{path}: hooks for PreToolUse carry timeout = 5 s"), problem
    assert "an event not yet handed over is lost" in problem, problem


def test_a_deadline_in_a_settings_files_env_is_said_with_that_file(home, managed, capsys, short_state):  # noqa: F811
    path = user_settings(home)
    project = home / "project" / ".claude" / "settings.json"
    _write(path, _groups({"Stop": _hookd_hook("Stop")}))
    _write(project, {"env": {"HOOKD_SEND_TIMEOUT_MS": "60000"}})
    [problem] = [p for p in _status_problems(capsys) if "HOOKD_SEND_TIMEOUT_MS" in p]
    assert f"HOOKD_SEND_TIMEOUT_MS=60000 from the env of {project}" in problem, problem
    assert f"lower HOOKD_SEND_TIMEOUT_MS in the env of {project}" in problem, problem


def test_a_deadline_in_the_command_is_said_and_install_repairs_it(home, managed, capsys):  # noqa: F811
    path = user_settings(home)
    handler = _hookd_hook("Stop")
    _write(path, _groups({"Stop": {**handler, "command": "HOOKD_SEND_TIMEOUT_MS=9000 " + handler["command"]}}))
    code, out = _hooks_status(capsys)
    assert code == 1 and "HOOKD_SEND_TIMEOUT_MS=9000 from their command" in out, out
    assert f"hookd hooks install --settings {path}" in out, out
    assert run_hooks("install", "--settings", str(path), "--events", "Stop") == 0
    code, out = _hooks_status(capsys)
    assert "HOOKD_SEND_TIMEOUT_MS" not in out, out


@pytest.mark.parametrize(
    ("deadline", "event", "timeout"),
    [("4000", "Stop", 5), (None, "Stop", 5), ("900", "SessionEnd", 1), ("2000", "Stop", 600), ("60000", "Stop", None)],
)
def test_a_deadline_within_the_hooks_timeout_is_not_said(home, managed, capsys, monkeypatch, deadline, event, timeout):  # noqa: F811
    if deadline is not None:
        monkeypatch.setenv("HOOKD_SEND_TIMEOUT_MS", deadline)
    handler = {k: v for k, v in _hookd_hook(event).items() if k != "timeout"}
    _write(user_settings(home), _groups({event: {**handler, **({"timeout": timeout} if timeout else {})}}))
    code, out = _hooks_status(capsys)
    assert "HOOKD_SEND_TIMEOUT_MS" not in out, out


def test_sessionend_is_ended_by_its_shared_budget(home, managed, capsys, monkeypatch):  # noqa: F811
    # Without a timeout of its own a SessionEnd hook is ended by the 1.5 s all of them share; with one
    # (1 s, hookd's), by the shorter of the two (session_end.py; the fifty-ninth pass).
    monkeypatch.setenv("HOOKD_SEND_TIMEOUT_MS", "1500")
    handler = {k: v for k, v in _hookd_hook("SessionEnd").items() if k != "timeout"}
    _write(user_settings(home), {"hooks": {"SessionEnd": [{"hooks": [handler]}]}})
    code, out = _hooks_status(capsys)
    assert code == 1 and "carry no timeout" in out and "ends it after 1.5 s, the budget" in out, out
    _write(user_settings(home), _groups({"SessionEnd": _hookd_hook("SessionEnd", timeout=1)}))
    code, out = _hooks_status(capsys)
    assert code == 1 and "timeout = 1 s" in out and "ends it after 1 s, before" in out, out


# Workspace trust: an interactive session runs no hook until the folder is trusted.


def _project_hooks(home: Path) -> None:
    _write(home / "project" / ".claude" / "settings.json", _groups({"Stop": _hookd_hook("Stop")}))


def test_hooks_status_notes_a_project_folder_claude_code_has_not_trusted(home, managed, capsys):  # noqa: F811
    _project_hooks(home)
    _write(home / "home" / ".claude.json", {"projects": {str(home / "elsewhere"): {"hasTrustDialogAccepted": True}}})
    code, out = _hooks_status(capsys)
    assert code == 0, out  # a note: claude -p runs them
    assert f"note: {home / 'project'} is not trusted by Claude Code yet" in out, out
    assert str(home / "home" / ".claude.json") in out and "until its trust dialog is accepted" in out, out


@pytest.mark.parametrize("trusted", ["project", "."])
def test_a_trusted_folder_or_one_above_it_is_not_noted(home, managed, capsys, trusted):  # noqa: F811
    _project_hooks(home)
    folder = str((home / trusted).resolve())
    _write(home / "home" / ".claude.json", {"projects": {folder: {"hasTrustDialogAccepted": True}}})
    code, out = _hooks_status(capsys)
    assert code == 0 and "not trusted" not in out, out


def test_trust_is_read_from_claude_config_dir(home, managed, capsys, monkeypatch):  # noqa: F811
    config_dir = home / "config"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config_dir))
    _project_hooks(home)
    _write(home / "home" / ".claude.json", {"projects": {str(home / "project"): {"hasTrustDialogAccepted": True}}})
    code, out = _hooks_status(capsys)
    assert (
        f"not trusted by Claude Code yet (no hasTrustDialogAccepted for it or a folder above it in {config_dir / '.claude.json'})"
        in out
    ), out
    _write(config_dir / ".claude.json", {"projects": {str(home / "project"): {"hasTrustDialogAccepted": True}}})
    code, out = _hooks_status(capsys)
    assert "not trusted" not in out, out


def test_the_users_own_hooks_get_no_trust_note(home, managed, capsys):  # noqa: F811
    _write(user_settings(home), _groups({"Stop": _hookd_hook("Stop")}))
    code, out = _hooks_status(capsys)
    assert code == 0 and "not trusted" not in out, out


def test_hookd_status_notes_it_too_without_a_problem(home, managed, capsys, short_state):  # noqa: F811
    _project_hooks(home)
    capsys.readouterr()
    assert main(["status", "--json"]) == 2  # not running: the hooks are still checked
    document = json.loads(capsys.readouterr().out)
    [note] = document["hooks_notes"]
    assert note.startswith(f"{home / 'project'} is not trusted by Claude Code yet"), note
    assert document["hooks_problems"] == [], document
    assert main(["status"]) == 2
    assert f"note: {home / 'project'} is not trusted" in capsys.readouterr().out
    _write(home / "home" / ".claude.json", {"projects": {str(home / "project"): {"hasTrustDialogAccepted": True}}})
    assert main(["status", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["hooks_notes"] == []


@pytest.mark.process
def test_hookd_runs_start_check_names_a_deadline_past_the_timeout(home, hookd_factory, redis_db):  # noqa: F811
    path = user_settings(home)
    _write(path, _groups({"Stop": _hookd_hook("Stop", timeout=1)}))
    daemon = hookd_factory()
    assert daemon.env["HOOKD_SEND_TIMEOUT_MS"] == "2000"  # the fixture's, in the daemon's environment
    wait_until(lambda: "HOOKD_SEND_TIMEOUT_MS=2000" in daemon.log_text(), what="the warning at start")
    [record] = [json.loads(line) for line in daemon.log_text().splitlines() if "HOOKD_SEND_TIMEOUT_MS=2000" in line]
    assert record["event"] == "hooks_would_miss" and record["settings"] == str(path), record
    assert record["events"] == ["Stop"] and "from this environment" in record["problem"], record
