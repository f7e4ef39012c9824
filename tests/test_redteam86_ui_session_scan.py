"""Eighty-sixth red-team pass: opening an old session. The UI read the stream forward from the
session's first event, at most MAX_SESSION_SCAN entries: a session whose events spread past that
was shown without its newest events, and the page was not told the read stopped. It now reads back
from the session's last event, and says where it stopped. In process, against a real redis-server,
the scan's bound made small."""

from __future__ import annotations

import asyncio
import json

import pytest

import hookd.ui.reader
from hookd.config import Config
from hookd.publish.connection import connect
from hookd.publish.replies import READER_REPLY_BYTES
from hookd.publish.settings import RedisSettings
from hookd.ui.reader import StreamReader
from hookd.ui.store import Store

STREAM = "hookd:events"


def _add(redis_db, entry_id: str, session: str) -> None:
    envelope = {"hook": "PreToolUse", "session_id": session, "tool_name": "Bash", "payload": {}}
    redis_db.xadd(STREAM, {"envelope": json.dumps(envelope), "session": session}, id=entry_id)


def _session_events(redis_server, tmp_path, session: str):
    settings = RedisSettings.from_config(Config(redis_url=redis_server.url, state_dir=str(tmp_path)))

    async def read():
        live, client = connect(settings, READER_REPLY_BYTES, 1), connect(settings, READER_REPLY_BYTES, 1)
        try:
            return await StreamReader(settings, STREAM, Store(100), live, client).session_events(session, 0, 0)
        finally:
            await live.aclose()
            await client.aclose()

    return asyncio.run(read())


@pytest.fixture
def spread_session(redis_db):
    """Session "old": one event at the stream's start, 3,500 entries of another, one at its end."""
    _add(redis_db, "1000-0", "old")
    pipe = redis_db.pipeline(transaction=False)
    for n in range(3500):
        envelope = {"hook": "Stop", "session_id": "busy", "payload": {}}
        pipe.xadd(STREAM, {"envelope": json.dumps(envelope), "session": "busy"}, id=f"{2000 + n}-0")
    pipe.execute()
    _add(redis_db, "9000000-0", "old")


def test_an_old_session_cut_by_the_scan_shows_its_newest_events_and_says_so(
    spread_session, redis_server, tmp_path, monkeypatch
):
    monkeypatch.setattr(hookd.ui.reader, "MAX_SESSION_SCAN", 2000)
    got = _session_events(redis_server, tmp_path, "old")
    found = [rec.entry_id for rec in got[0]]
    assert "9000000-0" in found, f"the session's newest event was not read: {found}"
    assert found == ["9000000-0"], found
    # Where the read stopped: the session's events before it were not looked for.
    assert len(got) == 3 and got[2] is not None, got[1:]
    assert 1000 < int(got[2].split("-")[0]) < 9000000, got[2]


def test_a_session_read_to_its_first_event_sends_its_newest_and_counts_the_rest(
    redis_db, redis_server, tmp_path, monkeypatch
):
    monkeypatch.setattr(hookd.ui.reader, "MAX_SESSION_EVENTS", 2)
    for n in range(5):
        _add(redis_db, f"{1000 + n}-0", "few")
        _add(redis_db, f"{1000 + n}-1", "other")
    found, earlier, unread = _session_events(redis_server, tmp_path, "few")
    assert [rec.entry_id for rec in found] == ["1003-0", "1004-0"]
    assert (earlier, unread) == (3, None)
