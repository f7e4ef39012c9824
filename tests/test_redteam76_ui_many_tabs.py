"""Seventy-sixth red-team pass: many browsers at once. Eight tabs open on one `hookd ui` and 3,000
entries of about 10 KB of record each written into the stream as another writer would (30 MB sent to
each tab): every tab counts all 3,000, none was cut off or closed. On main's app.py it failed in 2 of
5 runs on a loaded machine, a tab's stream ending mid-answer (ERR_INCOMPLETE_CHUNKED_ENCODING): the
batches that piled up were written as one message, and the transport stayed paused until nearly
all of it was taken, so a tab that read, slowly, could pass the 10 s write timeout. Written in
pieces, each piece taken resumes the transport.

The entries go in six steps of 500 (5 MB a tab), each step once every tab has counted the last: a
tab that keeps up is never cut off, whatever the machine's load. Written in one burst, a tab that
took less than 16 MB while hookd ui read 30 MB from Redis was cut off (and caught up after its
reconnect), which on CI's loaded machine happened to 5 of 8 tabs: a race, not this pass's finding.
A tab cut off and catching up is test_redteam76_ui_unread_streams'."""

from __future__ import annotations

import json

import pytest

from conftest import wait_until
from test_redteam76_ui_unread_streams import _add
from test_ui import stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

TABS = 8
ENTRIES = 3000
STEP = 500


# Eight tabs each take 30 MB, in steps that wait on the slowest tab: on a loaded 2-core machine that
# outlasts the suite's 120 s a test (bench/README.md, h249), the outcome unchanged. Not a timing goal.
@pytest.mark.timeout(360)
def test_eight_tabs_each_get_every_event(stack, open_ui, redis_db):  # noqa: F811
    watched = [open_ui(stack[1], stack[1].new_url() if n else None) for n in range(TABS)]
    for start in range(0, ENTRIES, STEP):
        _add(redis_db, STEP, start)
        for tab in watched:
            page = tab.page
            wait_until(
                lambda page=page, n=start + STEP: page.locator("#counts").inner_text() == f"{n} events",
                timeout=120,
                what=f"{start + STEP} events in every tab",
            )
    status = json.loads(watched[0].page.evaluate("fetch('api/status').then((r) => r.text())"))
    assert status["browsers"] == TABS and status["cut_off"] == 0 and status["not_reading"] == 0, status
    for tab in watched:
        tab.assert_clean()
