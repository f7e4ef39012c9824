"""Twentieth session: a token right after a character past ASCII written as a ``\\uXXXX`` escape (``json.dumps``'s
default, Python's hook scripts and transcripts). An escape that ends in a hex letter (``，`` is ``\\uff0c``, ``是``
``\\u662f``) read as letters glued to the token, which ``checks.glue_ok`` refuses; X's bearer token's trigger
took no escape before it at all. Raw, the same characters never counted as glue."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import PAYLOAD_KINDS, apply, assert_kept, assert_redacted, assert_redacted_two_levels_down

from test_redact_properties import SECRETS  # (the property test's tokens, redacted wherever they stand)

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))
from fakes import Fakes  # noqa: E402

TOKENS = {secret[:8]: secret for secret in [*SECRETS, Fakes(20).all()["xbearer"]]}
# Fullwidth punctuation and CJK words (escapes ending in a letter: \uff0c \uff1a \u300c \u662f), Latin-1 letters
# and quotes (\u00fc \u00ab), and some whose escape ends in a digit, which were caught before too.
BEFORE = ["，", "：", "「", "是", "日本", "ü", "«", "»", "。", "→", "😀"]


@pytest.mark.parametrize("before", BEFORE)
@pytest.mark.parametrize("name", sorted(TOKENS))
def test_a_token_after_an_escaped_character_past_ascii_is_redacted(name: str, before: str) -> None:
    token = TOKENS[name]
    for ascii_only in (True, False):
        assert_redacted(f"the key{before}{token}{before} for now", token, ascii_only=ascii_only)


@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
def test_in_every_kind_of_payload(kind: str) -> None:
    for before in BEFORE:
        for token in TOKENS.values():
            out = apply(json.dumps(PAYLOAD_KINDS[kind](f"密钥{before}{token}")))  # json.dumps escapes them
            assert token not in out, out
            json.loads(out)


def test_two_levels_down() -> None:
    for token in TOKENS.values():
        assert_redacted_two_levels_down(f"令牌，{token}。", token)


@pytest.mark.parametrize(
    "text",
    [
        "scikit：sk-learn，ghp_short",
        "«AKIA»",
        "日本ghp_notatoken",
        "é\u00e9xoxb-",
    ],
)
def test_a_look_alike_is_kept(text: str) -> None:
    assert_kept(text)
    assert_kept(text, ascii_only=False)


def test_an_escaped_ascii_letter_before_a_token_is_glue_as_the_raw_letter_is() -> None:
    """``\\u0068`` is h: the view decodes it, so a token glued to a long word stays the word's, as after a raw h."""
    for token in TOKENS.values():
        raw = json.dumps({"tool_input": {"command": f"abcdefghijklmnopqrstuvwxyzabcdefgh{token}"}})
        escaped = raw.replace(f"h{token}", f"\\u0068{token}")
        assert escaped != raw
        assert (token in apply(raw)) == (token in apply(escaped))
