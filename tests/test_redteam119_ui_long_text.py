"""Hundred-nineteenth red-team pass: an event's long text without a space (a session id of 255
bytes, a cwd of 4,096) on a session's page. The lists clip their cells, but the session's title and
its facts took the text's whole width: the page scrolled sideways by thousands of pixels, and a long
cwd pushed the facts beside it (state, last activity) off the screen. They now wrap anywhere."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import wait_for_entries
from test_ui import at_least, send, stack  # noqa: F401 - fixture
from ui_stack import event, open_ui, browser  # noqa: F401 - fixtures

WIDE = """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"""


def test_a_long_id_and_cwd_wrap_on_the_session_page(stack, open_ui, redis_db):  # noqa: F811
    alpha, ui = stack
    watched = open_ui(ui)
    page = watched.page
    session, cwd = "s" * 255, "/w/" + "d" * 4000
    send(alpha, event("PreToolUse", session, tool_name="Bash", tool_use_id="l1", cwd=cwd))
    wait_for_entries(redis_db, 1)
    at_least(page, "#feed-body tr", 1)
    page.goto(ui.base + "/#/sessions")
    page.wait_for_selector("#sessions-body tr")
    page.locator("#sessions-body tr").first.click()
    page.wait_for_selector("#s-timeline .tl-row.call")
    expect(page.locator("[data-fact=project]")).to_contain_text("/w/ddd")
    width, seen = page.evaluate(WIDE)
    assert width <= seen, (width, seen)
    state = page.locator("[data-fact=state]").bounding_box()
    assert state is not None and state["x"] + state["width"] <= seen, state
    watched.assert_clean()
