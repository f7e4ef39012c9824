"""Issue 16's known leftovers (h162): a single-quoted password holding a quote before what reads as JSON for one
token only.

* ``password='ab", "cd``: the value stopped before the quote (read as a nested string's end, since the view writes a
  nested string's quote and a literal one alike), its rest kept. A nested string after the quote is read to its end
  now, and what follows it must go on as JSON too (jsonends.py).

Each case through the reference and the engine, which must agree; the fake secrets are built at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import PAYLOAD_KINDS, apply, apply_twice, nested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

VALUES = Fakes(162).all()


def _inner(out: str, levels: int) -> str:
    text = json.loads(out)["tool_response"]["stdout"]
    for _ in range(levels):
        text = json.loads(text)["content"]
    return text


# --- A quote, then what reads as JSON for one token only ----------------------------------------------------------
@pytest.mark.parametrize(
    "shape",
    [
        'password=\'{pw}", "{pw2}',  # the next string never ends
        "password='{pw}\", \"{pw2}' make",  # it closes the value instead
        "mysql -u app --password='{pw}\", \"{pw2}' -h db\n",  # and a line break after the closing quote
        "password='{pw}\", 5,{pw2}",  # a number, a comma, then no value
        'x password=\'{pw}", ["{pw2}',  # a list whose string never ends
        'token: \'{pw}", {{"{pw2}',  # an object whose key never ends
    ],
)
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_quote_before_one_token_of_json_stays_in_the_value(shape: str, levels: int) -> None:
    out = apply_twice(nested(shape.format(pw=VALUES["pw"], pw2=VALUES["pw2"]), levels))
    assert VALUES["pw"] not in out and VALUES["pw2"] not in out, out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_quote_before_one_token_of_json_in_every_payload_kind(kind: str) -> None:
    text = json.dumps({"content": f'password=\'{VALUES["pw"]}", "{VALUES["pw2"]}'})
    out = apply(json.dumps(PAYLOAD_KINDS[kind](text)))
    assert VALUES["pw"] not in out and VALUES["pw2"] not in out, out


# What JSON does go on after: the value ends before its nested string's end, and the document stays as it was.
@pytest.mark.parametrize(
    "doc",
    [
        {"a": "password='{pw}", "b": 'it\'s "quoted", yes'},
        {"a": ["password='{pw}", 'say "hi" now', "x"]},
        {"a": "password='{pw}", "b": {"c": "don't ' stop"}},
        {"a": ["token: '{pw}", 5, "it's"]},
        {"a": "token: '{pw}", "b": "two\nlines"},
    ],
)
@pytest.mark.parametrize("levels", [0, 1])
def test_a_nested_string_that_ends_as_json_still_ends_the_value(doc: dict, levels: int) -> None:
    text = json.dumps(doc).replace("{pw}", VALUES["pw"])
    out = apply_twice(nested(text, levels))
    inner = json.loads(_inner(out, levels))
    assert VALUES["pw"] not in out, out
    expected = json.loads(text)
    assert {k: v for k, v in inner.items() if k != "a"} == {k: v for k, v in expected.items() if k != "a"}, out
