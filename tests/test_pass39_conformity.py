"""Thirty-ninth pass: Claude Code's hooks up to 2.1.303 read against hookd.

From the hooks reference as condensed from code.claude.com (docs/security.md, "Thirty-ninth pass:
conformity"): a handler's ``if`` is evaluated on the five tool events only, and a handler with it on
any other event never runs; 2.1.295's ``onFailure: "block"`` makes a hook that cannot start or times
out block the action. A hook of hookd's carrying either lost events, or could stop the agent, while
``hooks status``, ``hookd status`` and ``hookd run``'s start check called it sound. The rest guards
what held: other handlers of the newer forms are kept byte for byte, hookd's own entry in exec form
is still hookd's, and the newer common input fields reach the stream, redacted. Real files under a
throwaway HOME, the CLI in-process (test_hooks_install.py); real daemons where one is needed.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from conftest import github_token, wait_for_entries, wait_until
from hookd.cli import main
from hookd.hook_names import KNOWN_HOOKS
from hookd.hooks import entries
from hookd.hooks.command import hook_command
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture
from test_http_hooks_reach import hookd_cli
from test_pass29_conformity import managed  # noqa: F401 - fixture

ADDR = "127.0.0.1:9"


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def _hookd_hook(event: str, **extra) -> dict:
    return {**entries.command_handler(hook_command(event)), **extra}


def _groups(hooks: dict[str, dict]) -> dict:
    return {"hooks": {event: [entries.group(event, handler)] for event, handler in hooks.items()}}


def _hooks_status(capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = run_hooks("status")
    return code, capsys.readouterr().out


def _status_problems(capsys) -> list[str]:
    """``hookd status --json``'s hooks findings (no daemon runs: exit 2, the hooks still checked)."""
    capsys.readouterr()
    assert main(["status", "--json"]) == 2
    return json.loads(capsys.readouterr().out)["hooks_problems"]


# `if`: read on the tool events only; elsewhere the handler never runs.


def test_hooks_status_says_an_if_on_a_non_tool_event_keeps_hookds_hook_from_running(home, managed, capsys):  # noqa: F811
    _write(user_settings(home), _groups({"Stop": _hookd_hook("Stop", **{"if": "Bash(git *)"})}))
    code, out = _hooks_status(capsys)
    assert code == 1, out
    assert "Stop" in out and "'Bash(git *)'" in out and "never run" in out, out
    assert "hookd hooks install --settings" in out, out


def test_hooks_status_says_an_if_on_a_tool_event_lets_only_matching_calls_reach_hookd(home, managed, capsys):  # noqa: F811
    _write(user_settings(home), _groups({"PreToolUse": _hookd_hook("PreToolUse", **{"if": "Edit(*.ts)"})}))
    code, out = _hooks_status(capsys)
    assert code == 1 and "only the calls that rule matches reach hookd" in out, out


# onFailure "block": a hook-send that cannot start would stop the agent.


def test_hooks_status_says_on_failure_block_would_let_hook_send_block_the_agent(home, managed, capsys):  # noqa: F811
    _write(user_settings(home), _groups({"PreToolUse": _hookd_hook("PreToolUse", onFailure="block")}))
    code, out = _hooks_status(capsys)
    assert code == 1 and "onFailure = 'block'" in out and "never block the agent" in out, out


@pytest.mark.parametrize("extra", [{"onFailure": "continue"}, {"onFailure": "block", "async": True}, {}])
def test_on_failure_that_cannot_block_is_not_a_problem(home, managed, capsys, extra):  # noqa: F811
    _write(user_settings(home), _groups({"PreToolUse": _hookd_hook("PreToolUse", **extra)}))
    code, out = _hooks_status(capsys)
    # async itself loses a session's last events (test_conformity44.py): said, but not as a block.
    assert code == (1 if extra.get("async") else 0) and "onFailure" not in out, out


def test_an_http_hook_of_hookds_with_on_failure_block_is_said(home, managed, capsys):  # noqa: F811
    http = {**entries.http_handler(entries.http_url(ADDR)), "onFailure": "block"}
    _write(user_settings(home), _groups({"Stop": http}))
    capsys.readouterr()
    run_hooks("status", "--http-addr", ADDR)
    out = capsys.readouterr().out
    assert "onFailure = 'block'" in out, out


