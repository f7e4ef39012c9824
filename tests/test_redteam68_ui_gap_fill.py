"""Sixty-eighth red-team pass: a page that fell behind fills the gap it was told of.

The sixtieth pass made the stream say the gap (how many, from when to when); the events in it were
not shown. The page now reads them from the stream (api/after: XRANGE after its last record, before
the first one the reconnect sent, in pages, through the UI's request client) and lays them in among
its records, none twice; when the stream no longer holds some (trimmed), the note says so. The
page's last record is made old as in test_redteam60_ui_reconnect.py: its first page of history is
answered with the stream's first entry alone.
"""

from __future__ import annotations

from playwright.sync_api import expect

from test_redteam60_ui_reconnect import CATCH_UP, ENTRIES, fill
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures


def behind(ui, browser, redis_db):  # noqa: F811
    """A page whose last record is the stream's first entry, connected as after a cut."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    second = ui.first_ids[1]

    def oldest_only(route) -> None:
        route.fulfill(response=route.fetch(url=route.request.url + f"&before={second}"))

    context.route(lambda url: url.endswith("/api/events?limit=500"), oldest_only)
    page.goto(ui.new_url())
    page.wait_for_selector("#conn.ok", timeout=60_000)
    return context, page, errors


def loaded(stack, open_ui, redis_db):  # noqa: F811
    ui = stack[1]
    fill(redis_db, ENTRIES)
    first = open_ui(ui)  # the UI has read every entry once its feed shows the last
    expect(first.page.locator("#feed-body tr").first).to_contain_text(f"step {ENTRIES - 1}", timeout=60_000)
    ui.first_ids = [i.decode() for i, _ in redis_db.xrange("hookd:events", count=200)]
    return ui


def test_the_gap_is_filled_in_order_and_nothing_twice(stack, open_ui, browser, redis_db):  # noqa: F811
    ui = loaded(stack, open_ui, redis_db)
    context, page, errors = behind(ui, browser, redis_db)
    gap = page.locator("[data-testid=gap]")
    expect(gap).to_have_attribute("data-fill", "filled", timeout=60_000)
    missed = ENTRIES - 1 - CATCH_UP
    expect(gap).to_contain_text(f"{missed:,} events not shown, from ")
    expect(gap).to_contain_text(f"all {missed:,} are filled in from the stream")
    expect(page.locator("#counts")).to_have_text(f"{ENTRIES} events")
    order = page.evaluate("""async () => {
        const { state } = await import("./static/state.js");
        return state.records.map((r) => r.sum);
    }""")
    assert order == [f"step {k}" for k in range(ENTRIES)]
    page.locator("#f-text").fill("step 700")  # in the gap: shown once the filter finds it
    expect(page.locator("#feed-body tr")).to_have_count(1)
    expect(page.locator("#feed-body tr")).to_contain_text("step 700")
    status = page.evaluate("async () => (await fetch('api/after?after=x')).status")
    assert status == 400  # a stream id only: Redis would refuse anything else
    assert errors == []
    context.close()


def test_a_gap_the_stream_no_longer_holds_is_said_trimmed(stack, open_ui, browser, redis_db):  # noqa: F811
    ui = loaded(stack, open_ui, redis_db)
    gone = 100
    redis_db.xdel("hookd:events", *ui.first_ids[:gone])  # the UI still keeps them in memory
    context, page, errors = behind(ui, browser, redis_db)
    gap = page.locator("[data-testid=gap]")
    expect(gap).to_have_attribute("data-fill", "trimmed", timeout=60_000)
    expect(gap).to_have_attribute("data-trimmed", ui.first_ids[gone])
    expect(gap).to_contain_text("The stream no longer holds those from ")
    filled = ENTRIES - gone - CATCH_UP
    expect(gap).to_contain_text(f"the {filled:,} after them are filled in")
    expect(page.locator("#counts")).to_have_text(f"{1 + filled + CATCH_UP} events")
    assert errors == []
    context.close()
