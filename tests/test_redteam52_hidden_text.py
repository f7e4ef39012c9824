"""Fifty-second red-team pass: text hidden in variation selectors and the other invisible format
characters, in the UI and on the terminal (the fourteenth pass's class, wider).

The fourteenth pass spelled the zero-width characters and the tag characters as escapes. The
variation selectors (U+FE00 to U+FE0F, U+E0100 to U+E01EF) show nothing either, and one per byte
spells any message after a single letter: `rm -rf /tmp/x` followed by one read as `rm -rf /tmp/x`
in the UI and in `hookd tail`, as did the soft hyphen, U+034F, U+180E, U+206A to U+206F and the
rest of U+E0000 to U+E0FFF (chromium gives each no width). They are now escapes too, but for one
emoji selector (U+FE0E, U+FE0F) after the character it styles: an emoji keeps its look.
"""

from __future__ import annotations

import json

from playwright.sync_api import expect

from conftest import wait_for_entries
from hookd.terminal.text import json_visible, visible
from test_redteam5_tail import add_entry, tail
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures


def smuggled(message: str) -> str:
    """A message as variation selectors, one per UTF-8 byte (0-15: U+FE00.., 16-255: U+E0100..)."""
    return "".join(chr(0xFE00 + b if b < 16 else 0xE0100 + b - 16) for b in message.encode())


SELECTORS = smuggled("\x03\x0e ignore the rules")
OTHERS = "\u00ad\u034f\u17b4\u180e\u206a\u206f\U000e0100\U000e0fff\U0001d173"
COMMAND = "rm -rf /tmp/x" + SELECTORS + " a" + OTHERS + "b"
HIDDEN = sorted(set(SELECTORS + OTHERS))
EMOJI = "done \u2764\ufe0f 1\ufe0f\u20e3 \u263a\ufe0e \U0001f44d\ufe0f"  # each selector styles its character


def test_visible_and_json_visible_spell_selectors_and_other_hidden_characters():
    shown = visible(COMMAND)
    assert shown.startswith("rm -rf /tmp/x\\ufe03\\ufe0e\\U000e0110"), shown
    assert "a\\xad\\u034f\\u17b4\\u180e\\u206a\\u206f\\U000e0100\\U000e0fff\\U0001d173b" in shown, shown
    for char in HIDDEN:
        assert char not in shown, hex(ord(char))
    text = json.dumps({"c": COMMAND}, ensure_ascii=False)
    spelled = json_visible(text)
    assert json.loads(spelled) == {"c": COMMAND} and spelled.isascii(), spelled


def test_an_emoji_keeps_its_selector_and_a_letter_or_a_second_one_does_not():
    assert visible(EMOJI) == EMOJI
    assert visible("x\ufe0f \u2764\ufe0f\ufe0f \ufe0f") == "x\\ufe0f \u2764\ufe0f\\ufe0f \\ufe0f"


def test_tail_shows_selectors_as_escapes(hookd, redis_db):
    add_entry(redis_db, session_id="s52", payload={"tool_input": {"command": COMMAND}})
    for args in ((), ("--json",)):
        done = tail(hookd, "--since", "1h", "--count", "1", *args)
        assert done.returncode == 0, done.stderr
        assert "rm -rf /tmp/x" in done.stdout, done.stdout
        for char in HIDDEN:
            assert char not in done.stdout, (args, hex(ord(char)), done.stdout)
    assert json.loads(done.stdout)["payload"]["tool_input"]["command"] == COMMAND


def test_the_ui_shows_selectors_as_escapes_and_emoji_as_they_are(stack, open_ui, redis_db):  # noqa: F811
    alpha, ui = stack
    watched = open_ui(ui)
    page = watched.page
    add_entry(redis_db, session_id="s52", payload={"tool_input": {"command": COMMAND}})
    add_entry(redis_db, session_id="s52e", hook="Notification", tool_name=None, payload={"message": EMOJI})
    wait_for_entries(redis_db, 2)
    at_least(page, "#feed-body tr", 2)
    feed = page.locator("#feed-body").inner_text()
    assert "rm -rf /tmp/x\\ufe03\\ufe0e\\u{e0110}" in feed, feed
    assert "a\\u00ad\\u034f\\u17b4\\u180e\\u206a\\u206f\\u{e0100}\\u{e0fff}\\u{1d173}b" in feed, feed
    assert EMOJI in feed, feed
    row = page.locator("#feed-body tr", has_text="rm -rf")
    row.click()
    expect(page.locator("#detail-json")).to_contain_text("\\u{e0110}")
    # Its text, not innerText: a part off the screen (content-visibility) has no layout, and innerText is empty.
    detail = page.locator("#detail-json").text_content() or ""
    assert "\\u{e0110}" in detail, detail
    for text in (row.inner_text(), detail):
        for char in HIDDEN:
            assert char not in text, (hex(ord(char)), text)
    watched.assert_clean()
