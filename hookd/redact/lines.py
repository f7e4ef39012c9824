"""A secret after its name and a space, on a line of its own: config directives and Dockerfile ENV.

Without ``=`` or ``:`` the name alone does not say "assignment": prose writes
"the password field", code writes ``password text`` in SQL or ``Password string``
in a Go struct. So the rule reads a name and a value only where a line's shape
says so:

* a keyword that assigns: Dockerfile ``ENV NAME value`` (the legacy form,
  also ``ARG``), fish's ``set -gx NAME value``;
* a config directive: the line (after indentation) is the name and one value
  and nothing else (redis.conf's ``requirepass``, ``masterauth``; an LDAP client's ``bindpw``; ``password
  value`` in pgbouncer, mosquitto, ``.my.cnf``-like files). A value that is a
  plain word (``password required``, ``Token expired``) is prose, except after
  redis's directives, whose names are no words.

The name must end in a word that says secret (``PASSWORD_FILE``, ``token_count``
are kept) and the value must look like one (not a type, a reference, a
placeholder, a number).
"""

from __future__ import annotations

import re

from hookd.redact.checks import assigned_value_ok
from hookd.redact.files import at_value
from hookd.redact.patterns import LINE_BARE_VALUE, VALUE_REACH
from hookd.redact.rule import Rule

_SP = r"(?:[ \t]|\\t)"  # a space or tab, raw or escaped in a JSON string
# A line begins at the text's start, after a newline (raw or escaped), or where a JSON string opens.
_LINE_START = r"(?:^|[\n\r\"]|\\[nr])" + _SP + "{0,16}"
_KEYWORD = r"(?:(?i:env|arg)" + _SP + r"{1,8}|set(?:[ \t]{1,4}-[A-Za-z]{1,4}){1,3}[ \t]{1,4})"
_DIRECTIVES = ("requirepass", "masterauth", "bindpw", "rootbindpw")  # redis; nslcd, ldap.conf, pam_ldap
_NAME = (
    r"(?i:[A-Za-z0-9_.-]{0,60}(?:password|passwd|passphrase|secret|token|credentials?"
    r"|(?:api|private|secret|access|signing|encryption|client|master|app|account)[_.-]?key"
    r"|[_.-](?:pass|pwd|auth))|" + "|".join(_DIRECTIVES) + ")"
)
# The value's first character: not =, : (other rules' separators), # (a comment), - (an option), not a
# reference.
_FIRST = r"""(?:[^\s"'\\,;&|<>(){}\[\]`$=:#-]|\\"[^"\\]|'[^'"\\])"""
# Up to 40 spaces between the name and its value: a two-column table pads to its longest key (vault kv get).
_GAP = "{1,40}"
LINE_TRIGGER = _LINE_START + "(?:" + _KEYWORD + ")?" + _NAME + _SP + _GAP + _FIRST
# The trigger as three parts whose union it is. In one expression, a backslash after the name's spaces
# might begin an escaped tab or the value's escaped quote, so on a flood of \\npassword Hyperscan read past
# every name's spaces. The main database holds the trigger with raw spaces after the name and a bare or
# single-quoted value; the whole trigger is also scanned, in databases of its own, in the chunks that
# hold one of the other forms' needs: a name's last word, then raw spaces and an escaped quote, or spaces
# with an escaped tab among them. (The escaped-quote form in the main database as well cost 2 MB of
# stdlib source 7-11%, bench/README.md.)
_RAW = r"[ \t]"
_WORD_ENDS = r"(?i)(?:password|passwd|passphrase|secret|token|credentials?|key|pass|pwd|auth|bindpw)"  # of every _NAME
_QUOTED_AFTER_NAME = _WORD_ENDS + _RAW + _GAP + r'\\"'
_ESCAPED_TAB_AFTER_NAME = _WORD_ENDS + _SP + r"{0,39}\\t"
LINE_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_LINE_START + "(?:" + _KEYWORD + ")?" + _NAME + _RAW + _GAP + _FIRST.replace(r'|\\"[^"\\]', ""), ()),
    (LINE_TRIGGER, (_QUOTED_AFTER_NAME,)),
    (LINE_TRIGGER, (_ESCAPED_TAB_AFTER_NAME,)),
)

_NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
_SPACES = " \t"
_KEYWORD_BEFORE = re.compile(r"(?i)(?:env|arg|set(?:\s{1,4}-[A-Za-z]{1,4}){1,3})$")
_USER_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}\$?")  # what useradd accepts
_WORD = re.compile(
    r"(?:[A-Z]?[a-z]+|[A-Z]+)[.,:;!?]?"
)  # prose: "password required", "Token Expired", "Token constants."
# Code after a name and a space: a pointer, slice or package-qualified type (Go's Token *oauth2.Token).
_TYPE_LIKE = re.compile(r"[*&\[].*|[a-z][a-z0-9]*\.[A-Z]\w*")


