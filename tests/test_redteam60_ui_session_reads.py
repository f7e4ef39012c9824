"""Sixtieth red-team pass: a session's page reads the session once at a time.

The page read the session again a second after each of its new events, whether or not the last
read had answered; a session older than memory is read from the stream, and while such a read was
slow the reads piled up until the UI refused the fourth (503). Here the page's reads are held
unanswered while the session's events arrive: before, a new read went out every second; now one.
"""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import wait_for_entries
from test_redteam5_tail import add_entry
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures


def test_a_slow_session_read_is_not_read_again_meanwhile(stack, open_ui, redis_db):  # noqa: F811
    ui = stack[1]
    add_entry(redis_db, session_id="slow", payload={"tool_input": {"command": "first"}})
    wait_for_entries(redis_db, 1)
    watched = open_ui(ui)
    page = watched.page
    at_least(page, "#feed-body tr", 1)
    held = []

    def session_read(url: str) -> bool:  # api/session?s=<id> now, api/session/<id> before
        return "/api/session?" in url or "/api/session/" in url

    page.route(session_read, lambda route: held.append(route))
    page.goto(ui.base + "/#/session/slow")
    for n in range(5):
        add_entry(redis_db, session_id="slow", payload={"tool_input": {"command": f"step {n}"}})
        page.wait_for_timeout(1200)
    at_least(page, "#feed-body tr", 6)
    page.wait_for_timeout(1500)
    assert len(held) == 1, [r.request.url for r in held]
    held[0].continue_()
    page.unroute(session_read)
    # The events that came meanwhile are read once the first read has answered.
    expect(page.locator("[data-fact=events]")).to_have_text("6", timeout=60_000)
    watched.assert_clean()
