"""Twenty-fourth red-team pass: class names made from an event's fields.

Every event string reaches the page as text, but the feed's rows and the timeline's bars took
their class from the envelope's ``risk`` as written in the stream (``risk-${risk}``), and a class
attribute is a list split at spaces. An entry whose risk was ``low view`` (a host sharing the
Redis, or anyone who can XADD to it) gave its row the class ``view`` too, which the router hides
with the page's sections: the row vanished from the live feed at the first change of view. A risk
of ``low failed`` or ``low open`` drew a call that succeeded as failed or still running. Classes
are now made from the known risk levels only; the risk's text is still shown as it is.
"""

from __future__ import annotations

import json

from conftest import wait_until
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

SID = "sess-classes"


def _entry(redis_db, hook: str, risk: str, tool_use_id: str, t: str) -> str:
    """An entry as a host sharing the Redis writes it (fields as hookd's, risk chosen)."""
    envelope = {
        "v": 1,
        "event_id": f"ev-{tool_use_id}-{hook}",
        "host": "beta",
        "hook": hook,
        "session_id": SID,
        "tool_name": "Bash",
        "received_at": f"2026-12-05T10:00:{t}Z",
        "risk": risk,
        "risk_reasons": [],
        "payload": {
            "hook_event_name": hook,
            "session_id": SID,
            "tool_name": "Bash",
            "tool_use_id": tool_use_id,
            "cwd": "/w",
            "tool_input": {"command": f"echo {tool_use_id}"},
        },
    }
    fields = {"envelope": json.dumps(envelope), "hook": hook, "session": SID, "host": "beta", "tool": "Bash"}
    return redis_db.xadd("hookd:events", fields).decode()


def test_a_risk_with_spaces_adds_no_class_to_rows_or_bars(stack, open_ui, redis_db):  # noqa: F811
    _, ui = stack
    hidden_id = _entry(redis_db, "PreToolUse", "high view", "t1", "01")
    _entry(redis_db, "PostToolUse", "high view", "t1", "02")
    _entry(redis_db, "PreToolUse", "low failed open", "t2", "03")
    _entry(redis_db, "PostToolUse", "low failed open", "t2", "04")
    # A hook named as an Object property: MARK_KIND["constructor"] is Object's constructor, whose
    # source text became the mark's classes ("kind-function", "Object()", "{", ...).
    _entry(redis_db, "constructor", "__proto__", "t3", "05")
    low_id = _entry(redis_db, "PreToolUse", "low", "t4", "06")
    watched = open_ui(ui)
    page = watched.page
    at_least(page, "#feed-body tr", 6)
    row = page.locator(f'#feed-body tr[data-id="{hidden_id}"]')

    page.goto(ui.base + "/#/sessions")
    page.wait_for_selector("#sessions-body tr")
    page.goto(ui.base + "/#/live")
    wait_until(lambda: page.locator("#view-live").is_visible(), what="the live view")
    # On the code before, the row had the class "view" and the router hid it with the sections.
    assert row.is_visible(), row.get_attribute("class")
    assert page.locator("#feed-body tr:visible").count() == 6
    classes = {page.locator("#feed-body tr").nth(i).get_attribute("class") for i in range(6)}
    # The classes are the known levels' or none; the risk's text is still shown in its cell.
    assert classes <= {"risk-none", "risk-low", "risk-medium", "risk-high"}, classes
    assert row.locator("td.risk").inner_text() == "high view"

    page.goto(ui.base + "/#/session/" + SID)
    at_least(page, "#s-timeline .bar", 2)
    bars = [page.locator("#s-timeline .bar").nth(i).get_attribute("class").split() for i in range(2)]
    for bar in bars:
        # Both calls ended with PostToolUse: neither is failed nor still open.
        assert "failed" not in bar and "open" not in bar and "view" not in bar, bars
    mark = page.locator('#s-timeline .tl-row.mark[data-hook="constructor"]').get_attribute("class")
    assert mark == "tl-row mark kind-other", mark
    # The risk filter ranks an unknown risk below every level: only the "low" row is shown at "low"
    # (on the code before, RISK_RANK["__proto__"] was an object, compared as neither less nor more).
    page.goto(ui.base + "/#/live")
    page.select_option("#f-risk", "low")
    wait_until(lambda: page.locator("#feed-body tr").count() == 1, what="the low-or-above rows")
    assert page.locator("#feed-body tr").get_attribute("data-id") == low_id
    watched.assert_clean()
