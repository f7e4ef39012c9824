"""Ninety-third red-team pass: what a cookie holder's requests make `hookd ui` hold and do.

An envelope was answered whole: each connection that read nothing held its own copy in the
transport, and any number of them were answered; now envelopes are written a piece at a time and
those being written hold at most ENVELOPE_BYTES together (past it, a 503, counted). An old
session's read scanned the stream back from its last event each time the page asked (again after
each of its new events); now the scan is kept, and a read scans only the entries after it.
Against a real `hookd ui` process and redis-server."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest

import hookd.ui.reader
import hookd.ui.session_scans
from conftest import Hookd, wait_until
from hookd.config import Config
from hookd.publish.connection import connect
from hookd.publish.replies import READER_REPLY_BYTES
from hookd.publish.settings import RedisSettings
from hookd.ui.answers import ENVELOPE_BYTES
from hookd.ui.events import Record
from hookd.ui.reader import StreamReader
from hookd.ui.session_scans import SessionScans
from hookd.ui.store import Store
from ui_stack import Ui

STREAM = "hookd:events"


def _login(ui: Ui) -> str:
    parts = urlsplit(ui.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", ui.url[len(ui.origin) :])
    cookie = conn.getresponse().getheader("set-cookie") or ""
    conn.close()
    return cookie.split(";")[0]


def _get(ui: Ui, cookie: str, path: str) -> tuple[int, bytes]:
    parts = urlsplit(ui.base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", parts.path + path, headers={"Cookie": cookie})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def _add(redis_db, entry_id: str, session: str, payload: dict | None = None) -> None:
    envelope = {"hook": "PreToolUse", "session_id": session, "tool_name": "Bash", "payload": payload or {}}
    redis_db.xadd(STREAM, {"envelope": json.dumps(envelope), "session": session}, id=entry_id)


@pytest.fixture
def ui_of(redis_server, tmp_path):
    started = []

    def start(**kwargs) -> Ui:
        env = Hookd(tmp_path / "hookd", redis_server.url).env  # the settings of one; the UI needs no daemon
        ui = Ui(env, tmp_path / "ui.log", **kwargs)
        started.append(ui)
        return ui

    yield start
    for ui in started:
        ui.stop()


def _ask_and_read_only_the_head(ui: Ui, cookie: str, path: str) -> tuple[socket.socket, bytes]:
    """A connection that asks for path, reads the answer's first bytes, and then nothing."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(30)
    parts = urlsplit(ui.base)
    s.connect((parts.hostname, parts.port))
    s.sendall(f"GET {parts.path}{path} HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: {cookie}\r\n\r\n".encode())
    return s, s.recv(64)


def test_envelopes_to_clients_that_read_nothing_are_bounded_together(ui_of, redis_db):
    size = ENVELOPE_BYTES * 2 // 5  # two are held at once, not three
    _add(redis_db, "1000-0", "big", {"x": "a" * size})
    ui = ui_of(history=100)
    cookie = _login(ui)
    held = []
    try:
        for _ in range(2):
            s, head = _ask_and_read_only_the_head(ui, cookie, "/api/envelope/1000-0")
            held.append(s)
            assert head.startswith(b"HTTP/1.1 200"), head
        s, head = _ask_and_read_only_the_head(ui, cookie, "/api/envelope/1000-0")
        held.append(s)
        assert head.startswith(b"HTTP/1.1 503"), head
        status = json.loads(_get(ui, cookie, "/api/status")[1])
        assert status["envelopes_refused"] == 1, status
        wait_until(lambda: "ui_envelope_refused" in ui.log_path.read_text(), what="the refusal logged")
    finally:
        for s in held:
            s.close()
    # Those connections gone, what they held is let go: the envelope is answered again, whole.
    answers: list[tuple[int, bytes]] = []
    wait_until(lambda: answers.append(_get(ui, cookie, "/api/envelope/1000-0")) or answers[-1][0] == 200)
    assert json.loads(answers[-1][1])["payload"]["x"] == "a" * size


def spread_session(redis_db, session: str) -> None:
    """One event of session at the stream's start, 3,500 entries of another, one at its end."""
    _add(redis_db, "1000-0", session)
    pipe = redis_db.pipeline(transaction=False)
    for n in range(3500):
        envelope = json.dumps({"hook": "Stop", "session_id": "busy"})
        pipe.xadd(STREAM, {"envelope": envelope, "session": "busy"}, id=f"{2000 + n}-0")
    pipe.execute()
    _add(redis_db, "9000000-0", session)


def _xrevranges(redis_db) -> int:
    return int(redis_db.info("commandstats").get("cmdstat_xrevrange", {}).get("calls", 0))


