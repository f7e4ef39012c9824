"""Hundred-thirtieth red-team pass: entries of the stream the UI cannot read, written by another
program under the stream's name, read by a real `hookd ui` and seen in chromium.

They were left out of every view with no count (a stream of them read as a quiet one), and a bug
in reading one logged a traceback per entry. Now each is counted by its reason in /api/status, the
page says how many and why, and the log says it at most once in ten seconds."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from test_redteam7_ui import _status

from conftest import wait_for_entries, wait_until
from ui_stack import Ui, browser, event, open_ui  # noqa: F401 - fixtures

STREAM = "hookd:events"
BAD = [
    {"note": "no envelope"},
    {"envelope": ""},
    {"envelope": "not json {"},
    {"envelope": "[1, 2]"},
    {"envelope": json.dumps({"hook": "Stop", "payload": "a string"})},
]


def test_unreadable_entries_are_counted_and_said(hookd, redis_db, tmp_path, open_ui):  # noqa: F811
    done = hookd.send(event("UserPromptSubmit", "readable", cwd="/w", prompt="hello"))
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    wait_for_entries(redis_db, 1)
    for fields in BAD:  # before the UI starts: its first read
        redis_db.xadd(STREAM, fields)
    ui = Ui(hookd.env, tmp_path / "ui.log")
    try:
        wait_until(lambda: _status(ui)["newest"] is not None, timeout=30, what="the UI to read the stream")
        unreadable = _status(ui)["unreadable"]  # was a KeyError: not counted anywhere
        assert unreadable["count"] == len(BAD), unreadable
        assert unreadable["reasons"] == {
            "it has no envelope field": 1,
            "its envelope is empty": 1,
            "its envelope is not JSON": 1,
            "its envelope is not an envelope's shape (Expected `object`, got `array`)": 1,
            "its envelope is not an envelope's shape (Expected `object`, got `str` - at `$.payload`)": 1,
        }, unreadable
        # Read live: 2,000 more, and the log says so in a line or two, not a line each.
        pipe = redis_db.pipeline(transaction=False)
        for n in range(2000):
            pipe.xadd(STREAM, {"envelope": f"garbage {n}"})
        pipe.execute()
        wait_until(lambda: _status(ui)["unreadable"]["count"] == len(BAD) + 2000, timeout=60, what="2,000 more counted")
        assert _status(ui)["unreadable"]["reasons"]["its envelope is not JSON"] == 2001

        watched = open_ui(ui)
        note = watched.page.get_by_test_id("unreadable")
        expect(note).to_be_visible()
        expect(note).to_contain_text(f"{len(BAD) + 2000} entries of the stream {STREAM} could not be read")
        expect(note).to_contain_text("2001: its envelope is not JSON")
        expect(watched.page.get_by_test_id("feed").locator("tr")).to_have_count(1)  # the readable one
        watched.assert_clean()
        said = [line for line in ui.log_path.read_text().splitlines() if "ui_entry_unreadable" in line]
        assert 1 <= len(said) <= 3, said
    finally:
        ui.stop()
