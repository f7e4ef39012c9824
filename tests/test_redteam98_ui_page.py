"""Ninety-eighth red-team pass, in chromium against a `hookd ui` process and a real redis-server.

A large envelope's first part waited for all of it to arrive: the page read the answer whole
(`res.text()`) before drawing anything. Now an envelope past what is indented is read as it
arrives and its first part drawn once that has: here the UI (its prelude) holds the rest of the
answer until the test lets it go, so only a page that draws as it reads shows anything before.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from playwright.sync_api import expect

from test_redteam93_ui_answers import STREAM, _add, ui_of  # noqa: F401 - fixture
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
    expect(first).to_have_count(1, timeout=60_000)
    assert "row 0000000 " in (first.text_content() or "")
    expect(page.locator("[data-testid=envelope-arriving]")).to_contain_text("Arriving:")
    expect(page.locator("[data-testid=envelope-download]")).to_have_count(0)  # not before it is whole
    gate.touch()
    expect(page.locator("[data-testid=envelope-download]")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid=envelope-arriving]")).to_have_count(0)
    expect(page.locator("[data-testid=envelope-note]")).to_contain_text("Shown as stored, not indented")
    expect(page.locator("[data-testid=envelope-all]")).to_contain_text("characters not shown")
    watched.assert_clean()


HOSTILE_SID = "../../api/status?x=1#/live/<img src=x onerror=alert(1)>%2e%2e\u202e"
HOSTILE_TEXT = "<script>alert(1)</script>\x1b[31mred\x1b[0m\u202etxt.exe\u2066" + "w" * 300_000


def test_hostile_events_an_odd_session_id_and_ten_thousand_sessions(ui_of, redis_db, open_ui):  # noqa: F811
    """What held in this pass, kept: markup, ANSI, bidi and a long line in an event stay text, a
    session id of path characters opens its own page, and 10,000 sessions list the newest 500."""
    pipe = redis_db.pipeline(transaction=False)
    for n in range(10_000):
        envelope = {"hook": "Stop", "session_id": f"s-{n:05d}", "payload": {}}
        pipe.xadd(STREAM, {"envelope": json.dumps(envelope), "session": f"s-{n:05d}"}, id=f"{1000 + n}-0")
    pipe.execute()
    _add(redis_db, "20000-0", HOSTILE_SID, {"tool_input": {"command": HOSTILE_TEXT}, "tool_response": HOSTILE_TEXT})
    ui = ui_of(history=20_000)
    watched = open_ui(ui)
    page = watched.page
    page.goto(ui.base + "/#/sessions")
    at_least(page, "#sessions-body tr", 500)
    assert page.locator("#sessions-body tr").count() == 500
    page.goto(ui.base + "/#/session/" + quote(HOSTILE_SID, safe=""))
    expect(page.locator("#s-title")).to_contain_text("onerror=alert(1)")
    expect(page.locator("#s-facts [data-fact=events]")).to_have_text("1")
    assert page.locator("#s-title img, img[src=x], script:not([type=module])").count() == 0
    page.goto(ui.base + "/#/live")
    at_least(page, "#feed-body tr", 1)
    page.locator("#feed-body tr").first.click()
    detail = page.locator("#detail-json")
    expect(detail.locator(".part")).to_have_count(1)
    text = detail.text_content() or ""
    assert "<script>alert(1)</script>" in text and "\\u001b[31m" in text and "\x1b" not in text, text[:200]
    assert "\u202e" not in text and "\\u202etxt.exe" in text and "\\u2066" in text, text[:300]
    assert watched.page.evaluate("document.title") and page.locator("#detail-json script").count() == 0
    watched.assert_clean()
