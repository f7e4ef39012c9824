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


# --- JSON's escaped solidus ----------------------------------------------------------------------------------
# PHP's json_encode writes every / as \/ (a Laravel or WordPress API's answer, printed by curl): a base64 key's /
# too. The view reads \/ of every level as /, so a key split by one reads whole, and a span that begins at one
# takes its backslashes (a secret's first / had its \ left before the marker: \[REDACTED:...], no JSON).
_FAKES = Fakes(20).all()
AZURE_KEY = _FAKES["azurekey"][:10] + "/" + _FAKES["azurekey"][11:40] + "/" + _FAKES["azurekey"][41:]
AWS_SECRET = "/" + _FAKES["awssecret"][1:20] + "/" + _FAKES["awssecret"][21:]
SLASHED = [
    ("DefaultEndpointsProtocol=https;AccountName=app;AccountKey={azure};EndpointSuffix=core.windows.net", AZURE_KEY),
    ("AccountKey={azure}", AZURE_KEY),
    ("{aws_id} {aws}", AWS_SECRET),
    ("aws_access_key_id={aws_id} aws_secret_access_key={aws}", AWS_SECRET),
    ("Authorization: Basic {aws}", AWS_SECRET),
]


def php_json(value: dict) -> str:
    return json.dumps(value).replace("/", "\\/")


@pytest.mark.parametrize(("form", "secret"), SLASHED)
@pytest.mark.parametrize("kind", ["bash", "read", "webfetch"])
def test_a_key_in_php_json_is_redacted_and_the_json_it_was_in_stays_json(form: str, secret: str, kind: str) -> None:
    assert "/" in secret
    text = form.format(azure=AZURE_KEY, aws=AWS_SECRET, aws_id=_FAKES["awsid"])
    out = apply(json.dumps(PAYLOAD_KINDS[kind](php_json({"connection": text, "ok": True}))))
    assert secret not in out and secret.replace("/", "\\\\/") not in out, out
    assert apply(out) == out
    payload = json.loads(out)
    inner = next(v for v in _strings(payload) if "connection" in v)
    assert secret not in json.loads(inner)["connection"]  # the PHP JSON is still JSON


def test_a_key_in_php_json_two_levels_down() -> None:
    text = f"AccountKey={AZURE_KEY}"
    content = json.dumps({"log": php_json({"connection": text})})
    out = apply(json.dumps({"tool_name": "Write", "tool_input": {"file_path": "/x/c.json", "content": content}}))
    assert AZURE_KEY.split("/")[1] not in out, out
    json.loads(json.loads(json.loads(out)["tool_input"]["content"])["log"])


@pytest.mark.parametrize(
    "text",
    [
        php_json({"url": "https://example.com/wp-json/wp/v2/posts/12", "path": "/usr/local/lib/php"}),
        php_json({"pattern": "/^[a-z0-9]+\\/[a-z]+$/i", "date": "12/05/2026"}),
        "const re = /https?:\\/\\/example\\.com\\/api/;",
    ],
)
def test_escaped_slashes_in_urls_paths_and_regexes_are_kept(text: str) -> None:
    assert_kept(text)


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []
