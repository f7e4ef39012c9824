"""Credential lines and command forms h69's and h74's probes left (h75, issue 16).

* ``pass_key_value``: OCI's ``pass_phrase=`` (~/.oci/config) and dbt's ``pass:`` (profiles.yml), at a line's
  start: names the key-name rules do not take (``pass`` alone is a Python statement and a word);
* ``fetchmail_password``: .fetchmailrc's ``user "bob" [there] [with] password "<v>"``, mid-line;
* ``ppp_secret_line``: a line of /etc/ppp/chap-secrets or pap-secrets (``client server secret [IPs]``)
  where the payload names the file, as .pgpass's and userlist.txt's lines count near their names;
* OpenVPN's ``auth-user-pass`` file: openvpn.py;
* ``jenkins_secret``: Jenkins' encrypted ``{AQAAAB...}`` values (credentials.xml, config.xml): reversible
  with the host's master key, and that shape is Jenkins' alone;
* ``positional_db_password``: unixODBC's ``isql <dsn> <user> <v>`` and DB2's ``connect to <db> user <u>
  using <v>``;
* ``password_command_echo``: restic's ``--password-command 'echo <v>'`` and borg's
  ``BORG_PASSCOMMAND='echo <v>'``: a command that prints the password holds it;
* ``cookie_jar_value``: a cookie's value in a Netscape cookie file (curl -c, wget, yt-dlp, a browser's
  export): seven tab-separated fields, the last the value; a session is in there.
"""

from __future__ import annotations

import re

from hookd.redact.checks import line_start, option_value_ok, plausible_value, word_near
from hookd.redact.openvpn import OPENVPN_RULES
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule
from hookd.redact.snmpconf import LINE_START, SP, VALUE_START
from hookd.redact.values import plausible_secret

_NOT_WORD = r"(?:^|[^A-Za-z0-9_\\-]|\\[nrt])"
_Q = r"""(?:\\"|')?"""
# a word of a command line: no quote, backslash, redirection or pipe
_WORD = r"""[^\s"'\\<>|&;\-][^\s"'\\<>|&;]{0,127}"""

# YAML needs a space after the colon (a string "pass:word" is no key).
_PASS_KEY_TRIGGER = LINE_START + r"(?:pass_phrase" + SP + r"{0,4}=" + SP + r"{0,4}|pass:" + SP + r"{1,4})" + VALUE_START

_FETCHMAIL_TRIGGER = (
    _NOT_WORD
    + r"(?i:user(?:name)?)"
    + SP
    + r"{1,4}"
    + _Q
    + r"[^\s\"'\\${}]{1,64}"
    + _Q
    + r"(?:"
    + SP
    + r"{1,4}there)?(?:"
    + SP
    + r"{1,4}with)?"
    + SP
    + r"{1,4}(?i:pass(?:word)?)"
    + SP
    + r"{1,4}"
    + VALUE_START
)

# client server secret [IPs...], the fields raw or quoted (raw or escaped quotes), alone on a line; an IP
# field is an address, a range, * or - (a line of prose has words there).
_FIELD = r"""(?:\\?"[^\s"\\]{0,64}\\?"|[^\s"\\#][^\s"\\]{0,63})"""
_PPP_LINE = (
    r"(?:^|(?<=[\n\r])|(?<=\\[nr])|(?<=[^\\]\"))" + SP + r"{0,16}" + _FIELD + SP + r"{1,8}" + _FIELD + SP + r"{1,8}"
    r"(?P<q>\\?\")?(?P<value>[^\s\"\\]{1,512})(?(q)(?P=q))"
    r"(?:" + SP + r"{1,8}(?:\*|-|[0-9A-Fa-f.:/]{1,64})){0,4}" + SP + r"{0,8}(?=[\n\r]|\\[nr]|\"|$)"
)
# Where _PPP_LINE can begin (prefilter.py): the character before a line (or an escaped line break), its
# indentation and a field's first character; the regex itself, tried at every character near a flood of
# chap-secrets, was slow. No more of the line: a longer pattern could read on from an earlier line's start
# and report that start alone (Hyperscan reports the leftmost start of each match's end).
_PPP_PREFILTER = r"""(?:^|[\n\r"]|\\[nr])(?:[ \t]|\\t)*(?:\\?"|[^\s"\\#])"""
_PPP_AHEAD = 40  # the indentation the regex reads (16 escaped tabs) and a field's first characters
NAME_NEAR = 4096  # characters between a line and the file's name, either side
_PPP_NAMES = ("chap-secrets", "pap-secrets", "CHAP-SECRETS", "PAP-SECRETS")


