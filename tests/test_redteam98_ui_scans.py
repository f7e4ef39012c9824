"""Ninety-eighth red-team pass: what a read of a session older than memory costs, and what it shows.

A first read scanned up to MAX_SESSION_SCAN entries in one request, for an id no entry has too; now a
request reads SCAN_STEP entries at most and says it reads on (`reading_on`), and the reads after it
go on from where it stopped. A kept scan showed events the stream had trimmed (MAXLEN, MINID, the
stream made anew); now a read drops what is older than the stream's first entry. In process against
a real redis-server (the bounds made small), and the answer of a `hookd ui` process.
"""

from __future__ import annotations

import asyncio
import json

import hookd.ui.reader
import hookd.ui.session_scans
from hookd.config import Config
from hookd.publish.connection import connect
from hookd.publish.replies import READER_REPLY_BYTES
from hookd.publish.settings import RedisSettings
from hookd.ui.reader import StreamReader
from hookd.ui.session_scans import SessionScans
from hookd.ui.store import Store
from test_redteam93_ui_answers import STREAM, _add, _get, _login, _xrevranges, spread_session, ui_of  # noqa: F401

Read = tuple[list[str], int, str | None]


def _run(redis_server, tmp_path, steps):
    """steps(scans, reader), awaited with a SessionScans over a real connection; its result."""
    settings = RedisSettings.from_config(Config(redis_url=redis_server.url, state_dir=str(tmp_path)))

    async def go():
        live, client = connect(settings, READER_REPLY_BYTES, 1), connect(settings, READER_REPLY_BYTES, 1)
        reader = StreamReader(settings, STREAM, Store(100), live, client)
        try:
            return await steps(SessionScans(reader), reader)
        finally:
            await live.aclose()
            await client.aclose()

    return asyncio.run(go())


def _ids(got) -> Read:
    return [rec.entry_id for rec in got[0]], got[1], got[2]


def test_a_first_read_of_an_id_no_entry_has_reads_one_step(redis_db, redis_server, tmp_path, monkeypatch):
    """An attacker's or a typo's id: one step a request (before: the whole range, 4 pages of it)."""
    monkeypatch.setattr(hookd.ui.session_scans, "SCAN_STEP", 1000, raising=False)
    spread_session(redis_db, "old")

    async def steps(scans, reader):
        before = _xrevranges(redis_db)
        first = _ids(await scans.events("nothing", 0, 0))
        return first, _xrevranges(redis_db) - before, scans

    first, calls, scans = _run(redis_server, tmp_path, steps)
    assert calls == 2, calls  # the newest entry, and one page of SCAN_STEP
    assert first == ([], 0, "4501-0") and scans.reading_on("nothing"), first


def test_reads_that_read_on_answer_as_a_whole_read_does(redis_db, redis_server, tmp_path, monkeypatch):
    """Each read goes on from where the one before stopped; the last is the whole read, and with the
    events found across steps beyond MAX_SESSION_EVENTS the count before them is the whole read's."""
    monkeypatch.setattr(hookd.ui.session_scans, "SCAN_STEP", 1000, raising=False)
    monkeypatch.setattr(hookd.ui.reader, "MAX_SESSION_EVENTS", 2)
    _add(redis_db, "1000-0", "old")
    _add(redis_db, "1500-0", "old")
    pipe = redis_db.pipeline(transaction=False)
    for n in range(3500):
        pipe.xadd(STREAM, {"envelope": json.dumps({"hook": "Stop"}), "session": "busy"}, id=f"{2000 + n}-0")
        if n == 1500:
            pipe.xadd(STREAM, {"envelope": json.dumps({"hook": "Stop"}), "session": "old"}, id="3500-1")
    pipe.execute()
    _add(redis_db, "9000000-0", "old")

    async def steps(scans, reader):
        reads = []
        for _ in range(10):
            reads.append((_ids(await scans.events("old", 0, 0)), scans.reading_on("old")))
            if not reads[-1][1]:
                break
        return reads, _ids(await reader.session_events("old", 0, 0))

    reads, whole = _run(redis_server, tmp_path, steps)
    assert reads[0][0] == (["9000000-0"], 0, "4501-0") and reads[0][1], reads[0]
    assert [on for _, on in reads] == [True, True, True, False], reads
    assert reads[-1][0] == whole == (["3500-1", "9000000-0"], 2, None), (reads[-1], whole)


def test_a_kept_scan_drops_what_the_stream_trimmed(redis_db, redis_server, tmp_path):
    for n in range(6):
        _add(redis_db, f"{1000 + n}-0", "mine" if n % 2 == 0 else "other")

    async def steps(scans, reader):
        reads = [_ids(await scans.events("mine", 0, 0))]
        redis_db.xtrim(STREAM, minid="1003-0", approximate=False)  # what MAXLEN does as entries arrive
        reads.append(_ids(await scans.events("mine", 0, 0)))
        reads.append(_ids(await reader.session_events("mine", 0, 0)))
        redis_db.delete(STREAM)  # the stream made anew, its newest entry newer than the kept one
        _add(redis_db, "2000-0", "other")
        reads.append(_ids(await scans.events("mine", 0, 0)))
        return reads

    first, trimmed, whole, anew = _run(redis_server, tmp_path, steps)
    assert first == (["1000-0", "1002-0", "1004-0"], 0, None), first
    assert trimmed == whole == (["1004-0"], 0, None), (trimmed, whole)
    assert anew == ([], 0, None), anew


def test_a_kept_scan_with_events_not_sent_counts_only_those_still_held(redis_db, redis_server, tmp_path, monkeypatch):
    monkeypatch.setattr(hookd.ui.reader, "MAX_SESSION_EVENTS", 1)
    for n in range(6):
        _add(redis_db, f"{1000 + n}-0", "mine" if n % 2 == 0 else "other")

    async def steps(scans, reader):
        reads = [_ids(await scans.events("mine", 0, 0))]
        redis_db.xtrim(STREAM, minid="1001-0", approximate=False)
        reads.append(_ids(await scans.events("mine", 0, 0)))
        reads.append(_ids(await reader.session_events("mine", 0, 0)))
        return reads

    first, trimmed, whole = _run(redis_server, tmp_path, steps)
    assert first == (["1004-0"], 2, None), first
    assert trimmed == whole == (["1004-0"], 1, None), (trimmed, whole)


def test_a_ui_answers_one_step_and_says_it_reads_on(ui_of, redis_db):  # noqa: F811
    spread_session(redis_db, "old")
    ui = ui_of(history=100, prelude="import hookd.ui.session_scans\nhookd.ui.session_scans.SCAN_STEP = 1000")
    cookie = _login(ui)
    answers = []
    for _ in range(10):
        code, body = _get(ui, cookie, "/api/session?s=old")
        assert code == 200, body
        answers.append(json.loads(body))
        if not answers[-1].get("reading_on"):
            break
    assert [e["id"] for e in answers[0]["events"]] == ["9000000-0"], answers[0]
    assert answers[0]["unread_before"] == "4501-0" and answers[0]["reading_on"] is True, answers[0]
    assert len(answers) == 4, [a.get("unread_before") for a in answers]
    assert [e["id"] for e in answers[-1]["events"]] == ["1000-0", "9000000-0"], answers[-1]
    assert "unread_before" not in answers[-1], answers[-1]
