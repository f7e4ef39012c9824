"""Sixty-eighth red-team pass: Show all on an envelope of tens of MB, in parts, and a download.

Show all laid out the whole rest of an envelope in the click's handler: an output of tens of MB held
the tab until it was done (the sixtieth pass left it). It now draws one part per turn of the event
loop, the page answering between parts, with Stop; and an envelope past one part can be downloaded
as a file, whole, as the stream holds it.
"""

from __future__ import annotations

import json

from playwright.sync_api import expect

from test_redteam60_ui_envelope_parts import opened
from test_ui import stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

PART = 100_000
OUTPUT = "".join(f"row {n:07d} " + "z" * 88 + " " for n in range(200_000))  # 20 MB


def test_show_all_draws_in_parts_the_page_answering_and_stop_stops(stack, open_ui, redis_db):  # noqa: F811
    watched = open_ui(stack[1])
    page = watched.page
    detail = opened(page, redis_db, "huge output", OUTPUT)
    # A large envelope is read as it arrives (h234): Show all is offered once the whole of it has.
    expect(page.locator("[data-testid=envelope-all]")).to_be_visible(timeout=60_000)
    # The click's handler returns after one part (before: all of it was laid out in it).
    drawn = page.evaluate("""async () => {
        const pre = document.getElementById("detail-json");
        document.querySelector("[data-testid=envelope-all]").click();
        const once = pre.textContent.length;
        document.querySelector("[data-testid=envelope-stop]").click();
        await new Promise((r) => setTimeout(r, 200));
        return [once, pre.textContent.length];
    }""")
    assert drawn[0] <= 2 * PART and drawn[1] == drawn[0], drawn
    expect(page.locator("[data-testid=envelope-all]")).to_be_visible()
    page.locator("[data-testid=envelope-all]").click()
    expect(detail).to_contain_text(f"row {len(OUTPUT) // 105 - 1:07d} ", timeout=120_000)
    expect(page.locator("[data-testid=envelope-rest]")).to_be_hidden()
    assert len(detail.text_content()) > len(OUTPUT)
    watched.assert_clean()


def test_a_large_envelope_downloads_whole(stack, open_ui, redis_db):  # noqa: F811
    watched = open_ui(stack[1])
    page = watched.page
    opened(page, redis_db, "big output", OUTPUT[: 30 * PART])
    with page.expect_download() as got:
        page.locator("[data-testid=envelope-download]").click()
    envelope = json.loads(open(got.value.path(), encoding="utf-8").read())
    assert envelope["payload"]["tool_response"] == OUTPUT[: 30 * PART]
    assert got.value.suggested_filename.startswith("hookd-") and got.value.suggested_filename.endswith(".json")
    watched.assert_clean()
