"""Forty-fourth pass: what Claude Code's hooks accept today, read against what status says.

From Claude Code's own settings schema for hooks (docs/security.md, "Forty-fourth pass:
conformity"): a command handler's ``shell`` ("bash" or "powershell"), ``async`` and
``asyncRewake``, and every handler's ``once`` and ``timeout`` (seconds, positive). On a hook of
hookd's, PowerShell cannot run hookd's POSIX line, an async hook is cancelled when the session
ends and a timeout under what hook-send needs kills it: each loses events (``once`` does not: the
seventy-first pass found it honoured in a skill's frontmatter only), and ``hooks status``, ``hookd status`` and ``hookd run``'s start
check now say so, with install as the repair. Settings that switch hooks off wholesale are said by
``hookd status`` and the start check too ("no events will reach hookd", naming the file). And a
file of thousands of hookd's handlers is judged in bounded work (the number of shell parses is
counted, not timed). Real files under a throwaway HOME, the CLI in-process; a real daemon for the
start check.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from conftest import wait_until
from hookd.hooks import entries
from hookd.hooks.command import hook_command
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture
from test_http_hooks_reach import hookd_cli
from test_pass29_conformity import managed  # noqa: F401 - fixture
from test_pass39_conformity import _groups, _hookd_hook, _hooks_status, _status_problems, _write


@pytest.fixture
def short_state(home, monkeypatch):  # noqa: F811
    """State and socket under a short path: a control socket's path under xdist's can pass 108 bytes."""
    monkeypatch.setenv("HOOKD_STATE_DIR", str(home / "state"))
    monkeypatch.setenv("HOOKD_SOCKET", str(home / "state" / "hookd.sock"))


# Handler fields that lose events on a hook of hookd's.

LOSING = [
    ({"shell": "powershell"}, "shell = 'powershell'"),
    ({"shell": "zsh"}, "shell = 'zsh'"),
    ({"async": True}, "async = true"),
    ({"asyncRewake": True}, "asyncRewake = true"),
    ({"timeout": 0.2}, "timeout = 0.2 s"),
    ({"timeout": "5"}, "timeout = '5', not a positive number"),
    ({"timeout": 0}, "timeout = 0, not a positive number"),
]


@pytest.mark.parametrize(("extra", "said"), LOSING)
def test_hooks_status_says_a_field_that_loses_hookds_events(home, managed, capsys, extra, said):  # noqa: F811
    _write(user_settings(home), _groups({"Stop": _hookd_hook("Stop", **extra)}))
    code, out = _hooks_status(capsys)
    assert code == 1 and said in out, out
    assert "lost" in out and "hookd hooks install --settings" in out, out


@pytest.mark.parametrize(("extra", "said"), LOSING)
def test_hookd_status_says_it_with_the_file_and_the_repair(home, managed, capsys, short_state, extra, said):  # noqa: F811
    path = user_settings(home)
    _write(path, _groups({"PreToolUse": _hookd_hook("PreToolUse", **extra)}))
    [problem] = [p for p in _status_problems(capsys) if said in p]
    assert problem.startswith(f"{path}: hooks for PreToolUse"), problem
    assert f"hookd hooks install --settings {path}" in problem, problem


@pytest.mark.parametrize(
    "extra",
    [
        {"shell": "bash"},
        {"statusMessage": "sending to hookd"},
        {"continueOnBlock": True},
        {"timeout": 1},
        {"timeout": 600},
        {"async": False, "once": False},
        {"once": True},  # honoured in a skill's frontmatter only (hooks reference, "Common fields"; 71st pass)
    ],
)
def test_harmless_fields_are_left_alone(home, managed, capsys, extra):  # noqa: F811
    _write(user_settings(home), _groups({"Stop": _hookd_hook("Stop", **extra)}))
    code, out = _hooks_status(capsys)
    assert code == 0, out


def test_exec_form_ignores_shell_so_it_is_not_said(home, managed, capsys):  # noqa: F811
    argv = shlex.split(entries.command_handler(hook_command("Stop"))["command"])
    handler = {"type": "command", "command": argv[0], "args": argv[1:], "timeout": 5, "shell": "powershell"}
    _write(user_settings(home), _groups({"Stop": handler}))
    code, out = _hooks_status(capsys)
    assert code == 0 and "shell = " not in out, out


def test_async_on_an_http_hook_is_not_said(home, managed, capsys):  # noqa: F811
    # The schema has no async for HTTP hooks: Claude Code drops the key and waits for the answer.
    addr = "127.0.0.1:9"
    http = {**entries.http_handler(entries.http_url(addr)), "async": True}
    _write(user_settings(home), _groups({"Stop": http}))
    capsys.readouterr()
    run_hooks("status", "--http-addr", addr)
    out = capsys.readouterr().out
    assert "async = true" not in out and "carry" not in out, out


def test_install_writes_hookds_hooks_again_without_them(home, managed, capsys):  # noqa: F811
    path = user_settings(home)
    bad = {"shell": "powershell", "async": True, "once": True, "timeout": 0.1}
    _write(path, _groups({"Stop": _hookd_hook("Stop", **bad)}))
    assert _hooks_status(capsys)[0] == 1
    assert run_hooks("install", "--events", "Stop") == 0
    [group] = json.loads(path.read_text())["hooks"]["Stop"]
    assert group["hooks"] == [entries.command_handler(hook_command("Stop"))], group
    code, out = _hooks_status(capsys)
    assert code == 0, out


@pytest.mark.process
def test_hookd_runs_start_check_names_a_field_on_hookds_hook(home, hookd_factory, redis_db):  # noqa: F811
    path = user_settings(home)
    _write(path, _groups({"SessionEnd": _hookd_hook("SessionEnd", shell="powershell")}))
    daemon = hookd_factory()
    wait_until(lambda: "shell = 'powershell'" in daemon.log_text(), what="the warning at start")
    [record] = [json.loads(line) for line in daemon.log_text().splitlines() if "shell = 'powershell'" in line]
    assert record["event"] == "hooks_would_miss" and record["settings"] == str(path), record


# Settings that switch hooks off wholesale: said by `hookd status`, not only `hooks status`.


def test_hookd_status_says_disable_all_hooks_in_the_users_settings(home, managed, capsys, short_state):  # noqa: F811
    path = user_settings(home)
    _write(path, {**_groups({"Stop": _hookd_hook("Stop")}), "disableAllHooks": True})
    [problem] = [p for p in _status_problems(capsys) if "disableAllHooks" in p]
    assert problem.startswith(f"{path}: hooks for Stop never run, so no events will reach hookd"), problem
    assert f"disableAllHooks is true in {path}" in problem and "set it to false there" in problem, problem


@pytest.mark.parametrize(
    ("policy", "said"),
    [
        ({"disableAllHooks": True}, "disableAllHooks is true in the managed settings"),
        ({"allowManagedHooksOnly": True}, "allowManagedHooksOnly is true in"),
        ({"strictPluginOnlyCustomization": ["hooks"]}, "strictPluginOnlyCustomization locks hooks in"),
    ],
)
def test_hookd_status_says_a_managed_switch_naming_the_managed_file(home, managed, capsys, short_state, policy, said):  # noqa: F811
    path = user_settings(home)
    _write(path, _groups({"Stop": _hookd_hook("Stop")}))
    _write(managed, policy)
    [problem] = [p for p in _status_problems(capsys) if said in p]
    assert problem.startswith(f"{path}: hooks for Stop never run, so no events will reach hookd"), problem
    assert str(managed) in problem and "ask whoever manages this machine" in problem, problem


def test_hookd_status_says_safe_mode(home, managed, capsys, short_state, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CLAUDE_CODE_SAFE_MODE", "1")
    _write(user_settings(home), _groups({"Stop": _hookd_hook("Stop")}))
    [problem] = [p for p in _status_problems(capsys) if "CLAUDE_CODE_SAFE_MODE" in p]
    assert "no events will reach hookd" in problem and "unset CLAUDE_CODE_SAFE_MODE" in problem, problem


def test_hooks_in_the_managed_file_itself_are_not_switched_off_by_allow_managed_hooks_only(
    home, managed, capsys, short_state
):  # noqa: F811
    _write(managed, {**_groups({"Stop": _hookd_hook("Stop")}), "allowManagedHooksOnly": True})
    assert not [p for p in _status_problems(capsys) if "no events will reach hookd" in p]


def test_a_false_switch_is_not_said(home, managed, capsys, short_state):  # noqa: F811
    _write(user_settings(home), {**_groups({"Stop": _hookd_hook("Stop")}), "disableAllHooks": False})
    _write(managed, {"allowManagedHooksOnly": False})
    assert not [p for p in _status_problems(capsys) if "no events will reach hookd" in p]


@pytest.mark.process
def test_hookd_runs_start_check_names_disable_all_hooks(home, hookd_factory, redis_db):  # noqa: F811
    path = user_settings(home)
    _write(path, {**_groups({"Stop": _hookd_hook("Stop")}), "disableAllHooks": True})
    daemon = hookd_factory()
    wait_until(lambda: "no events will reach hookd" in daemon.log_text(), what="the warning at start")
    [record] = [json.loads(line) for line in daemon.log_text().splitlines() if "no events will reach hookd" in line]
    assert record["event"] == "hooks_would_miss" and record["settings"] == str(path), record


# A file of many hookd handlers: bounded work, the rest said.

JUDGED = 256  # hookd/hooks/merge.py's: written here so that the code before it runs these tests too


def _many(home: Path, count: int) -> Path:
    path = user_settings(home)
    command = entries.command_handler(hook_command("Stop"))["command"]
    handlers = [{"type": "command", "command": f"{command} {i}", "timeout": 5} for i in range(count)]
    _write(path, {"hooks": {"Stop": [{"hooks": handlers}]}})
    return path


def _parses(monkeypatch) -> list[str]:
    """Every shell parse of a hook command the checks make (hookd/hooks/command.py's split_command)."""
    from hookd.hooks import command

    seen: list[str] = []
    real = shlex.split

    def counted(line, *args, **kwargs):
        seen.append(line)
        return real(line, *args, **kwargs)

    monkeypatch.setattr(command.shlex, "split", counted)
    return seen


def test_hookd_status_judges_a_bounded_number_of_handlers_and_says_the_rest(
    home, managed, capsys, short_state, monkeypatch
):  # noqa: F811
    path = _many(home, 4000)
    parses = _parses(monkeypatch)
    problems = _status_problems(capsys)
    # Each judged handler is parsed a few times (routes, paths, settings); 4000 of them were 20,000.
    assert len(parses) <= 8 * JUDGED, len(parses)
    [said] = [p for p in problems if "too many to judge" in p]
    assert said.startswith(f"{path}: hooks for Stop are 4000 handlers of hookd's"), said
    assert f"hookd hooks install --settings {path}" in said, said


def test_hooks_status_judges_a_bounded_number_too(home, managed, capsys, monkeypatch):  # noqa: F811
    _many(home, 4000)
    parses = _parses(monkeypatch)
    code, out = _hooks_status(capsys)
    assert len(parses) <= 8 * JUDGED, len(parses)
    assert code == 1 and "4000 handlers of hookd's" in out and "too many to judge" in out, out


def test_a_file_within_the_bound_is_judged_whole(home, managed, capsys, short_state):  # noqa: F811
    _many(home, JUDGED)
    problems = _status_problems(capsys)
    assert not [p for p in problems if "too many to judge" in p], problems


@pytest.mark.process
def test_hookd_status_of_a_running_daemon_is_degraded_by_disable_all_hooks(tmp_path, hookd_process_factory, redis_db):
    daemon = hookd_process_factory()
    home = tmp_path / "home"
    env = {**daemon.env, "HOME": str(home), "HOOKD_HOOK_CLIENT": "python"}
    assert hookd_cli(env, "hooks", "install", "--events", "Stop").returncode == 0
    path = home / ".claude" / "settings.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "disableAllHooks": True}))
    done = hookd_cli(env, "status", "--json")
    document = json.loads(done.stdout)
    assert done.returncode == 1 and document["health"] == "degraded", document
    assert any("would lose events" in r for r in document["reasons"]), document
    [problem] = [p for p in document["hooks_problems"] if "no events will reach hookd" in p]
    assert problem.startswith(f"{path}: hooks for Stop") and f"disableAllHooks is true in {path}" in problem, problem
