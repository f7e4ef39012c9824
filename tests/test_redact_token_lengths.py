"""A provider token whose prefix is its own is redacted a little shorter or longer than the rule table's
length: a token cut short in output (head -c, a column's width), a provider's format grown by a few
characters. Tokens whose prefix alone says little (mailgun's key-, Twilio's SK, OpenAI's old sk-), and those
with a checksum (GitHub's and npm's CRC32: a cut one fails it), keep their exact length."""

from __future__ import annotations

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "redaction_corpus"))

from fakes import Fakes  # noqa: E402

from hookd.redact import build_redactor  # noqa: E402

REDACTOR = build_redactor(True)
_VALUES = Fakes(61).all()
DISTINCT_PREFIX = (
    "groq",
    "google",
    "hf",
    "shopify",
    "do",
    "heroku",
    "supabase",
    "linear",
    "notion",
    "doppler",
    "doppler_config",
    "age",
    "grafana",
    "databricks",
    "postman",
    "sentry",
    "pulumi",
    "newrelic",
    "atlassian",
)


def variants(token: str) -> dict[str, str]:
    """Cut by 2 and 4, grown by 4 with characters of its own alphabet (its own, repeated)."""
    return {"-2": token[:-2], "-4": token[:-4], "+4": token + token[-7:-3]}


@pytest.mark.parametrize("name", DISTINCT_PREFIX)
def test_a_distinctive_token_a_little_off_its_length_is_redacted(name):
    token = _VALUES[name]
    for change, value in variants(token).items():
        payload = json.dumps({"tool_response": {"stdout": f"export X={value}\nsee {value} here"}})
        out, counts = REDACTOR.redact(payload)
        assert value[: len(value) - 8] not in out, (name, change, out)
        assert json.loads(out)


@pytest.mark.parametrize("name", ("mailgun", "twiliosk", "openaiold"))
def test_a_token_with_a_weak_prefix_keeps_its_exact_length(name):
    """key-<33 hex>, SK<30 hex>: a hash or an id beside a word, not taken for a key."""
    token = _VALUES[name]
    for value in (token[:-2], token + token[-7:-3]):
        payload = json.dumps({"tool_response": {"stdout": f"id {value} ok"}})
        assert REDACTOR.redact(payload)[0] == payload, (name, value)
