"""Hundred-first red-team pass, in chromium: Show all of an envelope that is still arriving.

A large envelope is read as it arrives and its first part drawn once that has (h234), but its
controls came only when all of it had: Show all waited for the whole answer. Now they come with
the first part: a Show all draws what has arrived and goes on as the rest arrives. The UI (its
prelude, as in tests/test_redteam98_ui_page.py) holds the answer until the test lets it go.
"""

from __future__ import annotations

from playwright.sync_api import expect

from test_redteam93_ui_answers import _add, ui_of  # noqa: F401 - fixture
from test_redteam98_ui_page import HELD, OUTPUT
from test_ui import at_least
from ui_stack import browser, open_ui  # noqa: F401 - fixtures
from conftest import wait_until


def test_show_all_is_offered_with_the_first_part_and_goes_on_as_the_rest_arrives(
    ui_of,  # noqa: F811
    redis_db,
    open_ui,  # noqa: F811
    tmp_path,
):
    gate = tmp_path / "gate"
    _add(redis_db, "1000-0", "big", {"tool_input": {"command": "huge"}, "tool_response": OUTPUT})
    ui = ui_of(history=100, prelude=HELD.format(gate=str(gate)))
    watched = open_ui(ui)
    page = watched.page
    at_least(page, "#feed-body tr", 1, timeout=60)
    page.locator("#feed-body tr").first.click()
    detail = page.locator("#detail-json")
    expect(detail.locator(".part")).to_have_count(1, timeout=30_000)
    expect(page.locator("[data-testid=envelope-arriving]")).to_contain_text("Arriving:")
    # Held after its 8th 64 KiB piece: before, no control until all of it had arrived.
    show_all = page.locator("[data-testid=envelope-all]")
    expect(show_all).to_be_visible(timeout=30_000)
    expect(show_all).to_contain_text("more arriving")
    show_all.click()
    # What has arrived is drawn (more than the first part), and no further: the rest is held.
    wait_until(lambda: len(detail.text_content() or "") > 300_000, timeout=30, what="what arrived drawn")
    assert len(detail.text_content() or "") < 8 * 65_536, len(detail.text_content() or "")
    expect(page.locator("[data-testid=envelope-stop]")).to_be_visible()
    gate.touch()
    # No other click: the Show all goes on as the rest arrives, to the last row.
    expect(detail).to_contain_text(f"row {len(OUTPUT) // 101 - 1:07d} ", timeout=60_000)
    expect(page.locator("[data-testid=envelope-rest]")).to_be_hidden(timeout=30_000)
    expect(page.locator("[data-testid=envelope-download]")).to_be_visible()
    expect(page.locator("[data-testid=envelope-arriving]")).to_have_count(0)
    watched.assert_clean()
