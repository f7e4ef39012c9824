"""h143's leftover (issue 16): ``%26`` before a token a pass redacts. The view reads ``%26`` before a name's letter as
``&`` (a URL-encoded query), so on the first pass ``curl%26AGE-SECRET-KEY-1... -u :on:`` ended curl's command at the
``&``; once the key was a marker, ``%26`` stood before ``[``, read as written, and a second pass took ``on:`` as
curl's password (fresh seed 18,586,578). A marker's ``[`` reads as a name's first letter now, in both views and in
the scan's trigger that builds the view: the mirror of h132's ``]`` after a marker. Each case through the reference
and the engine, which must agree; the fake secrets are built at run time.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest
from recall_helpers import PAYLOAD_KINDS, apply, apply_twice, as_json, nested

from hookd.redact.view import PyView, View

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

VALUES = Fakes(148).all()
BENCH = Path(__file__).parent.parent / "bench" / "redaction_fresh_seeds.py"


def _fresh_seeds() -> ModuleType:
    spec = importlib.util.spec_from_file_location("redaction_fresh_seeds", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fresh_seed_passes_the_benchs_check() -> None:
    bench = _fresh_seeds()
    payload, apart, _ = bench.hostile(random.Random(18_586_578))
    assert bench.failure(payload, apart) is None


# The seed cut down (h143): the key is redacted on the first pass, and -u :on: after it belongs to no curl.
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_the_cut_down_seed_reads_the_same_on_a_second_pass(levels: int) -> None:
    out = apply_twice(nested(f"curl%26{VALUES['age']} -u :on:\n", levels))
    assert VALUES["age"] not in out and "[REDACTED:age_secret_key] -u :on:" in out, out


# What stands before the %: any character after which the view reads %26 (a word's, ., ~, -, a marker's ]), and a
# token of a letter first that a pass redacts after it.
@pytest.mark.parametrize("before", ["curl", "curl.", "curl~", "curl-", "curl [REDACTED:a]"])
@pytest.mark.parametrize("token", ["age", "gh", "shopify"])
@pytest.mark.parametrize("levels", [0, 1])
def test_a_percent_escape_before_a_redacted_token_reads_the_same_on_a_second_pass(
    before: str, token: str, levels: int
) -> None:
    out = apply_twice(nested(f"x {before}%26{VALUES[token]} -u :on:\n", levels))
    assert VALUES[token] not in out, out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_percent_escape_before_a_redacted_token_in_every_payload_kind(kind: str) -> None:
    text = json.dumps({"content": f"curl%26{VALUES['age']} -u :on:\n"})
    out = apply_twice(json.dumps(PAYLOAD_KINDS[kind](text)))
    assert VALUES["age"] not in out, out


def test_a_password_after_the_ampersand_is_still_taken() -> None:
    """The & ends one command; a curl after it is read as before."""
    out = apply_twice(nested(f"x%26{VALUES['age']} curl -u a:{VALUES['pw']}\n", 1))
    assert VALUES["age"] not in out and VALUES["pw"] not in out, out


def test_the_view_reads_a_percent_escape_before_a_marker_as_before_a_name() -> None:
    for text, view in (
        ('"curl%26[REDACTED:a] -u"', '"curl&[REDACTED:a] -u"'),
        ('"x [REDACTED:a]%26[REDACTED:b]"', '"x [REDACTED:a]&[REDACTED:b]"'),
        ('"curl%26AGE"', '"curl&AGE"'),
        ('"curl%26[x]"', '"curl%26[x]"'),  # a bracket of no marker: as written
        ('"curl%26[REDACTED"', '"curl%26[REDACTED"'),  # a marker's head cut short
        ('"x %26[REDACTED:a]"', '"x %26[REDACTED:a]"'),  # nothing of a name before the %
    ):
        assert PyView(text).text == view and View(text).text == view, (text, PyView(text).text, View(text).text)


def test_a_percent_escape_before_a_marker_builds_the_view() -> None:
    """With nothing else to decode, the scan still builds the view for it: the output is the one another escape in
    the text (a control character's, which builds the view) gives."""
    for text in ("x curl%26[REDACTED:age_secret_key] -u :on: y", "curl%26[REDACTED:a] -u :on:"):
        alone = apply(as_json(text))
        assert apply(as_json(text + "\x01")).replace("\\u0001", "") == alone, alone
