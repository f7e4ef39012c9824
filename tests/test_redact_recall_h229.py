"""Issue 16 (h229): the misses h221 left.

* chainreach: a chain past the reach whose strings hold a single quote (``"it's 0", ...``: the quote closed the value
  there), and a chain after a scalar (``password='ab", 1, "s0", ..., "<v>'``: the scanner began only at a quote that a
  nested quote follows).

Each case through the reference and the engine, which must agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import apply_twice, nested, unnested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

PW = Fakes(229).all()["pw"]


def chain(strings: int, item: str = "s{i}") -> str:
    return ", ".join('"' + item.format(i=i) + '"' for i in range(strings))


CHAINS = {
    "single quotes in every string": "password='ab\", " + chain(12, "it's {i}") + ", \"{pw}'",
    "one string with a single quote": "password='ab\", " + chain(5) + ', "it\'s", ' + chain(6) + ", \"{pw}'",
    "a quoted word": "--password='ab\", " + chain(10, "'w{i}'") + ", \"{pw}' -h db",
    "after a number": "password='ab\", 1, " + chain(9) + ", \"{pw}'",
    "after true": "token: 'ab\", true, " + chain(9) + ", \"{pw}'",
    "after a negative float": "export DB_PASSWORD='ab\", -2.5e3, " + chain(9) + ", \"{pw}'\nmake\n",
}


@pytest.mark.parametrize("shape", CHAINS.values(), ids=CHAINS.keys())
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_chain_past_the_reach_stays_in_the_value(shape: str, levels: int) -> None:
    out = apply_twice(nested(shape.replace("{pw}", PW), levels))
    assert PW not in out, out


# Arrays that end as JSON after an unclosed value, with single quotes and scalars among their strings: the value
# ends at its first quote, every string is kept.
@pytest.mark.parametrize(
    "items",
    [
        [f"it's {i}" for i in range(20)],
        [1, *(f"s{i}" for i in range(9))],
        [True, *(f"don't {i}" for i in range(12)), None],
    ],
    ids=["apostrophes", "a number first", "true first"],
)
@pytest.mark.parametrize("levels", [0, 1])
def test_an_array_that_ends_as_json_keeps_its_strings(items: list, levels: int) -> None:
    doc = {"a": [f"password='{PW}", *items]}
    out = apply_twice(nested(json.dumps(doc), levels))
    assert PW not in out, out
    assert json.loads(unnested(out, levels))["a"][1:] == items, out


@pytest.mark.parametrize(
    "text",
    [
        "print('it's', " + chain(12, "it's {i}") + ")",  # no value names a secret
        "msg = 'ab\", 1, " + chain(9) + ", \"end'",
    ],
)
@pytest.mark.parametrize("levels", [0, 1])
def test_chains_under_no_secret_name_are_kept(text: str, levels: int) -> None:
    doc = nested(text, levels)
    assert apply_twice(doc) == doc
