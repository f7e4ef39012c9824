"""Sixty-eighth red-team pass: a page opened while Redis is away.

The page's start read its first page of history and only then connected its event stream and showed
its view. The UI reads Redis for that page whenever memory holds fewer than asked, even when it holds
the whole stream: with Redis away that was a 503, start() ended there, and the page stayed blank
(no feed, no view, no connection, no word). Memory that holds the whole stream now answers alone,
and a page whose first read fails says why and goes live all the same.
"""

from __future__ import annotations

import json

from playwright.sync_api import expect

from conftest import wait_for_entries
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures


def add(redis_db, n: int) -> None:
    envelope = {
        "hook": "PreToolUse",
        "session_id": "s",
        "tool_name": "Bash",
        "payload": {"tool_input": {"command": f"step {n}"}},
    }
    redis_db.xadd("hookd:events", {"envelope": json.dumps(envelope), "session": "s"})


def test_a_page_opened_while_redis_is_away_is_live_and_says_why(stack, open_ui, redis_db, redis_server):  # noqa: F811
    ui = stack[1]
    for n in range(3):
        add(redis_db, n)
    wait_for_entries(redis_db, 3)
    at_least(open_ui(ui).page, "#feed-body tr", 3)  # the UI has read them
    redis_server.stop()
    try:
        watched = open_ui(ui, ui.new_url())  # waits for the page's event stream to be connected
        page = watched.page
        expect(page.locator("#feed-body tr")).to_have_count(3)
        expect(page.locator("#banner")).to_contain_text("Redis", timeout=60_000)
    finally:
        redis_server.start()
    add(redis_server.client(), 3)  # Redis back (empty: it keeps nothing): the page goes on
    expect(page.locator("#feed-body tr").first).to_contain_text("step 3", timeout=60_000)
    expect(page.locator("#banner")).to_be_hidden(timeout=60_000)
