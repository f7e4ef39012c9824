"""hook-send -> hookd -> Redis Stream, with real processes and a real redis-server."""

from __future__ import annotations

import json

import pytest

from conftest import ALL_CORPUS_FILES, CORPUS, CORPUS_FILES, wait_for_entries
from hookd.hooks.events import EVENTS


def test_the_projects_own_corpus_covers_every_hook_event():
    names = {json.loads(path.read_bytes())["hook_event_name"] for path in CORPUS_FILES}
    assert {event.name for event in EVENTS} <= names, f"tests/corpus lacks {sorted({e.name for e in EVENTS} - names)}"
    assert max(path.stat().st_size for path in CORPUS_FILES) > 2_000_000


def test_every_corpus_event_arrives_in_the_stream_intact(hookd, redis_db):
    for path in ALL_CORPUS_FILES:
        result = hookd.send(path.read_bytes())
        assert (result.returncode, result.stdout, result.stderr) == (0, b"", b""), path.name
    entries = wait_for_entries(redis_db, len(ALL_CORPUS_FILES))
    assert len(entries) == len(ALL_CORPUS_FILES)
    assert hookd.inbox() == []
    for path, fields in zip(ALL_CORPUS_FILES, entries):
        sent = json.loads(path.read_bytes())
        envelope = json.loads(fields[b"envelope"])
        assert envelope["payload"] == sent, path.name
        assert envelope["hook"] == sent["hook_event_name"]
        assert fields[b"hook"].decode() == sent["hook_event_name"]
        assert fields[b"session"].decode() == sent.get("session_id", "")
        assert fields[b"tool"].decode() == sent.get("tool_name", "")
        assert fields[b"event_id"].decode() == envelope["event_id"]
        assert int(fields[b"seq"]) == envelope["seq"]


def test_sequence_and_event_ids_increase_in_send_order(hookd, redis_db):
    for i in range(20):
        hookd.send(json.dumps({"hook_event_name": "Stop", "session_id": f"s{i}"}).encode())
    envelopes = [json.loads(f[b"envelope"]) for f in wait_for_entries(redis_db, 20)]
    assert [e["session_id"] for e in envelopes] == [f"s{i}" for i in range(20)]
    seqs = [e["seq"] for e in envelopes]
    assert seqs == list(range(seqs[0], seqs[0] + 20))
    ids = [e["event_id"] for e in envelopes]
    assert ids == sorted(ids) and len(set(ids)) == 20


def test_envelope_records_the_sender_header(hookd, redis_db, tmp_path):
    body = b'{"session_id": "abc", "prompt": "hi"}'
    hookd.send(body, "UserPromptSubmit", CLAUDE_PROJECT_DIR="/home/me/my project")
    (fields,) = wait_for_entries(redis_db, 1)
    envelope = json.loads(fields[b"envelope"])
    assert envelope["hook"] == "UserPromptSubmit"
    assert envelope["project_dir"] == "/home/me/my project"
    assert envelope["client"]["pid"] > 0 and envelope["client"]["ppid"] > 0
    assert len(envelope["client"]["handoff_id"]) == 16
    assert envelope["sent_at"] <= envelope["received_at"]
    assert envelope["host"] and envelope["v"] == 1


def test_payload_event_name_wins_over_the_argument(hookd, redis_db):
    hookd.send(b'{"hook_event_name": "Stop"}', "PreToolUse")
    (fields,) = wait_for_entries(redis_db, 1)
    assert fields[b"hook"] == b"Stop"


@pytest.mark.parametrize("name", ["future_event_unknown_fields.json", "user_prompt_unicode.json"])
def test_unknown_and_unicode_payloads_pass_through_byte_for_byte(hookd, redis_db, name):
    raw = (CORPUS / name).read_bytes()
    hookd.send(raw)
    (fields,) = wait_for_entries(redis_db, 1)
    assert raw.strip() in fields[b"envelope"]
