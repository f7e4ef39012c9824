"""Sixtieth red-team pass: a session's page for any id its writer gave it.

The page asked for a session at `api/session/<id>`, and a browser resolves the path segments `.`
and `..` (and their `%2e` spellings) before it sends a request: the session `..` was a request for
`api/` (the page said it could not be shown), the session `.` one for `api/session/`. It now names
the session in the query (`api/session?s=<id>`), which nothing resolves. A hash typed by hand with a
`%` that starts no escape threw (URIError) and the view stayed as it was; it is now the id as typed.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from conftest import wait_for_entries
from test_redteam5_tail import add_entry
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

ODD = [".", "..", "../..", "a/../b", "%2e%2e", "a?b#c", "x\ty", "%zz", " lead", "../api/status"]


def shows(ui, open_ui, redis_db, hash_id: str, sid: str) -> None:  # noqa: F811
    """The session sid, of one event, opened at #/session/<hash_id>: its title, facts and timeline."""
    add_entry(redis_db, session_id=sid, payload={"tool_input": {"command": f"in {sid}"}})
    wait_for_entries(redis_db, 1)
    watched = open_ui(ui)
    page = watched.page
    # The feed's row comes from the UI's first read of the stream (no session scan is involved: the
    # session is in memory); a loaded machine has taken more than 10 s to start it and draw it.
    at_least(page, "#feed-body tr", 1, timeout=60)
    page.goto(f"{ui.base}/#/session/{hash_id}")
    expect(page.locator("#s-title")).to_have_text(f"Session {sid}", timeout=30_000)
    expect(page.locator("[data-fact=events]")).to_have_text("1", timeout=30_000)
    expect(page.locator("#s-timeline .tl-row.call")).to_contain_text(f"in {sid}", timeout=30_000)
    watched.assert_clean()


@pytest.mark.parametrize("sid", ODD)
def test_a_session_of_an_odd_id_is_shown(stack, open_ui, redis_db, sid):  # noqa: F811
    shows(stack[1], open_ui, redis_db, quote(sid, safe=""), sid)


def test_a_hash_typed_with_a_stray_percent_names_that_id(stack, open_ui, redis_db):  # noqa: F811
    shows(stack[1], open_ui, redis_db, "50%off", "50%off")


def test_a_click_on_an_odd_session_opens_it(stack, open_ui, redis_db):  # noqa: F811
    ui = stack[1]
    add_entry(redis_db, session_id="..", payload={"tool_input": {"command": "in .."}})
    wait_for_entries(redis_db, 1)
    watched = open_ui(ui)
    page = watched.page
    page.goto(ui.base + "/#/sessions")
    page.locator("#sessions-body tr").first.click()
    expect(page.locator("#s-title")).to_have_text("Session ..")
    expect(page.locator("[data-fact=events]")).to_have_text("1")
    watched.assert_clean()
