"""An entry written while `hookd ui` or its page starts is shown (a final run's missed feed row).

test_redteam60_ui_odd_sessions starts the UI, then writes the entry, then opens the page, and once
found no row in 60 s. Three races could each lose an entry written as the UI or a page starts, for good:
- the reader's start read the stream (empty), then read it again for its newest entry to read on
  from: an entry written between the two was neither kept nor read live;
- the page's first page of history was empty, and its live stream asked for what arrives once it is
  connected: an entry the UI read between the two was sent to no page;
- a page read its first page from Redis before the reader's first read, which was kept, not sent: an
  entry written between the two was sent to no page.
"""

from __future__ import annotations

import asyncio
import json

from conftest import wait_until
from hookd.config import Config
from hookd.publish.connection import connect
from hookd.publish.replies import READER_REPLY_BYTES
from hookd.publish.settings import RedisSettings
from hookd.ui.reader import StreamReader
from hookd.ui.store import Store
from test_redteam5_tail import add_entry
from test_redteam93_ui_answers import STREAM, _add, _get, _login, ui_of  # noqa: F401 - fixture
from test_ui import at_least
from ui_stack import Watched, browser  # noqa: F401 - fixture


def test_an_entry_written_between_the_reader_s_first_reads_is_kept(redis_db, redis_server, tmp_path):
    """The entry is written as the start's first read of an empty stream returns."""
    settings = RedisSettings.from_config(Config(redis_url=redis_server.url, state_dir=str(tmp_path)))

    async def go() -> list[str]:
        live, client = connect(settings, READER_REPLY_BYTES, 1), connect(settings, READER_REPLY_BYTES, 1)
        store = Store(100)
        reader = StreamReader(settings, STREAM, store, live, client)
        first_read = reader._older

        async def older(c, upper, count):
            got = await first_read(c, upper, count)
            if reader._older is older:  # once: the read that found the stream empty
                reader._older = first_read  # type: ignore[method-assign]
                _add(redis_db, "5-0", "s")
            return got

        reader._older = older  # type: ignore[method-assign]
        reading = asyncio.create_task(reader.run())
        try:
            async with asyncio.timeout(30):
                while not store.records:
                    await asyncio.sleep(0.05)
            return [rec.entry_id for rec in store.records]
        finally:
            reading.cancel()
            await asyncio.gather(reading, return_exceptions=True)
            await live.aclose()
            await client.aclose()

    assert asyncio.run(go()) == ["5-0"]


def test_an_entry_read_between_the_page_s_first_page_and_its_stream_is_shown(ui_of, redis_db, browser):  # noqa: F811
    """The page's (empty) first page is held back until the UI has read an entry written after it."""
    ui = ui_of()
    cookie = _login(ui)  # the first URL's: the page gets another (SIGUSR1)

    def read() -> int:
        code, body = _get(ui, cookie, "/api/status")
        return json.loads(body)["read"] if code == 200 else 0

    def first_page(route) -> None:
        answer = route.fetch()
        add_entry(redis_db, session_id="late", payload={"tool_input": {"command": "in late"}})
        wait_until(lambda: read() == 1, timeout=60, what="the UI reading the entry")
        route.fulfill(response=answer)

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        context.route("**/api/events?*", first_page)
        watched = Watched(context, ui.base)
        watched.page.goto(ui.new_url())
        at_least(watched.page, "#feed-body tr", 1, timeout=60)
        assert "in late" in watched.page.locator("#feed-body tr").first.inner_text()
        watched.assert_clean()
    finally:
        context.close()


# The reader's first read held until the test writes this file.
HOLD = """
import asyncio, os, hookd.ui.reader as reader
_first_read = reader.StreamReader.bootstrap
async def _held(self):
    while not os.path.exists({path!r}):
        await asyncio.sleep(0.05)
    await _first_read(self)
reader.StreamReader.bootstrap = _held
"""


def test_an_entry_written_before_the_first_read_reaches_a_page_open_before_it(ui_of, redis_db, browser, tmp_path):  # noqa: F811
    """The page reads its first page from Redis (the UI holds nothing yet) and is live; an entry is
    written, then the reader's first read (held till then) keeps it."""
    go = tmp_path / "go"
    ui = ui_of(prelude=HOLD.format(path=str(go)))
    add_entry(redis_db, session_id="early", payload={"tool_input": {"command": "in early"}})
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        watched = Watched(context, ui.base)
        watched.page.goto(ui.url)
        watched.page.wait_for_selector("#conn.ok", timeout=60_000)
        at_least(watched.page, "#feed-body tr", 1, timeout=60)
        add_entry(redis_db, session_id="late", payload={"tool_input": {"command": "in late"}})
        go.touch()
        at_least(watched.page, "#feed-body tr", 2, timeout=60)
        assert "in late" in watched.page.locator("#feed-body tr").first.inner_text()
        watched.assert_clean()
    finally:
        context.close()
