"""Rules for credential files whose secrets have no `=` or `:` after a telling name.

``~/.netrc`` writes ``machine <host> login <user> password <secret>``;
``~/.pgpass`` writes ``host:port:database:user:secret``; Kubernetes, ECS
task definitions and AWS Parameter Store write a secret as a name/value
pair (``- name: DB_PASSWORD`` then ``value: ...``, or
``{"name": "DB_PASSWORD", "value": "..."}``). Each rule's trigger is the
file's whole context up to the value's first character (Hyperscan), and
its regex reads just the value, like the command-line rule's.
An XML element named for a secret (settings.xml's ``<password>``) is xmltext.py's.
"""

from __future__ import annotations

import re

from hookd.redact.checks import not_a_call
from hookd.redact.values import plausible_secret
from hookd.redact.patterns import AFTER_ESCAPE, BARE_VALUE, VALUE_REACH
from hookd.redact.prose import random_looking
from hookd.redact.references import store_or_file_reference
from hookd.redact.rule import Rule
from hookd.redact.wrappers import credential_pair
from hookd.redact.xmltext import XML_SECRET_ELEMENT

# White space in JSON text: raw (pretty-printed JSON, decoded wrappers) or escaped in a string.
_WS = r"(?:\s|\\[nrt])"
_NOT_WORD = r"(?:^|[^A-Za-z0-9_]|\\[nrt])"
# Where a trigger ends: just past the value's first character, in \" or ' quotes, or bare (the first
# character patterns.VALUE's bare value takes); for a name/value pair in raw JSON, also in raw quotes
# right after a raw-quoted "value" key. The regex starts there, one back, and reads the value, which
# then never fails to match: each report costs only the value's length.
_VALUE_START = r"""(?:\\"[^"\\]|'[^'"\\]|[^\s"'\\,;&|<>(){}\[\]`$])"""
# A raw quote opens a value only after a raw "value" key (one written inside a string ends it).
_RAW_AFTER_KEY = r'(?:(?<=(?i:value)": ")|(?<=(?i:value)":")|(?<=(?i:value)" : "))'


def at_value(bare: str = BARE_VALUE) -> str:
    """The value where a trigger ends: quoted (its quote just before), after a JSON "value" key, or ``bare``."""
    return (
        r"""(?:(?P<raw>""" + _RAW_AFTER_KEY + r""")|(?P<dq>(?<=\\"))|(?P<sq>(?<=')))?"""
        r"""(?P<value>(?(raw)(?:[^"\\]|\\.){1,1024}+|(?(dq)(?:[^"\\]|\\\\\\"|\\[^"]){1,1024}+|(?(sq)(?:[^'"\\]|\\.){1,1024}+|"""
        + bare
        + "))))"
    )


AT_VALUE = at_value()

_TOKEN = r'[^\s\\"]{1,128}'  # a netrc token: a user name, an account
_HOST = r"(?:[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}|localhost)"  # a name with dots: not "machine learning"
_NETRC_FIELDS = rf"{_WS}{{1,8}}(?:login|account){_WS}{{1,8}}{_TOKEN}"
NETRC_TRIGGER = (
    rf"{_NOT_WORD}(?:machine{_WS}{{1,8}}{_HOST}(?:{_NETRC_FIELDS}){{0,2}}|default(?:{_NETRC_FIELDS}){{1,2}})"
    rf"{_WS}{{1,8}}password{_WS}{{1,8}}{_VALUE_START}"
)
# Every entry holds "password" (the trigger is not caseless): a flood of "machine " or "default login x"
# does not scan the trigger's database. Nor does a chunk where no "password" has a value after it (a
# pattern scanned LATER, scan.py, where "password" is found): the trigger cost 0.4 us at every
# "machine" of a flood of entries whose values could not be read (`machine a.b login x password ;`).
NETRC_NEEDS = (("password", rf"(?#later)password{_WS}{{1,8}}{_VALUE_START}"),)

