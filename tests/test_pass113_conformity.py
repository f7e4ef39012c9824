"""Hundred-thirteenth pass: conformity with Claude Code's hooks, part five (docs/security.md).

The hooks reference (2026-10-08) now says WorktreeRemove fires only for a worktree a WorktreeCreate
hook made, that without a WorktreeRemove hook Claude Code removes it itself (``git worktree remove
--force``) and that a WorktreeRemove hook which exits 0 counts it removed: a hook of hookd's there
replaces that removal and deletes nothing. And a PreModelSwitch hook cancelled at its timeout blocks
the switch ("Timeouts"), as an HTTP one is when hookd's listener accepts and does not answer. Real
settings files under a throwaway HOME, the CLI in-process; one test runs a real hookd.
"""

from __future__ import annotations

import json

import pytest

from conftest import wait_until
from hookd.hooks import entries, events, fields
from test_hooks_install import hookd_handlers, home, run_hooks, user_settings  # noqa: F401 - fixture
from test_pass29_conformity import managed  # noqa: F401 - fixture
from test_pass39_conformity import _groups, _hookd_hook, _hooks_status, _status_problems, _write
from test_pass50_conformity import short_state  # noqa: F401 - fixture
from test_pass71_conformity import _http, http_status

HTTP = ["--http-addr", "127.0.0.1:8787"]
LEFT_ON_DISK = "unless another WorktreeRemove hook deletes them, those worktrees stay on disk"


# WorktreeRemove: a hook there replaces Claude Code's removal of a hook-made worktree.


def test_install_writes_no_worktreeremove_hook_and_takes_out_an_older_ones(home, managed, capsys):  # noqa: F811
    path = user_settings(home)
    _write(path, _groups({"WorktreeRemove": _hookd_hook("WorktreeRemove"), "Stop": _hookd_hook("Stop")}))
    assert run_hooks("install") == 0
    found = hookd_handlers(json.loads(path.read_text()))
    assert "WorktreeRemove" not in found and "Stop" in found, list(found)
    code, out = _hooks_status(capsys)
    assert code == 0 and LEFT_ON_DISK not in out, out


def test_install_refuses_worktreeremove_by_name(home, capsys):  # noqa: F811
    assert run_hooks("install", "--events", "WorktreeRemove") != 0
    assert "hookd does not install a WorktreeRemove hook" in capsys.readouterr().err
    assert not user_settings(home).exists()


@pytest.mark.parametrize("kind", ["command", "http"])
def test_a_worktreeremove_hook_of_hookds_is_said_to_leave_worktrees_on_disk(home, managed, capsys, kind):  # noqa: F811
    path = user_settings(home)
    handler = _hookd_hook("WorktreeRemove") if kind == "command" else _http()
    _write(path, {"hooks": {"WorktreeRemove": [{"hooks": [handler]}]}})
    capsys.readouterr()
    code = run_hooks("status", *HTTP)
    out = capsys.readouterr().out
    assert code == 1, out
    assert "hooks for WorktreeRemove replace Claude Code's removal of the worktrees a WorktreeCreate hook made" in out
    assert LEFT_ON_DISK in out, out
    assert f"repair: hookd hooks install --settings {path} (it writes no WorktreeRemove hook)" in out, out


def test_hookd_status_says_the_worktreeremove_hook(home, managed, capsys, short_state):  # noqa: F811
    path = user_settings(home)
    _write(path, _groups({"WorktreeRemove": _hookd_hook("WorktreeRemove")}))
    said = [p for p in _status_problems(capsys) if LEFT_ON_DISK in p]
    assert [p.split(" replace ")[0] for p in said] == [f"{path}: hooks for WorktreeRemove"], said


@pytest.mark.process
def test_hookd_runs_start_check_says_the_worktreeremove_hook(home, hookd_factory, redis_db):  # noqa: F811
    path = user_settings(home)
    _write(path, _groups({"WorktreeRemove": _hookd_hook("WorktreeRemove")}))
    daemon = hookd_factory()
    wait_until(lambda: LEFT_ON_DISK in daemon.log_text(), what="the warning at start")
    [record] = [json.loads(line) for line in daemon.log_text().splitlines() if LEFT_ON_DISK in line]
    assert record["event"] == "hooks_would_miss" and record["settings"] == str(path), record


# PreModelSwitch: a hook cancelled at its timeout blocks the switch.


def test_an_http_premodelswitch_hook_of_hookds_is_said(home, managed, capsys):  # noqa: F811
    out = http_status(home, capsys, "PreModelSwitch")
    assert "hooks for PreModelSwitch are HTTP hooks: Claude Code blocks the model switch when the hook is " in out
    assert "(it writes a command hook for PreModelSwitch in either mode)" in out, out
    path = user_settings(home)
    assert run_hooks("install", "--settings", str(path), *HTTP, "--events", "PreModelSwitch") == 0
    assert [h["type"] for h in hookd_handlers(json.loads(path.read_text()))["PreModelSwitch"]] == ["command"]
    capsys.readouterr()
    run_hooks("status", *HTTP)
    assert "are HTTP hooks:" not in capsys.readouterr().out


@pytest.mark.parametrize("event", ["Stop", "PostModelSwitch", "SessionEnd"])
def test_an_http_hook_of_hookds_where_a_failure_changes_nothing_is_not_said(home, managed, capsys, event):  # noqa: F811
    assert "are HTTP hooks:" not in http_status(home, capsys, event)


def test_what_install_writes_in_http_mode_is_never_said():
    """Each event install writes takes an HTTP hook in --mode http only where the checks say nothing of one."""
    for event in events.DEFAULT_EVENTS:
        said = fields.problem(event, entries.http_handler("http://127.0.0.1:8787/hook"))
        kept = event in events.COMMAND_IN_HTTP_MODE or not events.BY_NAME[event].http
        assert (said is not None) == kept, (event, said)
