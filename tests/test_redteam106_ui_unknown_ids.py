"""Hundred-sixth red-team pass: a client naming new session ids without end, and a read behind the stream.

Each id that nothing but the stream could name (no index entry, no events in memory) cost a pass
back of the stream, a step a request, and a new id a new pass: a client with the cookie held the
reader for as long as it made up ids. Those reads now draw on one budget of entries
(hookd/ui/scan_budget.py); a request past it is a 429 that says why and when to ask again. In
process against a real redis-server (the bounds made small), and the answers of a `hookd ui` process.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

import hookd.ui.reader
import hookd.ui.session_scans
from hookd.ui.scan_budget import ScanBudget, ScanBudgetSpent
from conftest import wait_until
from test_redteam93_ui_answers import STREAM, _add, _login, _xrevranges, spread_session, ui_of  # noqa: F401
from test_redteam98_ui_scans import _ids, _run
from test_redteam104_ui_growing_stream import _Counted, _write

STEP = 1000


def _get(ui, cookie: str, path: str) -> tuple[int, dict, str | None]:
    parts = urlsplit(ui.base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", parts.path + path, headers={"Cookie": cookie})
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    return response.status, body, response.getheader("retry-after")


def test_the_budget_refills_at_its_rate_and_takes_back_what_a_read_left():
    now = [0.0]
    budget = ScanBudget(3000, 60, clock=lambda: now[0])
    assert [budget.take(1000) for _ in range(3)] == [1000, 1000, 1000]
    with pytest.raises(ScanBudgetSpent) as spent:
        budget.take(1000)
    assert spent.value.retry_after == pytest.approx(20.0)  # 1,000 entries at 50 a second
    assert "session_index" in str(spent.value) and budget.refused == 1
    budget.give_back(400)
    assert budget.take(1000) == 400  # what is left, not more
    now[0] = 10.0
    assert budget.take(1000) == 500
    now[0] = 1000.0
    assert budget.take(5000) == 3000  # never more than it holds


def test_new_ids_without_end_read_the_budget_and_no_more(redis_db, redis_server, tmp_path, monkeypatch):
    """Each new id read the stream's 301 entries (before: 20 ids, 20 passes, 6,060 entries); now
    the reads of unknown ids take 3,000 at most, and the ids after are refused before any read."""
    monkeypatch.setattr(hookd.ui.session_scans, "SCAN_STEP", STEP, raising=False)
    _add(redis_db, "1000-0", "real")
    _write(redis_db, 2000, 300)

    async def steps(scans, reader):
        scans.unknown = ScanBudget(3000, 1e9)  # no refill while the test runs
        counted, answers = _Counted(reader), []
        for n in range(20):
            try:
                answers.append(_ids(await scans.events(f"made-up-{n}", 0, 0, unknown=True)))
            except ScanBudgetSpent as exc:
                answers.append(exc)
        spent = counted.entries
        known = _ids(await scans.events("real", 0, 0))  # a session the index names: not held to it
        return answers, spent, known, scans.unknown.refused

    answers, spent, known, refused = _run(redis_server, tmp_path, steps)
    granted = [a for a in answers if not isinstance(a, ScanBudgetSpent)]
    assert len(granted) == 10 and refused == 10, answers  # 9 whole passes of 301, and the 291 left
    assert granted[0] == ([], 0, None) and granted[-1][2] is not None, granted  # the last cut short
    assert spent <= 3000 + 2 * len(granted), spent  # the budget, and each read's newest and first entry
    assert known == (["1000-0"], 0, None), known


def test_a_ui_answers_ids_past_the_budget_with_a_429_and_reads_nothing_for_them(ui_of, redis_db):  # noqa: F811
    spread_session(redis_db, "old")
    prelude = (
        "import hookd.ui.session_scans, hookd.ui.scan_budget\n"
        "hookd.ui.session_scans.SCAN_STEP = 1000\n"
        "hookd.ui.scan_budget.UNKNOWN_ENTRIES = 3000\n"
        "hookd.ui.scan_budget.UNKNOWN_PERIOD_S = 1e9\n"
    )
    ui = ui_of(history=100, prelude=prelude)
    cookie = _login(ui)
    wait_until(lambda: _get(ui, cookie, "/api/status")[1]["kept"] == 100, timeout=60, what="the UI's start read")
    before = _xrevranges(redis_db)
    answers = [_get(ui, cookie, f"/api/session?s=made-up-{n}") for n in range(40)]
    calls = _xrevranges(redis_db) - before
    assert [code for code, _, _ in answers] == [200] * 3 + [429] * 37, [a[:1] for a in answers]
    assert all(body.get("reading_on") for _, body, _ in answers[:3]), answers[:3]
    code, body, retry = answers[-1]
    assert "session_index" in body["error"] and "open the session again in" in body["error"], body
    assert retry is not None and int(retry) > 0, retry
    assert calls <= 3 * 2, calls  # before: 40 ids, 80 XREVRANGE (the newest entry, a step)
    code, body, _ = _get(ui, cookie, "/api/session?s=old")  # a session memory holds: not refused
    assert code == 200 and [e["id"] for e in body["events"]][-1] == "9000000-0", body
    assert _get(ui, cookie, "/api/status")[1]["unknown_sessions_refused"] == 37
    lines = ui.log_path.read_text().count("ui_unknown_session_refused")
    assert 1 <= lines < 37, lines  # said, and rate-limited (once every 10 s)


def test_entries_added_since_do_not_shorten_the_read_back(redis_db, redis_server, tmp_path, monkeypatch):
    """A guard: the read back goes first, and the entries since are read only once it has ended, so
    a writer without end cannot take MAX_SESSION_SCAN from it: it stops 3,000 entries back from
    where it began, whatever was added meanwhile (on the base too: the new part is that the
    answers say they are behind)."""
    monkeypatch.setattr(hookd.ui.session_scans, "SCAN_STEP", STEP, raising=False)
    monkeypatch.setattr(hookd.ui.reader, "MAX_SESSION_SCAN", 3 * STEP)
    _add(redis_db, "1000-0", "mine")
    end = _write(redis_db, 2000, 5 * STEP)  # the read begins at 6999-0
    end = _write(redis_db, end, 1, mine_every=1)

    async def steps(scans, reader):
        reads, end_now = [], end
        for _ in range(6):
            reads.append((_ids(await scans.events("mine", 0, 0)), scans.behind("mine")))
            end_now = _write(redis_db, end_now, STEP * 3 // 2)
        return reads

    reads = _run(redis_server, tmp_path, steps)
    assert [unread for (_, _, unread), _ in reads[2:]] == ["4001-0"] * 4, reads  # 3,000 back from 7000-0
    assert all(behind is not None for _, behind in reads[1:]), reads  # and the writer is ahead, said


def test_a_read_anew_after_trimming_takes_what_it_read_from_the_budget(redis_db, redis_server, tmp_path, monkeypatch):
    """A kept scan that trimming took whole is read anew: what that read takes is its own entries,
    not those less the kept scan's (which gave the budget back more than it had taken)."""
    monkeypatch.setattr(hookd.ui.session_scans, "SCAN_STEP", STEP, raising=False)
    _write(redis_db, 2000, 301)

    async def steps(scans, reader):
        scans.unknown = ScanBudget(3000, 1e9)
        await scans.events("made-up", 0, 0, unknown=True)
        _write(redis_db, 3000, 50)
        redis_db.xtrim(STREAM, minid="3000-0", approximate=False)
        await scans.events("made-up", 0, 0, unknown=True)
        return int(scans.unknown.left)  # no refill to speak of: a 1e9 s period

    assert _run(redis_server, tmp_path, steps) == 3000 - 301 - 50
