"""A text the rules read as its view (view.py) is scanned as that view, and its own scan stops at the first
chunk that says the view is needed: what that scan would find further on is never read (TriggerScan.chunks).
A text whose view turns out the same is scanned on from there, once, and read as it is."""

from __future__ import annotations

import json

from conftest import github_token

from hookd.redact import build_redactor
from hookd.redact.scan import CHUNK
from hookd.redact.view import View

TOKEN = github_token()[4:]  # past its ghp_
PLAIN = "def handler(event):\n    return event.get('name', 'none')\n" * (40 * CHUNK // 56)


def counted(monkeypatch):
    """The default redactor, and the bytes its main database scans (every piece, overlaps included)."""
    engine = build_redactor(True)
    assert engine is not None
    scanner = engine._triggers
    scanned: list[int] = []
    main = scanner._main

    class Counting:
        def scan(self, piece, inner=False, **kwargs):
            scanned.append(len(piece))
            return main.scan(piece, inner, **kwargs)

    monkeypatch.setattr(scanner, "_main", Counting())
    return engine, scanned


def test_a_text_read_as_its_view_is_scanned_once(monkeypatch):
    """An escape in the first chunk builds the view; a token escaped near the end is still found in it."""
    engine, scanned = counted(monkeypatch)
    text = json.dumps({"tool_response": {"content": "A\u0001" + PLAIN + ' k = "ghp_' + TOKEN + '"'}})
    text = text.replace("ghp_", "\\u0067hp_")
    assert View(text).changed
    out, counts = engine.redact(text)
    assert counts == {"github_token": 1} and TOKEN not in out
    view_bytes = len(text) - 5  # \u0067 is g in the view
    # The view's scan in overlapping pieces, and the text's own only as far as its first chunk and overlap.
    whole = sum(scanned)
    assert whole < view_bytes * 1.3 + 2 * CHUNK, (whole, view_bytes)


def test_a_text_whose_view_is_the_same_is_scanned_on_once(monkeypatch):
    """\\u007f says to build the view, which decodes nothing: the text's scan goes on past its first chunk,
    once, and a token far past it is found."""
    engine, scanned = counted(monkeypatch)
    text = json.dumps({"tool_response": {"content": "A\x7f" + PLAIN + ' k = "ghp_' + TOKEN + '"'}})
    assert "\\u007f" in text and not View(text).changed
    out, counts = engine.redact(text)
    assert counts == {"github_token": 1} and TOKEN not in out
    assert sum(scanned) < len(text) * 1.3, (sum(scanned), len(text))
