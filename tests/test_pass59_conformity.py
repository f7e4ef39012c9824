"""Fifty-ninth pass: conformity with Claude Code's hooks (docs/security.md, "Fifty-ninth pass: conformity").

The workspace trust note for a global config hookd cannot read, a duplicate key in it (JSON.parse keeps
the last) and a relative CLAUDE_CONFIG_DIR; SessionEnd's shared budget (CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS,
raised by the settings files' timeouts up to 60 s, each hook ended at the shorter of it and its own
timeout); an HTTP hook of hookd's that lets Claude Code wait past the longest hook-send does. Real files
under a throwaway HOME, the CLI in-process.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import wait_until

from hookd.hooks import entries
from hookd.hooks.settings import MAX_BYTES
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture
from test_pass29_conformity import managed  # noqa: F401 - fixture
from test_pass39_conformity import _groups, _hookd_hook, _hooks_status, _status_problems, _write
from test_pass50_conformity import short_state  # noqa: F401 - fixture

# Workspace trust, read from Claude Code's global config.


def _project_hooks(home: Path) -> None:
    _write(home / "project" / ".claude" / "settings.json", _groups({"Stop": _hookd_hook("Stop")}))


def _entry(accepted: bool) -> str:
    return json.dumps({"hasTrustDialogAccepted": accepted})


def test_a_duplicate_key_is_read_as_claude_code_reads_it_the_last_one_kept(home, managed, capsys):  # noqa: F811
    _project_hooks(home)
    folder = json.dumps(str(home / "project"))
    config = home / "home" / ".claude.json"
    config.write_text(f'{{"projects": {{{folder}: {_entry(True)}, {folder}: {_entry(False)}}}}}\n')
    code, out = _hooks_status(capsys)
    assert code == 0 and f"note: {home / 'project'} is not trusted by Claude Code yet" in out, out
    config.write_text(f'{{"projects": {{{folder}: {_entry(False)}, {folder}: {_entry(True)}}}}}\n')
    code, out = _hooks_status(capsys)
    assert code == 0 and "trust" not in out, out


def test_a_global_config_over_the_size_read_is_said_not_passed_over(home, managed, capsys):  # noqa: F811
    _project_hooks(home)
    config = home / "home" / ".claude.json"
    with config.open("w") as fh:
        fh.write('{"projects": {}}')
        fh.truncate(MAX_BYTES + 1)  # sparse: its size is what is refused, before any read
    code, out = _hooks_status(capsys)
    assert code == 0, out  # a note: claude -p runs the hooks whatever the file says
    assert f"note: whether Claude Code trusts {home / 'project'} could not be told" in out, out
    assert f"{config} is {MAX_BYTES + 1} bytes, over the {MAX_BYTES}" in out, out


@pytest.mark.parametrize(("text", "why"), [("{not json", "is not valid JSON"), ("[]", "not an object")])
def test_a_global_config_that_cannot_be_read_is_said(home, managed, capsys, text, why):  # noqa: F811
    _project_hooks(home)
    (home / "home" / ".claude.json").write_text(text)
    code, out = _hooks_status(capsys)
    assert code == 0 and f"whether Claude Code trusts {home / 'project'} could not be told" in out, out
    assert why in out and "until its trust dialog is accepted" in out, out


def test_hookd_status_says_the_unread_config_too(home, managed, capsys, short_state):  # noqa: F811
    _project_hooks(home)
    (home / "home" / ".claude.json").write_text("{not json")
    capsys.readouterr()
    from hookd.cli import main

    assert main(["status", "--json"]) == 2
    document = json.loads(capsys.readouterr().out)
    [note] = document["hooks_notes"]
    assert note.startswith(f"whether Claude Code trusts {home / 'project'} could not be told"), note
    assert document["hooks_problems"] == [], document


def test_a_relative_claude_config_dir_is_read_under_this_folder_and_said(home, managed, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", "conf")
    _project_hooks(home)
    config = home / "project" / "conf" / ".claude.json"
    _write(config, {"projects": {str(home / "elsewhere"): {"hasTrustDialogAccepted": True}}})
    code, out = _hooks_status(capsys)
    assert f"above it in {config}; CLAUDE_CONFIG_DIR ('conf') is relative" in out, out
    _write(config, {"projects": {str(home / "project"): {"hasTrustDialogAccepted": True}}})
    code, out = _hooks_status(capsys)
    assert "trust" not in out, out


def test_an_empty_claude_config_dir_is_not_taken_for_unset(home, managed, capsys, monkeypatch):  # noqa: F811
    # Claude Code takes it as set (``??``): its user settings are then looked for in the folder it starts
    # in, not in ~/.claude, so hookd's hooks written there would never run.
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", "")
    assert run_hooks("install", "--events", "Stop") == 78
    assert "CLAUDE_CONFIG_DIR is set but empty" in capsys.readouterr().err
    assert not user_settings(home).exists() and os.listdir(home / "project") == []
    code, out = _hooks_status(capsys)
    assert code == 1 and "the user settings were not checked: CLAUDE_CONFIG_DIR is set but empty" in out, out


# SessionEnd's shared budget.


def _session_end(home: Path, path: Path | None = None, **fields: object) -> None:
    handler = {k: v for k, v in _hookd_hook("SessionEnd").items() if k != "timeout"}
    _write(path or user_settings(home), {"hooks": {"SessionEnd": [{"hooks": [{**handler, **fields}]}]}})


@pytest.mark.parametrize("value", ["500", "800ms", " 999"])
def test_a_budget_under_what_hook_send_needs_is_said(home, managed, capsys, monkeypatch, value):  # noqa: F811
    monkeypatch.setenv("CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS", value)
    _write(user_settings(home), _groups({"SessionEnd": _hookd_hook("SessionEnd"), "Stop": _hookd_hook("Stop")}))
    code, out = _hooks_status(capsys)
    assert code == 1, out
    assert f"CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS={value} from this environment" in out, out
    assert "hooks for SessionEnd are ended after" in out, out
    assert "hooks for Stop" not in out, out


@pytest.mark.parametrize("value", ["1000", "5000", "abc", "0", "-5", ""])
def test_a_budget_hook_send_has_time_in_or_one_claude_code_ignores_is_not_said(
    home, managed, capsys, monkeypatch, value
):  # noqa: F811
    monkeypatch.setenv("CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS", value)
    _write(user_settings(home), _groups({"SessionEnd": _hookd_hook("SessionEnd")}))
    code, out = _hooks_status(capsys)
    assert code == 0 and "CLAUDE_CODE_SESSIONEND" not in out, out


def test_the_budget_from_a_settings_files_env_is_said_with_that_file(home, managed, capsys, short_state):  # noqa: F811
    project = home / "project" / ".claude" / "settings.local.json"
    _write(project, {"env": {"CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS": "300"}})
    _write(user_settings(home), _groups({"SessionEnd": _hookd_hook("SessionEnd")}))
    [problem] = _status_problems(capsys)
    assert f"CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS=300 from the env of {project}" in problem, problem
    assert f"raise CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS in the env of {project} to 1000 or more" in problem


def test_the_budget_ends_a_longer_timeout_first(home, managed, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOOKD_SEND_TIMEOUT_MS", "3000")
    _session_end(home, timeout=5)
    code, out = _hooks_status(capsys)
    assert code == 0 and "HOOKD_SEND_TIMEOUT_MS" not in out, out  # the budget follows the 5 s
    monkeypatch.setenv("CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS", "2000")
    code, out = _hooks_status(capsys)
    assert code == 1 and "ends it after 2 s, the budget SessionEnd hooks share" in out, out
    assert "raise CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS in this environment past it" in out, out


def test_the_settings_files_raise_the_budget_at_most_to_60_s(home, managed, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOOKD_SEND_TIMEOUT_MS", "60000")
    _session_end(home, timeout=90)
    code, out = _hooks_status(capsys)
    assert code == 1 and "timeout = 90 s" in out and "ends it after 60 s, the budget" in out, out


def test_another_files_sessionend_timeout_raises_the_budget_for_hookds(home, managed, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOOKD_SEND_TIMEOUT_MS", "5000")
    _session_end(home)  # no timeout of its own: the budget ends it
    code, out = _hooks_status(capsys)
    assert code == 1 and "carry no timeout" in out and "ends it after 1.5 s, the budget" in out, out
    other = {"type": "command", "command": "/usr/local/bin/archive-session", "timeout": 10}
    _write(home / "project" / ".claude" / "settings.json", {"hooks": {"SessionEnd": [{"hooks": [other]}]}})
    code, out = _hooks_status(capsys)
    assert "HOOKD_SEND_TIMEOUT_MS" not in out, out


@pytest.mark.parametrize(
    ("raw", "parsed"), [("1500", 1500), ("  42", 42), ("800ms", 800), ("1e3", 1), ("-7", -7), ("+3", 3), ("x1", None)]
)
def test_the_variable_is_read_as_parseint_reads_it(raw, parsed):
    from hookd.hooks.session_end import parse_int

    assert parse_int(raw) == parsed


# An HTTP hook's timeout.


def _http(home: Path, event: str, **fields: object) -> None:
    handler = {**entries.http_handler("http://127.0.0.1:8787/hook"), **fields}
    if "timeout" in fields and fields["timeout"] is None:
        del handler["timeout"]
    _write(user_settings(home), {"hooks": {event: [{"hooks": [handler]}]}})


@pytest.mark.parametrize(
    ("timeout", "shown"), [(None, "carry no timeout, so Claude Code waits up to 600 s"), (120, "timeout = 120 s")]
)
def test_an_http_hook_that_lets_claude_code_wait_past_a_minute_is_said(home, managed, capsys, timeout, shown):  # noqa: F811
    _http(home, "Stop", timeout=timeout)
    code, out = _hooks_status(capsys)
    assert code == 1 and shown in out, out
    assert "one that accepts and does not answer holds the agent that long at every event" in out, out


@pytest.mark.parametrize(("event", "timeout"), [("Stop", 2), ("Stop", 60), ("Stop", 30.5), ("SessionEnd", None)])
def test_an_http_hook_within_a_minute_or_ended_by_the_budget_is_not(home, managed, capsys, event, timeout):  # noqa: F811
    _http(home, event, timeout=timeout)
    code, out = _hooks_status(capsys)
    assert "does not answer holds the agent" not in out, out


# The matcher of the group hookd's hooks sit in.


def _under(home: Path, event: str, matcher: object) -> Path:
    group: dict[str, object] = {"hooks": [_hookd_hook(event)]}
    if matcher is not None:
        group["matcher"] = matcher
    path = user_settings(home)
    _write(path, {"hooks": {event: [group]}})
    return path


@pytest.mark.parametrize("matcher", ["Bash", "Edit|Write", "mcp__.*", "^Bash$", "[", 7])
def test_a_matcher_that_narrows_hookds_hooks_is_said_and_install_repairs_it(home, managed, capsys, matcher):  # noqa: F811
    path = _under(home, "PreToolUse", matcher)
    code, out = _hooks_status(capsys)
    assert code == 1, out
    assert f"hooks for PreToolUse sit in a group with matcher = {matcher!r}" in out, out
    assert f"hookd hooks install --settings {path}" in out, out
    assert run_hooks("install", "--settings", str(path), "--events", "PreToolUse") == 0
    code, out = _hooks_status(capsys)
    assert code == 0 and "sit in a group with matcher" not in out, out


def test_hookd_status_says_the_narrowing_matcher_too(home, managed, capsys, short_state):  # noqa: F811
    _under(home, "SessionStart", "startup")
    [problem] = _status_problems(capsys)
    assert "hooks for SessionStart sit in a group with matcher = 'startup'" in problem, problem


@pytest.mark.parametrize(
    ("event", "matcher"),
    [
        ("PreToolUse", None),
        ("PreToolUse", ""),
        ("PreToolUse", "*"),
        ("PreToolUse", ".*"),
        ("Notification", "x*"),
        ("Stop", "Bash"),
    ],
)
def test_a_matcher_that_matches_all_or_is_ignored_is_not_said(home, managed, capsys, event, matcher):  # noqa: F811
    _under(home, event, matcher)
    code, out = _hooks_status(capsys)
    assert code == 0 and "sit in a group with matcher" not in out, out


# CLAUDE_CODE_SIMPLE (claude --bare): no hooks are looked for in the settings files or plugins.


@pytest.mark.parametrize("value", ["1", "true", " Yes ", "on"])
def test_bare_mode_in_this_environment_is_said_of_all_but_the_managed_settings(
    home, managed, capsys, monkeypatch, value
):  # noqa: F811
    assert run_hooks("install", "--events", "Stop") == 0
    _write(managed, _groups({"SessionEnd": _hookd_hook("SessionEnd")}))
    monkeypatch.setenv("CLAUDE_CODE_SIMPLE", value)
    code, out = _hooks_status(capsys)
    assert code == 1 and out.count(f"CLAUDE_CODE_SIMPLE={value} is set") == 1, out
    [user_part, managed_part] = out.split(f"{managed} (managed settings)")
    assert "CLAUDE_CODE_SIMPLE" in user_part and "CLAUDE_CODE_SIMPLE" not in managed_part, out


def test_hookd_status_says_bare_mode_too(home, managed, capsys, monkeypatch, short_state):  # noqa: F811
    assert run_hooks("install", "--events", "Stop") == 0
    monkeypatch.setenv("CLAUDE_CODE_SIMPLE", "1")
    [problem] = [p for p in _status_problems(capsys) if "CLAUDE_CODE_SIMPLE" in p]
    assert "no events will reach hookd" in problem and "unset CLAUDE_CODE_SIMPLE" in problem, problem


@pytest.mark.parametrize("value", ["0", "false", "", "2"])
def test_a_value_claude_code_does_not_take_as_true_is_not_said(home, managed, capsys, monkeypatch, value):  # noqa: F811
    assert run_hooks("install", "--events", "Stop") == 0
    monkeypatch.setenv("CLAUDE_CODE_SIMPLE", value)
    code, out = _hooks_status(capsys)
    assert code == 0 and "CLAUDE_CODE_SIMPLE" not in out, out


# An HTTP hook on an event that runs none.


@pytest.mark.parametrize("event", ["SessionStart", "Setup"])
def test_an_http_hook_where_claude_code_runs_none_is_said_and_install_repairs_it(home, managed, capsys, event):  # noqa: F811
    _http(home, event, timeout=2)
    code, out = _hooks_status(capsys)
    assert code == 1, out
    assert f"hooks for {event} carry type = 'http': Claude Code runs only command and mcp_tool hooks" in out, out
    assert run_hooks("install", "--settings", str(user_settings(home)), "--events", event) == 0
    code, out = _hooks_status(capsys)
    assert "carry type = 'http'" not in out, out


def test_an_http_hook_where_claude_code_runs_it_is_not_said_so(home, managed, capsys):  # noqa: F811
    _http(home, "Stop", timeout=2)
    code, out = _hooks_status(capsys)
    assert "carry type = 'http'" not in out, out


@pytest.mark.process
def test_hookd_runs_start_check_names_a_narrowing_matcher(home, hookd_factory, redis_db):  # noqa: F811
    path = _under(home, "PreToolUse", "Bash")
    daemon = hookd_factory()
    wait_until(lambda: "matcher = 'Bash'" in daemon.log_text(), what="the warning at start")
    [record] = [json.loads(line) for line in daemon.log_text().splitlines() if "matcher = 'Bash'" in line]
    assert record["event"] == "hooks_would_miss" and record["settings"] == str(path), record
    assert record["events"] == ["PreToolUse"], record