# A .pgpass line: host:port:database:user:password. There is no word in the line to trigger on, and a
# trigger on its shape (a colon, digits, a colon...) cost the scanner a third of its speed on ordinary
# payloads; so the rule reads such lines only near the word "pgpass" (~/.pgpass, PGPASSFILE), which
# is in the payload that shows one: the command or path that read it.
PGPASS_NEAR = 4096  # characters between a line and the word, either side
PGPASS_REACH = 2 * PGPASS_NEAR  # the rule's windows around the word hold every line that near it
_PGPASS_WORD = re.compile("(?i)pgpass")
PGPASS_PATTERN = (
    r"""(?:(?<![^\s"'])|(?<=\\[nr]))(?P<host>\*|[A-Za-z0-9.-]{1,253}):(?:\*|[0-9]{1,5}):[^:\s\\"]{1,63}:"""
    r"""(?P<user>[^:\s\\"]{1,63}):(?P<value>""" + BARE_VALUE + ")"
)

# Where PGPASS_PATTERN can begin, for Hyperscan (prefilter.py): the character before the host (or the
# \\n before it), the host, the port, two fields and the value's first character, each field as long as
# it likes (the regex bounds them). A flood of "pgpass" or of "a:1:b:c: " reports nothing. The scan of a
# piece of text reads on PGPASS_AHEAD characters, as far as the pattern's match can reach for a place in
# the piece (1 + 253 + 1 + 5 + 1 + 63 + 1 + 63 + 1 + 1).
PGPASS_AHEAD = 512
_FIELD = r"""[^:\s\\"]+"""
PGPASS_PREFILTER = (
    r"""(?:^|[^A-Za-z0-9.-]|\\[nr])(?:\*|[A-Za-z0-9.-]+):(?:\*|[0-9]{1,5}):"""
    + _FIELD
    + ":"
    + _FIELD
    + r""":(?:[^\s"'\\,;&|<>(){}\[\]`$]|\\)"""
)


def _pgpass_ok(match: re.Match[str]) -> bool:
    """Near the word pgpass; a host that is a name, not a number ("12:30:00:..." is a time); a user
    that is not only digits."""
    host, value = match.group("host"), match.group("value")
    if not (
        (host == "*" or any(c.isalpha() for c in host))
        and not match.group("user").isdigit()
        and plausible_secret(value)
        and not value.isdigit()
    ):
        return False
    near = _PGPASS_WORD.search(match.string, max(0, match.start() - PGPASS_NEAR), match.end() + PGPASS_NEAR)
    return near is not None


# name/value pairs: a name that ends in a word that says secret, then its value.
_Q = r"""(?:\\{0,7}["'])?"""
_SECRET_NAME = (
    r"[A-Za-z0-9_./-]{0,80}(?i:password|passwd|passphrase|secret|token|credentials?|[_.-]pass|[_.-]pwd"
    r"|(?:api|private|secret|access|client|signing|encryption|primary|secondary)[_-]?key|connection[_-]?string)"
)
_COLON = r"\s{0,4}:\s{0,4}"
# An Edit's structuredPatch writes each line as a string of its own: the name's line ends in a quote, the value's
# begins with one, a diff's + (the view drops it) and the line's indentation. When the lines are JSON (a HAR's or a
# Postman collection's pairs) the name's quote and comma come first, then the line's closing quote, the array's
# comma and the next line's opening quote.
_PATCH_JOIN = r'(?:(?:\\{0,7}"[ \t]{0,4},[ \t]{0,4})?\\{0,7}"[+-]?[ \t]{0,16})?'
_BETWEEN = rf"{_Q}(?:[\s,]|\\[nrt]){{1,16}}{_PATCH_JOIN}-?\s{{0,4}}{_Q}"
_TYPE = rf"(?i:type){_Q}{_COLON}{_Q}[A-Za-z]{{1,20}}{_BETWEEN}"  # Parameter Store's "Type" field


def _pair_head(type_field: str) -> str:
    """From the name's key to "value", with this between the name and "value" (and _BETWEEN)."""
    return rf"{_NOT_WORD}(?i:name|key){_Q}{_COLON}{_Q}{_SECRET_NAME}{_BETWEEN}{type_field}(?i:value)"


