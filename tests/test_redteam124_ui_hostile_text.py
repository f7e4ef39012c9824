"""Hundred-twenty-fourth red-team pass: hostile text in the places of an event the page shows that the
earlier passes did not send it to: a prompt of 1 MB, a transcript path, a tool name, a session id with
a lone surrogate as a JSON escape (what a JavaScript writer's half an emoji gives), with bidi overrides
and zero-width characters in each. Every view shows them as their escapes, stays its window's width,
and the page reports no error.

A tool call whose payload held a lone surrogate anywhere was not shown at all: the UI reads such an
envelope with the standard library (msgspec refuses the surrogate) and then made its struct of the
objects read, which msgspec cannot do for the payload's tool_input (kept as raw JSON): the record was
left out, in no view, counted nowhere, said nowhere."""

from __future__ import annotations

from conftest import wait_for_entries
from test_redteam13_ui_bidi import BIDI
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import browser, open_ui  # noqa: F401 - fixtures

HIDDEN = BIDI + ("\u200b", "\u2060", "\ufeff")
WIDE = """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"""


def test_hostile_text_in_prompt_transcript_tool_and_session(stack, open_ui, redis_db):  # noqa: F811
    alpha, ui = stack
    watched = open_ui(ui)
    page = watched.page
    session = '"s-\\ud800-\\u202e1\\u200b"'  # JSON text: a lone surrogate and two invisibles, escaped
    prompt = "\u202e" + "p\u200b" * 500_000  # 1 MB of UTF-8
    common = f'"session_id": {session}, "cwd": "/w/\\u2066x\\u2069", "transcript_path": "/t/\\u202egpj.jsonl"'
    bodies = [
        '{"hook_event_name": "UserPromptSubmit", ' + common + ', "prompt": "' + prompt + '"}',
        '{"hook_event_name": "PreToolUse", '
        + common
        + ', "tool_name": "Ba\\u200bsh\\u202e", "tool_use_id": "h1", "tool_input": {"command": "ls"}}',
    ]
    for n, body in enumerate(bodies):
        done = alpha.send(body.encode())
        assert (done.returncode, done.stdout) == (0, b""), done
        wait_for_entries(redis_db, n + 1)
    at_least(page, "#feed-body tr", 2)
    shown = [page.locator("#feed-body").inner_text()]
    assert page.evaluate(WIDE)[0] <= page.evaluate(WIDE)[1]
    for row in range(2):
        page.locator("#feed-body tr").nth(row).click()
        page.wait_for_selector("#detail-json")
        shown += [page.locator("#detail-title").inner_text(), page.locator("#detail-json").text_content() or ""]
    page.goto(ui.base + "/#/sessions")
    page.wait_for_selector("#sessions-body tr")
    shown.append(page.locator("#sessions-body").inner_text())
    page.locator("#sessions-body tr").first.click()
    page.wait_for_selector("#s-timeline .tl-row.call")
    shown += [page.locator("#s-title").inner_text(), page.locator("#view-session").inner_text()]
    width, seen = page.evaluate(WIDE)
    assert width <= seen, (width, seen)
    for text in shown:
        for char in HIDDEN:
            assert char not in text, (hex(ord(char)), text[:300])
    assert "\\u202e" in shown[-1] and "Ba\\u200bsh" in shown[-1], shown[-1][:500]
    watched.assert_clean()
