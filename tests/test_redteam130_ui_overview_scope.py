"""Hundred-thirtieth red-team pass: the overview's figures are over the events `hookd ui` holds in
memory (its --history), not the stream: after a restart they started from what it read again, and
the page did not say so, though the stream held more. Now the overview says what it counts."""

from __future__ import annotations

from playwright.sync_api import expect

from test_redteam7_ui import _status

from conftest import wait_for_entries, wait_until
from ui_stack import Ui, browser, event, open_ui  # noqa: F401 - fixtures


def test_the_overview_says_what_it_counts(hookd, redis_db, tmp_path, open_ui):  # noqa: F811
    for n in range(5):
        done = hookd.send(event("UserPromptSubmit", f"s{n}", cwd="/w", prompt="p"))
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
        wait_for_entries(redis_db, n + 1)
    for history, said in ((3, "Over the 3 newest events this UI holds in memory"), (100, "Over all 5 events")):
        ui = Ui(hookd.env, tmp_path / f"ui{history}.log", history=history)
        try:
            wait_until(lambda: _status(ui)["kept"] == min(history, 5), timeout=30, what="the UI to read the stream")
            watched = open_ui(ui)
            watched.page.goto(ui.base + "/#/overview")
            scope = watched.page.get_by_test_id("overview-scope")
            expect(scope).to_be_visible()  # was never shown: no such element
            expect(scope).to_contain_text(said)
            watched.assert_clean()
        finally:
            ui.stop()
