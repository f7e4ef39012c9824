"""hookd's own secrets replaced by value (redact/known.py): only inside JSON strings, as JSON
writes them, never from inside an escape; the text stays valid JSON."""

from __future__ import annotations

import json

import pytest
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


def _u_escaped(value: str, every: int, upper: bool = False) -> str:
    """Every ``every``-th character of ``value`` as a \\u escape (JSON's text, one level)."""
    return "".join(
        (f"\\u{ord(c):04X}" if upper else f"\\u{ord(c):04x}") if i % every == 0 else c for i, c in enumerate(value)
    )


def _one_level_down(inner_text: str) -> str:
    """``inner_text`` (a JSON text) as a string of the payload: its backslashes and quotes escaped."""
    return json.dumps({"tool_response": {"stdout": inner_text}})


SLASHED = "k9/Xq2/vB7mZ4wLp8RtY"


@pytest.mark.parametrize("every", [1, 2, 3])
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_value_written_with_needless_u_escapes_is_found_at_any_level(every: int, upper: bool, levels: int):
    known = own_secrets(TOKEN, ["redis-Pass-12345"])
    for value in (TOKEN, "redis-Pass-12345"):
        text = '{"printed": "' + _u_escaped(value, every, upper) + '"}'
        for _ in range(levels):
            text = json.dumps({"content": text})
        doc = _one_level_down(text)
        out, counts = replaced(doc, Counter(), known)
        assert sum(counts.values()) == 1, out
        assert _decoded(out, levels) == f"[REDACTED:{HTTP_TOKEN if value == TOKEN else REDIS_PASSWORD}]"


def _decoded(out: str, levels: int) -> str:
    """The "printed" string of the document ``_one_level_down`` wrote ``levels`` levels further down."""
    text = json.loads(out)["tool_response"]["stdout"]
    for _ in range(levels):
        text = json.loads(text)["content"]
    return json.loads(text)["printed"]


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_slash_written_as_an_escaped_slash_is_found(levels: int):
    known = own_secrets(SLASHED, [])
    text = '{"token": "' + SLASHED.replace("/", "\\/") + '"}'
    for _ in range(levels):
        text = json.dumps({"content": text})
    out, counts = replaced(_one_level_down(text), Counter(), known)
    assert counts == Counter({HTTP_TOKEN: 1}) and "k9" not in out and "RtY" not in out, out
    json.loads(out)


def test_escaped_and_plain_copies_are_all_replaced_and_only_inside_strings():
    known = own_secrets(None, ["12345678"])
    doc = '{"n": 12345678, "s": "12345678", "e": "\\u00312345678", "t": "a\\/b"}'
    out, counts = replaced(doc, Counter(), known)
    marker = f"[REDACTED:{REDIS_PASSWORD}]"
    assert json.loads(out) == {"n": 12345678, "s": marker, "e": marker, "t": "a/b"} and counts[REDIS_PASSWORD] == 2


def test_a_value_beginning_after_an_escape_s_letter_is_left_when_written_with_escapes():
    # \n then TOKEN[1:], the rest as \u escapes: the view reads a line break, then not the value.
    doc = '{"a": "\\n' + _u_escaped(TOKEN[1:], 2) + '"}'
    out, counts = replaced(doc, Counter(), own_secrets(TOKEN, []))
    assert out == doc and not counts
