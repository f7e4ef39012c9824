"""A session cookie's value where code or an export names the cookie, then gives its value (issue 16, h259).

* A cookie object of JSON (a HAR's ``cookies``, Playwright's storage state, a browser extension's export):
  ``"name": "<cookie>"``, a few plain fields maybe (path, domain, httpOnly), then ``"value": "<v>"``;
* a cookie's constructor or setter with the name and the value as its first arguments: PowerShell's
  ``New-Object System.Net.Cookie("sessionid", "<v>", "/", host)`` (a browser's "copy as PowerShell"),
  Java's ``new Cookie("JSESSIONID", "<v>")``, ``set_cookie("session", "<v>")``.

The cookie's name says session or auth (``sessionid``, ``PHPSESSID``, ``connect.sid``, ``_app_session``,
``remember_token``) or carries a prefix only a browser's secure cookies have (``__Host-``, ``__Secure-``). A value
goes when it looks like a session (16 or more characters) or a credential's shape, as curl's ``-b`` does
(commands.py): ``{"name": "session", "value": "redis"}`` is a setting.
"""

from __future__ import annotations

import re

from hookd.redact.checks import is_type_or_reference, looks_like_credential
from hookd.redact.files import AT_VALUE
from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

_Q = r"""\\{0,3}["']"""  # a quote, raw or escaped (the export a string of the payload's, or deeper)
_WS = r"(?:\s|\\{1,3}[nrt])"
COOKIE_NAME = (
    r"(?:__(?i:host|secure)-[A-Za-z0-9_.!#$%*+^|~-]{1,64}"
    r"|[A-Za-z0-9_.-]{0,40}(?i:sess(?:ion)?(?:[_.-]?(?:id|token|key))?|sid|auth[_.-]?token|remember[_.-]?(?:me|token)))"
)
# A plain field between the name and the value: a short key and a string, a boolean, null or a number.
_FIELD = (
    _Q
    + r"[A-Za-z]{1,20}"
    + _Q
    + r"\s{0,4}:\s{0,4}(?:"
    + _Q
    + r"""[^"'\\]{0,30}"""
    + _Q
    + r"|true|false|null|-?[0-9.]{1,20})"
)
_NEXT = r"\s{0,4}," + _WS + "{0,16}"
_JSON_PAIR = (
    _Q
    + r"(?i:name)"
    + _Q
    + r"\s{0,4}:\s{0,4}"
    + _Q
    + COOKIE_NAME
    + _Q
    + r"(?:"
    + _NEXT
    + _FIELD
    + r"){0,6}"
    + _NEXT
    + _Q
    + r"(?i:value)"
    + _Q
    + r"\s{0,4}:\s{0,4}"
)
_CALL = (
    r"(?:Cookie|create_cookie|set_?[Cc]ookie)\(\s{0,4}(?:name\s{0,2}=\s{0,2})?"
    + _Q
    + COOKIE_NAME
    + _Q
    + r"\s{0,4},\s{0,4}(?:value\s{0,2}=\s{0,2})?"
)
# Where the trigger ends: the value's opening quote and first character.
_FIRST = r"""(?:\\"[^"\\]|"[^"\\]|'[^'"\\])"""


def _cookie_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    return (
        plausible_secret(value)
        and not is_type_or_reference(value)
        and (len(value) >= 16 or looks_like_credential(value))
    )


COOKIE_PAIR_VALUE = Rule(
    name="cookie_pair_value",
    replaces="a session cookie's value after its name: a cookie object of JSON (HAR, storage state, an "
    'export), a cookie\'s constructor (System.Net.Cookie("sessionid", ...), new Cookie("JSESSIONID", ...))',
    pattern=AT_VALUE,
    group="value",
    trigger="(?:" + _JSON_PAIR + "|" + _CALL + ")" + _FIRST,
    anchored=True,
    back=1,
    reach=2 * 1024 + 8,
    check=_cookie_ok,
    example='`{"name": "__Host-session", "path": "/", "value": "<value>"}`, `Cookie("sessionid", "<value>", "/")` '
    '(not `{"name": "session", "value": "redis"}`)',
)
