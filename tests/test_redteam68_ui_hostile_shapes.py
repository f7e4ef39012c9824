"""Sixty-eighth red-team pass: envelopes shaped to break the page.

An envelope nested a million arrays deep (others write the stream; hookd's own ingest refuses such
input) was left out of the feed without a word: both JSON readers of the UI give up past their
depth. It is now shown from the fields hookd writes beside the envelope, its summary saying why;
and the envelope view, whose JSON.parse/stringify threw RangeError, shows it as stored. Names that
are JavaScript's own (``__proto__``, ``constructor``) held: a guard.
"""

from __future__ import annotations

import json

from playwright.sync_api import expect

from conftest import wait_for_entries
from hookd.ui.events import TOO_DEEP
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

DEPTH = 1_000_000


def test_an_envelope_nested_a_million_deep_is_shown_not_left_out(stack, open_ui, redis_db):  # noqa: F811
    watched = open_ui(stack[1])
    page = watched.page
    deep = "[" * DEPTH + "]" * DEPTH
    raw = '{"hook":"PostToolUse","session_id":"deep","tool_name":"Bash","payload":{"tool_response":%s}}' % deep
    fields = {"envelope": raw, "hook": "PostToolUse", "session": "deep", "tool": "Bash", "host": "h1"}
    redis_db.xadd("hookd:events", fields)
    wait_for_entries(redis_db, 1)
    at_least(page, "#feed-body tr", 1)
    row = page.locator("#feed-body tr").first
    expect(row).to_contain_text(TOO_DEEP)
    expect(row).to_contain_text("PostToolUse")
    row.click()
    expect(page.locator("[data-testid=envelope-note]")).to_contain_text("Shown as stored")
    expect(page.locator("#detail-json")).to_contain_text('"tool_response":[[[[')
    watched.assert_clean()


def test_names_that_are_javascripts_own_are_shown_as_any_other(stack, open_ui, redis_db):  # noqa: F811
    """A guard (held before)."""
    watched = open_ui(stack[1])
    page = watched.page
    names = ("__proto__", "constructor", "toString")
    for name in names:
        env = {"hook": name, "host": name, "session_id": name, "tool_name": name, "risk": name,
               "payload": {"tool_input": {"command": f"</script>{name}"}, "__proto__": {"x": 1}}}  # fmt: skip
        redis_db.xadd("hookd:events", {"envelope": json.dumps(env), "session": name})
    wait_for_entries(redis_db, len(names))
    at_least(page, "#feed-body tr", len(names))
    page.select_option("#f-host", "__proto__")
    expect(page.locator("#feed-body tr")).to_have_count(1)
    page.locator("#feed-body tr").first.click()
    expect(page.locator("#detail-json")).to_contain_text('"__proto__": {')
    page.goto(f"{stack[1].base}/#/sessions")
    expect(page.locator("#sessions-body tr")).to_have_count(len(names))
    page.goto(f"{stack[1].base}/#/session/constructor")
    expect(page.locator('[data-fact="events"]')).to_have_text("1")
    page.goto(f"{stack[1].base}/#/overview")
    expect(page.locator("#o-hooks")).to_contain_text("__proto__")
    watched.assert_clean()
