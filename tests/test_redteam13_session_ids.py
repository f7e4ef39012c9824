"""Thirteenth red-team pass: a session_id of any length is taken (the event keeps it whole), but
the session index names a session longer than 256 bytes by its digest, so that no sender makes a
Redis key, a sorted-set member and a sessions-list entry of a megabyte (the twelfth pass's Left)."""

from __future__ import annotations

import hashlib
import json

from conftest import stream_entries, wait_for_entries
from hookd.publish.session_index import MAX_SESSION_ID_BYTES, index_id
from hookd.ui.events import record

LONG = "é" + "a" * (1 << 20)  # 1 MiB, not ASCII at its start
DIGEST = "sha256:" + hashlib.sha256(LONG.encode()).hexdigest()
UUID = "5b0c9f3e-2a41-4d7e-9c55-0e8a7f1b6d23"


def send(daemon, session: str, hook: str = "PostToolUse") -> None:
    body = json.dumps(
        {"hook_event_name": hook, "session_id": session, "tool_name": "Bash", "tool_input": {"command": "ls"}}
    ).encode()
    sent = daemon.send(body)
    assert (sent.returncode, sent.stdout, sent.stderr) == (0, b"", b"")


def test_a_megabyte_session_id_is_indexed_by_its_digest_and_kept_whole_in_the_envelope(hookd, redis_db):
    send(hookd, LONG)
    send(hookd, LONG, "Stop")
    send(hookd, UUID)
    entries = wait_for_entries(redis_db, 3)
    sizes = {key: len(key) for key in redis_db.scan_iter(count=1000)}
    assert max(sizes.values()) < 1024, sizes
    assert set(redis_db.zrange("{hookd:events}:sessions", 0, -1)) == {DIGEST.encode(), UUID.encode()}
    indexed = redis_db.hgetall("{hookd:events}:session:" + DIGEST)
    assert indexed[b"events"] == b"2" and indexed[b"last_hook"] == b"Stop"
    # The stream's session field names the index's key; the envelope keeps the id as sent.
    assert [f[b"session"] for f in stream_entries(redis_db)] == [DIGEST.encode(), DIGEST.encode(), UUID.encode()]
    assert json.loads(entries[0][b"envelope"])["session_id"] == LONG
    # A Claude Code session (a UUID) is indexed under its id, as before.
    assert redis_db.hget("{hookd:events}:session:" + UUID, "events") == b"1"


def test_the_ui_names_a_long_session_as_the_index_does():
    envelope = {"event_id": "e1", "host": "h", "hook": "Stop", "session_id": LONG, "payload": {}}
    rec, data = record("1796292000000-0", {b"envelope": json.dumps(envelope).encode()})
    assert rec.session == data["s"] == DIGEST
    assert len(rec.json) < 1024


def test_index_id_keeps_ids_up_to_the_bound_and_digests_longer_ones():
    at_bound = "x" * MAX_SESSION_ID_BYTES
    assert index_id(at_bound) == at_bound and index_id(UUID) == UUID and index_id("") == ""
    assert index_id(at_bound + "x") == "sha256:" + hashlib.sha256(at_bound.encode() + b"x").hexdigest()
    # Counted in UTF-8 bytes: 129 two-byte characters are over 256 bytes.
    assert index_id("é" * 129).startswith("sha256:") and index_id("é" * 128) == "é" * 128
