"""Red team, twentieth pass: `hookd replay --file` published envelopes to Redis unredacted.

Every other way into the stream goes through the daemon's redaction; replay published each line of
the file as it was. A file of envelopes is hookd's own output when it is an export or `tail --json`,
but redacted by the rules of the hookd that wrote it (an older table, the user's redact_rules of
then), and a file can come from anywhere: a secret in it reached Redis. Now each envelope is redacted
with this config's settings before it is published, and a redacted one is left byte for byte.
"""

from __future__ import annotations

import json

import pytest
from test_replay import envelope, write_jsonl

from conftest import stream_entries, wait_for_entries
from secure_redis import hookd_cli

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"


def test_replay_redacts_a_secret_the_file_holds(hookd, redis_db, tmp_path):
    item = envelope("h20", 7, tool=AWS_KEY)
    item["redactions"] = 0
    item["payload"]["tool_input"] = {"command": f"export AWS_ACCESS_KEY_ID={AWS_KEY}"}
    path = tmp_path / "old-export.jsonl"
    write_jsonl(path, [item, envelope("h20", 8)])
    done = hookd_cli(hookd.env, "replay", "--file", str(path))
    assert done.returncode == 0, done.stderr
    entries = stream_entries(redis_db)
    assert len(entries) == 2
    assert not any(AWS_KEY.encode() in value for entry in entries for value in entry.values()), entries
    assert "held secrets unredacted (aws_access_key_id 2)" in done.stderr, done.stderr
    first = json.loads(entries[0][b"envelope"])
    assert first["payload"]["tool_input"]["command"] == "export AWS_ACCESS_KEY_ID=[REDACTED:aws_access_key_id]"
    assert first["tool_name"] == entries[0][b"tool"].decode() == "[REDACTED:aws_access_key_id]"
    assert (first["seq"], first["host"], first["event_id"], first["redactions"]) == (7, "h20", "id-h20-7", 2)
    # The event without a secret is published as the file held it.
    assert entries[1][b"envelope"] == json.dumps(envelope("h20", 8)).encode()


def test_redact_false_publishes_the_file_as_it_is(hookd, redis_db, tmp_path):
    """A guard: the user's redact = false is this command's setting too."""
    item = envelope("h20", 9, tool=AWS_KEY)
    path = tmp_path / "f.jsonl"
    write_jsonl(path, [item])
    done = hookd_cli({**hookd.env, "HOOKD_REDACT": "false"}, "replay", "--file", str(path))
    assert done.returncode == 0, done.stderr
    assert stream_entries(redis_db)[0][b"envelope"] == json.dumps(item).encode()


@pytest.mark.process
def test_envelopes_hookd_redacted_are_replayed_byte_for_byte(hookd_process_factory, redis_db, tmp_path):
    """A guard: what a daemon published (secrets redacted by it) goes back unchanged."""
    daemon = hookd_process_factory()
    bodies = [
        {"hook_event_name": "PreToolUse", "session_id": "s20", "tool_name": "Bash", "tool_input": {"command": c}}
        for c in (f"export AWS_ACCESS_KEY_ID={AWS_KEY}", "ls -la", "echo 'password: hunter2-Zq8x' > /dev/null")
    ]
    for body in bodies:
        assert daemon.send(json.dumps(body).encode()).returncode == 0
    entries = wait_for_entries(redis_db, len(bodies))
    assert b"REDACTED" in entries[0][b"envelope"]
    path = tmp_path / "tail.jsonl"
    path.write_bytes(b"\n".join(entry[b"envelope"] for entry in entries) + b"\n")
    done = hookd_cli({**daemon.env, "HOOKD_STREAM": "copy"}, "replay", "--file", str(path))
    assert done.returncode == 0 and "unredacted" not in done.stderr, done.stderr
    copies = stream_entries(redis_db, "copy")
    assert [c[b"envelope"] for c in copies] == [e[b"envelope"] for e in entries]