def test_hookd_status_names_the_fields_with_the_file_and_the_repair(home, managed, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOOKD_STATE_DIR", str(home / "state"))
    monkeypatch.setenv("HOOKD_SOCKET", str(home / "state" / "hookd.sock"))
    sock, state = str(home / "state" / "hookd.sock"), str(home / "state")
    path = user_settings(home)
    handler = {**entries.command_handler(hook_command("Stop", sock, state)), "if": "Bash(*)", "onFailure": "block"}
    _write(path, _groups({"Stop": handler}))
    problems = _status_problems(capsys)
    [problem] = [p for p in problems if "onFailure" in p]
    assert str(path) in problem and "never run" in problem and "never block the agent" in problem, problems
    assert f"hookd hooks install --settings {path}" in problem, problem


@pytest.mark.process
def test_hookd_runs_start_check_names_an_if_on_hookds_hook(home, hookd_factory, redis_db):  # noqa: F811
    path = user_settings(home)
    _write(path, _groups({"SessionEnd": _hookd_hook("SessionEnd", **{"if": "Bash(*)"})}))
    daemon = hookd_factory()
    wait_until(lambda: "never run" in daemon.log_text(), what="the warning at start")
    [record] = [json.loads(line) for line in daemon.log_text().splitlines() if "never run" in line]
    assert record["event"] == "hooks_would_miss" and record["settings"] == str(path), record
    assert record["events"] == ["SessionEnd"], record


def test_install_writes_hookds_hooks_again_without_the_fields(home, managed, capsys):  # noqa: F811
    path = user_settings(home)
    other = {"type": "command", "command": "true", "if": "Bash(*)", "onFailure": "block"}
    _write(path, {"hooks": {"Stop": [{"hooks": [other, _hookd_hook("Stop", **{"if": "Bash(*)"})]}]}})
    assert run_hooks("install", "--events", "Stop") == 0
    stop = json.loads(path.read_text())["hooks"]["Stop"]
    assert stop == [{"hooks": [other]}, {"hooks": [entries.command_handler(hook_command("Stop"))]}], stop
    code, out = _hooks_status(capsys)
    assert code == 0, out


# What held: other handlers of the newer forms kept byte for byte; hookd's exec form still hookd's.

NEWER = {
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [
                    {"type": "command", "command": "gate", "args": ["--strict", "${tool_input.command}"]},
                    {"type": "command", "command": "gate", "args": [1, None]},
                    {"type": "command", "command": "gate", "args": "not a list"},
                    {"type": "command", "command": "audit.sh", "onFailure": "block", "if": "Bash(rm *)"},
                    {"type": "prompt", "prompt": "Safe? $ARGUMENTS", "continueOnBlock": True},
                    {"type": "http", "url": "https://gate.example/h", "onFailure": "block"},
                ],
            }
        ],
        "Stop": [
            {"hooks": [{"type": "command", "command": "notify", "asyncRewake": True}]},
            {"hooks": [{"type": "mod", "module": "./register.ts"}, "a string", 7, None]},
        ],
        "NewerEvent": [{"hooks": [{"type": "command", "command": "x", "args": []}]}],
    },
    "modules": ["./register.ts"],
}


@pytest.mark.parametrize("mode", ["command", "http"])
def test_install_and_uninstall_keep_handlers_of_the_newer_forms_byte_for_byte(home, managed, mode):  # noqa: F811
    path = user_settings(home)
    original = json.dumps(NEWER, indent=2) + "\n"
    path.parent.mkdir(parents=True)
    path.write_text(original)
    assert run_hooks("install", "--mode", mode, "--http-addr", ADDR) == 0
    data = json.loads(path.read_text())
    for event, groups in NEWER["hooks"].items():
        assert data["hooks"][event][: len(groups)] == groups
    assert run_hooks("uninstall", "--http-addr", ADDR) == 0
    assert path.read_text() == original


def test_hookds_exec_form_with_an_empty_shell_field_is_still_hookds(home, managed, capsys):  # noqa: F811
    argv = hook_command("Stop")
    handler = {"type": "command", "command": argv[0], "args": argv[1:], "shell": "bash", "timeout": 5}
    assert entries.is_hookd(handler) and entries.command_line(handler) == shlex.join(argv)
    assert not entries.is_hookd({"type": "command", "command": argv[0], "args": []})


# The newer common input fields reach the stream in the payload, redacted, for every event.


