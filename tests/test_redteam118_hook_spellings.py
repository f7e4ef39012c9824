"""Hundred-eighteenth red-team pass: which hooks are hookd's, every shell spelling of a command hook.

Claude Code runs a command hook with a shell, so any shell spelling that runs hook-send runs hookd's
client: glued to an operator (``hook-send>/dev/null``), behind variables and wrappers (``exec``,
``env -i``, ``nice``, ``timeout 5``), by a quoted, ``~``, ``$HOME`` or ``${CLAUDE_PROJECT_DIR}`` path,
inside ``sh -c`` / ``bash -lc``, on a line among comments, the native binary, a link by another name.
Each spelling is run by a real /bin/sh with a hook-send that leaves a mark: what hookd says it runs
must be what the shell ran. Then hooks status and uninstall (in-process, as test_hooks_install.py) on
a settings file of them: a hook that runs hook-send among other things is said, and left.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from hookd.cli import main
from hookd.hooks import entries
from hookd.hooks.command import route, written_settings

NATIVE = "hook-send-0123456789ab"

# Each runs hook-send and nothing else: hookd's.
ALONE = {
    "glued: >": "hook-send>/dev/null",
    "glued: ;": "hook-send;true",
    "glued: ( )": "(hook-send)",
    "glued: backquotes": "`hook-send`",
    "glued: $( )": "$(hook-send)",
    "glued: || true": "hook-send||true",
    "glued: 2>&1": "hook-send 2>&1 >/dev/null",
    "descriptor first": "2>/dev/null hook-send Stop",
    "background": "hook-send&",
    "braces": "{ hook-send; }",
    "env prefix": "FOO=1 BAR='a b' hook-send Stop",
    "exec": "exec hook-send Stop",
    "command": "command hook-send Stop",
    "env -i": 'env -i PATH="$PATH" hook-send Stop',
    "nice": "nice -n 5 hook-send Stop",
    "timeout": "timeout -k 1 5 hook-send Stop",
    "nohup": "nohup hook-send Stop >/dev/null",
    "quoted path with spaces": "'{tools}/hook-send' Stop",
    "~ path": "~/bin/hook-send Stop",
    "$HOME path": "$HOME/bin/hook-send Stop",
    "${HOME} path": '"${HOME}"/bin/hook-send Stop',
    "${CLAUDE_PROJECT_DIR} path": '"${CLAUDE_PROJECT_DIR}"/tools/hook-send Stop',
    "sh -c": "sh -c 'hook-send Stop'",
    "bash -lc": 'bash -lc "~/bin/hook-send Stop"',  # a login shell's PATH is /etc/profile's
    "bash -ec": 'bash -ec "hook-send Stop"',
    "sh -c in sh -c": "sh -c 'sh -c \"hook-send\"'",
    "eval": "eval 'hook-send Stop'",
    "newlines and comments": "# hookd's hook\n\nhook-send Stop # it exits 0\n",
    "line continued": "hook-send \\\n  Stop",
    "native by name": "{bin}/" + NATIVE + " Stop",
    "native behind exec env": "exec env HOOKD_SOCKET={home}/s.sock {bin}/" + NATIVE + " Stop",
    "a link by another name": "{home}/bin/hs Stop",
    "if": "if hook-send; then :; fi",
    "cd first": 'cd "$CLAUDE_PROJECT_DIR" && ./tools/hook-send Stop',
}
# Each runs hook-send and something else too: the user's hook, said by status and left by uninstall.
AMONG = {
    "|| curl": ("hook-send || curl -s http://127.0.0.1:9/x", "curl"),
    "&& x": ("hook-send&&notify-me", "notify-me"),
    "| tee": ("hook-send|tee -a {home}/log", "tee"),
    "; other": ("hook-send; notify-me", "notify-me"),
    "$( ) in an argument": ("notify-me $(hook-send)", "notify-me"),
}
# None of these runs hook-send.
NOT = {
    "echo": "echo hook-send",
    "comment": "# hook-send",
    "comment after": "true # hook-send",
    "grep": "grep -s hook-send {home}/log",
    "quoted operator word": "echo 'hook-send;'",
    "command -v": "command -v hook-send",
    "a string in python": "python3 -c 'print(\"import hook_send\")'",
    "sh reading a file": "sh {home}/hook-send.sh",
    "a path that only holds the name": "ls {home}/hook-send-dir",
    "a no-break space is no blank": "hook-send\u00a0Stop",
}


@pytest.fixture
def place(tmp_path, monkeypatch):
    """HOME with bin/hook-send (and the native name, and a link to it named hs), a project, a tools
    directory with a space; each hook-send appends its argv to {home}/ran."""
    home = tmp_path / "home"
    project = tmp_path / "project"
    tools = tmp_path / "my tools"
    for d in (home / "bin", project / "tools", tools, home / "hook-send-dir"):
        d.mkdir(parents=True)
    script = f'#!/bin/sh\necho "$0 $*" >> {home}/ran\n'
    for where in (
        home / "bin" / "hook-send",
        home / "bin" / NATIVE,
        project / "tools" / "hook-send",
        tools / "hook-send",
    ):
        where.write_text(script)
        where.chmod(0o755)
    os.symlink(home / "bin" / NATIVE, home / "bin" / "hs")
    (home / "notify-bin").mkdir()
    for name in ("notify-me", "curl"):
        (home / "notify-bin" / name).write_text("#!/bin/sh\nexit 0\n")
        (home / "notify-bin" / name).chmod(0o755)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(project))
    monkeypatch.setenv("PATH", f"{home / 'bin'}:{home / 'notify-bin'}:/usr/bin:/bin")
    for name in list(os.environ):
        if name.startswith("HOOKD_"):
            monkeypatch.delenv(name)
    (tmp_path / "config.toml").write_text("")
    monkeypatch.setenv("HOOKD_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.chdir(project)
    return {"home": str(home), "bin": str(home / "bin"), "tools": str(tools)}


def _shell_runs_client(command: str, place: dict[str, str]) -> bool:
    """Whether /bin/sh, as Claude Code runs a command hook, ran a hook-send."""
    ran = Path(place["home"]) / "ran"
    ran.unlink(missing_ok=True)
    subprocess.run(["/bin/sh", "-c", command], stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    return ran.exists()


def _filled(command: str, place: dict[str, str]) -> str:
    for name, value in place.items():
        command = command.replace("{" + name + "}", value)
    return command


def _handler(command: str) -> dict:
    return {"type": "command", "command": command}


@pytest.mark.parametrize("shape", sorted(ALONE))
def test_every_spelling_that_runs_hook_send_alone_is_hookds(place, shape):
    command = _filled(ALONE[shape], place)
    assert _shell_runs_client(command, place), f"the test's own spelling does not run hook-send: {command!r}"
    assert entries.is_hookd(_handler(command)), f"{shape}: {command!r} runs hook-send, not seen as hookd's"
    assert entries.shared(_handler(command)) == ()


@pytest.mark.parametrize("shape", sorted(AMONG))
def test_a_spelling_that_runs_hook_send_among_other_things_is_the_users_and_named(place, shape):
    command, other = AMONG[shape]
    command = _filled(command, place)
    assert _shell_runs_client(command, place)
    assert not entries.is_hookd(_handler(command)), f"{shape}: uninstall would take the user's {other} with it"
    assert other in entries.shared(_handler(command))


@pytest.mark.parametrize("shape", sorted(NOT))
def test_a_spelling_that_only_names_hook_send_is_not_hookds(place, shape):
    command = _filled(NOT[shape], place)
    assert not _shell_runs_client(command, place)
    assert not entries.is_hookd(_handler(command)), f"{shape}: {command!r} runs no hook-send"
    assert entries.shared(_handler(command)) == ()


def test_the_route_and_settings_are_read_from_the_command_that_runs_hook_send(place):
    """What hook-send is given by its own command (inside sh -c, behind a redirection) is what status
    checks: the socket it sends to, the max_event_bytes it holds."""
    command = "sh -c 'HOOKD_SOCKET=/run/x/h.sock HOOKD_MAX_EVENT_BYTES=4096 exec hook-send Stop' 2>/dev/null"
    where = route(command, {"HOME": place["home"]})
    assert where is not None and where.socket == "/run/x/h.sock" and where.program == "hook-send"
    assert written_settings(command) == {"HOOKD_MAX_EVENT_BYTES": 4096}
    native = _handler(_filled(ALONE["native behind exec env"], place))
    assert entries.client_of(native) == "native" and entries.client_of(_handler(f"{place['home']}/bin/hs")) == "native"


def test_status_and_uninstall_on_a_file_of_spellings(place, capsys):
    settings = Path(place["home"]) / ".claude" / "settings.json"
    settings.parent.mkdir()
    hooks = {
        "PreToolUse": [{"matcher": "*", "hooks": [_handler("hook-send>/dev/null")]}],
        "PostToolUse": [{"matcher": "*", "hooks": [_handler("FOO=1 sh -c 'exec hook-send PostToolUse'")]}],
        "Stop": [{"hooks": [_handler("hook-send || curl -s http://127.0.0.1:9/x")]}],
        "SessionEnd": [{"hooks": [_handler("echo hook-send")]}],
    }
    settings.write_text(json.dumps({"hooks": hooks}))
    main(["hooks", "status", "--scope", "user", "--json"])
    (found,) = json.loads(capsys.readouterr().out)["files"]
    assert found["events"] == ["PreToolUse", "PostToolUse"]
    assert found["notes"] == [
        "hooks for Stop run hook-send among other things (curl): they are yours, not hookd's, so hooks install "
        "and uninstall leave them and hookd's checks do not judge them; to have hookd manage them, give the "
        "other commands a hook of their own and run hookd hooks install"
    ]
    assert main(["hooks", "uninstall", "--scope", "user"]) == 0
    left = json.loads(settings.read_text())["hooks"]
    assert left == {"Stop": hooks["Stop"], "SessionEnd": hooks["SessionEnd"]}
    capsys.readouterr()
    settings.write_text(json.dumps({"hooks": {**left, "Stop": [*left["Stop"], {"hooks": [_handler("hook-send")]}]}}))
    main(["hooks", "status", "--scope", "user"])
    out = capsys.readouterr().out
    assert "hooks for Stop run hook-send among other things (curl), and hookd's own hook for Stop too" in out
