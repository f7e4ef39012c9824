"""Two provider tokens written glued, the second's prefix ending in ``_`` (``sk_live_<24>shpat_<32>``).

A token whose body holds no ``_`` may be followed by ``_`` (patterns.E_UNDER: ``mcp__<token>__tool``). Its body
then took the next token's prefix up to that ``_`` (``sk_live_...NU6shpat``) and ended there, so the next
token, its prefix gone, was not found: its secret part (``_bf9f87eb...``) reached the stream in clear. A ``_``
that completes a joint (patterns.JOINTS) ends no token; the two are told apart at the joint (joints.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import ENGINE

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

from hookd.redact.patterns import JOINTS  # noqa: E402

SECRET = Fakes(61).all()
# Tokens whose rule ends with E_UNDER or E_DASH_UNDER (their body holds no _): the first of the two.
FIRST = ("gh", "gho", "ghs", "stripe", "stripewh", "slackbot", "npm", "shopify")
# Tokens whose prefix is a joint ending in _: the second, and the part of it that must not be left.
SECOND = ("shopify", "gh", "gho", "stripe", "npm", "groq", "do", "supabase", "linear", "notion", "hf", "sentry")


def _body(name: str) -> str:
    token = SECRET[name]
    prefix = max((joint for joint in JOINTS if joint.endswith("_") and token.startswith(joint)), key=len)
    return token[len(prefix) :]


@pytest.mark.parametrize("second", SECOND)
@pytest.mark.parametrize("first", FIRST)
def test_a_token_glued_before_one_whose_prefix_ends_in_an_underscore_leaves_neither_in_clear(first, second):
    text = f"x {SECRET[first]}{SECRET[second]} y"
    for form in (text, json.dumps({"tool_response": {"stdout": text}})):
        out = ENGINE.redact(form)[0]
        assert _body(second) not in out and SECRET[first] not in out, out
        assert ENGINE.redact(out)[0] == out, out


@pytest.mark.parametrize("first", FIRST)
def test_a_token_joined_to_a_name_by_an_underscore_is_still_found(first):
    out = ENGINE.redact(f"mcp__{SECRET[first]}__list_files")[0]
    assert out.startswith("mcp__[REDACTED:") and out.endswith("__list_files"), out
