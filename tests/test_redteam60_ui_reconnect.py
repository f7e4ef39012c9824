"""Sixtieth red-team pass: a page that reconnects after falling behind is told what it was not sent.

A browser whose event stream is cut (its queue full) reconnects with the id of its last record and
is sent at most the newest 5,000 kept records after it (Store.after); those between went unsaid,
and the feed read as whole. The stream now says the gap first (how many, from when to when, and
whether some were no longer in memory) and the page shows it above the feed. The page's last record
is made old here by answering its first page of history with the stream's first entry alone: as
after a cut, it then connects with that id.
"""

from __future__ import annotations

import json

from playwright.sync_api import expect

from hookd.ui.events import record
from hookd.ui.store import Store
from test_ui import at_least, stack  # noqa: F401 - fixture
from test_ui_store import entry
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

CATCH_UP = 5000  # records a reconnecting page is sent (hookd.ui.store.CATCH_UP)
ENTRIES = CATCH_UP + 1500


def fill(redis_db, n: int) -> None:
    pipe = redis_db.pipeline(transaction=False)
    for k in range(n):
        envelope = {
            "event_id": f"e{k}",
            "hook": "PreToolUse",
            "session_id": "s",
            "tool_name": "Bash",
            "payload": {"tool_input": {"command": f"step {k}"}},
        }
        pipe.xadd("hookd:events", {"envelope": json.dumps(envelope).encode(), "session": b"s"})
        if k % 1000 == 999:
            pipe.execute()
    pipe.execute()


def test_a_page_that_fell_behind_is_told_the_gap_and_shows_nothing_twice(stack, open_ui, browser, redis_db):  # noqa: F811
    ui = stack[1]
    fill(redis_db, ENTRIES)
    first = open_ui(ui)  # the UI has read every entry once its feed shows the last
    expect(first.page.locator("#feed-body tr").first).to_contain_text(f"step {ENTRIES - 1}", timeout=60_000)

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    second = redis_db.xrange("hookd:events", count=2)[1][0].decode()

    def oldest_only(route) -> None:
        route.fulfill(response=route.fetch(url=route.request.url + f"&before={second}"))

    context.route(lambda url: url.endswith("/api/events?limit=500"), oldest_only)
    page.goto(ui.new_url())
    page.wait_for_selector("#conn.ok", timeout=60_000)
    at_least(page, "#feed-body tr", 400, timeout=60)
    gap = page.locator("[data-testid=gap]")
    expect(gap).to_have_count(1, timeout=20_000)
    missed = ENTRIES - 1 - CATCH_UP  # all but the page's one record and the newest CATCH_UP
    expect(gap).to_have_attribute("data-missed", str(missed))
    expect(gap).to_contain_text(f"{missed:,} events not shown, from ")
    # The gap is then filled from the stream (the sixty-eighth pass; test_redteam68_ui_gap_fill.py).
    expect(page.locator("#counts")).to_have_text(f"{ENTRIES} events")
    ids = page.locator("#feed-body tr").evaluate_all("rows => rows.map((r) => r.dataset.id)")
    assert len(ids) == len(set(ids)) == 400
    expect(page.locator("#feed-body tr").first).to_contain_text(f"step {ENTRIES - 1}")
    assert errors == []
    context.close()


def test_the_catch_up_says_what_it_leaves_out():
    from hookd.ui import store as kept

    assert kept.CATCH_UP == CATCH_UP
    store = Store(history=CATCH_UP + 100)
    records = [record(*entry(n)) for n in range(CATCH_UP + 60)]
    store.add(records, live=False)
    found, gap = store.catch_up(records[9][0].entry_id)
    assert len(found) == CATCH_UP and found[-1].entry_id == records[-1][0].entry_id
    assert gap == {"missed": 50, "more": False, "from": records[10][0].ms, "to": records[59][0].ms}
    found, gap = store.catch_up(records[-3][0].entry_id)  # nothing missed: no gap
    assert [r.entry_id for r in found] == [r.entry_id for r, _ in records[-2:]] and gap is None
    store.add([record(*entry(n)) for n in range(CATCH_UP + 60, CATCH_UP + 200)], live=False)
    found, gap = store.catch_up(records[0][0].entry_id)  # records after it are gone from memory
    assert (
        gap is not None
        and gap["more"]
        and gap["missed"] == 100
        and gap["from"] == int(records[0][0].entry_id.split("-")[0])
    )


def test_a_browser_cut_off_is_counted_and_logged():
    from structlog.testing import capture_logs

    from hookd.ui.store import MAX_QUEUED_BATCHES

    store = Store(history=10)
    slow = store.subscribe()
    with capture_logs() as logs:
        for n in range(MAX_QUEUED_BATCHES + 3):
            store.add([record(*entry(n % 60))])
    assert slow not in store.subscribers and store.cut_off == 1
    assert [line["event"] for line in logs] == ["ui_browser_cut_off"]
    assert logs[0]["batches"] == MAX_QUEUED_BATCHES and logs[0]["total"] == 1