# An entry's line: poll or skip (a server), defaults (every entry's options), or a continuation line that begins
# with a server option (via, proto, auth...) or with user.
_FETCHMAIL_WORDS = (
    r"(?:(?i:user(?:name)?)|poll|skip|defaults|via|proto(?:col)?|auth(?:enticate)?|port|service|options)[ \t]"
)
_FETCHMAIL_LINE = re.compile(r"(?:[ \t]|\\t)*" + _FETCHMAIL_WORDS)
# The same line as a string of JSON text nested in the payload's string (its opening quote escaped).
_FETCHMAIL_NESTED = re.compile(r'\\{1,7}"' + _FETCHMAIL_WORDS)
_LINE_REACH = 300  # characters before the value read back for its line's start


def _fetchmail_ok(match: re.Match[str]) -> bool:
    """A .fetchmailrc line: it begins with poll, skip or defaults, or with user or a server option (an entry's
    indented line), or a string nested in the payload's begins so; prose says
    "username and password were set". A bare value holds a character other than a letter."""
    if not option_value_ok(match):
        return False
    value = match.group("value")
    if match.group("dq") is None and match.group("sq") is None and value.isalpha():
        return False
    text, at = match.string, match.start()
    begin = line_start(text, at, _LINE_REACH)
    if begin is None:
        return False
    return _FETCHMAIL_LINE.match(text, begin) is not None or _FETCHMAIL_NESTED.search(text, begin, at) is not None


def _ppp_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    if value == "*" or not plausible_secret(value):
        return False
    text = match.string
    return word_near(text, match.start(), match.end(), _PPP_NAMES, NAME_NEAR)


# Jenkins' Secret: base64 of a version byte 1 and a length, in braces.
_JENKINS = r"\{(?P<value>AQAAAB[A-Za-z0-9+/]{16,4096}={0,2})\}"

# isql's options are short (-v, -b, -dx, -w, -x0x09, -mn): a class of any character per option made its
# trigger slow on a flood of them.
_ISQL = _NOT_WORD + r"isql(?:" + SP + r"{1,4}-[A-Za-z0-9]{1,6}){0,4}"
_ISQL_TRIGGER = _ISQL + r"(?:" + SP + r"{1,4}" + _WORD + r"){2}" + SP + r"{1,4}" + VALUE_START
_DB2_TRIGGER = (
    _NOT_WORD
    + r"(?i:connect"
    + SP
    + r"{1,4}to)"
    + SP
    + r"{1,4}"
    + _WORD
    + SP
    + r"{1,4}(?i:user)"
    + SP
    + r"{1,4}"
    + _WORD
    + SP
    + r"{1,4}(?i:using)"
    + SP
    + r"{1,4}"
    + VALUE_START
)

_PASSCOMMAND_TRIGGER = (
    r"(?:--password-command(?:=|"
    + SP
    + r"{1,4})|BORG_PASSCOMMAND=)"
    + _Q
    + r"(?:echo|printf)(?:"
    + SP
    + r"{1,4}-[neE]{1,3})?(?:"
    + SP
    + r"{1,4}(?:'%s'|\\\"%s\\\"|%s))?"
    + SP
    + r"{1,4}[^\s\"'\\$`\-]"
)
_ECHOED = r"""(?P<value>[^\s"'\\$`]{1,512})"""

