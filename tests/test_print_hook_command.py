"""`hookd print-hook-command` printed the Python client's command while `hookd hooks install` wrote the
native client's: a user who pasted the printed one got a hook ~10 ms slower per event than the one
install writes, and a different program. It now prints what install would write, for each hook_client."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from conftest import wait_for_entries
from test_lifecycle import hookd_command


def installed_command(daemon, tmp_path, *flags: str) -> str:
    settings = tmp_path / "settings.json"
    done = hookd_command("hooks", "install", "--settings", str(settings), "--events", "Stop", *flags, env=daemon.env)
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(settings.read_text())["hooks"]["Stop"]
    [hook] = entry["hooks"]
    settings.unlink()
    return hook["command"]


@pytest.mark.parametrize("client", [None, "native", "python"])
def test_print_hook_command_prints_what_hooks_install_writes(hookd, redis_db, tmp_path, client):
    flags = () if client is None else ("--hook-client", client)
    printed = hookd_command("print-hook-command", "Stop", *flags, env=hookd.env)
    assert printed.returncode == 0 and printed.stderr == b"", printed.stderr
    command = printed.stdout.decode().strip()
    assert command == installed_command(hookd, tmp_path, *flags)
    words = shlex.split(command)
    if client == "python":
        assert "-I" in words and "-S" in words and "exec" not in words
    else:  # auto: native when it builds, and it does here (a C compiler is part of make setup)
        assert words[0] == "exec" and "/bin/hook-send-" in words[-2] and words[-1] == "Stop", words
    bare = {k: v for k, v in hookd.env.items() if k not in ("HOOKD_SOCKET", "HOOKD_STATE_DIR")}
    run = subprocess.run(
        ["/bin/sh", "-c", command], input=b'{"session_id": "printed"}', env=bare, capture_output=True, timeout=30
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, b"", b"")
    (fields,) = wait_for_entries(redis_db, 1)
    assert (fields[b"hook"], fields[b"session"]) == (b"Stop", b"printed")
