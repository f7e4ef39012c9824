"""Seventy-sixth red-team pass: opening a large envelope. The sixty-eighth pass drew an envelope a
part at a time, but before its first part the page read all of it (JSON.parse) and wrote it out
indented (JSON.stringify): for tens of MB the tab held until both were done. An envelope past ten
parts is now drawn as stored, not indented, and the view says so; a smaller one is indented as
before."""

from __future__ import annotations

from playwright.sync_api import expect

from test_redteam60_ui_envelope_parts import opened
from test_ui import stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

PART = 100_000
OUTPUT = "".join(f"row {n:07d} " + "z" * 88 + " " for n in range(200_000))  # 20 MB
# The largest text the page gave JSON.parse (the page's own parses are small: API answers, events).
LARGEST_PARSE = """
(() => {
  const parse = JSON.parse;
  window.largestParse = 0;
  JSON.parse = function (text, ...rest) {
    window.largestParse = Math.max(window.largestParse, String(text).length);
    return parse.call(this, text, ...rest);
  };
})();
"""


def with_script(open_ui, ui, script: str):
    """A page open on the UI, reloaded with script run before the page's own."""
    watched = open_ui(ui)
    watched.page.add_init_script(script)
    watched.page.reload()
    watched.page.wait_for_selector("#conn.ok", timeout=60_000)
    return watched


def test_a_large_envelope_is_drawn_as_stored_without_reading_it_whole(stack, open_ui, redis_db):  # noqa: F811
    watched = with_script(open_ui, stack[1], LARGEST_PARSE)
    page = watched.page
    detail = opened(page, redis_db, "huge output", OUTPUT)
    expect(detail).to_contain_text("row 0000000 ")
    assert len(detail.text_content()) <= PART
    expect(page.locator("[data-testid=envelope-note]")).to_contain_text("Shown as stored, not indented")
    largest = page.evaluate("window.largestParse")
    assert largest < 10 * PART, f"the page read a {largest:,}-character text whole before drawing"
    expect(page.locator("[data-testid=envelope-download]")).to_be_visible()
    watched.assert_clean()


def test_a_smaller_envelope_is_still_indented(stack, open_ui, redis_db):  # noqa: F811
    watched = open_ui(stack[1])
    page = watched.page
    detail = opened(page, redis_db, "some output", OUTPUT[: 5 * PART])
    expect(detail).to_contain_text('\n  "payload": {')
    expect(page.locator("[data-testid=envelope-note]")).to_have_count(0)
    watched.assert_clean()
