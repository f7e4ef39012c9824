"""Decoding before matching (issue 16): JSON nested in strings, bare base64 of user:password, wrappers.

Each test builds its payload the way real ones arise (json.dumps of json.dumps
...), redacts it with the built-in rules, and checks three things: the secret
is gone at every level, every level still parses, and what is not a secret
is kept. Fake secrets are assembled at run time.
"""

from __future__ import annotations

import base64
import json
import random

import pytest

from hookd.redact import build_redactor
from hookd.redact.view import View
from hookd.redact.viewpattern import MAX_LEVEL
from hookd.redact.wrappers import BASIC_MAX, user_password

REDACTOR = build_redactor(True)
_rng = random.Random(1616)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def fake(n: int = 16) -> str:
    while True:
        value = "".join(_rng.choice(ALNUM) for _ in range(n))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value) and any(c.islower() for c in value):
            return value


def nested(inner: object, levels: int) -> str:
    """``inner`` as JSON text inside a string ``levels`` times, as the payload's JSON text."""
    for _ in range(levels):
        inner = {"stdout": json.dumps(inner)}
    return json.dumps(inner)


def unnest(text: str, levels: int) -> object:
    """Parse the payload and every level inside it (each must still be valid JSON)."""
    value = json.loads(text)
    for _ in range(levels):
        value = json.loads(value["stdout"])
    return value


def redact(text: str) -> str:
    out, _ = REDACTOR.redact(text)
    again, counts = REDACTOR.redact(out)
    assert again == out and not counts  # idempotent
    return out


# --- JSON inside JSON inside a string ------------------------------------------------


@pytest.mark.parametrize("levels", range(1, MAX_LEVEL))
@pytest.mark.parametrize("key", ["password", "apiKey", "auth", "client_secret", "DB_TOKEN"])
def test_a_secret_field_is_found_at_every_level_the_view_reads(levels, key):
    secret = fake()
    text = nested({"db": {key: secret, "user": "app", "port": 5432}}, levels)
    out = redact(text)
    assert secret not in out
    inner = unnest(out, levels)
    assert inner["db"]["user"] == "app" and inner["db"]["port"] == 5432
    assert inner["db"][key].startswith("[REDACTED:")


@pytest.mark.parametrize("levels", range(1, MAX_LEVEL))
def test_quotes_written_as_u0022_at_any_level_are_read_as_quotes(levels):
    """JSON text put in a string by an encoder that writes its quotes as \\u0022, not \\"."""
    secret = fake()
    text = '{"stdout": "' + json.dumps({"password": secret, "note": "kept"}).replace('"', "\\u0022") + '"}'
    for _ in range(levels - 1):
        text = json.dumps({"stdout": text})
    out = redact(text)
    assert secret not in out
    assert unnest(out, levels) == {"password": "[REDACTED:secret_assignment]", "note": "kept"}


def test_u_escapes_three_levels_down_are_decoded():
    digits = "".join(_rng.choice("0123456789") for _ in range(25))
    secret = "xo" + "xb-" + digits[:12] + "-" + digits[12:] + "-" + fake(24)
    escaped = "".join(f"\\u{ord(c):04x}" if i % 3 == 0 else c for i, c in enumerate(secret))
    level3 = '{"x": "' + escaped + '"}'  # the innermost JSON text, with escapes of its own
    text = json.dumps({"stdout": json.dumps({"stdout": level3})})
    assert "\\\\\\\\u00" in text  # four backslashes: an escape of the third level
    out = redact(text)
    assert unnest(out, 2)["x"].startswith("[REDACTED:")


def test_code_nested_two_and_three_levels_down_is_not_damaged():
    code = "class Creds:\n    password: str\n    token: Optional[str] = None\n"
    for levels in (1, 2, 3):
        text = nested({"code": code}, levels)
        assert redact(text) == text


def test_a_value_nested_two_levels_down_ends_at_its_line():
    secret = fake()
    env = f"DB_PASSWORD={secret}\nDEBUG=1\nPORT=8080"
    for levels in (1, 2, 3):
        out = redact(nested({"file": env}, levels))
        kept = unnest(out, levels)["file"]
        assert secret not in out and kept.endswith("\nDEBUG=1\nPORT=8080"), kept


def test_the_view_maps_spans_back_to_whole_escapes_and_keeps_everything_else():
    secret = fake()
    text = nested({"a": "b", "password": secret, "z": "y"}, 2)
    view = View(text)
    assert view.changed and '\\"password\\": \\"' in view.text
    at = view.text.index(secret)
    start, end = view.span(at, at + len(secret))
    assert text[start:end] == secret
    out = redact(text)
    assert out.replace("[REDACTED:secret_assignment]", secret) == text


def test_beyond_the_deepest_level_the_text_is_read_as_it_is():
    """A documented limit (docs/redaction.md): JSON five levels down is not decoded; nothing breaks."""
    text = nested({"password": fake()}, MAX_LEVEL)
    out = redact(text)
    unnest(out, MAX_LEVEL)


