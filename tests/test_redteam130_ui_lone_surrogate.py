"""Hundred-thirtieth red-team pass: a lone surrogate (a JSON ``\\ud83d`` without its other half: what a
JavaScript writer's half an emoji gives) in what the page shows, through a real hookd and `hookd ui`,
seen in chromium.

It was shown as U+FFFD, which says nothing of what was sent (and looks like any byte UTF-8 could not
hold). Now the server sends it as its JSON escape and the page shows it as its escape, ``\\ud83d``,
told from the six characters ``\\ud83d`` a command may hold (their backslash shown doubled)."""

from __future__ import annotations

from conftest import wait_for_entries
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import browser, open_ui  # noqa: F401 - fixtures


def test_a_lone_surrogate_is_shown_as_sent(stack, open_ui, redis_db):  # noqa: F811
    alpha, ui = stack
    watched = open_ui(ui)
    page = watched.page
    common = '"session_id": "lone", "cwd": "/w/\\udc80"'
    bodies = [
        # JSON text: a lone surrogate, then a backslash and "udc80" (six characters as typed).
        '{"hook_event_name": "UserPromptSubmit", ' + common + ', "prompt": "cut \\ud83d and \\\\udc80"}',
        '{"hook_event_name": "PreToolUse", '
        + common
        + ', "tool_name": "Bash", "tool_use_id": "t1", "tool_input": {"command": "rm \\udfff x"}}',
    ]
    for n, body in enumerate(bodies):
        done = alpha.send(body.encode())
        assert (done.returncode, done.stdout) == (0, b""), done
        wait_for_entries(redis_db, n + 1)
    at_least(page, "#feed-body tr", 2)
    feed = page.locator("#feed-body").inner_text()
    # Was "cut \ufffd and \\udc80" and "rm \ufffd x".
    assert "cut \\ud83d and \\\\udc80" in feed and "rm \\udfff x" in feed, feed
    page.goto(ui.base + "/#/session/lone")
    page.wait_for_selector("#s-timeline .tl-row.call")
    # The timeline's text; the facts above it are the session's summary, whose cwd (a name the
    # summaries of memory and hookd's index share) keeps U+FFFD.
    timeline = page.locator("#s-timeline").inner_text()
    assert "rm \\udfff x" in timeline and "\ufffd" not in timeline, timeline[:500]
    assert "\ufffd" not in feed, feed[:500]
    watched.assert_clean()
