"""Issue 16 (h277): what a fourth fresh set of pastes (tests/redaction_corpus/fresh4_*.jsonl) found, one class each.

* A relative path after a secret's name names the file that holds it, quoted as well as bare
  (``credentials: "aws/credentials"``): kept, as h270 kept the bare one.
* A provider's prefix then an ellipsis, the ellipsis written as JSON's ``\\u2026`` escape (a payload sent
  ASCII-only): a placeholder, kept, as the raw character was.
* An LDAP client's bind password on a directive line of its own (nslcd.conf, ldap.conf, pam_ldap:
  ``bindpw <v>``, ``rootbindpw <v>``), whose name holds no word that says secret.

Each case through the reference and the engine, which must agree; a second pass changes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from recall_helpers import assert_kept, assert_redacted

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import ALNUM, Fakes  # noqa: E402

F = Fakes(277)
PW = F.pick(ALNUM, 20)
HEAD = "Q7" + F.pick(ALNUM, 7)  # mixed: two cases and a digit


@pytest.mark.parametrize(
    "text",
    [
        'storage:\n  provider: s3\n  credentials: "aws/credentials"\n',
        "creation_rules:\n  - secret: 'secrets/prod/app.enc.yaml'\n",
        'cluster:\n  token: "k8s/prod/token"\n',
        '{"password_file": "x", "password": "config/db-password.txt"}',
        'CLIENT_SECRET="config/client_secret.json"',
    ],
)
def test_a_quoted_relative_path_after_a_secret_name_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f'password: "{PW[:10]}/{PW[10:]}"', PW[:10]),  # mixed case: base64 or a password
        ('password: "x7k2m/9qp4w8"', "x7k2m/9qp4w8"),  # half digits: no path of words
        ('token = "abc/def/ghi/jkl/mno/pqr/stu/vwx/yz0/123/456/789/012/345/678/901/234/567/890/123"', "abc/def"),
    ],
)
def test_a_quoted_secret_with_a_slash_still_goes(text: str, secret: str) -> None:
    assert_redacted(text, secret)


@pytest.mark.parametrize(
    "text",
    [
        "export STRIPE_SECRET_KEY=sk_live_\u2026",
        "OPENAI_API_KEY: sk-proj-\u2026 in the env",
        "token: ghp_\u2026",
        'aws_access_key_id = "AKIA\u2026"',
    ],
)
def test_a_prefix_then_an_escaped_ellipsis_stays(text: str) -> None:
    assert_kept(text, ascii_only=True)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"password={HEAD}\u2026", HEAD),  # a mixed head: a secret cut short
        (f"API_KEY={PW}\u2026", PW),  # a long head
    ],
)
def test_a_secret_cut_short_by_an_escaped_ellipsis_still_goes(text: str, secret: str) -> None:
    assert_redacted(text, secret)


@pytest.mark.parametrize(
    "text",
    [
        f"uri ldaps://ldap.corp.example\nbinddn cn=nslcd,ou=svc,dc=corp\nbindpw {PW}\n",
        f"rootbinddn cn=admin,dc=corp\nrootbindpw {PW}\n",
        f"BINDPW {PW}",
    ],
)
def test_an_ldap_bind_password_directive_goes(text: str) -> None:
    assert_redacted(text, PW)


@pytest.mark.parametrize(
    "text",
    [
        "# bindpw is read from /etc/nslcd.secret\n",
        "bindpw\n",
        "the bindpw option sets the password",
    ],
)
def test_prose_about_bindpw_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"password": "Passwort", "password_hint": "Mindestens 12 Zeichen"}',
        '{"password": "Contrase\u00f1a", "token": "Token"}',
        "password: Kennwort\n",
        'PASSWORD_LABEL = "Wachtwoord"',
    ],
)
def test_password_in_another_language_is_a_label(text: str) -> None:
    """An i18n file's label: no more a secret than "password" itself, which was kept before."""
    assert_kept(text, ascii_only=False)


@pytest.mark.parametrize(
    "text",
    [
        "settings:\n  username:\n    from_secret: docker_username\n  password:\n    from_secret: docker_password\n",
        "[Service]\nLoadCredential=db-password:/etc/api/db-password\nImportCredential=api.*\n",
        "LoadCredentialEncrypted=tls-key:/etc/credstore.encrypted/tls-key\n",
    ],
)
def test_a_name_that_says_where_the_secret_is_kept_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (f"[Service]\nSetCredential=db-password:{PW}\n", None),  # SetCredential holds the secret
        (f"userlist admins\n    user ops insecure-password {PW}\n", "haproxy_insecure_password"),
        (f"GET https://api.example.com/v1/orders\nAuthorization: Basic dev {PW}\n", "http_file_basic_password"),
        (f'auth: {{ user: "noreply@example.com", pass: "{PW}" }},', "auth_object_pass"),
        (f"auth: {{\n    user: 'bot',\n    pass: '{PW}',\n  }}", None),
    ],
)
def test_a_password_under_a_tools_own_word_goes(text: str, rule: str | None) -> None:
    assert_redacted(text, PW, rule)


@pytest.mark.parametrize(
    "text",
    [
        "userlist admins\n    user ops password $6$abc$def\n",
        "Authorization: Basic {{user}} {{password}}\n",
        "The Authorization: Basic header carries base64\n",
        "auth: { user: process.env.SMTP_USER, pass: process.env.SMTP_PASS }",
        'auth: { user: "bot", pass: process.env.SMTP_PASS }',
        "PASS: test_user_login\nPASS: test_pass_reset\n",
    ],
)
def test_a_tools_word_without_a_password_stays(text: str) -> None:
    assert_kept(text)


def test_an_asana_token_goes() -> None:
    token = "2/" + F.pick("0123456789", 16) + "/" + F.pick("0123456789", 16) + ":" + F.pick("0123456789abcdef", 32)
    assert_redacted(f'headers={{"Authorization": "Bearer {token}"}}', token, "asana_token")
    assert_redacted(f"ASANA_PAT={token}", token)


def test_fractions_and_paths_are_no_asana_token() -> None:
    assert_kept("ratio 1/2 and 2/3:4 then 2/1234567890123456 and /usr/lib/2/x")


@pytest.mark.parametrize("quote", ["'", '"'])
def test_the_url_after_a_basic_header_stays(quote: str) -> None:
    """curl's -H 'Authorization: Basic <b64>' then the URL: the token goes (authorization_header's), the URL is no
    password of a clear user and password."""
    token = F.pick(ALNUM, 16)
    out = assert_redacted(f"curl -H {quote}Authorization: Basic {token}{quote} https://api.example.com/v1/x", token)
    assert "https://api.example.com/v1/x" in out
