"""A password passed by position to an API whose slot for it is known (issue 16, h282).

No name stands beside such a value, so no assignment rule sees it; the call's name says which argument is the
password. The APIs, from their documentation: ldap3's ``Connection(server, user, password, ...)``; python-ldap's
``simple_bind_s(who, cred)``, ``simple_bind``, ``bind_s(who, cred, method)``; ldapjs' ``client.bind(dn, password,
cb)``; OpenLDAP's ``ldap_bind_s(ld, who, cred, method)``, ``ldap_simple_bind_s(ld, who, passwd)`` and PHP's
``ldap_bind($ldap, $dn, $password)``; MySQLdb's and pymssql's ``connect(host, user, passwd, db)``; PHP's
``mysqli_connect(host, user, password, db)``, ``new mysqli(...)``, ``mysql_connect``, ``new PDO($dsn, $user,
$password)``, ``ftp_login($ftp, $user, $password)``, ``ssh2_auth_password($session, $user, $password)``; JDBC's
``DriverManager.getConnection(url, user, password)``. (psycopg2's ``connect`` takes its password by keyword or in
the DSN, which other rules read; PyMySQL's and mysql-connector's are keyword-only.)

Where the call's name is also a common word of other APIs (``Connection``, ``.bind``), the user before the
password must read as a directory's name (``cn=admin,dc=example,dc=org``) or a principal (``svc@corp.example``).
The value is a quoted literal (a variable holds no secret in the text) that is no placeholder, template or
reference (``values.plausible_secret``). The trigger is the whole call up to the value's first character, each
part bounded, so a flood of calls costs what each one does.
"""

from __future__ import annotations

import re

from hookd.redact.files import AT_VALUE
from hookd.redact.patterns import VALUE_REACH
from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

_Q = r"""(?:\\"|')"""
_LITERAL = _Q + r"""[^"'\\]{1,200}""" + _Q
# cn=admin,dc=example,dc=org or svc@corp.example: one split only, at the first = or @ (linear to read)
_PRINCIPAL = _Q + r"""[^"'\\=@]{0,200}[=@][^"'\\]{0,200}""" + _Q
# server, self.conn, $ldap, $this->ldap: an argument that is a name
_NAME = r"\$?[A-Za-z_][A-Za-z0-9_.]{0,60}(?:->[A-Za-z_][A-Za-z0-9_]{0,60})?"
_ARG = "(?:" + _NAME + "|" + _LITERAL + ")"
_COMMA = r"\s{0,4},\s{0,4}"
_FIRST = r"""(?:\\"[^"\\]|'[^'"\\])"""  # the value's opening quote and first character
_THIRD = (
    r"(?:ldap_(?:simple_)?bind(?:_s)?|mysqli?_connect|new\s{1,4}(?:mysqli|PDO)|ftp_login|ssh2_auth_password"
    r"|getConnection|(?:MySQLdb|_mysql|pymssql)\.connect)"
)
POSITIONAL_TRIGGER = (
    "(?:"
    + _THIRD
    + r"\(\s{0,4}"
    + _ARG
    + _COMMA
    + _ARG
    + "|Connection"  # ldap3
    + r"\(\s{0,4}"
    + _ARG
    + _COMMA
    + _PRINCIPAL
    + r"|\.(?:simple_bind(?:_s)?|bind_s)\(\s{0,4}"  # python-ldap (a method: not ldap_bind_s)
    + _ARG
    + r"|\.bind\(\s{0,4}"  # ldapjs
    + _PRINCIPAL
    + ")"
    + _COMMA
    + _FIRST
)


def _positional_ok(match: re.Match[str]) -> bool:
    """A whole literal (its closing quote where the value ends) that may be a password."""
    value = match.group("value")
    quote = '\\"' if match.group("dq") is not None else "'"
    if not match.string.startswith(quote, match.end("value")):
        return False  # the literal does not end there: another quote inside it
    return "\\n" not in value and not value.isdigit() and plausible_secret(value)


POSITIONAL_PASSWORD = Rule(
    name="positional_password",
    replaces="a quoted password passed by position where the API's slot for it is known (ldap3's Connection, "
    "simple_bind_s, ldap_bind, mysqli_connect, MySQLdb.connect, DriverManager.getConnection, ...)",
    pattern=AT_VALUE,
    group="value",
    trigger=POSITIONAL_TRIGGER,
    anchored=True,
    back=1,
    reach=VALUE_REACH,
    check=_positional_ok,
    example="`Connection(server, 'cn=admin,dc=example,dc=org', '<value>')`, "
    '`mysqli_connect("localhost", "app", "<value>")`',
)
