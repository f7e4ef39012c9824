"""A Postman collection's API key auth (h167's hunt, issue 16).

Postman writes an auth's settings as a list of key/value pairs; its apikey auth names the key itself ``value``:
``"apikey": [{"key": "value", "value": "<the key>", ...}, {"key": "key", "value": "X-API-Key"}, ...]``. No name
beside the secret says secret (the bearer auth's ``{"key": "token", ...}`` does, and is found by its name), so
this rule reads the pair whose key is ``value`` inside an ``apikey`` list. A variable (``{{apiKey}}``) and a
placeholder are kept.
"""

from __future__ import annotations

from hookd.redact.checks import plausible_value
from hookd.redact.patterns import HS_WS
from hookd.redact.rule import Rule

# Between JSON tokens, raw or over lines as a Read of the file gives them (escaped line breaks and indentation),
# or as an Edit's structuredPatch does (a line's closing quote, the array's comma, the next line's opening and mark)
_JOINT = r'\\{0,7}"[ \t]{0,4},[ \t]{0,4}\\{0,7}"[+-]?'
_SPACE = r"(?:\s|\\{1,8}[nrt]|" + _JOINT + "){0,24}"
_HS_SPACE = r"(?:" + HS_WS + r"|\\{1,8}[nrt]|" + _JOINT + "){0,24}"
_Q = r'\\?"'  # a quote, raw or escaped once (JSON text in a string)


POSTMAN_RULES: tuple[Rule, ...] = (
    Rule(
        name="postman_api_key",
        replaces="the key of a Postman collection's apikey auth (its pair named value)",
        # The list's opening, then its pairs (at most 600 characters before the one named value); the key's value
        # runs to its closing quote.
        pattern=(
            _Q
            + "apikey"
            + _Q
            + _SPACE
            + ":"
            + _SPACE
            + r"\[[^\[\]]{0,600}?\{"
            + _SPACE
            + _Q
            + "key"
            + _Q
            + _SPACE
            + ":"
            + _SPACE
            + _Q
            + "value"
            + _Q
            + _SPACE
            + ","
            + _SPACE
            + _Q
            + "value"
            + _Q
            + _SPACE
            + ":"
            + _SPACE
            + _Q
            + r'(?P<value>[^"\\\s]{1,512}+)'
            + _Q
        ),
        group="value",
        trigger=r'apikey\\?"' + _HS_SPACE + ":" + _HS_SPACE + r"\[",
        exact=True,
        reach=40,
        ahead=1300,
        check=plausible_value,
        example='`"apikey": [{"key": "value", "value": "<key>"}, {"key": "key", "value": "X-API-Key"}]`',
    ),
)
