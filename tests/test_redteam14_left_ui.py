"""The fourteenth pass's Left: `hookd ui`'s single-session view of a session whose index entry (its
hash) someone made another type read the session's events from the stream and logged
`ui_api_redis_failed` ("the request is answered with this error", which it was not), and the page
did not say why. Now the answer carries the reason and the fix (`index_error`, shown above the
session), the requests are counted (/api/status's `index_refused`), and the log says so at most once
per 10 s with how many requests the line stands for."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from conftest import wait_for_entries, wait_until
from test_redteam7_ui import _status
from test_redteam8_ui_api import Browser
from test_redteam13_redis import send
from ui_stack import Ui, browser, open_ui  # noqa: F401 - fixtures

KEY = "{hookd:events}:session:bad"


def test_the_session_view_says_why_its_index_entry_is_not_used_and_logs_it_once(hookd, redis_db, tmp_path):
    for n, session in enumerate(("bad", "good")):
        send(hookd, n, session, "PostToolUse")
    wait_for_entries(redis_db, 2)
    redis_db.delete(KEY)
    redis_db.set(KEY, "not a hash")
    log_path = tmp_path / "ui.log"
    ui = Ui(hookd.env, log_path, history=1)
    try:
        wait_until(lambda: _status(ui)["kept"] == 1, timeout=30, what="the UI to start")
        browser = Browser(ui)
        answers = [browser.get("/api/session/bad") for _ in range(20)]
        good = browser.get("/api/session/good")
        status = _status(ui)
    finally:
        ui.stop()
    for code, body in answers:
        assert code == 200, body[:300]
        view = json.loads(body)
        assert len(view["events"]) == 1  # from the stream
        why = view["index_error"]
        assert KEY in why and "WRONGTYPE" in why and f"fix: redis-cli DEL '{KEY}'" in why, why
    assert good[0] == 200 and "index_error" not in json.loads(good[1])
    assert status["index_refused"] == 20
    log = log_path.read_text()
    lines = [json.loads(line) for line in log.splitlines() if "ui_session_index_refused" in line]
    assert len(lines) == 1 and lines[0]["key"] == KEY and lines[0]["requests"] == 1, lines
    assert "ui_api_redis_failed" not in log


def test_the_page_shows_why_above_the_session_and_nothing_for_a_sound_one(  # noqa: F811
    hookd, redis_db, tmp_path, open_ui
):
    for n, session in enumerate(("bad", "good")):
        send(hookd, n, session, "PostToolUse")
    wait_for_entries(redis_db, 2)
    redis_db.delete(KEY)
    redis_db.set(KEY, "not a hash")
    ui = Ui(hookd.env, tmp_path / "ui.log")
    try:
        watched = open_ui(ui)
        page = watched.page
        page.goto(ui.base + "/#/session/bad")
        note = page.locator("#s-note")
        expect(note).to_be_visible()
        expect(note).to_contain_text(f"fix: redis-cli DEL '{KEY}'")
        page.goto(ui.base + "/#/session/good")
        expect(page.locator("#s-title")).to_contain_text("good")
        expect(note).to_be_hidden()
        watched.assert_clean()
    finally:
        ui.stop()
