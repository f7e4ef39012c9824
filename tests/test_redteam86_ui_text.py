"""Eighty-sixth red-team pass: what an event's text shows. The seventy-sixth pass showed a control
character as its escape (an ESC as \\u001b), but a command holding the six characters \\u001b
showed the same: the two could not be told apart in the feed, the session list or a session. A
backslash the text holds before what reads as an escape is now doubled, as JSON does. And an
envelope shown as stored went through one pass over all of its text before its first part: each
part is now made inert as it is drawn."""

from __future__ import annotations

from playwright.sync_api import expect

from test_redteam13_ui_bidi import sent_and_shown
from test_redteam60_ui_envelope_parts import opened
from test_redteam76_ui_envelope_first_part import with_script
from test_ui import stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

PART = 100_000
# The longest string the page ran String.prototype.replace over (inert's pass is one).
LONGEST_REPLACE = """
(() => {
  const replace = String.prototype.replace;
  window.longestReplace = 0;
  String.prototype.replace = function (...args) {
    window.longestReplace = Math.max(window.longestReplace, String(this).length);
    return replace.apply(this, args);
  };
})();
"""


def test_a_literal_escape_is_told_apart_from_a_control_character(stack, open_ui, redis_db):  # noqa: F811
    # The six characters \u001b, a real ESC, a backslash then an ESC, a path's backslash, \u{1d173}.
    command = "lit \\u001b[31m real \x1b[31m both \\\x1b path C:\\Users\\x wide \\u{1d173} \U0001d173"
    fields = {"tool_use_id": "d1", "cwd": "/w/\\u0007", "tool_input": {"command": command}}
    watched, shown = sent_and_shown(stack, open_ui, redis_db, "sess-\\u001bd1", "both", **fields)
    expected = "lit \\\\u001b[31m real \\u001b[31m both \\\\\\u001b path C:\\Users\\x wide \\\\u{1d173} \\u{1d173}"
    assert expected in shown[0], shown[0]
    # The envelope is JSON, whose own escapes tell them apart: shown as JSON writes them.
    assert expected.replace("C:\\Users\\x", "C:\\\\Users\\\\x") in shown[1], shown[1]
    assert "/w/\\\\u0007" in shown[3], shown[3]
    assert "sess-\\\\u001bd1" in shown[4], shown[4]
    watched.assert_clean()


def test_a_large_envelope_is_made_inert_a_part_at_a_time(stack, open_ui, redis_db):  # noqa: F811
    watched = with_script(open_ui, stack[1], LONGEST_REPLACE)
    page = watched.page
    output = "".join(f"row {n:06d} \x1b" + "z" * 88 + " " for n in range(30_000))  # 3 MB, one ESC a row
    detail = opened(page, redis_db, "wide output", output)
    expect(detail).to_contain_text("row 000000 \\u001b")
    longest = page.evaluate("window.longestReplace")
    assert longest <= PART, f"the page ran a pass over {longest:,} characters before its first part"
    page.locator("[data-testid=envelope-more]").click()
    expect(detail).to_contain_text("\\u001b", timeout=60_000)
    assert "\x1b" not in detail.text_content()
    watched.assert_clean()
