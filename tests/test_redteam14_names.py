"""Fourteenth red-team pass: a hook or tool name of a megabyte (the thirteenth pass's Left). Taken
whole into the envelope, it became a stream entry's `hook`/`tool` field and the session hash's
`last_hook`/`last_tool` of a megabyte each, and a cwd past any real path the hash's `cwd`. Names over
256 bytes (a cwd over 4096) are now written there as `sha256:` and their digest, as a long
session_id is; the envelope keeps them whole."""

from __future__ import annotations

import hashlib
import json

from conftest import stream_entries, wait_for_entries
from hookd.publish.session_index import MAX_NAME_BYTES, short_name

HOOK = "H" * (1 << 20)
TOOL = "é" + "T" * (1 << 20)
CWD = "/" + "c" * (1 << 20)


def digest(text: str) -> bytes:
    return ("sha256:" + hashlib.sha256(text.encode()).hexdigest()).encode()


def test_megabyte_hook_tool_and_cwd_are_digested_in_the_stream_fields_and_the_index(hookd, redis_db):
    body = json.dumps(
        {"hook_event_name": HOOK, "session_id": "s14n", "tool_name": TOOL, "cwd": CWD, "tool_input": {"x": 1}}
    ).encode()
    sent = hookd.send(body)
    assert (sent.returncode, sent.stdout, sent.stderr) == (0, b"", b"")
    entries = wait_for_entries(redis_db, 1)
    [fields] = stream_entries(redis_db)
    assert (fields[b"hook"], fields[b"tool"]) == (digest(HOOK), digest(TOOL))
    envelope = json.loads(entries[0][b"envelope"])
    assert envelope["payload"]["tool_name"] == TOOL and envelope["payload"]["cwd"] == CWD
    indexed = redis_db.hgetall("{hookd:events}:session:s14n")
    assert indexed[b"last_hook"] == digest(HOOK) and indexed[b"last_tool"] == digest(TOOL)
    assert indexed[b"cwd"] == digest(CWD) and indexed[b"hook:other"] == b"1"
    # Nothing in Redis but the envelope is longer than a kilobyte.
    assert max(len(v) for k, v in fields.items() if k != b"envelope") < 1024
    assert max(len(k) + len(v) for k, v in indexed.items()) < 1024


def test_short_name_keeps_names_up_to_the_bound():
    at_bound = "x" * MAX_NAME_BYTES
    assert short_name(at_bound) == at_bound and short_name("PostToolUse") == "PostToolUse"
    assert short_name(at_bound + "x") == digest(at_bound + "x").decode()
    assert short_name("é" * 129).startswith("sha256:") and short_name("é" * 128) == "é" * 128