def test_an_old_session_read_again_scans_only_the_entries_since(ui_of, redis_db):
    spread_session(redis_db, "old")
    ui = ui_of(history=100)  # the session's first event is older than what memory keeps
    cookie = _login(ui)

    def read() -> tuple[list[str], int]:
        before = _xrevranges(redis_db)
        code, body = _get(ui, cookie, "/api/session?s=old")
        assert code == 200, body
        answer = json.loads(body)
        assert "unread_before" not in answer and answer["earlier"] == 0, answer
        return [e["id"] for e in answer["events"]], _xrevranges(redis_db) - before

    assert read()[0] == ["1000-0", "9000000-0"]  # read from its last event back to its first
    # Read again: what was read is kept; nothing newer, nothing scanned (before: 3,502 entries again).
    assert read() == (["1000-0", "9000000-0"], 1)
    for n in range(20):
        _add(redis_db, f"9000001-{n}", "busy")
    _add(redis_db, "9000002-0", "old")
    xranges = int(redis_db.info("commandstats").get("cmdstat_xrange", {}).get("calls", 0))
    events, calls = read()
    assert events == ["1000-0", "9000000-0", "9000002-0"]
    assert calls == 1, calls  # the newest entry
    # the stream's first entry, and one page read oldest first: the 21 entries since
    assert int(redis_db.info("commandstats")["cmdstat_xrange"]["calls"]) - xranges == 2


def test_a_kept_scan_and_what_it_grew_answer_as_a_whole_read_does(redis_db, redis_server, tmp_path, monkeypatch):
    """In process: the newest MAX_SESSION_EVENTS and the count before them, across the kept part and
    the entries read since, are those of a read of it all."""
    monkeypatch.setattr(hookd.ui.reader, "MAX_SESSION_EVENTS", 3)
    settings = RedisSettings.from_config(Config(redis_url=redis_server.url, state_dir=str(tmp_path)))

    async def reads() -> list[tuple[list[str], int, str | None]]:
        live, client = connect(settings, READER_REPLY_BYTES, 1), connect(settings, READER_REPLY_BYTES, 1)
        reader = StreamReader(settings, STREAM, Store(100), live, client)
        scans, out = SessionScans(reader), []
        try:
            for grown in range(3):
                for n in range(2):
                    _add(redis_db, f"{1000 + grown}-{2 * n}", "few")
                    _add(redis_db, f"{1000 + grown}-{2 * n + 1}", "other")
                for got in (await scans.events("few", 0, 0), await reader.session_events("few", 0, 0)):
                    out.append(([rec.entry_id for rec in got[0]], got[1], got[2]))
        finally:
            await live.aclose()
            await client.aclose()
        return out

    got = asyncio.run(reads())
    assert got[0::2] == got[1::2], got  # kept and grown, as read whole
    assert got[-1] == (["1001-2", "1002-0", "1002-2"], 3, None), got[-1]


def test_scans_kept_are_bounded_in_number_and_in_records(redis_db, redis_server, tmp_path, monkeypatch):
    """Scans that found nothing (ids no entry has) are kept too, apart and bounded in number
    (KEPT_ABSENT): they no longer push out the sessions' scans, nor those push them out (h239)."""
    monkeypatch.setattr(hookd.ui.session_scans, "KEPT_RECORDS", 2)
    monkeypatch.setattr(hookd.ui.session_scans, "KEPT_ABSENT", 64)
    settings = RedisSettings.from_config(Config(redis_url=redis_server.url, state_dir=str(tmp_path)))
    for n in range(3):
        _add(redis_db, f"{1000 + n}-0", "two" if n < 2 else "one")

    async def reads() -> list[list[str]]:
        live, client = connect(settings, READER_REPLY_BYTES, 1), connect(settings, READER_REPLY_BYTES, 1)
        scans = SessionScans(StreamReader(settings, STREAM, Store(100), live, client))
        try:
            for n in range(100):
                await scans.events(f"none-{n}", 0, 0)
            kept = [list(scans.absent)]
            await scans.events("two", 0, 0)
            await scans.events("one", 0, 0)
            await scans.events("two", 0, 0)  # two and one: 3 records, past the 2 kept
            return kept + [list(scans.kept)]
        finally:
            await live.aclose()
            await client.aclose()

    full, last = asyncio.run(reads())
    assert len(full) == 64 and full[0] == hookd.ui.session_scans._digest("none-99"), (len(full), full[:3])
    assert last == ["two"], last  # the least recently read went first, what found nothing and then one


def test_reads_of_one_session_at_once_scan_it_once(redis_db, redis_server, tmp_path):
    spread_session(redis_db, "old")
    settings = RedisSettings.from_config(Config(redis_url=redis_server.url, state_dir=str(tmp_path)))

    async def reads() -> list[tuple[list[Record], int, str | None]]:
        live, client = connect(settings, READER_REPLY_BYTES, 1), connect(settings, READER_REPLY_BYTES, 1)
        scans = SessionScans(StreamReader(settings, STREAM, Store(100), live, client))
        try:
            return await asyncio.gather(*(scans.events("old", 0, 0) for _ in range(3)))
        finally:
            await live.aclose()
            await client.aclose()

    before = _xrevranges(redis_db)
    got = asyncio.run(reads())
    assert [[rec.entry_id for rec in found] for found, _, _ in got] == [["1000-0", "9000000-0"]] * 3
    # One scan (the newest entry, 4 pages), then the newest entry for each of the other two.
    assert _xrevranges(redis_db) - before == 5 + 2
