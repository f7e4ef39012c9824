"""Fifty-second red-team pass: a page of the UI left open under a flood holds a bounded memory.

The page keeps its newest 20,000 records (MAX_KEPT in feed.js). But while paused it also kept every
record that arrived, to count them ("N new (paused)"): a tab paused during a flood of events held
each of them until it was resumed, without end. The count is now a number. A tab in the background
kept what arrived until the next animation frame, which browsers do not run for hidden tabs: the
records are now taken as they arrive, and only the drawing waits for a frame.
"""

from __future__ import annotations

import json

from playwright.sync_api import expect

from test_ui import stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

KEPT = 20_000  # feed.js MAX_KEPT


def flood(client, start: int, count: int) -> None:
    """count entries as hookd writes them, each with a long command and cwd (distinct texts)."""
    pipe = client.pipeline(transaction=False)
    for n in range(start, start + count):
        envelope = {
            "v": 1,
            "event_id": f"e{n}",
            "host": "h",
            "hook": "PreToolUse",
            "session_id": f"s{n % 40}",
            "tool_name": "Bash",
            "payload": {"cwd": f"/work/{n}/" + "c" * 380, "tool_input": {"command": f"echo {n} " + "x" * 220}},
        }
        pipe.xadd("hookd:events", {"envelope": json.dumps(envelope).encode(), "hook": b"PreToolUse"})
        if n % 500 == 499:
            pipe.execute()
    pipe.execute()


def heap(cdp) -> int:
    cdp.send("HeapProfiler.collectGarbage")
    return cdp.send("Runtime.getHeapUsage")["usedSize"]


def test_a_paused_page_under_a_flood_keeps_no_more_than_its_newest_records(stack, open_ui, redis_db):  # noqa: F811
    alpha, ui = stack
    watched = open_ui(ui)
    page = watched.page
    cdp = page.context.new_cdp_session(page)
    page.locator("#pause").click()
    before = heap(cdp)
    sent = 0
    for total in (KEPT, 3 * KEPT):
        while sent < total:
            flood(redis_db, sent, 5000)
            sent += 5000
            expect(page.locator("#pending")).to_have_text(f"{sent} new (paused)", timeout=60_000)
        if total == KEPT:
            kept = heap(cdp)
    grown = heap(cdp) - kept
    # Twice as many records again as the page keeps: before, it held them all (two more sets).
    assert grown < (kept - before) / 2, (before, kept, grown)
    page.locator("#pause").click()
    expect(page.locator("#feed-body tr").first).to_contain_text(f"echo {sent - 1} ")
    expect(page.locator("#counts")).to_have_text(f"{KEPT} events")
    watched.assert_clean()
