"""The fourteenth pass's Left: `hookd hooks install` writes the daemon's max_event_bytes into the hook
command (HOOKD_MAX_EVENT_BYTES) when it is not hook-send's default, and `hooks status` said nothing
once the setting changed after the install: hooks holding a smaller limit hand on too_large markers
for events hookd would take, a larger one sends events hookd refuses. Status now names the setting,
both values, what it costs and the fix (`hookd hooks install`)."""

from __future__ import annotations

import json

from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture

DEFAULT = 8 << 20


def problems(capsys) -> list[str]:
    capsys.readouterr()
    run_hooks("status", "--json")
    [user] = [f for f in json.loads(capsys.readouterr().out)["files"] if f["events"]]
    return user["problems"]


def test_status_warns_when_the_hooks_carry_another_max_event_bytes_than_the_daemon(home, capsys):  # noqa: F811
    config = home / "config.toml"
    assert run_hooks("install", "--scope", "user", "--events", "PreToolUse,Stop") == 0
    assert problems(capsys) == []
    config.write_text("max_event_bytes = 4096\n")  # lowered after the install
    [line] = problems(capsys)
    assert f"run hook-send with HOOKD_MAX_EVENT_BYTES={DEFAULT}" in line and "max_event_bytes is 4096" in line
    assert "refuses them (too_large): lost" in line
    assert f"fix: hookd hooks install --settings {user_settings(home)}" in line
    assert run_hooks("status") == 1
    assert "! hooks for PreToolUse, Stop run hook-send" in capsys.readouterr().out

    assert run_hooks("install", "--scope", "user", "--events", "PreToolUse,Stop") == 0
    assert problems(capsys) == []
    config.write_text("")  # back to the default: the hooks still carry 4096
    [line] = problems(capsys)
    assert "HOOKD_MAX_EVENT_BYTES=4096" in line and f"max_event_bytes is {DEFAULT}" in line
    assert "reach hookd as too_large markers, their payload dropped" in line
    assert run_hooks("install", "--scope", "user", "--events", "PreToolUse,Stop") == 0
    assert problems(capsys) == [] and run_hooks("status") == 0
