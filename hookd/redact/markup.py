"""Secrets laid out by markup rather than assigned (twelfth session, h59): a table row that names a secret in
one cell and holds it in the next (HTML ``<td>``/``<th>``, ``<dt>``/``<dd>``, Markdown ``| password | ... |``),
and the value of an HTML password field (``<input type="password" value="...">``), as a WebFetch result or
a rendered page shows them.

A cell says little about what follows it (``| password | the account's password |`` is documentation), so
the cell's value is taken only when it looks random (prose.py's ``random_looking``), and only when it is
the cell's whole content. The triggers are the context up to the value's first character; the regex
reads the value and the cell's end.
"""

from __future__ import annotations

import re

from hookd.redact.checks import plausible_value
from hookd.redact.prose import random_looking
from hookd.redact.rule import Rule

_NAME = (
    r"(?i:password|passphrase|passwd|pwd|secret|token|api[ _-]?key|access[ _-]?key|secret[ _-]?key"
    r"|client[ _-]?secret|private[ _-]?key)"
)
# Words before the name in the cell (DB password, Personal access token), none of them a tag or a cell border.
_WORDS = r"[A-Za-z0-9 _.-]{0,30}"
_SP = r"[ \t]{0,4}"
_BREAK = r"(?:\\n|\\r)"  # a line break inside the JSON string
_HTML_CELL = (
    r"<(?i:t[dh]|dt)(?:[ \t][^<>]{0,80})?>"
    + _SP
    + _WORDS
    + _NAME
    + _SP
    + r":?</(?i:t[dh]|dt)>"
    + r"(?:[ \t]|"
    + _BREAK
    + r"){0,6}<(?i:td|dd)(?:[ \t][^<>]{0,80})?>"
    + _SP
    + r"(?:<code>)?"
)
# From the name on (a pattern from the row's | over the words kept Hyperscan busy at every | of code); the
# | and the words before the name are read back by _markdown_row.
_MARKDOWN_CELL = _NAME + r"`?" + _SP + r"\|" + _SP + r"`?"
_CELL_START = r"[A-Za-z0-9+/_.~!@#%^*=-]"
CELL_TRIGGER = r"(?:" + _HTML_CELL + r"|" + _MARKDOWN_CELL + r")" + _CELL_START
# The HTML part is scanned only in chunks holding a cell's end tag.
CELL_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_HTML_CELL + _CELL_START, (r"(?i)</(?:t[dh]|dt)>",)),
    (_MARKDOWN_CELL + _CELL_START, ()),
)
_HTML_BEFORE = re.compile(r">[ \t]{0,4}\Z")
_MARKDOWN_ROW = re.compile(r"(?:\A|\|)[ \t]{0,4}`?" + _WORDS + _NAME + r"`?[ \t]{0,4}\|[ \t]{0,4}`?\Z")
_ROW_BACK = 100


def _cell_context(text: str, end: int) -> bool:
    """The report is an HTML cell's (its trigger is the whole context) or a Markdown row's: a | before the
    words that end in the name."""
    head = text[max(0, end - 1 - _ROW_BACK) : end - 1]
    return bool(_HTML_BEFORE.search(head) or _markdown_row(head))


def _markdown_row(head: str) -> bool:
    """``_MARKDOWN_ROW.search(head)``, tried at the one place a match can begin: it ends with the last |
    and holds no other but its first, the | before that (or the head's start). Searched, each | of the
    head read the words after it up to 30 times (a row of many cells, reported at every cell)."""
    last = head.rfind("|")
    if last < 0:
        return False
    return _MARKDOWN_ROW.match(head, max(0, head.rfind("|", 0, last))) is not None


def _cell_ok(match: re.Match[str]) -> bool:
    return random_looking(match.group("value"))


TABLE_CELL_SECRET = Rule(
    name="table_cell_secret",
    replaces="a random-looking value in the table cell after one that names a secret (HTML or Markdown)",
    # The cell's whole content: the value, then the cell's end (</td>, </dd>, </code> or |).
    pattern=r"""(?P<value>[^\s<>|`"'\\]{8,200})(?=`?[ \t]{0,4}(?:</|\|))""",
    group="value",
    trigger=CELL_TRIGGER,
    trigger_parts=CELL_PARTS,
    trigger_check=_cell_context,
    anchored=True,
    back=1,
    reach=210,
    check=_cell_ok,
    example="`<td>Password</td><td><value></td>`, `| api key | <value> |` (not `| password | the user's |`)",
)

