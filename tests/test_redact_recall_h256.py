"""Issue 16 (h256): what a fresh set of pastes (tests/redaction_corpus/fresh_*.jsonl) found, one class each.

* A Bearer credential in a JavaScript template literal (axios, fetch: ``Authorization: `Bearer <t>```): the
  backtick ends the value, as a quote does.
* curl's ``-b``, the short ``--cookie``, with a cookie after it: its value goes when it looks like a session or a
  token (16 or more, or a credential's shape); ``-b <jar file>`` and ``-b theme=dark`` stay.
* A YAML block scalar (``|``, ``>-``) under a compound secret name (``secret_key``, ``jwt_secret_key``).
* A short mask that shows four characters at most (``****abcd``, ``xxxx1234``) is no secret: kept.
* Defined Networking's ``dnkey-`` and MaxMind's ``..._mmk`` license keys (gitleaks' rules).

Each case through the reference and the engine, which must agree; a second pass changes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from recall_helpers import apply_twice, assert_kept, assert_redacted, nested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import ALNUM, LOWER, URLSAFE, Fakes  # noqa: E402

F = Fakes(256)
TOKEN = F.pick(URLSAFE, 40)
COOKIE = F.pick(ALNUM, 32)
PW = F.pick(ALNUM, 20)
HEXKEY = F.pick("0123456789abcdef", 64)
DNKEY = "dn" + "key-" + F.pick(LOWER + "0123456789", 26) + "-" + F.pick(LOWER + "0123456789", 52)
MAXMIND = F.pick(ALNUM, 6) + "_" + F.pick(ALNUM, 29) + "_m" + "mk"


@pytest.mark.parametrize(
    "text",
    [
        f"axios.create({{ headers: {{ Authorization: `Bearer {TOKEN}` }} }})",
        f"const h = {{ authorization: `Bearer {TOKEN}` }};",
        f"fetch(url, {{ headers: {{ Authorization: `Basic {TOKEN}` }} }})",
    ],
)
def test_a_bearer_credential_in_a_template_literal_goes(text: str) -> None:
    assert_redacted(text, TOKEN, "authorization_header")


@pytest.mark.parametrize(
    "text", ["const h = `Bearer ${token}`;", "headers: { Authorization: `Bearer ${process.env.T}` }"]
)
def test_a_template_literal_of_a_reference_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    [
        f"curl -b 'connect.sid={COOKIE}' https://app.example.com/api/me",
        f'curl -s -b "sessionid={COOKIE}; theme=dark" https://app.example.com/',
        f"curl -b session={COOKIE} https://app.example.com/",
    ],
)
def test_a_cookie_after_curls_short_option_goes(text: str) -> None:
    assert_redacted(text, COOKIE, "cli_secret_option")


@pytest.mark.parametrize(
    "text",
    [
        "curl -b cookies.txt -c cookies.txt https://app.example.com/",
        "curl -b theme=dark https://app.example.com/",
        "git checkout -b feature=x",
        f"tar -b 20 -cf x.tar . && echo id={COOKIE}",
    ],
)
def test_a_cookie_jar_or_a_plain_cookie_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    [
        f"signing:\n  secret_key: >-\n    {HEXKEY}\n",
        f"auth:\n  jwt_secret_key: |-\n    {PW}\n",
        f"app:\n  client-secret-value: |\n    {PW}\n",
    ],
)
def test_a_block_scalar_under_a_compound_secret_name_goes(text: str) -> None:
    out = apply_twice(nested(text, 0))
    assert HEXKEY not in out and PW not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "Token: ****abcd",
        "api_key = 'xxxx1234'",
        "password: ****",
        "access_key     ****************QX7Z shared-credentials-file",
    ],
)
def test_a_short_mask_stays(text: str) -> None:
    assert_kept(text)


def test_a_value_with_a_few_stars_in_it_still_goes() -> None:
    assert_redacted(f"Token: ****{PW}", PW)


@pytest.mark.parametrize("token", [DNKEY, MAXMIND])
@pytest.mark.parametrize("form", ["key {} when enrolling", "LicenseKey {}\nEditionIDs GeoLite2-City", '{{"k": "{}"}}'])
def test_a_provider_key_from_gitleaks_goes(token: str, form: str) -> None:
    assert_redacted(form.format(token), token)


@pytest.mark.parametrize(
    "text", ["my_var_mmk = 1", "LicenseKey XXXXXX_XXXXXXXXXXXXXXXXXXXXXXXXXXXXX_mmk", "dnkey-example-placeholder"]
)
def test_a_provider_look_alike_stays(text: str) -> None:
    assert_kept(text)
