"""Forms the seventeenth session's probe found (issue 16): a YAML value behind its tag or anchor, a secret's
name in the languages developers name settings in, a value a context rule found standing again
elsewhere in the event with no context of its own, a two-column table padded to its longest key, and a
Netscape cookie file. Each case runs through the reference and the engine,
which must agree, and in every kind of hook payload; the look-alikes are kept. The fake secrets are built
at run time.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import (
    PAYLOAD_KINDS,
    REFERENCE,
    apply,
    as_json,
    assert_kept,
    assert_redacted,
    assert_redacted_in_payload,
)

PW = "Xk9vQ2" + "mPz7Lw"

SECRETS = [
    # a YAML tag or anchor before the value: the value, not the tag, is the secret
    (f"password: !!str {PW}", PW),
    (f'password: !!str "{PW}"', PW),
    (f"db:\n  password: &dbpw {PW}\n  replica_password: *dbpw", PW),
    (f"  api_token: &tok '{PW}'", PW),
    (f"password: !!binary {PW}==", PW),
    # "password" in other languages, ASCII and raw UTF-8 lower case
    (f"Passwort={PW}", PW),
    (f"DB_KENNWORT: {PW}", PW),
    (f'{{"senha": "{PW}"}}', PW),
    (f"contrasena = '{PW}'", PW),
    (f"mot_de_passe={PW}", PW),
    (f"wachtwoord: {PW}", PW),
    (f"haslo={PW}", PW),
    (f"salasana={PW}", PW),
    (f"jelszo={PW}", PW),
    # a value found by its context, standing again with none
    (f"password = '{PW}'\nE       AssertionError: assert '{PW}' == 'x'", PW),
    (f"mysql -u root -p{PW} app\nERROR 1045 (28000): bad login {PW}", PW),
    (f"DB_PASSWORD={PW}\nconnecting to db as app with {PW}...", PW),
    # a two-column table padded to its longest key (vault kv get)
    (
        f"====== Data ======\nKey                          Value\n---                          -----\ndb_password                  {PW}\n",
        PW,
    ),
    (f"NAME                 VALUE\nAPI_TOKEN            {PW}\n", PW),
    # a Netscape cookie file's values
    (f"# Netscape HTTP Cookie File\n.example.com\tTRUE\t/\tTRUE\t1767225600\tsession_id\t{PW}\n", PW),
    (f"#HttpOnly_app.example.com\tFALSE\t/\tTRUE\t0\tremember_token\t{PW}\n", PW),
]

# Raw UTF-8, as Claude Code writes a payload (lower case: Hyperscan ignores only ASCII case; a name written as
# \u escapes is not read as a name).
UTF8_SECRETS = [
    (f"contraseña={PW}", PW),
    (f"пароль: {PW}", PW),
    (f"密码={PW}", PW),
    (f"パスワード: {PW}", PW),
    (f"비밀번호={PW}", PW),
]

KEPT = [
    "MasterUserPassword: !Ref DbPassword\npassword: !Sub '{{resolve:secretsmanager:db}}'",
    "password: !secret db_password\napi_key: !env_var API_KEY\npassword: !!null",
    "wachtwoord: str\npasswort = os.environ['PASSWORT']\nheslo: ${HESLO}\nsalasana=changeme",
    "senha_hash: bcrypt\nHASLO_MIN_LENGTH=12",
    "example.com\tFALSE\t/\tFALSE\t0\ttheme\tdark\nname\tenabled\tpath\nfeature_x\tTRUE\t/api",
    "password                     The user's password, at least 12 characters\ntoken                        required",
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_a_probed_form_is_redacted(text, secret):
    assert_redacted(text, secret)


@pytest.mark.parametrize(("text", "secret"), UTF8_SECRETS)
def test_a_name_in_raw_utf8_is_read(text, secret):
    assert_redacted(text, secret, "secret_assignment", ascii_only=False)


@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_in_every_kind_of_payload(text, secret, kind):
    assert_redacted_in_payload(text, secret, kind)


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)


def test_a_tag_is_not_taken_for_the_value():
    out = apply(as_json(f"password: !!str {PW}"))
    assert "!!str" in out


def test_every_copy_of_a_found_value_goes_in_one_pass():
    """A copy of the value is redacted on the first pass, so a second pass changes nothing."""
    text = json.dumps({"tool_response": {"stdout": f"password = '{PW}'\nlog: retry with {PW}; {PW}!"}})
    once, counts = REFERENCE.redact(text)
    assert PW not in once
    assert counts["secret_assignment"] == 3
    assert REFERENCE.redact(once)[0] == once


def test_a_value_that_is_a_word_is_not_carried():
    """password=postgres is taken where it stands; the word's other places in the text are not."""
    out = apply(as_json("password=postgres\nimage: postgres:16\nDATABASE_URL=postgres://db/app"))
    assert "password=[REDACTED:secret_assignment]" in out
    assert "image: postgres:16" in out and "postgres://db/app" in out
