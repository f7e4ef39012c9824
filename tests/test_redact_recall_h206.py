"""Issue 16's leftover after h162 (h198's "Left", class 1): a single-quoted value holding the other quote and two or
more ``", "`` (``password='ab", "cd", "<v>'``).

The value ended at ``ab``: a quote, a comma and a next string's opening quote read as JSON going on, and the next
string was not read to its end. The chain of strings is read now (jsonends.py), to where JSON goes on after it or
to where it stops being JSON. Real JSON after a value (arrays and objects of strings, long ones too) still ends it,
and the document stays as it was.

Each case through the reference and the engine, which must agree; the fake secrets are built at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import PAYLOAD_KINDS, apply, apply_twice, assert_kept, nested, unnested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

VALUES = Fakes(206).all()
PW = VALUES["pw"]


# --- A quote, then a chain of strings that never goes on as JSON -------------------------------------------------
@pytest.mark.parametrize(
    "shape",
    [
        'password=\'ab", "cd", "{pw}\'',  # two ", " and the value closes
        'password=\'ab", "cd", "ef", "{pw}\'',  # three
        'password=\'ab","cd","{pw}\'',  # no spaces
        'password=\'ab", "cd", "{pw}',  # unclosed: the last string never ends
        'export DB_PASSWORD=\'ab", "cd", "{pw}\'\nmake\n',  # env, then a line break
        'DB_PASSWORD=\'ab", "cd", "{pw}\'',  # a .env line
        'password: \'ab", "cd", "{pw}\'',  # YAML
        'db:\n  password: \'ab", "cd", "{pw}\'\n  host: db\n',  # YAML, nested
        'password = \'ab", "cd", "{pw}\'',  # TOML
        '[db]\npassword = \'ab", "cd", "ef", "{pw}\'\nport = 5432\n',  # TOML, a table
        'mysql -u app --password=\'ab", "cd", "{pw}\' -h db',  # a command's option
        'mysql -u app --password=\'ab", "cd", "{pw}\' -h db\n',  # and a line break after it
        'token: \'ab", 5, "cd", "{pw}\'',  # a number, then the chain
        'password=\'ab": "cd", "{pw}\'',  # a colon, then the chain
        'x password=\'ab", ["cd", "{pw}\'',  # a list whose chain never ends
        'token: \'ab", {{"cd", "{pw}\'',  # an object whose chain never ends
    ],
)
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_chain_of_strings_that_is_no_json_stays_in_the_value(shape: str, levels: int) -> None:
    out = apply_twice(nested(shape.format(pw=PW), levels))
    assert PW not in out, out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_chain_of_strings_in_every_payload_kind(kind: str) -> None:
    text = json.dumps({"content": f'password=\'ab", "cd", "{PW}\''})
    out = apply(json.dumps(PAYLOAD_KINDS[kind](text)))
    assert PW not in out, out


# What JSON does go on after: the value ends before its nested string's end, and the document stays as it was.
@pytest.mark.parametrize(
    "doc",
    [
        {"a": ["password='{pw}", "b", "c", "d"]},
        {"a": ["password='{pw}", *(f"item{i}" for i in range(20))]},
        {"a": ["password='{pw}", "b", "c", 5, "d"]},
        {"a": ["password='{pw}", "b", ["c", "d"], "e"]},
        {"a": "password='{pw}", "b": "c", "d": "e", "f": ["g", "h"]},
        {"a": ["password='{pw}", 'say "hi" now', "x", "y"]},
        {"a": ["token: '{pw}", "it's", "don't", "x"]},
        {"a": ["token: '{pw}", "b", "two\nlines", "c"]},
    ],
)
@pytest.mark.parametrize("levels", [0, 1])
def test_a_chain_of_strings_that_ends_as_json_still_ends_the_value(doc: dict, levels: int) -> None:
    text = json.dumps(doc).replace("{pw}", PW)
    out = apply_twice(nested(text, levels))
    inner = json.loads(unnested(out, levels))
    assert PW not in out, out
    expected = json.loads(text)
    if isinstance(expected["a"], list):
        assert inner["a"][1:] == expected["a"][1:], out
    assert {k: v for k, v in inner.items() if k != "a"} == {k: v for k, v in expected.items() if k != "a"}, out


# Code and JSON that name a password but hold none are kept as they are.
@pytest.mark.parametrize(
    "text",
    [
        'fields = ["password", "token", "user", "host"]',
        '{"required": ["password", "username", "email"]}',
        'cols = (\'password\', "token", "a", "b")',
        'if key in ("password", "token", "secret"):\n    return True',
        "PASSWORD_FIELDS = ['password', 'passwd', 'pwd']",
    ],
)
@pytest.mark.parametrize("levels", [0, 1])
def test_code_listing_secret_names_is_kept(text: str, levels: int) -> None:
    if levels == 0:
        assert_kept(text)
    else:
        doc = nested(text, levels)
        assert apply(doc) == doc
