"""Hundred-fourth red-team pass: reads of a session older than memory while a writer adds without end.

A kept scan read the entries added since it newest first, a step a request; when a writer had added a
step or more meanwhile, the step read was all new entries, the kept scan was dropped and the read
began anew at the stream's head: request after request, never reaching the session's events. In
process against a real redis-server (the bounds made small), as tests/test_redteam98_ui_scans.py does;
the writer is a batch of entries added between two reads, larger than a step.
"""

from __future__ import annotations

import json

import hookd.ui.reader
import hookd.ui.session_scans
from test_redteam93_ui_answers import STREAM, _add  # noqa: F401
from test_redteam98_ui_scans import _ids, _run

STEP = 1000


class _Counted:
    """The reader's requests client, counting the entries its XRANGE and XREVRANGE replies hold."""

    def __init__(self, reader) -> None:
        self.entries = 0
        for name in ("xrange", "xrevrange"):
            setattr(reader.client, name, self._counting(getattr(reader.client, name)))

    def _counting(self, read):
        async def counted(*args, **kwargs):
            got = await read(*args, **kwargs)
            self.entries += len(got)
            return got

        return counted


def _write(redis_db, start: int, n: int, mine_every: int = 0) -> int:
    """n entries of another session from id start (every mine_every-th of session "mine"); the next id."""
    pipe = redis_db.pipeline(transaction=False)
    for k in range(n):
        session = "mine" if mine_every and k % mine_every == 0 else "busy"
        pipe.xadd(STREAM, {"envelope": json.dumps({"hook": "Stop"}), "session": session}, id=f"{start + k}-0")
    pipe.execute()
    return start + n


def test_a_writer_adding_more_than_a_step_a_read_leaves_the_read_reaching_back(
    redis_db, redis_server, tmp_path, monkeypatch
):
    """Each read reads a step at most, each entry once, and the session's first event is reached
    (before: every read was the newest step, anew, and 1000-0 was never found)."""
    monkeypatch.setattr(hookd.ui.session_scans, "SCAN_STEP", STEP, raising=False)
    _add(redis_db, "1000-0", "mine")
    end = _write(redis_db, 2000, 5 * STEP)

    async def steps(scans, reader):
        counted, reads, per_read, end_now = _Counted(reader), [], [], end
        for _ in range(12):
            before = counted.entries
            reads.append(_ids(await scans.events("mine", 0, 0)))
            per_read.append(counted.entries - before)
            end_now = _write(redis_db, end_now, STEP * 3 // 2)  # the writer, faster than a step a read
        return reads, per_read, counted.entries, redis_db.xlen(STREAM)

    reads, per_read, total, length = _run(redis_server, tmp_path, steps)
    assert max(per_read) <= STEP + 2, per_read  # a step, the newest entry and the first
    reached = [n for n, (found, _, unread) in enumerate(reads) if "1000-0" in found and unread is None]
    assert reached and reached[0] <= 6, reads  # 5,001 entries back: 6 steps
    assert total <= length + 2 * len(reads), (total, length)  # each entry read once


def test_reads_that_catch_up_with_a_writer_answer_as_a_whole_read_does(redis_db, redis_server, tmp_path, monkeypatch):
    """The entries added since a kept scan are read oldest first, a step a read; once the writer
    stops and the reads catch up, the answer is the whole read's, the count before the newest too."""
    monkeypatch.setattr(hookd.ui.session_scans, "SCAN_STEP", STEP, raising=False)
    monkeypatch.setattr(hookd.ui.reader, "MAX_SESSION_EVENTS", 2)
    _add(redis_db, "1000-0", "mine")
    end = _write(redis_db, 2000, 2 * STEP, mine_every=700)

    async def steps(scans, reader):
        reads, end_now = [], end
        for _ in range(8):
            reads.append((_ids(await scans.events("mine", 0, 0)), scans.reading_on("mine")))
            end_now = _write(redis_db, end_now, STEP * 3 // 2, mine_every=400)
        for _ in range(30):
            got = _ids(await scans.events("mine", 0, 0))
            if not scans.reading_on("mine"):
                return reads, got, _ids(await reader.session_events("mine", 0, 0))
        raise AssertionError("the reads never caught up with the stream")

    reads, got, whole = _run(redis_server, tmp_path, steps)
    assert all(on for _, on in reads), reads  # behind the writer, and saying so
    assert got == whole, (got, whole)
    assert got[1] == 1 + 3 + 8 * 4 - 2, got  # every event of the session but the newest two
