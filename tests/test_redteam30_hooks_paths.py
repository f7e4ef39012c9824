"""Thirtieth red-team pass: what a settings file or a plugin list names, read by `hookd hooks`.

A NUL byte in a path.
`hookd hooks status` looks up the paths the files it reads name: a plugin's install path in
installed_plugins.json, the interpreter and client of a command hook (shell or exec form). A JSON
string may hold a NUL byte, which no path can: the lookup raised ValueError, and the whole status
ended at once with "hookd: embedded null byte", nothing checked and no file named. A project's
settings come with a checkout, so any checkout could keep `hooks status` from saying anything.

An ``allowedHttpHookUrls`` pattern of many stars: matched as ``.*`` joined, a pattern that fails took
time exponential in its stars, and `hooks status` (HTTP mode) in a checkout holding one did not end.

Real `hookd` processes, as the user runs them.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from hookd.hooks.command import hook_command

HOOK_SEND = "/usr/bin/python3 /opt/x\u0000y/hook_send.py"


def _hooks(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    env = {"HOME": str(tmp_path / "home"), "CLAUDE_CONFIG_DIR": str(tmp_path / "config"), "PATH": "/usr/bin:/bin"}
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")  # the hookd under test
    return subprocess.run(
        [sys.executable, "-m", "hookd", "hooks", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def test_a_plugin_install_path_with_a_nul_byte_leaves_the_other_plugins_checked(tmp_path):
    root = tmp_path / "config" / "plugins" / "cache" / "tools" / "hookd" / "1.0.0"
    # As install writes it (shlex.join): joined with blanks, the shell would run `python -c import`.
    hooked = {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": shlex.join(hook_command("Stop"))}]}]}}
    _write(root / "hooks" / "hooks.json", hooked)
    listed = {
        "bad@tools": [{"scope": "user", "installPath": f"{root}\u0000/../.."}],
        "hookd@tools": [{"scope": "user", "installPath": str(root)}],
    }
    _write(tmp_path / "config" / "plugins" / "installed_plugins.json", {"version": 2, "plugins": listed})
    _write(tmp_path / "config" / "settings.json", {"enabledPlugins": {"bad@tools": True, "hookd@tools": True}})

    done = _hooks(tmp_path, "status", "--json")
    assert "embedded null byte" not in done.stderr, done.stderr
    files = json.loads(done.stdout)["files"]
    plugin = [f for f in files if f.get("plugin") == "hookd@tools"]
    assert plugin and plugin[0]["events"] == ["Stop"], files


def test_a_hook_command_with_a_nul_byte_is_said_not_to_run_and_the_rest_is_checked(tmp_path):
    settings = tmp_path / "config" / "settings.json"
    shell = {"type": "command", "command": f"{HOOK_SEND} Stop"}
    exec_form = {"type": "command", "command": "/usr/bin/python3", "args": ["/opt/x\u0000y/hook_send.py", "SessionEnd"]}
    _write(settings, {"hooks": {"Stop": [{"hooks": [shell]}], "SessionEnd": [{"hooks": [exec_form]}]}})

    done = _hooks(tmp_path, "status", "--json")
    assert "embedded null byte" not in done.stderr, done.stderr
    assert done.returncode == 1, (done.returncode, done.stderr)
    files = {f["path"]: f for f in json.loads(done.stdout)["files"]}
    user = files[str(settings)]
    assert sorted(user["events"]) == ["SessionEnd", "Stop"]
    assert any("cannot be parsed" in p for p in user["problems"]), user["problems"]
    assert str(tmp_path / "project" / ".claude" / "settings.json") in files  # the other scopes still checked

    # install replaces them and keeps the rest of the file
    done = _hooks(tmp_path, "install", "--settings", str(settings), "--events", "Stop,SessionEnd")
    assert done.returncode == 0, done.stderr
    assert "\\u0000" not in settings.read_text()


def test_an_allowlist_pattern_of_many_stars_is_matched_and_said(tmp_path):
    addr = "127.0.0.1:8787"
    assert _hooks(tmp_path, "install", "--mode", "http", "--http-addr", addr, "--events", "Stop").returncode == 0
    project = tmp_path / "project" / ".claude" / "settings.json"
    _write(project, {"allowedHttpHookUrls": ["*" * 40 + "Z", "*h*t*t*p*:*/*/*1*2*7*.*0*.*0*.*1*:*8*7*8*7*/*h*o*o*k*Z"]})

    try:
        done = _hooks(tmp_path, "status", "--http-addr", addr)
    except subprocess.TimeoutExpired:
        raise AssertionError("hooks status did not end: the allowlist's patterns are matched by backtracking") from None
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"allowedHttpHookUrls is set in {project} and no pattern of it matches" in done.stdout, done.stdout

    _write(project, {"allowedHttpHookUrls": ["*" * 40 + "Z", "HTTP://127.0.0.1:*/*"]})  # the second matches
    done = _hooks(tmp_path, "status", "--http-addr", addr)
    assert "allowedHttpHookUrls" not in done.stdout, done.stdout
