"""Hundred-first red-team pass: what reads of a session older than memory cost, kept or trimmed.

An id no entry has was answered by a scan kept among the 64 sessions' scans and their 40,000
records: other sessions' reads pushed it out, and the id's page read the stream again, a step a
second. A kept scan that counted events it did not send (``earlier``) was read anew, from the
stream's newest entry back, each time trimming passed its oldest event. In process against a real
redis-server (the bounds made small), as tests/test_redteam98_ui_scans.py does.
"""

from __future__ import annotations

import asyncio

import hookd.ui.reader
import hookd.ui.session_scans
from test_redteam93_ui_answers import STREAM, _add, _xrevranges, spread_session  # noqa: F401
from test_redteam98_ui_scans import _ids, _run


async def _read_whole(scans, session: str) -> tuple:
    """Reads of session until one no longer reads on (at most 20)."""
    for _ in range(20):
        got = _ids(await scans.events(session, 0, 0))
        if not scans.reading_on(session):
            return got
    raise AssertionError(f"{session} still reads on after 20 reads")


def test_an_id_no_entry_has_is_read_once_whatever_else_is_read(redis_db, redis_server, tmp_path, monkeypatch):
    """Other ids no entry has, and a session whose events fill what is kept, leave its answer kept:
    a read again asks only for the newest entry (before: pushed out, the stream read again)."""
    monkeypatch.setattr(hookd.ui.session_scans, "SCAN_STEP", 1000, raising=False)
    monkeypatch.setattr(hookd.ui.session_scans, "KEPT_SESSIONS", 2)
    monkeypatch.setattr(hookd.ui.session_scans, "KEPT_RECORDS", 1)
    spread_session(redis_db, "old")

    async def steps(scans, reader):
        first = await _read_whole(scans, "nothing")
        for other in ("typo-1", "typo-2", "typo-3", "old"):
            await _read_whole(scans, other)
        before = _xrevranges(redis_db)
        again = [_ids(await scans.events("nothing", 0, 0)) for _ in range(3)]
        return first, again, _xrevranges(redis_db) - before

    first, again, calls = _run(redis_server, tmp_path, steps)
    assert first == ([], 0, None), first
    assert again == [([], 0, None)] * 3, again
    assert calls == 3, calls  # the newest entry, once a read


def test_pages_on_one_id_no_entry_has_read_the_stream_once(redis_db, redis_server, tmp_path, monkeypatch):
    """Five pages asking at once, again and again: one pass of the stream in all."""
    monkeypatch.setattr(hookd.ui.session_scans, "SCAN_STEP", 1000, raising=False)
    spread_session(redis_db, "old")  # 3,502 entries: 4 pages of 1,000 read back

    async def steps(scans, reader):
        before = _xrevranges(redis_db)
        answers = []
        for _ in range(6):
            answers += await asyncio.gather(*(scans.events("nothing", 0, 0) for _ in range(5)))
        return [_ids(a) for a in answers], _xrevranges(redis_db) - before

    answers, calls = _run(redis_server, tmp_path, steps)
    assert answers[-1] == ([], 0, None), answers[-1]
    assert calls == 30 + 4, calls  # the newest entry a read, and the stream's 4 pages once


def test_trimming_past_a_kept_scans_events_not_sent_reads_nothing_again(redis_db, redis_server, tmp_path, monkeypatch):
    """The kept scan loses what was trimmed, its count too, without reading back (before: the
    whole session read anew, every page of it), and answers as a whole read does."""
    monkeypatch.setattr(hookd.ui.reader, "MAX_SESSION_EVENTS", 2)
    monkeypatch.setattr(hookd.ui.reader, "PAGE", 10)
    for n in range(40):
        _add(redis_db, f"{1000 + n}-0", "mine" if n % 2 == 0 else "other")

    async def steps(scans, reader):
        reads = [_ids(await scans.events("mine", 0, 0))]
        trims = []
        for minid in ("1001-0", "1010-0", "1031-0", "1037-0", "1039-0"):
            redis_db.xtrim(STREAM, minid=minid, approximate=False)
            before = _xrevranges(redis_db)
            got = _ids(await scans.events("mine", 0, 0))
            trims.append((got, _xrevranges(redis_db) - before, _ids(await reader.session_events("mine", 0, 0))))
        return reads, trims

    reads, trims = _run(redis_server, tmp_path, steps)
    assert reads[0] == (["1036-0", "1038-0"], 18, None), reads[0]
    for got, calls, whole in trims:
        assert got == whole, (got, whole)
        assert calls == 1, (got, calls)  # the newest entry only
    assert [t[0][1] for t in trims] == [17, 13, 2, 0, 0], trims
    assert trims[-1][0][0] == [], trims[-1]


def test_trimming_within_one_millisecond_counts_by_sequence(redis_db, redis_server, tmp_path, monkeypatch):
    """Entries of one millisecond differ only in their sequence: the kept ids are cut there too."""
    monkeypatch.setattr(hookd.ui.reader, "MAX_SESSION_EVENTS", 2)
    for n in range(40):
        _add(redis_db, f"{(1000 if n < 20 else 1001)}-{n % 20}", "mine" if n % 2 == 0 else "other")

    async def steps(scans, reader):
        reads = [_ids(await scans.events("mine", 0, 0))]
        for minid in ("1000-1", "1000-9", "1000-19", "1001-3", "1001-17"):
            redis_db.xtrim(STREAM, minid=minid, approximate=False)
            reads.append((_ids(await scans.events("mine", 0, 0)), _ids(await reader.session_events("mine", 0, 0))))
        return reads

    first, *trims = _run(redis_server, tmp_path, steps)
    assert first == (["1001-16", "1001-18"], 18, None), first
    for got, whole in trims:
        assert got == whole, (got, whole)
    assert [got[1] for got, _ in trims] == [17, 13, 8, 6, 0], trims
