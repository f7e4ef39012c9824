"""Property: for any JSON with secrets inserted anywhere, redaction keeps JSON valid, is idempotent,
leaves none of the secrets, and keeps every benign look-alike inserted next to them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

from hookd.redact import build_redactor  # noqa: E402

REDACTOR = build_redactor(True)
_VALUES = Fakes(61).all()
# Tokens redacted wherever they stand, whatever surrounds them.
SECRETS = [
    _VALUES[name]
    for name in (
        "gh",
        "gho",
        "ghfine",
        "glpat",
        "slackbot",
        "stripe",
        "anthropic",
        "openai",
        "openaiold",
        "groq",
        "google",
        "npm",
        "pypi",
        "hf",
        "vault",
        "sendgrid",
        "shopify",
        "do",
        "heroku",
        "linear",
        "notion",
        "doppler",
        "doppler_config",
        "age",
        "grafana",
        "postman",
        "sentry",
        "pulumi",
        "newrelic",
        "awsid",
        "jwt",
    )
]
# What agents write that looks like a secret and is not.
BENIGN = [
    "9fceb02d0ae598e95dc970b74767f19372d61af8",
    "123e4567-e89b-12d3-a456-426614174000",
    "password: str",
    "token: Optional[str]",
    "api_key = os.environ['API_KEY']",
    'password="test"',
    "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR4Zmsn1t79cI1UGQ==",
    "toolu_01ABCxyzDEF123456789abcd",
    "max_tokens: 4096",
    "interface C { password: string; }",
    "687190562512345678",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "ghp_short",
    "sk-learn",
    "process.env.GITHUB_TOKEN",
    "${{ secrets.NPM_TOKEN }}",
    # ten A at a Dropbox long-lived token's place inside base64, between + and / (h167)
    "R0lGODlhAQABAIAAAP+QmFzZTY0IGJAAAAAAAAAAwMzQ1Njc4OTpCREZISkxOUFJUVlhaXF5gYmRmaGpsbn/yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==",
    '{"name": "Cookie", "value": "theme=dark; lang=en"}',  # a HAR's cookie of preferences (h167)
    '"apikey": [{"key": "value", "value": "{{apiKey}}"}]',  # a Postman variable (h167)
]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20)
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


@st.composite
def with_insertions(draw):
    """A document, with secrets and benign strings put at random places: as values, keys, list items,
    or spliced into existing strings (with a space either side)."""
    doc = draw(documents)
    inserted = {"secret": [], "benign": []}

    def insert(value, kind: str):
        piece = draw(st.sampled_from(SECRETS if kind == "secret" else BENIGN))
        inserted[kind].append(piece)
        where = draw(st.integers(0, 3))
        if isinstance(value, str) and where == 0:
            cut = draw(st.integers(0, len(value)))
            return value[:cut] + " " + piece + " " + value[cut:]
        if isinstance(value, list) and where < 3:
            value.insert(draw(st.integers(0, len(value))), piece)
            return value
        if isinstance(value, dict) and where == 1 and piece not in value:
            value[piece] = draw(scalars)
            return value
        if isinstance(value, dict) and where == 2:
            key = draw(st.text(max_size=5))
            while key in value:  # never overwrite what an earlier insertion put there
                key += "_"
            value[key] = piece
            return value
        return [value, piece]

    def walk(value):
        if isinstance(value, list):
            value = [walk(v) for v in value]
        elif isinstance(value, dict):
            value = {k: walk(v) for k, v in value.items()}
        if draw(st.integers(0, 4)) == 0:
            value = insert(value, draw(st.sampled_from(["secret", "benign"])))
        return value

    doc = walk(doc)
    if not inserted["secret"]:
        doc = insert(doc, "secret")
    # A later insertion spliced into a string may cut an earlier benign piece in two: only those still
    # whole are promised back.
    whole = "\n".join(strings(doc))
    inserted["benign"] = [piece for piece in inserted["benign"] if piece in whole]
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 2])))
    if draw(st.booleans()):  # an encoder that writes some ASCII as \u escapes
        for secret in inserted["secret"]:
            text = text.replace(secret, f"\\u{ord(secret[0]):04x}" + secret[1:], 1)
    return text, inserted


def strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(with_insertions())
def test_redaction_keeps_json_valid_idempotent_secret_free_and_benign_intact(case):
    text, inserted = case
    out, counts = REDACTOR.redact(text)
    after = json.loads(out)
    assert REDACTOR.redact(out)[0] == out
    found = "\n".join(strings(after))
    for secret in inserted["secret"]:
        assert secret not in found and secret not in out, secret
    for benign in inserted["benign"]:
        assert benign in found, (benign, out)
