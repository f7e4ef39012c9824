"""Thirteenth red-team pass: what the UI shows of an event's text. textContent keeps payloads from
becoming elements (tests/test_ui.py's XSS corpus), but a bidirectional override in the text still
reorders what the page shows after it: a command "cat \\u202etxt.exe" showed as "cat exe.txt". Such
marks are now shown as their \\u escape, in the feed, the session list, a session and the envelope."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import wait_for_entries
from test_ui import at_least, send, stack  # noqa: F401 - fixture
from ui_stack import event, open_ui, browser  # noqa: F401 - fixtures

BIDI = ("\u202e", "\u2066", "\u200f", "\u061c")


def shown_in_every_view(page, ui, in_envelope: str) -> list[str]:
    """The text of the one event's row, its envelope (once it holds in_envelope) and the envelope's
    title, the session list, the session's title and its timeline."""
    at_least(page, "#feed-body tr", 1)
    feed = page.locator("#feed-body").inner_text()
    page.locator("#feed-body tr").first.click()
    expect(page.locator("#detail-json")).to_contain_text(in_envelope)
    # Its text, not innerText: a part off the screen (content-visibility) has no layout, and innerText is empty.
    detail = page.locator("#detail-json").text_content() or ""
    assert in_envelope in detail, detail  # what is checked below is what the envelope view holds
    shown = [feed, detail, page.locator("#detail-title").inner_text()]
    page.goto(ui.base + "/#/sessions")
    page.wait_for_selector("#sessions-body tr")
    shown.append(page.locator("#sessions-body").inner_text())
    page.locator("#sessions-body tr").first.click()
    page.wait_for_selector("#s-timeline .tl-row.call")
    return shown + [page.locator("#s-title").inner_text(), page.locator("#s-timeline").inner_text()]


def sent_and_shown(stack, open_ui, redis_db, session: str, in_envelope: str, **fields):  # noqa: F811
    """A page open on the UI, one Bash PreToolUse of session (with fields) sent through hookd, and
    what every view shows of it (shown_in_every_view)."""
    alpha, ui = stack
    watched = open_ui(ui)
    send(alpha, event("PreToolUse", session, tool_name="Bash", **fields))
    wait_for_entries(redis_db, 1)
    return watched, shown_in_every_view(watched.page, ui, in_envelope)


def test_bidi_overrides_in_event_text_are_shown_not_applied(stack, open_ui, redis_db):  # noqa: F811
    fields = {"tool_use_id": "b1", "cwd": "/w/\u2066gpj.exe\u2069"}
    fields["tool_input"] = {"command": "cat \u202etxt.exe \u200f\u061c"}
    watched, shown = sent_and_shown(stack, open_ui, redis_db, "sess-\u202ed1", "\\u202etxt.exe", **fields)
    assert "cat \\u202etxt.exe" in shown[0], shown[0]
    assert "\\u2066gpj.exe\\u2069" in shown[3], shown[3]
    assert "sess-\\u202ed1" in shown[4], shown[4]
    for text in shown:
        for char in BIDI:
            assert char not in text, (char, text)
    watched.assert_clean()