PAIR_TRIGGER = _pair_head(f"(?:{_TYPE})?") + rf"""(?:"{_COLON}"[^"\\]|{_Q}{_COLON}{_VALUE_START})"""


def _pair_tail(spaces: str) -> str:
    """The trigger's end from "value", with these spaces before its colon."""
    return rf"""(?:"{spaces}:\s{{0,4}}"[^"\\]|{_Q}{spaces}:\s{{0,4}}{_VALUE_START})"""


# The trigger starts at every "name" and "key" (caseless), so it is scanned (scan.py) only in the chunks
# that hold "value" and its colon, as the trigger writes them (literals, which Hyperscan finds at once):
# with nothing, a quote or one space between them, which YAML and JSON write; or two spaces after
# "value" (and a quote). Code holds "value" everywhere, but seldom "value:" (a type annotation); a flood
# of "key" or "name" holds neither.
# The optional Type field made each part cost Hyperscan at every "name" or "key" (it kept the pattern
# from resting on "value"): the pairs with a Type field are parts of their own, which need it as well.
_VALUE_QUOTE = r"""(?i)value(?:\\{0,7}["'])?"""
_TYPE_NEED = f"{_TYPE}(?i:value)"  # a pattern (it starts "(?"): the Type field and "value" after it
_VALUE_NEEDS = (("", _VALUE_QUOTE + ":"), (r"\s", _VALUE_QUOTE + r"\s:"), (r"\s{2,4}", _VALUE_QUOTE + r"\s\s"))
# The parts without the Type field also need the name's secret word with "value" after it: the free name
# characters before that word ([A-Za-z0-9_./-]{0,80}) kept Hyperscan busy at every "name" and "key" of a
# chunk of pairs (Kubernetes env entries, 12 ms per MiB), now only where a pair's name says secret. That
# need is a pattern scanned LATER (scan.py), alone and only in chunks that hold the rest of its group: in
# the main database it cost 4 ms per MiB on a flood of a secret word before "value" (`<add key="ApiKey"
# value="`, 111 -> 63 MB/s), and its report counted towards the chunk's budget.
_SECRET_WORD = _SECRET_NAME.removeprefix("[A-Za-z0-9_./-]{0,80}")
_WORD_NEED = rf"(?#later){_SECRET_WORD}{_BETWEEN}(?i:value)"  # scanned where the rest of its group is found
PAIR_PARTS = tuple(
    (_pair_head(type_field) + _pair_tail(spaces), needs)
    for type_field, extra in (("", (_WORD_NEED,)), (_TYPE, (_TYPE_NEED,)))
    for spaces, need in _VALUE_NEEDS
    for needs in [(need, *extra)]
)


# user:password in clear on its way into base64, to make a Basic auth header: echo -n user:pw | base64,
# printf '%s' user:pw | base64, base64 <<< user:pw. The trigger runs to the password's first character;
# the check reads the pipe into base64 after it (a decode, base64 -d, is not making a credential).
_USER_COLON = r"""(?:\\?["'])?[A-Za-z0-9_][A-Za-z0-9._@+-]{1,63}:"""
_PIPED_CHAR = r"""[^\s"'\\|;&`$<>(){}\[\]]"""  # a character of the password (the trigger takes the first)
PIPED_TRIGGER = (
    rf"""{_NOT_WORD}(?:echo(?:\s{{1,4}}-[neE]{{1,3}}){{0,2}}|printf\s{{1,4}}(?:\\?["'])%s(?:\\?["']))\s{{1,4}}"""
    rf"""{_USER_COLON}{_PIPED_CHAR}|{_NOT_WORD}base64\s{{0,4}}<<<\s{{0,4}}{_USER_COLON}{_PIPED_CHAR}"""
)
# The trigger to the password, for Python: where a scanned piece begins inside the text, the scanner's
# ^ matched there (Rule.keeps_start), so _piped_ok checks the command's left boundary itself.
_PIPED_CONTEXT = re.compile(
    r"""(?:(?<![A-Za-z0-9_])|"""
    + AFTER_ESCAPE
    + r""")(?:(?:echo(?:\s{1,4}-[neE]{1,3}){0,2}|printf\s{1,4}(?:\\?["'])%s"""
    r"""(?:\\?["']))\s{1,4}|base64\s{0,4}<<<\s{0,4})""" + _USER_COLON + r"\Z"
)
PIPED_PATTERN = (
    "(?P<value>" + _PIPED_CHAR + "{1,200})"
    r"""(?P<after>(?:\\?["'])?\s{0,4}\|\s{0,4}base64(?![A-Za-z0-9_])(?!\s{0,4}(?:-d|-D|--decode)))?"""
)
_NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@+-"


