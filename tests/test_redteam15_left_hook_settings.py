"""The fourteenth pass's Left (h90): only `hookd hooks status` checked the settings a hook command
carries (HOOKD_MAX_EVENT_BYTES) against the daemon's; `hookd status`, what a user runs to ask whether
hookd works, said healthy while hooks handed on too_large markers for events hookd would take. It
now names each such setting on its hooks row, with the fix (`hookd hooks install`), and is degraded.
And `written_settings` reads every one of SETTING_VARS, not HOOKD_MAX_EVENT_BYTES by name.
"""

from __future__ import annotations

import json
import subprocess
import sys

from hookd.hooks import command, entries
from hookd.hooks.command import hook_command
from test_hooks_install import home, user_settings  # noqa: F401 - fixture


def install(home, daemon, **settings) -> None:  # noqa: F811
    path = user_settings(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = entries.command_handler(
        hook_command("Stop", socket=str(daemon.socket), state_dir=str(daemon.state_dir), **settings)
    )
    path.write_text(json.dumps({"hooks": {"Stop": [{"hooks": [handler]}]}}))


def status(daemon) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, text=True, timeout=30
    )
    return done.returncode, json.loads(done.stdout)


def test_status_names_a_setting_the_hook_commands_carry_apart_from_the_daemons(home, hookd_factory, redis_db):  # noqa: F811
    daemon = hookd_factory()
    install(home, daemon, max_event_bytes=4096)  # installed while max_event_bytes was 4096
    code, document = status(daemon)
    # On the code before: no hooks problem, and healthy.
    [line] = document["hooks_problems"]
    assert "HOOKD_MAX_EVENT_BYTES=4096" in line and f"max_event_bytes is {8 << 20}" in line, line
    assert f"hookd hooks install --settings {user_settings(home)}" in line
    assert (
        code == 1
        and "installed hook commands carry settings apart from this daemon's (see hooks)" in (document["reasons"])
    )
    install(home, daemon)  # what `hookd hooks install` writes for this daemon: nothing apart
    code, document = status(daemon)
    assert document["hooks_problems"] == []


def test_written_settings_reads_each_setting_var(monkeypatch):
    from hookd_client import hook_send

    monkeypatch.setitem(command.SETTING_VARS, "HOOKD_TEST_SETTING", "test_setting")
    monkeypatch.setattr(
        hook_send, "test_setting", lambda environ: int(environ.get("HOOKD_TEST_SETTING", "7")), raising=False
    )
    line = "env HOOKD_TEST_SETTING=9 HOOKD_MAX_EVENT_BYTES=4096 hook-send Stop"
    assert command.written_settings(line) == {"HOOKD_MAX_EVENT_BYTES": 4096, "HOOKD_TEST_SETTING": 9}
    assert command.written_settings("hook-send Stop") == {"HOOKD_MAX_EVENT_BYTES": 8 << 20, "HOOKD_TEST_SETTING": 7}
