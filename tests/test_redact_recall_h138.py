"""Fresh seed rounds on h132's merge (issue 16): a bare value that ends in a name's colon, before ``==``, ``!=``,
``===`` or ``??``, read as a comparison and kept while that label's value was taken (fresh seed 14,978,467). Each
case through the reference and the engine, which must agree; the fake secrets are built at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import PAYLOAD_KINDS, apply, apply_twice, nested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

VALUES = Fakes(138).all()


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_the_fresh_seed_with_a_label_before_a_comparison(levels: int) -> None:
    # Seed 14,978,467, cut down: the first pass kept `:token:` (a comparison followed) and took `==:`.
    out = apply_twice(nested("token: :token: ==:", levels))
    assert ":token:" not in out, out


@pytest.mark.parametrize("label", [":token:", ":password:", "a:password:", "x:token:"])
@pytest.mark.parametrize("sign", ["==", "===", "!=", "!==", "??", "="])
@pytest.mark.parametrize("levels", [0, 1])
def test_a_value_ending_in_a_label_before_an_operator(label: str, sign: str, levels: int) -> None:
    secret = VALUES["gh"]
    out = apply_twice(nested(f"token: {label} {sign}{secret}", levels))
    assert secret not in out and label not in out.split("token: ", 1)[1], out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_label_before_a_comparison_in_every_payload_kind(kind: str) -> None:
    secret = VALUES["gho"]
    out = apply_twice(json.dumps(PAYLOAD_KINDS[kind](f"password: :token: =={secret}\n")))
    assert secret not in out and ":token:" not in out, out


@pytest.mark.parametrize(
    "code",
    ["if token == other:", "token = a == b", "credentials: mode === 'cors'", "token: x ?? y", "token: otp != x"],
)
def test_a_comparison_in_code_is_still_kept(code: str) -> None:
    doc = json.dumps(PAYLOAD_KINDS["write"](code + "\n"))
    assert apply(doc) == doc
