"""Seventy-first pass: conformity with Claude Code's hooks, part three (docs/security.md).

Facts of the hooks reference (https://code.claude.com/docs/en/hooks) the passes before did not
check: a WorktreeCreate hook replaces git's worktree creation and must return the new worktree's
path ("Decision control": "Hook failure or missing path fails creation"); ``once`` is "Only honored
for hooks declared in skill frontmatter; ignored in settings files" ("Common fields"); and
UserPromptSubmit and MessageDisplay lower the default ``timeout`` of command and http hooks to 30 and
10 s (the same row). Real settings files under a throwaway HOME, the CLI in-process.
"""

from __future__ import annotations

import json

import pytest

from conftest import wait_until
from hookd.hooks import entries
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture
from test_pass29_conformity import managed  # noqa: F401 - fixture
from test_pass39_conformity import _groups, _hookd_hook, _hooks_status, _status_problems, _write
from test_pass50_conformity import short_state  # noqa: F401 - fixture

URL = "http://127.0.0.1:8787/hook"


def _http(**fields: object) -> dict:
    handler = {**entries.http_handler(URL), **fields}
    return {k: v for k, v in handler.items() if v is not None}


def _no_timeout(event: str) -> dict:
    return {k: v for k, v in _hookd_hook(event).items() if k != "timeout"}


# WorktreeCreate: a hook there replaces git's worktree creation.


@pytest.mark.parametrize("kind", ["command", "http"])
def test_a_worktreecreate_hook_of_hookds_is_said_to_fail_every_worktree_creation(home, managed, capsys, kind):  # noqa: F811
    """hook-send prints no path and the listener answers ``{}`` (no worktreePath): Claude Code fails
    the creation, so ``claude --worktree`` and isolated subagents stop working."""
    path = user_settings(home)
    handler = _hookd_hook("WorktreeCreate") if kind == "command" else _http()
    _write(
        path, {"hooks": {"WorktreeCreate": [{"hooks": [handler]}], **_groups({"Stop": _hookd_hook("Stop")})["hooks"]}}
    )
    code, out = _hooks_status(capsys)
    assert code == 1, out
    assert "hooks for WorktreeCreate replace git's worktree creation" in out, out
    assert "so every worktree creation fails" in out, out
    assert f"repair: hookd hooks install --settings {path} (it writes no WorktreeCreate hook)" in out, out
    assert run_hooks("install", "--settings", str(path), "--events", "Stop") == 0
    assert "WorktreeCreate" not in json.loads(path.read_text())["hooks"]
    code, out = _hooks_status(capsys)
    assert code == 0 and "WorktreeCreate" not in out, out


def test_hookd_status_says_the_worktreecreate_hook(home, managed, capsys, short_state):  # noqa: F811
    path = user_settings(home)
    _write(path, {"hooks": {"WorktreeCreate": [{"hooks": [_hookd_hook("WorktreeCreate")]}]}})
    [problem] = [p for p in _status_problems(capsys) if "WorktreeCreate" in p]
    assert problem.startswith(f"{path}: hooks for WorktreeCreate replace git's worktree creation"), problem


@pytest.mark.process
def test_hookd_runs_start_check_says_the_worktreecreate_hook(home, hookd_factory, redis_db):  # noqa: F811
    path = user_settings(home)
    _write(path, {"hooks": {"WorktreeCreate": [{"hooks": [_hookd_hook("WorktreeCreate")]}]}})
    daemon = hookd_factory()
    said = "every worktree creation fails"
    wait_until(lambda: said in daemon.log_text(), what="the warning at start")
    [record] = [json.loads(line) for line in daemon.log_text().splitlines() if said in line]
    assert record["event"] == "hooks_would_miss" and record["settings"] == str(path), record


# once: honoured in a skill's frontmatter only.


