"""hookd's own secrets replaced by value (redact/known.py): only inside JSON strings, as JSON
writes them, never from inside an escape; the text stays valid JSON."""

from __future__ import annotations

import json
from collections import Counter

from hookd.redact.known import HTTP_TOKEN, REDIS_PASSWORD, own_secrets, replaced

TOKEN = "nQ7vX2kLp9RtZ4wB8mYc"


def _redacted(doc) -> tuple[object, Counter[str]]:
    known = own_secrets(TOKEN, ['pa"ss-word-1', "short"])
    text, counts = replaced(json.dumps(doc), Counter(), known)
    return json.loads(text), counts


def test_values_in_strings_are_replaced_and_the_text_stays_json():
    doc = {"a": TOKEN, "b": [f"x{TOKEN}y", f"line\\n{TOKEN}"], "c": 'say "pa"ss-word-1"'}
    out, counts = _redacted(doc)
    assert TOKEN not in json.dumps(out) and "ss-word-1" not in json.dumps(out)
    assert counts == Counter({HTTP_TOKEN: 3, REDIS_PASSWORD: 1})


def test_a_match_that_would_begin_inside_an_escape_is_left():
    # A newline then TOKEN[1:]: JSON writes \\n, and the text holds TOKEN from the escape's letter on.
    doc = {"a": "\n" + TOKEN[1:], "b": TOKEN}
    text = json.dumps(doc)
    assert TOKEN in text[: text.index('"b"')]
    out, counts = _redacted(doc)
    assert out["a"] == "\n" + TOKEN[1:] and counts[HTTP_TOKEN] == 1


def test_outside_strings_nothing_is_replaced():
    known = own_secrets(None, ["12345678"])
    text, counts = replaced('{"n": 12345678, "s": "12345678"}', Counter(), known)
    assert json.loads(text) == {"n": 12345678, "s": f"[REDACTED:{REDIS_PASSWORD}]"} and counts[REDIS_PASSWORD] == 1


def test_a_short_password_is_not_known():
    assert own_secrets(None, ["short", ""]) == ()
