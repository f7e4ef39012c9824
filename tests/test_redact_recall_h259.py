"""Issue 16 (h259): what a second fresh set of pastes (tests/redaction_corpus/fresh2_*.jsonl) found, one class each.

* A YAML block scalar (``secret_key: >-``) in a JSON document that is itself a string of the payload's
  (``kubectl get cm -o json``): its line breaks are escaped twice.
* A Slack webhook whose secret part is a mask (docs' ``XXXXXXXX...``, ``.env.example``'s ``ZZZ``): kept.
* A session cookie's value after its name: a cookie object of JSON (a HAR's, an export's, with a few fields
  between), a cookie's constructor (a browser's "copy as PowerShell", Java's ``new Cookie``).
* A secret argument made a header's type by a constructor (``HeaderValue::from_static("...")``).
* A login given as user / password in prose.
* SSSD's ``*_authtok``, a Postfix sasl_passwd line, SonarQube's ``sonar.login`` 40 hex.

Each case through the reference and the engine, which must agree; a second pass changes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import apply_twice, assert_kept, assert_redacted, nested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import ALNUM, HEX, URLSAFE, Fakes  # noqa: E402

F = Fakes(259)
PW = F.pick(ALNUM, 20)
HEXKEY = F.pick(HEX, 48)
SONAR = F.pick(HEX, 40)
COOKIE = F.pick(URLSAFE, 40)
KEY = F.pick(ALNUM, 32)


def _in_a_json_document(yaml: str, levels: int) -> str:
    """The YAML as a string of a JSON document (a ConfigMap printed as JSON), that document ``levels`` deep."""
    return nested(json.dumps({"data": {"settings.yaml": yaml}}, indent=4), levels)


@pytest.mark.parametrize("levels", [1, 2])
@pytest.mark.parametrize(
    "yaml",
    [
        f"app:\n  secret_key: >-\n    {HEXKEY}\n  port: 8080\n",
        f"db:\n  password: |\n    {PW}\n",
        f'auth:\n  "client_secret": |-\n    {PW}\n',
    ],
)
def test_a_block_scalar_in_a_json_document_inside_the_payload_goes(yaml: str, levels: int) -> None:
    out = apply_twice(_in_a_json_document(yaml, levels))
    assert HEXKEY not in out and PW not in out, out


@pytest.mark.parametrize(
    "yaml", ["banner: >-\n  Welcome to staging\nsecret_name: app-db\n", "password: >\n  must be long\n"]
)
def test_prose_in_a_block_scalar_in_a_json_document_stays(yaml: str) -> None:
    doc = _in_a_json_document(yaml, 1)
    assert apply_twice(doc) == doc


@pytest.mark.parametrize(
    "text",
    [
        "SLACK_WEBHOOK=https://hooks.slack.com/services/XXX/YYY/ZZZ",
        "e.g. https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    ],
)
def test_a_slack_webhook_placeholder_stays(text: str) -> None:
    assert_kept(text)


def test_a_slack_webhook_still_goes() -> None:
    secret = F.pick(ALNUM, 24)
    assert_redacted(
        f"SLACK_WEBHOOK=https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/{secret}", secret, "slack_webhook"
    )


@pytest.mark.parametrize(
    "text",
    [
        f'"cookies": [{{"name": "__Host-session", "value": "{COOKIE}", "path": "/"}}]',
        f'{{"name": "sessionid", "path": "/", "sameSite": "lax", "secure": true, "value": "{COOKIE}"}}',
        f'{{"name": "connect.sid", "value": "{COOKIE}"}}',
        f'$session.Cookies.Add((New-Object System.Net.Cookie("sessionid", "{COOKIE}", "/", "app.example.com")))',
        f'Cookie c = new Cookie("JSESSIONID", "{COOKIE}");',
        f"resp.set_cookie('_app_session', '{COOKIE}')",
    ],
)
def test_a_session_cookies_value_after_its_name_goes(text: str) -> None:
    assert_redacted(text, COOKIE, "cookie_pair_value")


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "session", "value": "redis"}',
        '{"name": "theme", "value": "' + COOKIE + '"}',
        'new Cookie("JSESSIONID", sessionId)',
        '{"name": "sessionid", "value": "${SESSION_ID}"}',
    ],
)
def test_a_cookie_setting_or_reference_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    [
        f'headers.insert("x-api-key", HeaderValue::from_static("{KEY}"));',
        f'headers.insert("Authorization-Token", HeaderValue::from_str("{KEY}")?);',
        f'props.put("api_key", Secret.of("{KEY}"));',
    ],
)
def test_a_secret_argument_in_a_constructor_goes(text: str) -> None:
    assert_redacted(text, KEY, "secret_argument")


@pytest.mark.parametrize(
    "text", ['headers.insert("x-api-key", HeaderValue::from_static("API Key"));', 'm.put("token", Type.from(x));']
)
def test_a_constructor_of_a_label_or_a_reference_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    [
        f"staging login is admin / {PW} - can you check the 500?",
        f"the credentials are root/{PW} for now",
        f"Login: deploy@example.com / {PW}",
    ],
)
def test_a_login_as_user_slash_password_goes(text: str) -> None:
    assert_redacted(text, PW, "prose_secret")


@pytest.mark.parametrize(
    "text", ["login is admin / password", "the login is admin / dashboard", "Login: user/settings"]
)
def test_a_login_path_or_word_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    ("text", "secret", "rule"),
    [
        (f"[domain/corp]\nldap_default_authtok = {PW}\n", PW, "sssd_authtok"),
        (f"[smtp.office365.com]:587 alerts@corp.example:{PW}\n", PW, "sasl_passwd_line"),
        (f"echo '[smtp.gmail.com]:587 me@gmail.com:{PW}' > /etc/postfix/sasl_passwd", PW, None),
        (f"mvn sonar:sonar -Dsonar.login={SONAR}", SONAR, "sonar_login_token"),
        (f'withEnv(["SONAR_LOGIN={SONAR}"])', SONAR, "sonar_login_token"),
    ],
)
def test_a_credential_under_a_name_no_secret_rule_reads_goes(text: str, secret: str, rule: str | None) -> None:
    assert_redacted(text, secret, rule)


@pytest.mark.parametrize(
    "text",
    [
        "ldap_default_authtok_type = password",
        "sonar.login=admin",
        "[smtp.example.com]:587 localhost:25",
        "[db.internal]:5432 status:ok",
    ],
)
def test_their_look_alikes_stay(text: str) -> None:
    assert_kept(text)
