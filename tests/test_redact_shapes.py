"""The Hyperscan shapes of the context rules (hookd/redact/shapes.py) say where a rule may match;
the rule's regex still decides. So a shape must never hide a secret the regex would find, and a
flood of a context with nothing after it must cost nothing (no report, but where a chunk ends)."""

from __future__ import annotations

import pytest

from hookd.redact import Redactor
from hookd.redact.rules import BUILTIN_RULES

ENGINE = Redactor(BUILTIN_RULES)
REFERENCE = Redactor(BUILTIN_RULES, exhaustive=True)  # every non-anchored rule over the whole text
INDEX = {rule.name: i for i, rule in enumerate(BUILTIN_RULES)}
CREDENTIAL = "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5"


def reports(text: str, rule: str) -> int:
    """How many places the scan reports for the rule (a chunk that switches it on counts one)."""
    gated, ends, _, confirms = ENGINE._triggers.scan(text, limit=None)[:4]
    index = INDEX[rule]
    return len(gated.get(index, ())) + len(ends.get(index, ())) + len(confirms.get(index, ()))


def quiet(text: str, rule: str) -> bool:
    """At most one report per chunk border: a shape cut off where a chunk ends may match there."""
    return reports(text, rule) <= len(text) // 8192


@pytest.mark.parametrize(
    "unit",
    [
        "token: str\n",
        "password: string;",
        "api_key: SecretStr\n",
        "token: bytes,",
        "secret: Optional[str]".replace("Optional[str]", "int)"),
    ],
)
def test_a_flood_of_type_annotations_is_not_reported(unit):
    assert quiet(unit * 2000, "secret_assignment")


@pytest.mark.parametrize(
    "unit",
    [
        "authorization: ",
        "Bearer ",
        "basic basic ",
        "Set-Cookie: ",
        "cookie: ",
        "://a:",
        "AccountKey=",
        "TWILIO ",
        "SK0 ",
    ],
)
def test_a_flood_of_a_header_or_key_alone_is_not_reported(unit):
    text = unit * 2000
    for rule in ("authorization_header", "cookie_header", "url_password", "azure_storage_key", "twilio_key"):
        assert quiet(text, rule), rule


@pytest.mark.parametrize(
    "text",
    [
        "password: hunter2x",
        "password:\u00a0hunter2x",
        "password:\u2003hunter2x",
        "token:\thunter2x",
        "token: str = 'hunter2x'",
        "token: str\n= 'hunter2x'",
        "token: str | None = 'hunter2x'",
        "token:= hunter2x",
        "token: 'hunter2x'",
        "token: stringy2x",
        "token: str2x",
        "token: str-x9",
        "token: strings",
        "token: str\\\\x9",
        "PASSWORD: Str$x9",
        "token:\x1cstrx9",
        "token: \u00e9t\u00e9x9",
    ],
)
def test_an_assignment_whose_value_may_pass_is_still_read(text):
    assert "[REDACTED:secret_assignment]" in ENGINE.redact(text)[0], text


@pytest.mark.parametrize(
    "head,tail",
    [
        ("Authorization: Bearer ", " end"),
        ("authorization=", ";"),
        ("Bearer ", "\\n"),
        ("Cookie: sid=", "; x"),
        ("Set-Cookie: a=", "; Path=/"),
    ],
)
@pytest.mark.parametrize("length", [20, 255, 256, 300, 2100, 4000])
def test_a_long_credential_across_a_chunk_border_is_found_as_the_table_says(head, tail, length):
    value = (CREDENTIAL * (length // len(CREDENTIAL) + 1))[:length]
    for offset in range(8192 - length - 40, 8192 + 40, 211):
        text = "x " * (max(0, offset) // 2) + head + value + tail + " y" * 3000
        out = ENGINE.redact(text)[0]
        assert out == REFERENCE.redact(text)[0]
        assert value not in out
