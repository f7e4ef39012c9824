"""Seventy-sixth red-team pass: control characters in event text. The page showed bidi marks and
invisible format characters as their escapes (thirteenth pass), but not the control characters:
a carriage return was drawn as a space in a row (and as nothing in a <pre>), and an escape, a bell,
a backspace or a C1 control each as the same box; the Hangul fillers and the interlinear
annotation marks (U+FFF9 to U+FFFB, drawn as nothing) were drawn too. They are now shown as their
\\u escape, in the feed, the envelope, the session list and a session."""

from __future__ import annotations

from test_redteam13_ui_bidi import sent_and_shown
from test_ui import stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

HIDDEN = {
    "\r": "\\u000d",
    "\x1b": "\\u001b",
    "\x07": "\\u0007",
    "\x08": "\\u0008",
    "\x7f": "\\u007f",
    "\x85": "\\u0085",
    "\x9b": "\\u009b",
    "\u3164": "\\u3164",
    "\ufff9": "\\ufff9",
    "\ufffb": "\\ufffb",
}


def test_control_characters_in_event_text_are_shown_as_escapes(stack, open_ui, redis_db):  # noqa: F811
    command = "echo done\r\x1b[2Krm -rf ~ \x07\x08\x7f \x85\x9b \u3164 \ufff9x\ufffb"
    fields = {"tool_use_id": "c1", "cwd": "/w/\rtmp\u3164", "tool_input": {"command": command}}
    watched, shown = sent_and_shown(stack, open_ui, redis_db, "sess-\x1bc1", "\\u0085\\u009b", **fields)
    assert (
        "echo done\\u000d\\u001b[2Krm -rf ~ \\u0007\\u0008\\u007f \\u0085\\u009b \\u3164 \\ufff9x\\ufffb" in shown[0]
    ), shown[0]
    assert "/w/\\u000dtmp\\u3164" in shown[3], shown[3]
    assert "sess-\\u001bc1" in shown[4], shown[4]
    for text in shown:
        for char in HIDDEN:
            assert char not in text, (char, text)
    watched.assert_clean()
