"""Issue 16's leftover after h206: a single-quoted value holding a chain of more strings than jsonends.py reads.

``password='ab", "s0", ..., "s11", "<v>'`` kept ``<v>``: a chain of _CHAIN_REACH strings was taken as JSON going on
without reading further, so the value ended at ``ab``. Past the reach the chain is no longer taken as JSON going on:
the value runs on over it (fail closed), each quote further on tried with a chain of its own. Real JSON after a
value (arrays and objects of a few strings) still ends it; an array of more strings than the reach loses its first
ones to the value (the last test).

Each case through the reference and the engine, which must agree; the fake secrets are built at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import PAYLOAD_KINDS, apply_twice, assert_redacted_in_payload, nested, unnested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

PW = Fakes(212).all()["pw"]


def chain(strings: int) -> str:
    return ", ".join(f'"s{i}"' for i in range(strings))


@pytest.mark.parametrize("strings", [8, 9, 12, 20, 40])
@pytest.mark.parametrize(
    "shape",
    [
        "password='ab\", {chain}, \"{pw}'",  # the value closes
        'password=\'ab", {chain}, "{pw}',  # unclosed
        "export DB_PASSWORD='ab\", {chain}, \"{pw}'\nmake\n",  # env, then a line break
        "db:\n  password: 'ab\", {chain}, \"{pw}'\n  host: db\n",  # YAML
        "mysql -u app --password='ab\", {chain}, \"{pw}' -h db",  # a command's option
        "token: 'ab\", [{chain}, \"{pw}'",  # a list whose chain never ends
    ],
)
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_chain_longer_than_the_reach_stays_in_the_value(shape: str, strings: int, levels: int) -> None:
    out = apply_twice(nested(shape.format(chain=chain(strings), pw=PW), levels))
    assert PW not in out, out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_long_chain_in_every_payload_kind(kind: str) -> None:
    assert_redacted_in_payload(json.dumps({"content": f"password='ab\", {chain(12)}, \"{PW}'"}), PW, kind)


# A chain past the reach that does end as JSON: the value takes what it cannot tell from a value (fail closed),
# the secret with it, and the document stays JSON.
@pytest.mark.parametrize("strings", [9, 20])
@pytest.mark.parametrize("levels", [1, 2])
def test_a_long_chain_that_ends_as_json_keeps_the_document_json(strings: int, levels: int) -> None:
    out = apply_twice(nested(f"password='{PW}\", {chain(strings)}]", levels))
    assert PW not in out, out


# h206's array of 20 strings after the value: a chain past the reach that ends as JSON, read whole once per text
# (chainreach.py), ends the value at its first quote, so every string is kept and the document stays JSON. (On h212,
# which read the chain from each quote, its first strings went with the value: this asserted the last 8 kept.)
@pytest.mark.parametrize("levels", [0, 1])
def test_an_array_longer_than_the_reach_keeps_its_strings(levels: int) -> None:
    doc = {"a": [f"password='{PW}", *(f"item{i}" for i in range(20))]}
    out = apply_twice(nested(json.dumps(doc), levels))
    assert PW not in out, out
    inner = json.loads(unnested(out, levels))
    assert inner["a"][1:] == doc["a"][1:], out
    assert set(inner) == {"a"}
