"""Ninety-third red-team pass: the note that says where an old session's read stopped (the
eighty-sixth pass's `unread_before`), as chromium shows it: the bound made small in the `hookd ui`
process (its prelude), which reads a real redis-server."""

from __future__ import annotations

from test_redteam93_ui_answers import spread_session, ui_of  # noqa: F401 - fixture
from ui_stack import browser, open_ui  # noqa: F401 - fixtures


def test_where_an_old_session_read_stopped_is_said_on_its_page(ui_of, redis_db, open_ui):  # noqa: F811
    spread_session(redis_db, "cut")
    ui = ui_of(history=100, prelude="import hookd.ui.reader\nhookd.ui.reader.MAX_SESSION_SCAN = 2000")
    watched = open_ui(ui)
    page = watched.page
    page.goto(ui.base + "/#/session/cut")
    note = page.locator("#s-earlier")
    note.wait_for(state="visible")
    text = note.text_content() or ""
    assert "were not looked for" in text and "(stream entry 3" in text, text
    assert "not shown" not in text, text  # nothing of what was read is left out: only the unread is said
    watched.assert_clean()
