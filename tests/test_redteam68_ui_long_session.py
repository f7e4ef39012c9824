"""Sixty-eighth red-team pass: the page of a session with more events than a page is sent.

A session's page was sent every event of the session (up to 500,000 read from the stream), tens of
MB for a session of 100,000 events, to every page showing it, and again as its events arrived. A
page is now sent the session's newest MAX_SESSION_EVENTS, and told how many came before them; the
page says so, and counts them in the session's events.
"""

from __future__ import annotations

from playwright.sync_api import expect

from hookd.ui.reader import MAX_SESSION_EVENTS
from test_redteam60_ui_reconnect import fill
from test_ui import stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

MORE = 500


def test_a_session_longer_than_a_page_is_sent_its_newest_events_and_told_the_rest(stack, open_ui, redis_db):  # noqa: F811
    ui = stack[1]
    fill(redis_db, MAX_SESSION_EVENTS + MORE)  # one session, "s": past the UI's memory too
    watched = open_ui(ui)
    page = watched.page
    expect(page.locator("#feed-body tr").first).to_contain_text(f"step {MAX_SESSION_EVENTS + MORE - 1}", timeout=60_000)
    answer = page.evaluate(
        "async () => { const a = await (await fetch('api/session?s=s')).json(); return [a.events.length, a.earlier, a.events[0].sum]; }"
    )
    assert answer == [MAX_SESSION_EVENTS, MORE, f"step {MORE}"]
    page.goto(f"{ui.base}/#/session/s")
    expect(page.locator("[data-testid=session-earlier]")).to_contain_text(
        f"The session's first {MORE} events are not shown: the page is sent its newest {MAX_SESSION_EVENTS:,}",
        timeout=60_000,
    )
    expect(page.locator('[data-fact="events"]')).to_have_text(str(MAX_SESSION_EVENTS + MORE))
    watched.assert_clean()