# --- bare base64 of user:password ----------------------------------------------------


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "where",
    [
        "{}",
        "echo {} | base64 -d",
        'curl -H "X-Auth: $(echo {} | base64 -d)" https://api.example.com',
        "PAIR={}\nexport PAIR",  # a name of its own (CREDS is a secret's name: secret_assignment takes it)
        "registry:\n  credentials: {}\n",
        "[{}]",
    ],
)
@pytest.mark.parametrize(
    "credential",
    [
        "alice:{secret}",
        "deploy:{secret}\n",
        "alice@example.com:{secret}",
        "__token__:{secret}",
        "ci-bot:{secret}!#",
        "AC0123456789abcdef:{secret}",
    ],
)
def test_bare_base64_of_user_and_password_is_redacted_whole(where, credential):
    secret = fake(14)
    run = b64(credential.format(secret=secret))
    text = json.dumps({"stdout": where.format(run)})
    out = redact(text)
    # the whole run is replaced (by this rule, or by an assignment's where a name says secret)
    marker = "[REDACTED:secret_assignment]" if "credentials:" in where else "[REDACTED:base64_user_password]"
    assert json.loads(out)["stdout"] == where.format(marker)


@pytest.mark.parametrize(
    "decoded",
    [
        "user:pass",
        "user:password",
        "admin:admin",
        "admin:changeme",
        "Aladdin:open sesame",
        "Note: see the docs",
        "http://example.com/x",
        "https://example.com",
        "localhost:8080",
        "db:5432",
        "image:nginx",
        "key:value",
        "com.example:artifact",
        "12:34:56",
        "sha256:e3b0c44298fc1c149afbf4c8996fb924",
        "a:b:c:d",
        "user:/usr/local/bin",
        "user:${PASSWORD}",
        "alice:xxxxxxxx",
        "user:******",
        "x:abc123",
        '{"alg":"HS256"}',
        "name:value with spaces",
        "user:12345678",
        "tel:+14155552671",
    ],
)
def test_base64_of_text_that_is_no_credential_is_kept(decoded):
    run = b64(decoded)
    text = json.dumps({"stdout": f"value {run} end"})
    assert redact(text) == text
    assert not user_password(run)


def test_base64_look_alikes_agents_produce_are_kept():
    blobs = [
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR4Zmsn1t79cI1UGQ==",
        "h1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "data:image/png;base64," + base64.b64encode(bytes(_rng.randrange(256) for _ in range(3000))).decode(),
        " ".join(base64.b64encode(bytes(_rng.randrange(256) for _ in range(n))).decode() for n in range(6, 60)),
        "CgVoZWxsbxIFd29ybGQ=",  # protobuf
        "9fceb02d0ae598e95dc970b74767f19372d61af8",
    ]
    for blob in blobs:
        text = json.dumps({"stdout": blob})
        assert redact(text) == text, blob[:60]


def test_a_run_longer_than_a_credential_is_not_decoded_as_one():
    long_text = "alice:" + fake(14) + "x" * 300
    assert not user_password(b64(long_text))
    assert len(b64("a:" + "b" * 255)) > BASIC_MAX - 4


def test_a_large_base64_image_costs_no_decoding():
    """2 MB of base64 with no boundary inside: nothing in it is decoded, and the rule's regex reads
    only the stretches around the scanner's reports (a fraction of the blob), each once."""
    import dataclasses

    from hookd.redact import Redactor
    from hookd.redact.rules import BUILTIN_RULES

    decoded: list[str] = []

    def counting(value: str) -> bool:
        decoded.append(value)
        return user_password(value)

    rule = next(r for r in BUILTIN_RULES if r.name == "base64_user_password")
    redactor = Redactor([dataclasses.replace(rule, validate=counting)])
    blob = base64.b64encode(bytes(_rng.randrange(256) for _ in range(1_500_000))).decode()
    credential = b64("alice:" + fake())
    text = json.dumps({"stdout": "data:image/png;base64," + blob + " alice " + credential})
    out, counts = redactor.redact(text)
    assert counts == {"base64_user_password": 1} and credential not in out
    assert decoded == [credential]
    assert redactor.examined["base64_user_password"] < len(text) // 4


# --- wrappers: decoded text read as the rules read a payload -------------------------


def test_decoded_env_file_with_quoted_values_is_read():
    secret = fake()
    run = b64(f'export DB_PASSWORD="{secret}"\nDEBUG=1\n')
    out = redact(json.dumps({"stdout": f"echo {run} | base64 -d > .env"}))
    assert run not in out and "[REDACTED:encoded_secret]" in out


def test_base64_of_a_docker_config_is_read():
    secret = fake()
    config = json.dumps({"auths": {"ghcr.io": {"auth": b64("bot:" + secret)}}})
    out = redact(json.dumps({"stdout": f"--from-literal=.dockerconfigjson={b64(config)}"}))
    assert b64(config) not in out and "[REDACTED:encoded_secret]" in out


# --- URL-encoded queries --------------------------------------------------------------


def test_url_encoded_secrets_in_a_query_are_found_and_the_rest_kept():
    secret = fake()
    text = json.dumps({"stdout": f"Location: /sso?next=%2Fapp%3Fuser%3Dbob%26password%3D{secret}%26remember%3D1"})
    out = redact(text)
    assert secret not in out
    assert json.loads(out)["stdout"].endswith("password%3D[REDACTED:secret_assignment]%26remember%3D1")


def test_url_encoded_queries_without_secrets_are_kept():
    for query in (
        "https://x.example.com/login?next=%2Fhome%3Fpage%3D2%26sort%3Dname",
        "password%3D%24%7BDB_PASS%7D token%3D%7B%7Btoken%7D%7D",
        "keyboard%3Dqwerty",
    ):
        text = json.dumps({"stdout": query})
        assert redact(text) == text