@pytest.mark.process
def test_every_event_with_the_newer_common_fields_reaches_the_stream_redacted(hookd, redis_db):
    token = github_token()
    for i, name in enumerate(KNOWN_HOOKS):
        body = {
            "hook_event_name": name,
            "session_id": f"s{i}",
            "prompt_id": f"p{i}",
            "agent_id": f"a{i}",
            "agent_type": f"reviewer {token}",
            "effort": {"level": "high"},
            "scratchpad_dir": "/tmp/pad",
            "permission_mode": "auto",
        }
        done = hookd.send(json.dumps(body).encode(), name)
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b""), name
    envelopes = [json.loads(f[b"envelope"]) for f in wait_for_entries(redis_db, len(KNOWN_HOOKS))]
    assert [e["hook"] for e in envelopes] == list(KNOWN_HOOKS)
    for i, envelope in enumerate(envelopes):
        payload = envelope["payload"]
        assert token not in json.dumps(envelope), envelope["hook"]
        assert payload["agent_type"] == "reviewer [REDACTED:github_token]", payload
        assert (payload["prompt_id"], payload["agent_id"]) == (f"p{i}", f"a{i}")
        assert payload["effort"] == {"level": "high"} and payload["scratchpad_dir"] == "/tmp/pad"


def test_hookds_whole_shell_line_put_in_exec_form_is_said_to_run_nothing(home, managed, capsys):  # noqa: F811
    """With ``args`` (even ``[]``) Claude Code spawns ``command`` as one program, and a whole shell
    line names no program: said as a path that does not exist, install the repair."""
    line = shlex.join(hook_command("Stop"))
    _write(user_settings(home), _groups({"Stop": {"type": "command", "command": line, "args": []}}))
    code, out = _hooks_status(capsys)
    assert code == 1 and "no longer exist" in out and "Stop" in out, out


def test_a_plugin_whose_hooks_file_names_only_a_module_is_read_without_a_finding(home, managed, capsys):  # noqa: F811
    """A mod's hooks/hooks.json ({"modules": [...]}, 2.1.287) holds no classic hooks of hookd's."""
    root = home / "home" / ".claude" / "plugins" / "cache" / "tools" / "guard" / "1.0.0"
    _write(root / "hooks" / "hooks.json", {"description": "a mod", "modules": ["./register.ts"]})
    listed = {"version": 2, "plugins": {"guard@tools": [{"scope": "user", "installPath": str(root)}]}}
    _write(home / "home" / ".claude" / "plugins" / "installed_plugins.json", listed)
    assert run_hooks("install", "--events", "Stop") == 0
    code, out = _hooks_status(capsys)
    assert code == 0 and "(plugin guard@tools)\n  no hookd hooks" in out, out


@pytest.mark.process
def test_hookd_status_of_a_running_daemon_says_a_hook_could_block_the_agent(tmp_path, hookd_process_factory, redis_db):
    """Degraded, and the reason says what the finding does: block the agent, not only lose events."""
    daemon = hookd_process_factory()
    home = tmp_path / "home"
    env = {**daemon.env, "HOME": str(home), "HOOKD_HOOK_CLIENT": "python"}
    assert hookd_cli(env, "hooks", "install", "--events", "PreToolUse").returncode == 0
    path = home / ".claude" / "settings.json"
    data = json.loads(path.read_text())
    data["hooks"]["PreToolUse"][0]["hooks"][0]["onFailure"] = "block"
    path.write_text(json.dumps(data))
    done = hookd_cli(env, "status", "--json")
    document = json.loads(done.stdout)
    assert done.returncode == 1 and document["health"] == "degraded", document
    assert "1 installed hook group would lose events or block the agent (see hooks)" in document["reasons"]
    [problem] = document["hooks_problems"]
    assert str(path) in problem and "onFailure" in problem, problem


def test_a_plugins_hook_of_hookds_with_if_gets_the_plugins_repair(home, managed, capsys):  # noqa: F811
    """A plugin's hooks file is not one install writes: the repair is the plugin's."""
    from test_pass34_conformity import PLUGIN, _plugin

    hooks_file = _plugin(home, _groups({"Stop": _hookd_hook("Stop", **{"if": "Bash(*)"})})["hooks"])
    code, out = _hooks_status(capsys)
    assert code == 1 and f"{hooks_file} (plugin {PLUGIN})" in out and "never run" in out, out
    [line] = [line for line in out.splitlines() if "never run" in line]
    assert f"come with the plugin {PLUGIN}" in line and "--settings" not in line, line
