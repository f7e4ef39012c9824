"""Fifty-second red-team pass: a large envelope is shown, however its text is made.

The envelope view marks redaction markers with a pattern that, from each `[REDACTED:`, looked as
far as the next `]` or `"`: in chromium an output of `[REDACTED:` written 20,000 times over (200 KB,
no `]`) took it 0.1 s, 200,000 times 19 s, 1,000,000 times (10 MB) many minutes, the tab frozen.
A marker's label is now read for at most 200 characters, up to the next `[`. The view's text was also laid out as one
paragraph per line with its direction found line by line (`unicode-bidi: plaintext`), which
chromium does in time that grows with the square of a line's length: the JSON of a 20,000-line
output is one line, and it took seven to ten seconds, a 110,000-line one (7.7 MB) over two minutes.
The view is now isolated as a whole (bidirectional controls are escapes: nothing in it reorders).
The timeouts below are many times what the page takes now, and a fraction of what it took.
"""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import wait_for_entries
from test_redteam5_tail import add_entry
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

SHOWN_WITHIN_MS = 60_000


def drawn(page, tmp_path) -> None:
    """The page draws a frame of what it was given (a screenshot waits for one): its layout is done."""
    page.screenshot(path=str(tmp_path / "drawn.png"), timeout=SHOWN_WITHIN_MS)


def shown(page, redis_db, tmp_path, command: str, tool_response: str, end: str) -> None:
    add_entry(redis_db, session_id="big", payload={"tool_input": {"command": command}, "tool_response": tool_response})
    add_entry(redis_db, session_id="r", payload={"tool_input": {"command": "curl -H [REDACTED:bearer_token] x"}})
    wait_for_entries(redis_db, 2)
    at_least(page, "#feed-body tr", 2)
    detail = page.locator("#detail-json")
    page.locator("#feed-body tr", has_text=command).click()
    # The view draws a first part (the sixtieth pass); all of it is what freezes a tab if anything does.
    page.locator("[data-testid=envelope-all]").click(timeout=SHOWN_WITHIN_MS)
    expect(detail).to_contain_text(end, timeout=SHOWN_WITHIN_MS)
    drawn(page, tmp_path)
    assert detail.locator("mark").count() == 0
    # A real marker is still marked.
    page.locator("#feed-body tr", has_text="curl -H").click()
    expect(detail.locator("mark.redacted")).to_have_text("[REDACTED:bearer_token]")


def test_an_envelope_of_unclosed_markers_is_shown(stack, open_ui, redis_db, tmp_path):  # noqa: F811
    watched = open_ui(stack[1])
    shown(watched.page, redis_db, tmp_path, "markers", "[REDACTED:" * 1_000_000, '[REDACTED:[REDACTED:"')
    watched.assert_clean()


def test_an_envelope_of_one_long_line_is_shown(stack, open_ui, redis_db, tmp_path):  # noqa: F811
    watched = open_ui(stack[1])
    lines = "\n".join(f"line {n} " + "y" * 60 for n in range(110_000))
    shown(watched.page, redis_db, tmp_path, "long output", lines, "line 109999 " + "y" * 60)
    watched.assert_clean()
