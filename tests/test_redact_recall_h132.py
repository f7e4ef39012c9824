"""h128's leftovers (issue 16), each a class: a string terminator (ESC \\) after the text's own backslash is read
as one on every pass (fresh seed 10,556,406); a single-quoted value that never closes, in JSON text inside a
string, ends at that text's string's end; PyPI, Vault and OpenAI tokens end where their format says before a
joined ``_<name>``. Each case through the reference and the engine, which must agree; the fake secrets are built
at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import PAYLOAD_KINDS, apply

from hookd.redact.view import COMPILED, PyView, View

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

VALUES = Fakes(132).all()


def _twice(doc: str) -> str:
    """The payload redacted; a second pass changes nothing and it stays JSON."""
    out = apply(doc)
    assert apply(out) == out, out
    json.loads(out)
    return out


def _nested(text: str, levels: int) -> str:
    for _ in range(levels):
        text = json.dumps({"content": text})
    return json.dumps({"tool_response": {"stdout": text}})


def _inner(out: str, levels: int) -> str:
    """The text back out of ``_nested``'s documents, each level parsed (each must still be JSON)."""
    text = json.loads(out)["tool_response"]["stdout"]
    for _ in range(levels):
        text = json.loads(text)["content"]
    return text


# --- ESC \ after the text's own backslash is a string terminator --------------------------------------------------
# The view reads ESC \ as a line break (an OSC's terminator) only where nothing else stood before the ESC's escape:
# after an escaped backslash (the text's own \ before it) the ESC was a space and the \ after it a backslash. A
# pass that redacted the backslash before (token: ESC \ is token:'s value) made the terminator's ESC stand alone,
# and the second pass read curl -u a:token: at a line's start where the first had read it after a backslash.
SEED_10556406 = "token: \x1b\\\x1b\\curl -u a:token: \x07{jwt}\n"


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_the_fresh_seed_with_a_terminator_after_a_backslash(levels: int) -> None:
    out = _twice(_nested(SEED_10556406.format(**VALUES), levels))
    assert VALUES["jwt"] not in out and "a:[REDACTED:cli_password]" in out, out


@pytest.mark.parametrize("before", ["token: \x1b\\", "x\\", "\\\\", "password=\x1b\\", "a \\"])
@pytest.mark.parametrize("levels", [0, 1, 2, 3])
def test_a_terminator_after_a_backslash_starts_a_line(before: str, levels: int) -> None:
    """Whatever stands before the backslash, the line after ESC \\ reads as a line's first: curl's password taken."""
    out = _twice(_nested(f"{before}\x1b\\curl -u a:{VALUES['pw']} x\n", levels))
    assert VALUES["pw"] not in out and "a:[REDACTED:cli_password] x" in out, out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_terminator_after_a_backslash_in_every_payload_kind(kind: str) -> None:
    text = json.dumps({"content": f"token: \x1b\\\x1b\\curl -u a:token: {VALUES['gh']}\n"})
    out = _twice(json.dumps(PAYLOAD_KINDS[kind](text)))
    assert VALUES["gh"] not in out, out


@pytest.mark.parametrize(
    "text",
    [
        '"a\\\\\\u001b\\\\b"',  # level 1: \\ ESC \\ (a backslash, then the terminator)
        '"a\\\\\\\\\\\\u001b\\\\\\\\b"',  # level 2, the same
        '"a\\\\\\\\\\\\\\\\\\u001b\\\\b"',  # two backslashes before it, level 1
        '"\\\\\\u001b\\\\\\\\b"',  # ESC and two backslashes after it: no terminator
    ],
)
def test_the_compiled_view_reads_a_terminator_after_a_backslash_as_the_reference(text: str) -> None:
    reference = PyView(text)
    assert View(text).text == reference.text, (text, reference.text)
    if COMPILED:
        assert View(text).span(0, len(reference.text)) == reference.span(0, len(reference.text))


def test_a_terminator_after_a_backslash_is_a_line_break_in_the_view() -> None:
    for text, view in (
        ('"a\\\\\\u001b\\\\b"', '"a\\\\\\nb"'),
        ('"a\\\\\\\\\\\\u001b\\\\\\\\b"', '"a\\\\\\\\\\\\nb"'),
    ):
        assert PyView(text).text == view and View(text).text == view, (PyView(text).text, View(text).text)


# --- A single-quoted value that never closes ends at its JSON text's string's end ---------------------------------
# Such a value runs on to its JSON string's end; inside JSON text in a string it ran on over the inner strings'
# closing \"} (escaped pairs, read two by two, took the closing quote's backslashes) to the outer string's end:
# the outer document stayed JSON, the inner ones did not.
OPENERS = ("token: '", "password='", "secret: '", "curl -u a:'", "mysql -u root -p'")


@pytest.mark.parametrize("opener", OPENERS)
@pytest.mark.parametrize("levels", [1, 2, 3])
def test_an_unclosed_quote_keeps_the_inner_documents_json(opener: str, levels: int) -> None:
    out = _twice(_nested(f"{opener}{VALUES['pw']}\nmore words\n", levels))
    assert VALUES["pw"] not in out and "more words" not in out, out
    assert _inner(out, levels).startswith(opener.rstrip("'")), out


@pytest.mark.parametrize("after", [{"n": 1}, {"later": "x y"}, {"list": [1, "b"]}])
@pytest.mark.parametrize("levels", [1, 2])
def test_an_unclosed_quote_stops_before_the_next_key(after: dict, levels: int) -> None:
    """The inner document goes on after the string (a key, a list): it stays JSON and what follows is kept."""
    text = json.dumps({"content": f"token: '{VALUES['pw']}\nmore\n", **after})
    for _ in range(levels - 1):
        text = json.dumps({"content": text})
    out = _twice(json.dumps({"tool_response": {"stdout": text}}))
    doc = json.loads(json.loads(out)["tool_response"]["stdout"])
    for _ in range(levels - 1):
        doc = json.loads(doc["content"])
    assert {k: v for k, v in doc.items() if k != "content"} == after, out
    assert VALUES["pw"] not in out and doc["content"].startswith("token: '[REDACTED:"), out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_an_unclosed_quote_in_json_text_in_every_payload_kind(kind: str) -> None:
    doc = json.dumps({"a": json.dumps({"b": f"password='{VALUES['pw']}\nrest\n"})})
    out = _twice(json.dumps(PAYLOAD_KINDS[kind](doc)))
    assert VALUES["pw"] not in out, out
    for string in json.loads(out).values():
        while isinstance(string, dict):
            string = next(iter(string.values()))
    assert "[REDACTED:" in json.loads(json.loads(string)["a"])["b"], out


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_quote_that_closes_is_taken_whole(levels: int) -> None:
    """A single-quoted value that closes is read to its quote, a double quote and a comma inside it too."""
    out = _twice(_nested(f"password='{VALUES['pw']}\", {VALUES['pw2']}' && make\n", levels))
    assert VALUES["pw"] not in out and VALUES["pw2"] not in out and "&& make" in _inner(out, levels), out


@pytest.mark.parametrize("levels", [1, 2])
def test_an_unclosed_quote_over_lines_is_still_taken_to_its_strings_end(levels: int) -> None:
    """In JSON text the value still reads escaped line breaks (in the payload's own string, a quote with a line
    break after its value closes a string of code: checks._closes_a_string)."""
    out = _twice(_nested(f"token: '{VALUES['pw']}\n{VALUES['pw2']}\n\n  {VALUES['stripe']}", levels))
    for value in ("pw", "pw2", "stripe"):
        assert VALUES[value] not in out, out
