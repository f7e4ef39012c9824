"""Hundred-sixth red-team pass, in chromium: a session page behind the stream says so, and an id
past the UI's budget for ids nothing names says why it is not shown.

A session older than memory is read from the stream, the entries added since its last read a step
a request (hookd/ui/session_scans.py). While a writer adds more than that, the page showed the
events read so far as if they were all: `reading_on` came only with `unread_before`. Here the UI's
prelude holds the reads of the entries since (a gate file) rather than racing a writer, so the page
is behind for as long as the test says.
"""

from __future__ import annotations

from playwright.sync_api import expect

from test_redteam93_ui_answers import _add, ui_of  # noqa: F401 - fixture
from test_redteam104_ui_growing_stream import _write
from ui_stack import browser, open_ui  # noqa: F401 - fixtures

HELD = """
import os, hookd.ui.reader as reader
_after = reader.StreamReader.scan_after
async def _held(self, session, after, top, budget):
    return await _after(self, session, after, top, 0 if os.path.exists({gate!r}) else budget)
reader.StreamReader.scan_after = _held
"""


def test_a_session_page_behind_the_stream_says_so_until_it_has_caught_up(ui_of, redis_db, open_ui, tmp_path):  # noqa: F811
    gate = tmp_path / "hold"
    _add(redis_db, "1000-0", "old")
    _write(redis_db, 2000, 300)  # older than the 100 entries memory keeps: read from the stream
    ui = ui_of(history=100, prelude=HELD.format(gate=str(gate)))
    watched = open_ui(ui, ui.url)
    page = watched.page
    page.goto(ui.base + "/#/session/old")
    expect(page.locator("#s-facts [data-fact=events]")).to_have_text("1", timeout=60_000)
    behind = page.locator("[data-testid=session-behind]")
    expect(behind).to_be_hidden()
    gate.touch()  # the entries added from here on are not read until the gate goes
    _write(redis_db, 3000, 50)
    _add(redis_db, "4000-0", "old")  # the session's new event: the page reads it again
    expect(behind).to_be_visible(timeout=60_000)  # before: no word of it, the page looked complete
    expect(behind).to_contain_text("stream entry 2299-0")
    expect(behind).to_contain_text("stream entry 4000-0")
    expect(behind).to_contain_text("1.701 s later")
    expect(page.locator("#s-facts [data-fact=events]")).to_have_text("1")
    gate.unlink()  # the page reads on by itself while it is behind
    expect(page.locator("#s-facts [data-fact=events]")).to_have_text("2", timeout=60_000)
    expect(behind).to_be_hidden()
    watched.assert_clean()


def test_an_id_past_the_budget_for_ids_nothing_names_is_refused_on_the_page(ui_of, redis_db, open_ui):  # noqa: F811
    _write(redis_db, 2000, 300)
    prelude = "import hookd.ui.scan_budget as b\nb.UNKNOWN_ENTRIES = 400\nb.UNKNOWN_PERIOD_S = 1e9\n"
    ui = ui_of(history=100, prelude=prelude)
    watched = open_ui(ui, ui.url)
    page = watched.page
    page.goto(ui.base + "/#/session/made-up-1")  # the whole stream read: 300 of the 400 entries
    expect(page.locator("#s-facts [data-fact=events]")).to_have_text("0", timeout=60_000)
    page.goto(ui.base + "/#/session/made-up-2")  # the 100 left, then refused as it reads on
    title = page.locator("#s-title")
    expect(title).to_contain_text("cannot be shown", timeout=60_000)
    expect(title).to_contain_text("429")
    expect(title).to_contain_text("session_index")
    assert all("429" in e for e in watched.errors), watched.errors  # the browser's own line for the answer
