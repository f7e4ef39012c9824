"""Classes a red-team pass found kept in clear (issue 16), and the code each must not touch.

Each case runs through the reference (every rule's regex over the whole text) and the engine
(Hyperscan triggers, windows, budget), which must agree. The fake secrets are built from pieces
at run time, so no scanner mistakes this file for a leak.
"""

from __future__ import annotations

import json
import random

import pytest

from hookd.redact import Redactor
from hookd.redact.rules import BUILTIN_RULES

REFERENCE = Redactor(BUILTIN_RULES, exhaustive=True)
ENGINE = Redactor(BUILTIN_RULES)

_rng = random.Random(38)
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = UPPER + UPPER.lower() + "0123456789"
URLSAFE = ALNUM + "_-"


def fake(alphabet: str, n: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


AWS_ID = "AK" + "IA" + fake(UPPER + "234567", 16)
GOOGLE = "AI" + "za" + fake(URLSAFE, 35)
ANTHROPIC = "sk-" + "ant-api03-" + fake(URLSAFE, 93) + "AA"
SLACK = "xo" + "xb-" + fake("0123456789", 12) + "-" + fake("0123456789", 13) + "-" + fake(ALNUM, 24)
GITLAB = "gl" + "pat-" + fake(URLSAFE, 20)
STRIPE = "sk" + "_live_" + fake(ALNUM, 24)
PASSWORD = "Xk9mQ2vL" + "8pR4tZw7"  # no provider shape: only its context finds it


def apply(payload: str) -> str:
    expected = REFERENCE.redact(payload)[0]
    assert ENGINE.redact(payload)[0] == expected
    return expected


def as_json(text: str, ascii_only: bool = True) -> str:
    return json.dumps({"tool_response": {"stdout": text}}, ensure_ascii=ascii_only)


def assert_redacted(text: str, secret: str, rule: str, ascii_only: bool = True) -> None:
    out = apply(as_json(text, ascii_only))
    assert secret not in out, out
    assert f"[REDACTED:{rule}]" in out, out
    assert apply(out) == out  # idempotent
    json.loads(out)


def assert_kept(text: str, ascii_only: bool = True) -> None:
    doc = as_json(text, ascii_only)
    assert apply(doc) == doc


# --- tokens glued to a word ----------------------------------------------------

GLUED = [
    ("aws_access_key_id", "id" + AWS_ID, AWS_ID),
    ("aws_access_key_id", "aws_key: key" + AWS_ID + ", region eu-west-1", AWS_ID),
    ("aws_access_key_id", "accessKeyId" + AWS_ID, AWS_ID),
    ("google_api_key", "key" + GOOGLE, GOOGLE),
    ("anthropic_api_key", "x" + ANTHROPIC, ANTHROPIC),
    ("anthropic_api_key", "ANTHROPIC" + ANTHROPIC, ANTHROPIC),
    ("slack_token", "token" + SLACK, SLACK),
    ("gitlab_token", "GITLAB" + GITLAB, GITLAB),
    ("stripe_key", "stripe" + STRIPE, STRIPE),
    ("aws_access_key_id", "line one\nid" + AWS_ID, AWS_ID),  # after an escaped newline
]


@pytest.mark.parametrize(("rule", "text", "secret"), GLUED, ids=[f"{g[0]}-{i}" for i, g in enumerate(GLUED)])
def test_token_glued_to_a_word(rule, text, secret):
    assert_redacted(text, secret, rule)


GLUED_KEPT = [
    # an upper-case prefix inside one upper-case word: no case change marks a join
    "X" + "AKIA" + "IOSFODNN7EXAMPLE and SOUTHEAST" + "ASIA" + "PACIFICREGIONSX",
    # inside a base64 run: the letters before it do not begin at a boundary
    "iVBORw0KGgoAAAANSUhEUgAA+xyz" + GOOGLE + "/AAAA",
    "data:image/png;base64,Qk0" + "9abc" + GOOGLE + "+Zm9v",
    # a glue word longer than a name
    "abcdefghijklmnopqrstuvwxyzabcd" + GOOGLE,
    # short prefixes stay bounded: gldt-, hvs., key-, dapi
    "xgl" + "dt-" + fake(URLSAFE, 24) + " myhv" + "s." + fake(URLSAFE, 30),
    # a glued slack prefix without the numbered shape
    "tokenxo" + "xb-notatokenbutaslug",
]


@pytest.mark.parametrize("text", GLUED_KEPT)
def test_glued_look_alikes_are_kept(text):
    assert_kept(text)


# --- Unicode spaces around = and : ------------------------------------------------

SPACES = ["\u00a0", "\u2003", "\u202f", "\u3000", "\u2009\u00a0"]


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize("space", SPACES, ids=[f"U+{ord(s[0]):04X}" for s in SPACES])
@pytest.mark.parametrize("form", ["password{s}= {v}", "password{s}: {v}", "DB_PASSWORD={s}{v}", "api_key{s}={s}'{v}'"])
def test_unicode_space_around_the_separator(form, space, ascii_only):
    assert_redacted(form.format(s=space, v=PASSWORD), PASSWORD, "secret_assignment", ascii_only)


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
def test_tab_before_the_separator(ascii_only):
    assert_redacted(f"password\t= {PASSWORD}", PASSWORD, "secret_assignment", ascii_only)


UNICODE_SPACE_KEPT = [
    "password{s}= input()",
    "password{s}: str",
    "token{s}=\u00a0os.environ['TOKEN']",
    "password{s}={s}${{DB_PASS}}",
    "reset the password{s}: see the docs",
]


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize("form", UNICODE_SPACE_KEPT)
def test_unicode_space_code_is_kept(form, ascii_only):
    assert_kept(form.format(s="\u00a0"), ascii_only)


# --- XML: a secret named by a key or name attribute -------------------------------

XML_SECRETS = [
    ("xml_secret_attribute", '<appSettings>\n  <add key="ApiKey" value="{v}"/>\n</appSettings>'),
    ("xml_secret_attribute", '<add name="password" value="{v}" />'),
    ("xml_secret_attribute", "<param name='db.password' value='{v}'/>"),
    ("xml_secret_attribute", '<add key="Stripe:SecretKey"\n     value="{v}" />'),
    ("xml_secret_attribute", '<input type="hidden" name="csrf_token" value="{v}">'),
    ("xml_secret_entry", '<properties><entry key="db.password">{v}</entry></properties>'),
    ("xml_secret_entry", '<setting name="Token" serializeAs="String">\n  <value>{v}</value>\n</setting>'),
]


@pytest.mark.parametrize(("rule", "form"), XML_SECRETS)
def test_xml_secret_named_by_an_attribute(rule, form):
    assert_redacted(form.format(v=PASSWORD), PASSWORD, rule)


XML_KEPT = [
    '<appSettings>\n  <add key="Theme" value="dark"/>\n  <add key="PageSize" value="50"/>\n</appSettings>',
    '<add key="PasswordMinLength" value="12"/> <add key="TokenLifetime" value="3600"/>',
    '<add key="RequirePassword" value="true"/> <add key="ApiKey" value=""/>',
    '<add key="ApiKey" value="${API_KEY}"/> <add name="password" value="changeme"/>',
    '<input type="password" name="password" value="{{ form.password }}">',
    '<input name="token" value="<?= $token ?>">',
    '<entry key="db.password">${DB_PASSWORD}</entry> <entry key="db.user">app</entry>',
    '<setting name="Token" serializeAs="String"><value /></setting>',
    '<add key="ApiKey" value="x"/>Some text after',
    '<Field name="password" value={values.password} />',
]


@pytest.mark.parametrize("text", XML_KEPT)
def test_xml_look_alikes_are_kept(text):
    assert_kept(text)


# --- a secret after its name and a space, on a line of its own -------------------

LINE_SECRETS = [
    "FROM python:3.12\nENV PASSWORD {v}\nRUN make",
    "ENV DB_PASSWORD {v}",
    "env api_token {v}",
    "ARG API_TOKEN {v}",
    '  ENV\tSECRET_KEY "{v}"',
    "set -gx GITHUB_TOKEN {v}",
    "bind 127.0.0.1\nrequirepass {v}\nport 6379",
    "masterauth {v}",
    "requirepass foobaredpass",
    "[client]\nuser app\npassword {v}\n",
    "ENV MYSQL_ROOT_PASSWD {v}",
    "passwd {v}",
    "\tpassword   '{v}'  \n",
    "auth_token {v}",
]


@pytest.mark.parametrize("form", LINE_SECRETS)
def test_secret_after_a_name_and_a_space_on_its_line(form):
    secret = PASSWORD if "{v}" in form else "foobaredpass"
    assert_redacted(form.format(v=PASSWORD), secret, "secret_line")


LINE_KEPT = [
    "ENV PATH /usr/bin\nENV PASSWORD_FILE /run/secrets/db\nENV TOKEN_TTL 3600",
    "ENV PASSWORD ${DB_PASSWORD}\nENV API_TOKEN changeme",
    "password = input()\npassword == other",
    "The password field is required.\nEnter your password below",
    "password required\nToken expired\nPassword Protected\nsecret sauce",
    "password reset link sent to alice",
    "CREATE TABLE users (\n  id serial,\n  password text NOT NULL,\n  token varchar(64)\n);",
    "  password text\n  token VARCHAR(255)",
    "type Config struct {\n\tPassword string\n\tToken *oauth2.Token\n\tSecret []byte\n\tAPIKey sql.NullString\n}",
    "# requirepass foobared\nrequirepass $REDIS_PASSWORD",
    "token_count 12\npassword 12345678",
    "see the password Xk9mQ2vL8pR4tZw7 in the vault",  # not at a line's start
    "password #comment",
    "passwd alice2\npasswd -l bob\npassword -",  # the passwd command, an option
    "password: str\npassword=",
]


@pytest.mark.parametrize("text", LINE_KEPT)
def test_line_look_alikes_are_kept(text):
    assert_kept(text)