def _piped_ok(match: re.Match[str]) -> bool:
    """The pair is a credential, and (for echo and printf) it goes into base64."""
    text, start = match.string, match.start("value")
    before = text[max(0, start - 66) : start - 1]
    if not credential_pair(before[len(before.rstrip(_NAME_CHARS)) :], match.group("value")):
        return False
    if not match.group("after") and not (
        text.rfind("<<<", max(0, start - 80), start) >= 0 and "base64" in text[max(0, start - 100) : start]
    ):
        return False
    return _PIPED_CONTEXT.search(text, max(0, start - 200), start) is not None


# Azure's primaryKey/secondaryKey (az ... keys list as name/value pairs) name a database's key too: their
# value must look random ("name": "primaryKey", "value": "tenant_id" is a column).
_TABLE_KEY_NAME = re.compile(r"(?i)(?:primary|secondary)[_-]?key(?:[^A-Za-z0-9]|\\[nrt])*\Z")


def _value_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    if not (plausible_secret(value) and not value.isdigit() and not_a_call(match)):
        return False
    if store_or_file_reference(value):
        return False  # value: vault:secret/data/db#password (bank-vaults), op://... (1Password)
    text, start = match.string, match.start("value")
    head = text[max(0, start - 200) : start]
    name = head[: head.lower().rfind("value")]
    return not _TABLE_KEY_NAME.search(name, max(0, len(name) - 60)) or random_looking(value)


FILE_RULES: tuple[Rule, ...] = (
    Rule(
        name="netrc_password",
        replaces="the password in a .netrc entry (machine <host> login <user> password <secret>)",
        pattern=AT_VALUE,
        group="value",
        trigger=NETRC_TRIGGER,
        trigger_needs=NETRC_NEEDS,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_value_ok,
        example="`machine api.example.com login bob password <password>` (not `machine learning`)",
    ),
    Rule(
        name="pgpass_password",
        replaces="the password of a .pgpass line (host:port:database:user:<secret>) where the payload says pgpass",
        pattern=PGPASS_PATTERN,
        group="value",
        keywords=("pgpass",),
        ignore_case_keywords=True,
        reach=PGPASS_REACH,
        prefilter=(PGPASS_PREFILTER, PGPASS_AHEAD),
        check=_pgpass_ok,
        example="`cat ~/.pgpass` … `db.example.com:5432:shop:app:<password>` (not a time or a MAC address)",
    ),
    Rule(
        name="piped_user_password",
        replaces="the password of user:password on its way into base64 (echo -n user:pw | base64)",
        pattern=PIPED_PATTERN,
        group="value",
        trigger=PIPED_TRIGGER,
        keeps_start=True,
        anchored=True,
        back=1,
        reach=300,
        check=_piped_ok,
        example="`echo -n alice:<password> | base64` (not `| base64 -d`)",
    ),
    XML_SECRET_ELEMENT,
    Rule(
        name="secret_name_value",
        replaces="the value of a name/value pair whose name says secret (Kubernetes env, ECS, Parameter Store)",
        pattern=AT_VALUE,
        group="value",
        trigger=PAIR_TRIGGER,
        trigger_parts=PAIR_PARTS,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_value_ok,
        example='`- name: DB_PASSWORD` / `value: <value>`, `{"name": "API_TOKEN", "value": "<value>"}`',
    ),
)