# A box-drawn table (doppler secrets, railway variables, a CLI's rich table): cells between vertical bars (raw,
# or escaped by a payload's encoder), padded to the column's width on both sides of the value. The bars: the
# light U+2502 inside, and at a row's ends the light one, the double U+2551 (railway) or the heavy U+2503 (rich's
# heavy boxes). The trigger is the name, its padding, the bar and the value's first character; the check reads
# the row back to the bar before the name.
_BARS = "\u2502\u2551\u2503"
_BOX_BAR = r"(?:\xe2\x94\x82|\xe2\x95\x91|\xe2\x94\x83|\\u2502|\\u2551|\\u2503)"
_ANY_BAR = r"(?:[\u2502\u2551\u2503]|\\u2502|\\u2551|\\u2503)"
# A name of an environment's style that ends in _PASS (SMTP_PASS, DB_PASS): upper case, so not the word pass.
_BOX_NAME = r"(?:" + _NAME + r"|(?<=[A-Z0-9])_PASS)"
BOX_TRIGGER = r"(?:" + _NAME + r"|_PASS)[ \t]{0,60}" + _BOX_BAR + r"[ \t]{1,4}" + _CELL_START
_BOX_ROW = re.compile(_ANY_BAR + r"[ \t]{0,4}" + _WORDS + _BOX_NAME + r"[ \t]{0,60}" + _ANY_BAR + r"[ \t]{1,4}\Z")


def _last_bar(text: str, lo: int, hi: int) -> int:
    return max(max(text.rfind(bar, lo, hi), text.rfind(f"\\u{ord(bar):04x}", lo, hi)) for bar in _BARS)


def _box_row(text: str, end: int) -> bool:
    """The row's bar before the name: matched from the bar before the one before the value (searched, each
    place in the words before the name began a try)."""
    lo, at = max(0, end - 1 - _ROW_BACK - 60), end - 1
    last = _last_bar(text, lo, at)
    before = _last_bar(text, lo, last) if last > 0 else -1
    return before >= 0 and _BOX_ROW.match(text, before, at) is not None


BOX_CELL_SECRET = Rule(
    name="box_cell_secret",
    replaces="a random-looking value in a box-drawn table's cell after one that names a secret (doppler secrets, "
    "railway variables)",
    pattern=r"""(?P<value>[^\s<>|`"'\\]{8,200})(?=[ \t]{0,200}""" + _ANY_BAR + ")",
    group="value",
    trigger=BOX_TRIGGER,
    trigger_needs=((_BOX_BAR,),),
    trigger_check=_box_row,
    anchored=True,
    back=1,
    reach=410,
    check=_cell_ok,
    example="`│ DB_PASSWORD  │ <value> │` (not `│ DB_PASSWORD  │ see vault │`)",
)

# type="password" before value="..." in one tag (a form a page prefills).
_INPUT_TRIGGER = (
    r"(?i:type)=(?:\\\"|')?(?i:password)(?:\\\"|')?(?:[ \t][^<>]{0,200})?[ \t](?i:value)=(?:\\\"|')"
    r"[^\s\"'\\<>]"
)


PASSWORD_FIELD_VALUE = Rule(
    name="password_field_value",
    replaces='the value of an HTML password field (<input type="password" value="...">)',
    pattern=r"""(?P<value>[^\s"'\\<>]{1,200})(?=\\"|')""",
    group="value",
    trigger=_INPUT_TRIGGER,
    anchored=True,
    back=1,
    reach=210,
    check=plausible_value,
    example='`<input type="password" name="pw" value="<value>">` (not `value=""`)',
)

MARKUP_RULES: tuple[Rule, ...] = (TABLE_CELL_SECRET, BOX_CELL_SECRET, PASSWORD_FIELD_VALUE)
