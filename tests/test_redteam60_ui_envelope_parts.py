"""Sixtieth red-team pass: a large envelope is drawn a part at a time, and all of it on demand.

The envelope view laid out the whole pretty JSON of an event at once: a tool output of 80,000
lines took chromium seconds, one of the reader's 64 MiB far longer, the tab frozen meanwhile. The
view now draws its first 100,000 characters and says how many are not shown, with a button for the
next part and one for all of it. A part ends before a redaction marker it would cut, so every
marker is still marked whole.
"""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import wait_for_entries
from test_redteam5_tail import add_entry
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

PART = 100_000


def opened(page, redis_db, command: str, tool_response: str):
    add_entry(redis_db, session_id="big", payload={"tool_input": {"command": command}, "tool_response": tool_response})
    wait_for_entries(redis_db, 1)
    at_least(page, "#feed-body tr", 1)
    page.locator("#feed-body tr", has_text=command).click()
    detail = page.locator("#detail-json")
    expect(detail).not_to_have_text("loading…", timeout=60_000)
    return detail


def test_a_large_envelope_shows_a_part_then_the_rest_on_demand(stack, open_ui, redis_db):  # noqa: F811
    watched = open_ui(stack[1])
    page = watched.page
    lines = "\n".join(f"line {n} " + "y" * 60 for n in range(80_000))
    detail = opened(page, redis_db, "long output", lines)
    shown = len(detail.text_content())
    assert PART - 300 <= shown <= PART, shown
    expect(detail).not_to_contain_text("line 79999 ")
    expect(page.locator("[data-testid=envelope-all]")).to_contain_text("characters not shown")
    page.locator("[data-testid=envelope-more]").click()
    assert PART < len(detail.text_content()) <= 2 * PART
    page.locator("[data-testid=envelope-all]").click()
    expect(detail).to_contain_text("line 79999 " + "y" * 60)
    expect(page.locator("[data-testid=envelope-rest]")).to_be_hidden()
    watched.assert_clean()


def test_no_marker_is_cut_between_parts(stack, open_ui, redis_db):  # noqa: F811
    watched = open_ui(stack[1])
    page = watched.page
    markers = 12_000
    detail = opened(page, redis_db, "many markers", "[REDACTED:bearer_token] " * markers)
    assert detail.locator("mark.redacted").count() < markers
    while page.locator("[data-testid=envelope-more]").is_visible():
        page.locator("[data-testid=envelope-more]").click()
    marks = detail.locator("mark.redacted")
    expect(marks).to_have_count(markers)
    assert set(marks.all_text_contents()) == {"[REDACTED:bearer_token]"}
    watched.assert_clean()


def test_a_small_envelope_is_shown_whole_with_no_buttons(stack, open_ui, redis_db):  # noqa: F811
    """A guard (held before too)."""
    watched = open_ui(stack[1])
    page = watched.page
    detail = opened(page, redis_db, "short", "ok")
    expect(detail).to_contain_text('"tool_response": "ok"')
    expect(page.locator("[data-testid=envelope-rest]")).to_be_hidden()
    watched.assert_clean()
