"""Issue 16 (h282): the misses h281 left, each fixed as a class.

* A password passed by position, where no name stands beside it: ldap3's ``Connection(server, dn, pw)``,
  python-ldap's ``simple_bind_s(dn, pw)``, OpenLDAP's and PHP's ``ldap_bind``, and the database calls whose third
  argument is the password (``MySQLdb.connect``, ``mysqli_connect``, ``new PDO``, JDBC's ``getConnection``).
* A Slack webhook's path without ``hooks.slack.com`` (``SLACK_WEBHOOK_URL=/services/T…/B…/<24>``): the path is the
  whole secret.

Each case through the reference and the engine, which must agree; a second pass changes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from recall_helpers import assert_kept, assert_redacted

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import ALNUM, DIGITS, UPPER, Fakes  # noqa: E402

F = Fakes(282)
PW = F.pick(ALNUM, 12) + "!"
# Slack's team and bot ids: upper case and digits (T024BE7LD)
HOOK = f"T{F.pick(DIGITS, 3)}{F.pick(UPPER, 5)}/B{F.pick(DIGITS, 4)}{F.pick(UPPER, 6)}/{F.pick(ALNUM, 24)}"


@pytest.mark.parametrize(
    "text",
    [
        f"conn = Connection(server, 'cn=admin,dc=example,dc=org', '{PW}', auto_bind=True)",
        f'conn = ldap3.Connection(srv, "svc@corp.example", "{PW}")',
        f"l.simple_bind_s('cn=admin,dc=example,dc=org', '{PW}')",
        f'l.simple_bind_s(dn, "{PW}")',
        f'l.bind_s("cn=admin,dc=x", "{PW}", ldap.AUTH_SIMPLE)',
        f"client.bind('cn=root', '{PW}', (err) => {{}});",  # ldapjs
        f'rc = ldap_simple_bind_s(ld, "cn=admin,dc=x", "{PW}");',
        f'ldap_bind_s(ld, "cn=admin,dc=x", "{PW}", LDAP_AUTH_SIMPLE);',
        f'$ok = ldap_bind($this->ldap, "cn=admin,dc=example,dc=org", "{PW}");',
        f'db = MySQLdb.connect("localhost", "testuser", "{PW}", "TESTDB")',
        f'conn = pymssql.connect("sqlhost", "sa", "{PW}", "master")',
        f"$conn = mysqli_connect('localhost', 'root', '{PW}', 'shop');",
        f'$db = new mysqli($servername, $username, "{PW}");',
        f'$pdo = new PDO("mysql:host=localhost;dbname=shop", "root", "{PW}");',
        f'ftp_login($ftp, "deploy", "{PW}");',
        f'Connection c = DriverManager.getConnection("jdbc:mysql://db:3306/shop", "root", "{PW}");',
    ],
)
def test_a_password_by_position_goes(text: str) -> None:
    out = assert_redacted(text, PW, "positional_password")
    assert "cn=admin" not in text or "cn=admin" in out  # the user before it stays


@pytest.mark.parametrize(
    "text",
    [
        "conn = Connection(server, user_dn, password, auto_bind=True)",  # a variable holds it
        "l.simple_bind_s(dn, pw)",
        "$ok = ldap_bind($ldap, $dn, $password);",
        'l.simple_bind_s("", "")',  # an anonymous bind
        'fn.bind(this, "a", "b")',  # JavaScript's Function.prototype.bind
        'handler.bind("click", "onClick9")',
        'conn = Connection(host, "shop", "Orders2024")',  # no directory's name before it: another API's Connection
        '$conn = mysqli_connect("localhost", "root", "", "shop");',
        '$conn = mysqli_connect("localhost", "root", "your_password", "shop");',
        'db = MySQLdb.connect("localhost", "testuser", "${DB_PASS}", "TESTDB")',
        'c = DriverManager.getConnection(url, user, System.getenv("DB_PASSWORD"));',
    ],
)
def test_a_look_alike_of_a_positional_password_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    [
        f"SLACK_WEBHOOK_URL=/services/{HOOK}",
        f'requests.post(SLACK_BASE + "/services/{HOOK}", json=msg)',
        f"webhook_path: /services/{HOOK}\n",
    ],
)
def test_a_slack_webhook_path_without_its_host_goes(text: str) -> None:
    assert_redacted(text, HOOK.rsplit("/", 1)[1], "slack_webhook_path")


@pytest.mark.parametrize(
    "text",
    [
        "SLACK_WEBHOOK_URL=/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",  # Slack's docs placeholder
        "GET /services/TEMPLATES/BUILDERS/configurationsettingsab HTTP/1.1",  # a route's words, no ids
        "proxy_pass http://backend/services/Translations/;",
    ],
)
def test_a_look_alike_of_a_slack_webhook_path_stays(text: str) -> None:
    assert_kept(text)


# Airtable's personal access token: pat, 14 letters and digits, a dot, 64 hex (its token id, then its secret)
AIRTABLE = "pat" + F.pick(UPPER, 3) + F.pick(DIGITS, 4) + F.pick(ALNUM, 7) + "." + F.pick("0123456789abcdef", 64)


@pytest.mark.parametrize(
    "text",
    [
        f'api = Api("{AIRTABLE}")',  # pyairtable
        f"table = Airtable(base_id, '{AIRTABLE}')",  # airtable-python-wrapper
        f"curl -H 'Authorization: Bearer {AIRTABLE}' https://api.airtable.com/v0/meta/bases",
        f"the token {AIRTABLE} works now",
    ],
)
def test_an_airtable_token_goes_wherever_it_stands(text: str) -> None:
    assert_redacted(text, AIRTABLE.split(".")[1][:16])


@pytest.mark.parametrize(
    "text",
    [
        "patternMatcherAbc." + "0123456789abcdef" * 4,  # a name of letters, then a digest
        "path/to/file." + "0123456789abcdef" * 4,
        "patXXXXXXXXXXXXXX." + "0" * 64,  # Airtable's docs' placeholder
    ],
)
def test_a_look_alike_of_an_airtable_token_stays(text: str) -> None:
    assert_kept(text)
