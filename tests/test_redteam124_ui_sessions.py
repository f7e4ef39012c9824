"""Hundred-twenty-fourth red-team pass: a session's state and counts in `hookd ui` when hookd's
session index was written by two hookd versions, and for sessions past the index's newest 500.

An older hookd writes a session's `last_hook` and counts its events, but no `state`: after an
upgrade then a downgrade the hash kept the newer hookd's `state`, stale, and the UI showed it. Now
PUBLISH_BATCH writes beside the state the hash's count of events it was known at (`state_events`),
and the state is taken only while that is the hash's count. Past the index's newest 500, the list
showed a session memory held with memory's state and counts (those since the UI started), and the
page did not say that older sessions were not listed."""

from __future__ import annotations

import json
import time
import urllib.request

from playwright.sync_api import expect

from test_redteam7_ui import _status
from test_redteam8_ui_api import Browser

from conftest import wait_for_entries, wait_until
from hookd.publish.session_state import indexed_state
from ui_stack import Ui, browser, event, open_ui  # noqa: F401 - fixtures

PREFIX = "{hookd:events}:session:"
SESSIONS = "{hookd:events}:sessions"


def _row(redis_db, sid: str) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in redis_db.hgetall(PREFIX + sid).items()}


def _older_hookd_writes(redis_db, sid: str, hook: str) -> None:
    """One event of ``sid`` as PUBLISH_BATCH of a hookd before `state` (h265) indexed it: the same
    fields and counts, no `state`."""
    at = str(int(time.time() * 1000))
    key = PREFIX + sid
    redis_db.hset(key, mapping={"host": "older", "last_seen_ms": at, "last_hook": hook, "cwd": "/w"})
    redis_db.hsetnx(key, "first_seen_ms", at)
    for field in ("events", f"hook:{hook}"):
        redis_db.hincrby(key, field, 1)
    redis_db.zadd(SESSIONS, {sid: int(at)})


def _send(hookd, redis_db, sent: int, sid: str, hook: str, **fields) -> int:
    done = hookd.send(event(hook, sid, cwd="/w", **fields))
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    wait_for_entries(redis_db, sent + 1)
    return sent + 1


def test_a_state_an_older_hookd_left_behind_is_not_taken(hookd, redis_db, tmp_path):
    sid = "upgraded-then-downgraded"
    sent = _send(hookd, redis_db, 0, sid, "UserPromptSubmit")
    sent = _send(hookd, redis_db, sent, sid, "Stop")
    row = _row(redis_db, sid)
    assert (row["state"], row["state_events"], row["events"]) == ("stopped", "2", "2")
    assert indexed_state(row) == "stopped"
    # Downgraded: the older hookd indexes the next prompt, and leaves the newer's `state` as it was.
    _older_hookd_writes(redis_db, sid, "UserPromptSubmit")
    row = _row(redis_db, sid)
    assert row["state"] == "stopped" and indexed_state(row) == "running", row  # was "stopped"
    # Upgraded again: an idle reminder gives no state, and does not make the stale one current.
    sent = _send(hookd, redis_db, sent, sid, "Notification", notification_type="idle_prompt", message="m")
    row = _row(redis_db, sid)
    assert (row["state"], row["state_events"], row["events"]) == ("stopped", "2", "4")
    assert indexed_state(row) == "running", row
    # An event that gives a state makes it the session's again.
    sent = _send(hookd, redis_db, sent, sid, "Stop")
    row = _row(redis_db, sid)
    assert (row["state_events"], indexed_state(row)) == ("5", "stopped")
    # A reminder after a current state keeps it current.
    sent = _send(hookd, redis_db, sent, sid, "Notification", notification_type="idle_prompt", message="m")
    assert indexed_state(_row(redis_db, sid)) == "stopped"
    _older_hookd_writes(redis_db, sid, "UserPromptSubmit")
    sent = _send(hookd, redis_db, sent, "newest", "UserPromptSubmit")

    ui = Ui(hookd.env, tmp_path / "ui.log", history=1)  # holds "newest" only: the session is the index's
    try:
        wait_until(lambda: _status(ui)["newest"] is not None, timeout=30, what="the UI to read the stream")
        client = Browser(ui)
        code, body = client.get("/api/sessions")
        assert code == 200 and {r["s"]: r["state"] for r in json.loads(body)}[sid] == "running", body[:300]
        code, body = client.get("/api/session?s=" + sid)
        assert code == 200 and json.loads(body)["summary"]["state"] == "running", body[:300]
    finally:
        ui.stop()


def _sessions(client: Browser, query: str = "") -> tuple[list[dict], str | None]:
    request = urllib.request.Request(client.base + "/api/sessions" + query, headers={"Cookie": client.cookie})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read()), answer.headers.get("x-more-sessions")


def test_sessions_past_the_index_newest_500(hookd, redis_db, tmp_path, open_ui):  # noqa: F811
    sid = "beyond"
    sent = _send(hookd, redis_db, 0, sid, "UserPromptSubmit")
    sent = _send(hookd, redis_db, sent, sid, "Stop")
    # 600 sessions more recently active, as the newer hookd indexes them.
    later = int(time.time() * 1000) + 3_600_000
    pipe = redis_db.pipeline(transaction=False)
    for n in range(600):
        at = str(later + n)
        fields = {"host": "h", "last_seen_ms": at, "first_seen_ms": at, "last_hook": "Stop", "state": "stopped"}
        pipe.hset(PREFIX + f"later-{n:03}", mapping=fields | {"events": "1", "state_events": "1"})
        pipe.zadd(SESSIONS, {f"later-{n:03}": later + n})
    pipe.execute()

    sent = _send(hookd, redis_db, sent, "filler", "UserPromptSubmit")
    ui = Ui(hookd.env, tmp_path / "ui.log", history=1)  # holds "filler" only
    try:
        wait_until(lambda: _status(ui)["newest"] is not None, timeout=30, what="the UI to read the stream")
        read = _status(ui)["read"]
        # Memory holds the session's events from here: an idle reminder after its Stop.
        sent = _send(hookd, redis_db, sent, sid, "Notification", notification_type="idle_prompt", message="m")
        wait_until(lambda: _status(ui)["read"] > read, timeout=30, what="the UI to read the reminder")
        client = Browser(ui)
        rows, more = _sessions(client)
        assert len(rows) == 500 and sid not in {r["s"] for r in rows}
        assert more == "1"  # was not said
        rows, more = _sessions(client, "?limit=2000")
        mine = {r["s"]: r for r in rows}[sid]
        # Was memory's: ('running', 1) from the reminder it saw, not the index's three events.
        assert (mine["state"], mine["events"], more) == ("stopped", 3, None), mine
        code, body = client.get("/api/session?s=" + sid)
        summary = json.loads(body)["summary"]
        assert code == 200 and (summary["state"], summary["events"]) == ("stopped", 3), summary

        watched = open_ui(ui)
        watched.page.goto(ui.base + "/#/sessions")
        watched.page.wait_for_selector("#sessions-body tr")
        expect(watched.page.locator("#sessions-more")).to_be_visible()
        expect(watched.page.locator("#sessions-more")).to_contain_text("500 most recently active")
        watched.assert_clean()
    finally:
        ui.stop()
