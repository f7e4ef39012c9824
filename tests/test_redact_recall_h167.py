"""Issue 16 (h167): Dropbox's access tokens.

* A long-lived token (gitleaks' dropbox-long-lived-api-token: 11, ten ``A``, 43; 64 of base64url) had no rule: kept
  wherever no secret's name stood beside it (``dropbox.Dropbox("<token>")``, a bare export). The rule
  ``dropbox_long_lived_token`` finds it from its ten ``A`` (its Hyperscan trigger) and reads the 11 back; base64
  where a stretch between ``+`` and ``/`` holds ten ``A``, a run of ``A`` and placeholders are kept.
* A short-lived token (``sl.`` or ``sl.u.``, saas_api_token) ended at a ``=`` in its body (gitleaks' alphabet holds
  it), its rest kept.

Each case through the reference and the engine, which must agree; the fake tokens are drawn per test, seeded by the
test's id.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recall_helpers import (
    EVERY_KIND,
    apply,
    apply_twice,
    assert_gone_in,
    assert_kept,
    assert_redacted,
    gitleaks_forms,
    nested,
)

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

LOWER = "abcdefghijklmnopqrstuvwxyz"
ALNUM = LOWER.upper() + LOWER + "0123456789"
URLSAFE = ALNUM + "_-"


def pick(rng: random.Random, alphabet: str, n: int) -> str:
    """Random, with upper and lower case and digits (a run of one kind would be a placeholder)."""
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(n))
        if any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value):
            return value


def long_lived(salt: str) -> str:
    rng = random.Random(f"h167-dropbox-{salt}")
    return pick(rng, ALNUM, 11) + "A" * 10 + pick(rng, URLSAFE, 43)


def short_lived(salt: str, prefix: str = "sl.u.") -> str:
    rng = random.Random(f"h167-dropbox-sl-{salt}")
    return prefix + pick(rng, URLSAFE, 70) + "=" + pick(rng, URLSAFE, 80)


def test_a_long_lived_dropbox_token_alone_is_its_rules():
    token = long_lived("alone")
    assert_redacted(f"the value is {token} for now", token, "dropbox_long_lived_token")
    assert_redacted(token, token, "dropbox_long_lived_token")
    assert_redacted(f'dbx = dropbox.Dropbox("{token}")', token, "dropbox_long_lived_token")
    assert_redacted(f"export DBX={token}\n", token, "dropbox_long_lived_token")


def test_a_long_lived_dropbox_token_in_gitleaks_sample_forms():
    token = long_lived("forms")
    for text in gitleaks_forms(token) + [f"dropbox_token = '{token}'", f"Authorization: Bearer {token}"]:
        assert_redacted(text, token)


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_long_lived_dropbox_token_in_every_kind_of_payload(kind):
    token = long_lived(kind)
    assert_gone_in(f"dbx = dropbox.Dropbox('{token}')\nexport DBX={token}\n", token, kind)


@pytest.mark.parametrize("levels", [1, 2])
def test_a_long_lived_dropbox_token_in_nested_json(levels):
    token = long_lived(f"nested-{levels}")
    text = f"dbx = dropbox.Dropbox('{token}')\n"
    for _ in range(levels):
        text = json.dumps({"content": text})
    out = apply(json.dumps({"tool_response": {"stdout": text}}))
    assert token not in out, out
    assert apply(out) == out


@pytest.mark.parametrize("prefix", ["sl.", "sl.u."])
def test_a_short_lived_dropbox_token_holding_an_equals_sign_goes_whole(prefix):
    token = short_lived(prefix, prefix)
    head, tail = token.split("=")
    out = assert_redacted(f'curl -H "Authorization: Bearer {token}" https://api.dropboxapi.com/2/x', token)
    assert tail not in out and head not in out, out
    out = assert_redacted(json.dumps({"access_token": token, "expires_in": 14400}), token)
    assert tail not in out, out


# Ten A between + and / inside base64 (an image's, a font's: zeros), a run of A, a placeholder, an identifier: kept
B64_STRETCH = "QmFzZTY0IGJ" + "A" * 10 + "wMzQ1Njc4OTpCREZISkxOUFJUVlhaXF5gYmRmaGpsbn"
KEPT = [
    "data:image/gif;base64,R0lGODlhAQABAIAAAP+" + B64_STRETCH + "/yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==",
    "src: url(data:font/woff2;base64,d09GMgABAAAAA/" + B64_STRETCH + "+AAAAAAAAAA)",
    'const ZERO = "' + "A" * 64 + '";',
    "DROPBOX_TOKEN=xxxxxxxxxxxAAAAAAAAAAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "TEST_CASE_NAME_AAAAAAAAAA_handles_upload_of_a_very_long_file_name_xyz",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
    # base64 of zeros: the ten A's literal, counted, would report at every character and the chunk go dense
    "data:image/png;base64,iVBORw0KGgo" + "A" * 5000 + "ElFTkSuQmCC",
    "AAAAB3NzaC1yc2E" + "A" * 3000 + "x",
]


@pytest.mark.parametrize("text", KEPT)
def test_dropbox_look_alikes_are_kept(text):
    assert_kept(text)
    assert_kept(f"line one\n{text}\nline three\n")


# --- A cookie header as a HAR file or a Postman collection writes it (h167's hunt) -------------------------------
def cookie_value(salt: str) -> str:
    return pick(random.Random(f"h167-cookie-{salt}"), ALNUM, 32)


HAR_FORMS = [
    '{{"name": "Cookie", "value": "sessionid={v}; csrftoken=abc"}}',
    '{{"name": "cookie", "value": "theme=dark; _session_id={v}"}}',
    '{{"name":"Set-Cookie","value":"session={v}; Path=/; HttpOnly"}}',
    '"headers": [\n  {{\n    "name": "Cookie",\n    "value": "sid={v}"\n  }}\n]',
    '{{"key": "Cookie", "value": "connect.sid={v}", "type": "text"}}',  # Postman's header
]


# (not the form over lines as an Edit's patch lines: its name and value are two strings of the patch, a Left)
CASES = [(form, kind) for form in HAR_FORMS for kind in EVERY_KIND if not ("\n" in form and kind == "patch")]


@pytest.mark.parametrize(("form", "kind"), CASES)
def test_a_cookie_header_as_a_har_file_writes_it_goes(form, kind):
    value = cookie_value(f"{form}-{kind}")
    assert_gone_in(form.format(v=value), value, kind)


@pytest.mark.parametrize("levels", [1, 2])
def test_a_har_cookie_in_nested_json_goes(levels):
    value = cookie_value(f"nested-{levels}")
    text = json.dumps({"log": {"entries": [{"request": {"headers": [{"name": "Cookie", "value": f"sid={value}"}]}}]}})
    for _ in range(levels - 1):
        text = json.dumps({"content": text})
    out = apply(json.dumps({"tool_response": {"stdout": text}}))
    assert value not in out, out
    assert apply(out) == out


# A HAR's cookie header whose pairs hold no credential, and a "value" after another header's name: kept
HAR_KEPT = [
    '{"name": "Cookie", "value": "theme=dark; lang=en"}',
    '{"name": "Accept", "value": "text/html"}, {"name": "Cookie-Policy", "value": "strict=yes"}',
    '{"name": "cookie_banner", "value": "shown=1"}',
]


@pytest.mark.parametrize("text", HAR_KEPT)
def test_har_headers_with_no_credential_are_kept(text):
    assert_kept(text)


# --- A Postman collection's apikey auth: the key's pair is named "value" (h167's hunt) ----------------------------
POSTMAN_FORMS = [
    '"auth": {{"type": "apikey", "apikey": [{{"key": "value", "value": "{v}", "type": "string"}}, '
    '{{"key": "key", "value": "X-API-Key", "type": "string"}}]}}',
    '"apikey": [{{"key": "in", "value": "header"}}, {{"key": "key", "value": "api_key"}}, {{"key": "value", "value": "{v}"}}]',
    '"apikey": [\n  {{\n    "key": "key",\n    "value": "x-api-key"\n  }},\n  {{\n    "key": "value",\n    "value": "{v}"\n  }}\n]',
]
POSTMAN_CASES = [(f, k) for f in POSTMAN_FORMS for k in EVERY_KIND if not ("\n" in f and k == "patch")]


@pytest.mark.parametrize(("form", "kind"), POSTMAN_CASES)
def test_a_postman_apikey_auths_key_goes(form, kind):
    value = pick(random.Random(f"h167-postman-{form}-{kind}"), ALNUM, 32)
    out = assert_gone_in(form.format(v=value), value, kind)
    assert "X-API-Key" in out or "x-api-key" in out or "api_key" in out  # the header's name stays


POSTMAN_KEPT = [
    '"apikey": [{"key": "value", "value": "{{apiKey}}", "type": "string"}]',  # a variable
    '"apikey": [{"key": "key", "value": "X-API-Key"}, {"key": "in", "value": "header"}]',  # no key's pair
    '"headers": [{"key": "value", "value": "text/plain"}]',  # no apikey list
]


@pytest.mark.parametrize("text", POSTMAN_KEPT)
def test_postman_pairs_with_no_key_are_kept(text):
    assert_kept(text)


# --- The property (issue 16): arbitrary JSON with these secrets put in a string at random places ------------------
NEW_SHAPES = [
    lambda v: long_lived(v),
    lambda v: short_lived(v),
    lambda v: f'{{"name": "Cookie", "value": "sid={cookie_value(v)}"}}',
    lambda v: f'"apikey": [{{"key": "value", "value": "{cookie_value(v)}"}}]',
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=st.recursive(
        st.one_of(st.none(), st.integers(), st.text(max_size=12)),
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
        max_leaves=8,
    ),
    shape=st.integers(0, len(NEW_SHAPES) - 1),
    salt=st.text(max_size=4),
    before=st.text(max_size=16),
    nested=st.booleans(),
)
def test_the_new_shapes_in_arbitrary_json_go_and_the_output_is_idempotent_json(doc, shape, salt, before, nested):
    piece = NEW_SHAPES[shape](salt)
    secret = long_lived(salt) if shape == 0 else short_lived(salt) if shape == 1 else cookie_value(salt)
    text = json.dumps({"doc": doc, "log": f"{before} {piece} \n"})
    if nested:
        text = json.dumps({"content": text})
    out = apply(json.dumps({"tool_response": {"stdout": text}}))
    assert secret not in out, out
    assert apply(out) == out
    json.loads(out)


# --- Issue 16's known leftover: a value over spaces read on over a next name's assignment -------------------------
# password=\b%26<hash> password=<pw>: the view reads \b as a space, so the first value ran over spaces to the line's
# end, the second password= inside it; too long, it was refused, and the second name's trigger, inside that read,
# was skipped: a second pass (the hash a marker) took <pw>. The value now ends before a next name's assignment.
# Whether the long value was refused depends on the values drawn (17 of 200 draws below on 25ec355): each seed's.
@pytest.mark.parametrize("seed", range(150, 200))
def test_a_value_over_spaces_ends_before_a_next_assignment(seed):
    values = Fakes(seed).all()
    for hashed in ("sha512crypt", "apr1"):
        for before in ("password=\b%26", "password=\b", "token: %26"):
            for name in ("password", "api_key"):
                for levels in (0, 1, 2):
                    out = apply_twice(nested(f"{before}{values[hashed]} {name}={values['pw']}\n", levels))
                    assert values[hashed] not in out and values["pw"] not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "password= Tr0ub4dor 3xQz x1=abc token=Qm9vZ2xl4x\n",  # every word of the first value gone too
        "db.password: Tr0ub4dor 3xQz api_key=Qm9vZ2xl4x # old\n",
    ],
)
def test_both_values_go_when_a_spaced_value_meets_a_next_assignment(text):
    out = apply_twice(nested(text, 0))
    for word in ("Tr0ub4dor", "3xQz", "Qm9vZ2xl4x"):
        assert word not in out, out
