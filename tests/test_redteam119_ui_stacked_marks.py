"""Hundred-nineteenth red-team pass: a run of combining marks in an event's text (a session id, a
cwd, a command) stacked its marks above or below its letter without end: textContent keeps it text,
but chromium draws each mark on the one before, so that 127 marks under a session id's letter (255
bytes, an id the index keeps as sent) hung some 400 px of ink over the session page, and a cwd's
300 over its chart and timeline; the cells that clip their text hid it in the lists only. A mark
after eight in a row is now shown as its \\u escape (dom.js), as the invisible characters are."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import wait_for_entries
from test_ui import at_least, send, stack  # noqa: F401 - fixture
from ui_stack import event, open_ui, browser  # noqa: F401 - fixtures

BELOW, ABOVE = "\u0316", "\u0301"  # combining grave accent below; combining acute accent
# The height of the tallest text the page shows, in its font's size: the ink of each text node's
# lines as the canvas measures it in the font the node is drawn in.
INK = """() => {
  const ctx = document.createElement("canvas").getContext("2d");
  let worst = [0, ""];
  const nodes = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = nodes.nextNode(); node; node = nodes.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !parent.getClientRects().length) continue;
    const style = getComputedStyle(parent);
    ctx.font = style.font;
    for (const line of node.data.split("\\n")) {
      const m = ctx.measureText(line);
      const height = (m.actualBoundingBoxAscent + m.actualBoundingBoxDescent) / parseFloat(style.fontSize);
      if (height > worst[0]) worst = [height, parent.id || parent.tagName];
    }
  }
  return worst;
}"""
MAX_INK = 4.0  # font sizes: eight marks above a letter are some 2.5


def test_a_run_of_combining_marks_is_not_drawn_over_the_page(stack, open_ui, redis_db):  # noqa: F811
    alpha, ui = stack
    watched = open_ui(ui)
    page = watched.page
    session = "z" + BELOW * 127  # 255 bytes: the index names it as sent
    fields = {"tool_use_id": "m1", "cwd": "/w/" + ABOVE * 300, "tool_input": {"command": "ls " + BELOW * 1000}}
    send(alpha, event("PreToolUse", session, tool_name="Bash", agent_type="x" + ABOVE * 60, **fields))
    wait_for_entries(redis_db, 1)
    at_least(page, "#feed-body tr", 1)
    seen = {"feed": page.evaluate(INK)}
    page.locator("#feed-body tr").first.click()
    expect(page.locator("#detail-json")).to_contain_text("tool_input")
    seen["envelope"] = page.evaluate(INK)
    page.goto(ui.base + "/#/sessions")
    page.wait_for_selector("#sessions-body tr")
    seen["sessions"] = page.evaluate(INK)
    page.locator("#sessions-body tr").first.click()
    page.wait_for_selector("#s-timeline .tl-row.call")
    expect(page.locator("[data-fact=project]")).to_contain_text("/w/")
    seen["session"] = page.evaluate(INK)
    assert all(height <= MAX_INK for height, _ in seen.values()), seen
    # What is past the eighth mark is said, not dropped: the session's title names it whole.
    assert page.locator("#s-title").inner_text().count("\\u0316") == 127 - 8
    watched.assert_clean()