@pytest.mark.parametrize("event", ["Stop", "SessionEnd", "PreToolUse"])
def test_once_in_a_settings_file_is_not_said(home, managed, capsys, event):  # noqa: F811
    """Claude Code ignores ``once`` there: the hook runs for every event, nothing is lost."""
    _write(user_settings(home), _groups({event: _hookd_hook(event, once=True)}))
    code, out = _hooks_status(capsys)
    assert code == 0 and "once = true" not in out, out


# UserPromptSubmit's and MessageDisplay's shorter default timeout.


def http_status(home, capsys, event: str, **fields: object) -> str:  # noqa: F811
    """What ``hooks status`` says of an HTTP hook of hookd's on ``event`` carrying ``fields``."""
    _write(user_settings(home), _groups({event: _http(**fields)}))
    capsys.readouterr()
    run_hooks("status", "--http-addr", "127.0.0.1:8787")
    return capsys.readouterr().out


@pytest.mark.parametrize("event", ["UserPromptSubmit", "MessageDisplay"])
def test_an_http_hook_without_timeout_on_an_event_with_a_short_default_is_not_said(home, managed, capsys, event):  # noqa: F811
    """Their default (30 s, 10 s) is within the longest hook-send waits: not the 600 s said before."""
    out = http_status(home, capsys, event, timeout=None)
    assert "carry no timeout" not in out and "600 s" not in out, out


def test_an_http_hook_without_timeout_elsewhere_is_still_said(home, managed, capsys):  # noqa: F811
    out = http_status(home, capsys, "Stop", timeout=None)
    assert "carry no timeout, so Claude Code waits up to 600 s (its default)" in out, out


@pytest.mark.parametrize(
    ("event", "deadline", "ends"), [("UserPromptSubmit", "45000", "30"), ("MessageDisplay", "12000", "10")]
)
def test_a_deadline_past_the_events_default_timeout_is_said(home, managed, capsys, monkeypatch, event, deadline, ends):  # noqa: F811
    """Without a timeout Claude Code ends hook-send at the event's default, before its own deadline."""
    monkeypatch.setenv("HOOKD_SEND_TIMEOUT_MS", deadline)
    path = user_settings(home)
    _write(path, _groups({event: _no_timeout(event)}))
    code, out = _hooks_status(capsys)
    assert code == 1, out
    said = f"carry no timeout ({event}'s default is {ends} s), but hook-send takes HOOKD_SEND_TIMEOUT_MS={deadline}"
    assert said in out and f"ends it after {ends} s, before its own deadline" in out, out
    assert f"lower HOOKD_SEND_TIMEOUT_MS in this environment to under {ends}000" in out, out


@pytest.mark.parametrize(("event", "deadline"), [("UserPromptSubmit", "20000"), ("Stop", "45000")])
def test_a_deadline_within_the_events_default_is_not_said(home, managed, capsys, monkeypatch, event, deadline):  # noqa: F811
    monkeypatch.setenv("HOOKD_SEND_TIMEOUT_MS", deadline)
    _write(user_settings(home), _groups({event: _no_timeout(event)}))
    code, out = _hooks_status(capsys)
    assert "HOOKD_SEND_TIMEOUT_MS" not in out, out


# FileChanged: a hook of hookd's there is added by hand (events.NEVER), and install keeps it.


def _file_changed(home):  # noqa: F811
    path = user_settings(home)
    group = {"matcher": ".envrc|.env", "hooks": [_hookd_hook("FileChanged")]}
    _write(path, {"hooks": {"FileChanged": [group]}})
    return path, group


def test_install_keeps_a_filechanged_hook_of_hookds_added_by_hand(home, managed, capsys):  # noqa: F811
    """events.py invites one ("add such a hook by hand if you want one"); install stripped it unsaid."""
    path, group = _file_changed(home)
    assert run_hooks("install") == 0
    data = json.loads(path.read_text())
    assert data["hooks"]["FileChanged"] == [group], data["hooks"].get("FileChanged")
    assert "PreToolUse" in data["hooks"]
    code, out = _hooks_status(capsys)
    assert code == 0, out
    assert run_hooks("uninstall") == 0
    assert "FileChanged" not in json.loads(path.read_text()).get("hooks", {})