# domain, include subdomains, path, secure, expiry, name: then the value, tab-separated (a tab raw or escaped,
# or a space: the view reads an escaped tab as one).
_COOKIE_JAR_TRIGGER = (
    r"(?:TRUE|FALSE)"
    + SP
    + r"[^\s\\]{1,512}"
    + SP
    + r"(?:TRUE|FALSE)"
    + SP
    + r"[0-9]{1,12}"
    + SP
    + r"[^\s\\]{1,256}"
    + SP
    + r"[^\s\\\"]"
)
_COOKIE_VALUE = r"""(?P<value>[^\s"\\]{1,4096})"""


def _cookie_value_ok(match: re.Match[str]) -> bool:
    return len(match.group("value")) >= 6 and plausible_secret(match.group("value"))


CREDENTIAL_LINE_RULES: tuple[Rule, ...] = (
    Rule(
        name="pass_key_value",
        replaces="OCI's pass_phrase= and dbt's pass: at a line's start",
        pattern=VALUE,
        group="value",
        trigger=_PASS_KEY_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=option_value_ok,
        example="`pass_phrase=<passphrase>` (~/.oci/config), `pass: <password>` (profiles.yml)",
    ),
    Rule(
        name="fetchmail_password",
        replaces="the password of .fetchmailrc's user <name> [there] [with] password <secret>",
        pattern=VALUE,
        group="value",
        trigger=_FETCHMAIL_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_fetchmail_ok,
        example='`poll mail.example.com user "bob" password "<password>"`',
    ),
    Rule(
        name="ppp_secret_line",
        replaces="the secret of a /etc/ppp/chap-secrets or pap-secrets line (client server secret IPs) where "
        "the payload names the file",
        pattern=_PPP_LINE,
        group="value",
        keywords=("chap-secrets", "pap-secrets"),
        ignore_case_keywords=True,
        reach=2 * NAME_NEAR,
        prefilter=(_PPP_PREFILTER, _PPP_AHEAD),
        check=_ppp_ok,
        example="`cat /etc/ppp/chap-secrets` … `bob * <secret> *`",
    ),
    *OPENVPN_RULES,
    Rule(
        name="jenkins_secret",
        replaces="a Jenkins encrypted secret ({AQAAAB...}), reversible with the host's master key",
        pattern=_JENKINS,
        group="value",
        keywords=("{AQAAAB",),
        reach=4200,
        example="`<password>{AQAAABAAAAAQ...}</password>` (credentials.xml)",
    ),
    Rule(
        name="positional_db_password",
        replaces="the password of unixODBC's isql <dsn> <user> <password> and DB2's connect to <db> user <u> "
        "using <password>",
        pattern=VALUE,
        group="value",
        trigger="(?:" + _ISQL_TRIGGER + "|" + _DB2_TRIGGER + ")",
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=option_value_ok,
        example="`isql -v MyDSN bob <password>`, `db2 connect to sample user bob using <password>`",
    ),
    Rule(
        name="password_command_echo",
        replaces="the password a password command echoes: restic's --password-command 'echo ...', "
        "borg's BORG_PASSCOMMAND='echo ...'",
        pattern=_ECHOED,
        group="value",
        trigger=_PASSCOMMAND_TRIGGER,
        anchored=True,
        back=1,
        reach=520,
        check=plausible_value,
        example="`restic --password-command 'echo <password>'`, `BORG_PASSCOMMAND='echo <password>'`",
    ),
    Rule(
        name="cookie_jar_value",
        replaces="a cookie's value in a Netscape cookie file (curl -c, wget --save-cookies, a browser's export)",
        pattern=_COOKIE_VALUE,
        group="value",
        trigger=_COOKIE_JAR_TRIGGER,
        anchored=True,
        back=1,
        reach=4100,
        check=_cookie_value_ok,
        example="`.example.com<TAB>TRUE<TAB>/<TAB>TRUE<TAB>0<TAB>session_id<TAB><value>`",
    ),
)
