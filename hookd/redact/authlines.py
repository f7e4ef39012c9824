"""Credentials under names no secret-name rule reads (issue 16, h259).

* ``sssd_authtok``: SSSD's ``ldap_default_authtok = <v>`` (sssd.conf: the bind password; ``authtok`` is PAM's and
  SSSD's word for it, which no secret-name rule reads). ``ldap_default_authtok_type = password`` is its type;
* ``sasl_passwd_line``: a line of Postfix's sasl_passwd (``[smtp.host]:587 user:<v>``): a relay in brackets at a line's
  start, then user:password;
* ``haproxy_insecure_password``: HAProxy's ``user <name> insecure-password <v>`` (h277);
* ``http_file_basic_password``: an .http request file's ``Authorization: Basic <user> <v>``, in clear (h277);
* ``auth_object_pass``: an auth object's ``pass`` beside its ``user`` (nodemailer, request, got; h277);
* ``sonar_login_token``: SonarQube's token under its older name, ``sonar.login`` (``-Dsonar.login=``,
  ``SONAR_LOGIN=``): 40 hex (the newer tokens' squ_/sqp_/sqa_ prefixes are providers_more.py's).
"""

from __future__ import annotations

from hookd.redact.checks import assigned_value_ok, option_value_ok, plausible_value
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule
from hookd.redact.snmpconf import LINE_START, SP, VALUE_START

# A line of the file: as LINE_START, or in an echo's single quotes (echo '[relay]:587 u:p' > sasl_passwd).
_SASL_START = r"(?:^|[\n\r\"']|\\[nr])" + SP + "{0,16}"

_AUTHTOK_TRIGGER = LINE_START + r"[A-Za-z0-9_]{0,40}(?i:authtok)" + SP + r"{0,4}[=:]" + SP + r"{0,4}" + VALUE_START
# The relay in brackets (no MX lookup), as Postfix's docs and most guides write it; a bare host:port at a line's start
# is too common elsewhere (a log's address and a word:word after it).
_RELAY = r"\[[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}\](?::[0-9]{1,5})?"
_SASL_TRIGGER = _SASL_START + _RELAY + SP + r"{1,8}[^\s:\"\\]{1,128}:" + VALUE_START
# The rest of the line is the password (Postfix splits the user at the first colon).
_SASL_VALUE = r"(?P<value>[^\s\"\\']{1,256})(?=" + SP + r"{0,8}(?:[\n\r]|\\[nr]|[\"']|$))"

# HAProxy's userlist: ``user <name> insecure-password <v>`` (in clear; its ``password <hash>`` is a crypt(3) hash,
# password_hash's). The keyword is HAProxy's alone.
_HAPROXY_TRIGGER = r"(?i:insecure-password)" + SP + r"{1,8}" + VALUE_START
# The HTTP clients' request files (VS Code's REST Client, JetBrains' .http) write Basic auth's user and password in
# clear and encode them when sending: ``Authorization: Basic <user> <v>``, the password ending the line.
_CLEAR_BASIC_TRIGGER = (
    r"(?i:authorization)"
    + SP
    + r"{0,4}:"
    + SP
    + r"{0,4}(?i:basic)"
    + SP
    + r"{1,4}[^\s:\"'\\{]{1,64}"
    + SP
    + r"{1,4}"
    + VALUE_START
)
# An auth object's ``pass`` after its ``user`` (nodemailer's ``auth: { user: "x", pass: "<v>" }``, request's, got's):
# ``pass`` alone is no secret name (PASS: in a test log, Python's pass), beside a quoted user it is the password.
_Q = r"""(?:\\{1,3}"|')"""
_AUTH_PASS_TRIGGER = (
    r"(?:^|[^A-Za-z0-9_])(?i:user)"
    + _Q
    + "?"
    + SP
    + "{0,4}:"
    + SP
    + "{0,4}"
    + _Q
    + r"""[^"'\\\n]{1,128}"""
    + _Q
    + SP
    + r"{0,4},(?:[ \t]|\\[nrt]){0,40}"
    + _Q
    + "?pass"
    + _Q
    + "?"
    + SP
    + "{0,4}:"
    + SP
    + "{0,4}"
    + VALUE_START
)

_SONAR_TRIGGER = r"(?i:sonar[._-]?login)(?:\\?[\"'])?[ \t]{0,4}[:=][ \t]{0,4}(?:\\?[\"'])?[0-9a-f]{8}"


AUTH_LINE_RULES: tuple[Rule, ...] = (
    Rule(
        name="sssd_authtok",
        replaces="SSSD's bind password (ldap_default_authtok = ...)",
        pattern=VALUE,
        group="value",
        trigger=_AUTHTOK_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=option_value_ok,
        example="`ldap_default_authtok = <password>` (not `ldap_default_authtok_type = password`)",
    ),
    Rule(
        name="sasl_passwd_line",
        replaces="the password of a Postfix sasl_passwd line ([relay]:port user:password)",
        pattern=_SASL_VALUE,
        group="value",
        trigger=_SASL_TRIGGER,
        anchored=True,
        back=1,
        reach=300,
        check=plausible_value,
        example="`[smtp.example.com]:587 alerts@example.com:<password>`",
    ),
    Rule(
        name="haproxy_insecure_password",
        replaces="the password in clear of an HAProxy userlist (user <name> insecure-password <password>)",
        pattern=VALUE,
        group="value",
        trigger=_HAPROXY_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=option_value_ok,
        example="`user ops insecure-password <password>` (not `user ops password $6$...`, password_hash's)",
    ),
    Rule(
        name="http_file_basic_password",
        replaces="the password of Basic auth written in clear in an .http request file (Authorization: Basic <user> "
        "<password>)",
        pattern=_SASL_VALUE,
        group="value",
        trigger=_CLEAR_BASIC_TRIGGER,
        anchored=True,
        back=1,
        reach=300,
        check=plausible_value,
        example="`Authorization: Basic admin <password>` (not `Authorization: Basic {{user}} {{password}}`)",
    ),
    Rule(
        name="auth_object_pass",
        replaces="the pass of an auth object beside its user (nodemailer's auth: { user: ..., pass: ... })",
        pattern=VALUE,
        group="value",
        trigger=_AUTH_PASS_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=assigned_value_ok,
        example='`auth: { user: "bot@example.com", pass: "<password>" }` (not `pass: process.env.SMTP_PASS`)',
    ),
    Rule(
        name="sonar_login_token",
        replaces="a SonarQube token under sonar.login (40 hex)",
        pattern=r"(?P<value>[0-9a-f]{40})(?![A-Za-z0-9_])",
        group="value",
        trigger=_SONAR_TRIGGER,
        anchored=True,
        back=8,
        reach=60,
        example="`-Dsonar.login=<40 hex>`, `SONAR_LOGIN=<40 hex>` (not `sonar.login=admin`)",
    ),
)