_CLOSING_TAG = re.compile(r"</(?:pre|code)>(?:</(?:pre|code)>)?", re.IGNORECASE)
_ESCAPED_END = re.compile(r'\\{1,8}[nr"]')  # a line break or the string's end, escaped at any JSON depth
# An operator that assigns (Lua's ..=, **=, //=): code, the value after it is secret_assignment's.
_OPERATOR = re.compile(r"[-.+*/%&|^?~:<>!]{1,3}=")


def _strip_spaces(text: str) -> str:
    """``text`` less the spaces and tabs (raw or escaped \\t) at its end."""
    while True:
        stripped = text.rstrip(_SPACES)
        if stripped.endswith("\\t") and not stripped.endswith("\\\\t"):
            stripped = stripped[:-2]
        if stripped == text:
            return text
        text = stripped


def _starts_line(before: str, at_text_start: bool) -> bool:
    """``before`` (what precedes the name or keyword on its line, less spaces) ends a line or opens a string."""
    if not before:
        return at_text_start
    # A line break escaped as deep as JSON nests the string (\n, \\n, \\\\n: a file two levels down).
    return before[-1] in '\n\r"' or before.endswith(("\\n", "\\r"))


def _ends_line(text: str, end: int) -> bool:
    """Only spaces between ``end`` and the line's end (a newline, raw or escaped, or the string's end)."""
    rest = text[end : end + 40].lstrip(_SPACES)
    while rest.startswith("\\t"):
        rest = rest[2:].lstrip(_SPACES)
    closing = _CLOSING_TAG.match(rest)
    if closing:  # a page's <pre> or <code> closed right after the value (the value ends at its <)
        rest = rest[closing.end() :].lstrip(_SPACES)
    return rest == "" or rest[0] in '\n\r"' or _ESCAPED_END.match(rest) is not None


def _line_ok(match: re.Match[str]) -> bool:
    # Where the name and value stand on their line first: it is cheap, and most candidates of a flood
    # (chpasswd x chpasswd y ...) stand mid-line; the value's own checks after.
    value = match.group("value")
    if _OPERATOR.fullmatch(value):
        return False
    # _TYPE_LIKE only where it can match (a *, & or [ first, or a .): it reads a long value otherwise.
    if value.isdigit() or (value[:1] in ("*", "&", "[") or "." in value) and _TYPE_LIKE.fullmatch(value):
        return False
    text, start = match.string, match.start()
    dq, sq = match.group("dq") is not None, match.group("sq") is not None  # lookbehinds: empty when they hold
    start -= 2 if dq else 1 if sq else 0
    begin = max(0, start - 200)
    head = _strip_spaces(text[begin:start])
    name_start = len(head.rstrip(_NAME_CHARS))
    if head[name_start - 1 : name_start] == "\\" and head[name_start : name_start + 1] in ("n", "r", "t"):
        name_start += 1  # the escape's letter (\npassword): the name begins after it
    before = _strip_spaces(head[:name_start])
    tail = before[-40:].lower()
    # Its matches end where ``before`` does and are at most 31 characters long: searched from the tail only.
    found = "env" in tail or "arg" in tail or "set" in tail
    keyword = _KEYWORD_BEFORE.search(before, max(0, len(before) - 40)) if found else None
    if keyword:
        before = _strip_spaces(before[: keyword.start()])
    if not _starts_line(before, begin == 0):
        return False  # the scanner's window began mid-line
    if keyword:
        return assigned_value_ok(match)  # ENV NAME value: the rest of the line may hold more words
    end = match.end() + (2 if dq else 1 if sq else 0)  # past a closing quote
    if not _ends_line(text, end):
        return False
    name = head[name_start:].lower()
    if name == "passwd" and _USER_NAME.fullmatch(value):
        return False  # the command and a user name (passwd alice2), not a directive and a secret
    return (name in _DIRECTIVES or dq or sq or not _WORD.fullmatch(value)) and assigned_value_ok(match)


LINE_RULES: tuple[Rule, ...] = (
    Rule(
        name="secret_line",
        replaces="the value after a secret name and a space on a line of its own (Dockerfile ENV NAME value, "
        "redis requirepass, a config directive)",
        pattern=at_value(LINE_BARE_VALUE),
        group="value",
        trigger=LINE_TRIGGER,
        trigger_parts=LINE_PARTS,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_line_ok,
        example="`ENV DB_PASSWORD <value>`, `requirepass <value>` (not `ENV PATH /usr/bin`, `password required`)",
    ),
)
