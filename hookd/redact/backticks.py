"""A secret's value between backticks after its name (nineteenth session, h93): Go's raw string
(``password := `<v>```), JavaScript's template literal with no ``${}`` (``const token = `<v>```), and Markdown's
inline code after a name (```password``: `<v>```, ``API key: `<v>```, ``**Password**: `<v>```), and HTML's
(``password: <code><v></code>``).

The value rules stop at a backtick (a shell's command substitution: ``TOKEN=`vault read ...```), so these were
kept. A backtick after a name is code or Markdown as often as a secret (``token: `string```, ``password =
`${user}:${pw}```, ``TOKEN=`uuidgen```), so the value is taken only when it is the whole literal, holds no
space (a command has its arguments) and no ``${`` (a template's field), and looks random (prose.py's
``random_looking``: letters and digits, and mixed case, a symbol or 20 characters). The trigger is the name,
its separator and the value's first character; the regex reads the value and the closing backtick.
"""

from __future__ import annotations

import re

from hookd.redact.prose import random_looking
from hookd.redact.rule import Rule

# A name that says secret by its last word (camelCase too: dbPassword, apiKey), then what closes a name written
# as code, bold or a quoted key (`password`, **Password**, "password", 'token').
_NAME = (
    r"(?i:pass(?:word|wd|phrase)|secret|token|api[ _-]?key|access[ _-]?key|secret[ _-]?key|auth[ _-]?key"
    r"|private[ _-]?key|client[ _-]?secret|credentials?|[_-]pass|[_-]pwd)"
)
_CLOSE = r"(?:`|\*\*|__|\\\"|')?"
_SP = r"[ \t]{0,4}"
# Go's :=, an assignment's =, a key's or a Markdown label's colon; then the opening backtick.
# HTML's inline code too, as a rendered page writes Markdown's (password: <code><v></code>).
BACKTICK_TRIGGER = _NAME + _CLOSE + _SP + r"(?::=|=|:)" + _SP + r"(?:`|<code>)[^`\s\\$<]"
_VALUE = r"(?P<value>(?:[^`\s\\$<]|\$(?!\{)){1,256}+)(?=`|</code>)"


def _backtick_ok(match: re.Match[str]) -> bool:
    return random_looking(match.group("value"))


BACKTICK_SECRET = Rule(
    name="backtick_secret",
    replaces="a random-looking value between backticks after a secret's name (a Go raw string, a JavaScript "
    "template literal, Markdown's inline code)",
    pattern=_VALUE,
    group="value",
    trigger=BACKTICK_TRIGGER,
    anchored=True,
    back=1,
    reach=260,
    check=_backtick_ok,
    example="``password := `<value>` ``, ``API key: `<value>` `` (not ``token: `string` ``, ``TOKEN=`uuidgen` ``)",
)

BACKTICK_RULES: tuple[Rule, ...] = (BACKTICK_SECRET,)
