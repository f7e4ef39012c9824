"""Fifth red-team pass: `hookd tail` shows what is in the stream, never runs it on the terminal.

The stream holds what others wrote (every host publishing to it, anyone with
the Redis password, a hostile Redis). tail escaped the payload text of its
summary lines, but printed an entry's ``event_id`` as it was in its
"without a readable envelope" line, and ``--json`` printed C1 controls (U+009B,
CSI in 8 bits, which xterm and VTE act on in UTF-8) and bidirectional overrides
as they were. Now nothing tail prints carries a control character: the JSON
lines spell them as ``\\u`` escapes (the same JSON value).
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys

from conftest import REPO

HOSTILE = "\x1b]0;owned\x07\x1b[2J\u009b2J\u202eevil\u2028x\x7f"
CONTROLS = ["\x1b", "\x07", "\u009b", "\u202e", "\u2028", "\x7f"]


def xadd(client, **fields) -> None:
    text = add_entry(client, **fields)
    assert "\u009b" in text


def add_entry(client, **fields) -> str:
    """An entry as hookd writes one, its envelope's text spelled as Claude Code spells it:
    JSON.stringify writes these characters as they are. Returns that text."""
    envelope = {
        "v": 1,
        "event_id": "e1",
        "seq": 1,
        "host": "h",
        "hook": "PreToolUse",
        "session_id": "cccc3333",
        "tool_name": "Bash",
        "received_at": datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z"),
        "payload": {"tool_input": {"command": "ls"}},
        **fields,
    }
    text = json.dumps(envelope, ensure_ascii=False)
    client.xadd("hookd:events", {"envelope": text.encode(), "event_id": b"e1", "hook": b"PreToolUse"})
    return text


def tail(hookd, *args):
    return subprocess.run(
        [sys.executable, "-m", "hookd", "tail", *args],
        capture_output=True,
        text=True,
        env=hookd.env,
        cwd=REPO,
        timeout=30,
    )


def test_an_unreadable_entry_is_named_without_its_control_characters(hookd, redis_db):
    redis_db.xadd("hookd:events", {"envelope": b"not json", "event_id": HOSTILE.encode(), "hook": b"Stop"})
    xadd(redis_db, note=HOSTILE)
    done = tail(hookd, "--since", "1h", "--count", "1")
    assert done.returncode == 0, done.stderr
    assert "without a readable envelope" in done.stderr
    for c in CONTROLS:
        assert c not in done.stderr, (c, done.stderr)


def test_tail_json_escapes_controls_and_keeps_the_value(hookd, redis_db):
    xadd(redis_db, payload={"tool_input": {"command": HOSTILE}}, note=HOSTILE)
    done = tail(hookd, "--since", "1h", "--count", "1", "--json")
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    for c in CONTROLS:
        assert c not in line, (c, line)
    envelope = json.loads(line)
    assert envelope["payload"]["tool_input"]["command"] == HOSTILE and envelope["note"] == HOSTILE


def test_tail_lines_show_no_control_characters(hookd, redis_db):
    xadd(redis_db, payload={"tool_input": {"command": HOSTILE}}, session_id=HOSTILE, tool_name=HOSTILE)
    done = tail(hookd, "--since", "1h", "--count", "1")
    assert done.returncode == 0, done.stderr
    for c in CONTROLS:
        assert c not in done.stdout, (c, done.stdout)
