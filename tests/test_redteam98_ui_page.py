"""Ninety-eighth red-team pass, in chromium against a `hookd ui` process and a real redis-server.

A large envelope's first part waited for all of it to arrive: the page read the answer whole
(`res.text()`) before drawing anything. Now an envelope past what is indented is read as it
arrives and its first part drawn once that has: here the UI (its prelude) holds the rest of the
answer until the test lets it go, so only a page that draws as it reads shows anything before.
"""

from __future__ import annotations

from playwright.sync_api import expect

from test_redteam93_ui_answers import _add, ui_of  # noqa: F401 - fixture
from test_ui import at_least
from ui_stack import browser, open_ui  # noqa: F401 - fixtures

PART = 100_000
OUTPUT = "".join(f"row {n:07d} " + "z" * 88 + " " for n in range(12_000))  # 1.2 MB: past what is indented

HELD = """
import asyncio, os, hookd.ui.answers as answers
_pieces = answers._in_pieces
async def _held(body):
    n = 0
    async for piece in _pieces(body):
        n += 1
        while n == 8 and not os.path.exists({gate!r}):
            await asyncio.sleep(0.02)
        yield piece
answers._in_pieces = _held
"""


def test_a_large_envelopes_first_part_is_drawn_before_the_rest_arrives(ui_of, redis_db, open_ui, tmp_path):  # noqa: F811
    gate = tmp_path / "gate"
    _add(redis_db, "1000-0", "big", {"tool_input": {"command": "huge"}, "tool_response": OUTPUT})
    ui = ui_of(history=100, prelude=HELD.format(gate=str(gate)))
    watched = open_ui(ui)
    page = watched.page
    at_least(page, "#feed-body tr", 1)
    page.locator("#feed-body tr").first.click()
    # The UI holds the answer after its 8th piece (512 KiB): nothing but a page drawing as it reads shows a part.
    first = page.locator("#detail-json .part")
    expect(first).to_have_count(1, timeout=10_000)
    assert "row 0000000 " in (first.text_content() or "")
    expect(page.locator("[data-testid=envelope-arriving]")).to_contain_text("Arriving:")
    expect(page.locator("[data-testid=envelope-download]")).to_have_count(0)  # not before it is whole
    gate.touch()
    expect(page.locator("[data-testid=envelope-download]")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid=envelope-arriving]")).to_have_count(0)
    expect(page.locator("[data-testid=envelope-note]")).to_contain_text("Shown as stored, not indented")
    expect(page.locator("[data-testid=envelope-all]")).to_contain_text("characters not shown")
    watched.assert_clean()
