"""A secret's value between backticks after its name (nineteenth session, h93): Go's raw string
(``password := `<v>```), JavaScript's template literal with no ``${}`` (``const token = `<v>```), and Markdown's
inline code after a name (```password``: `<v>```, ``API key: `<v>```, ``**Password**: `<v>```), and HTML's
(``password: <code><v></code>``).

The value rules stop at a backtick (a shell's command substitution: ``TOKEN=`vault read ...```), so these were
kept. A backtick after a name is code or Markdown as often as a secret (``token: `string```, ``password =
`${user}:${pw}```, ``TOKEN=`uuidgen```), so the value is taken only when it is the whole literal, holds no
``${`` (a template's field), and looks random (prose.py's ``random_looking``: letters and digits, and mixed
case, a symbol or 20 characters). A value with a space (twentieth session) is a shell's command after a bare
``=`` (``TOKEN=`vault read ...```), kept; after ``:=``, `` = `` or a colon it is a literal, taken when one of its
words looks random (``password := `my pass Hunter2...```) and none is an option, a path or an assignment (a
command in a README), or when it is a passphrase: three to twelve words of letters and digits, none a prose
word, a type's or a secret's (```password``: `correct horse battery staple``, not ```token``: `the session
token``). The trigger is the name, its separator and the value's first character; the regex reads the value
and the closing backtick.
"""

from __future__ import annotations

import re

from hookd.redact.prose import PROSE_WORDS, random_looking
from hookd.redact.rule import Rule
from hookd.redact.values import SECRET_PARTS, TYPE_NAMES

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
# The value: no backslash (a JSON escape: a line's end), no ${; spaces and tabs inside (not first, which the trigger
# refuses).
_VALUE = r"(?P<value>(?:[^`\s\\$<]|\$(?!\{)|[ \t]){1,256}+)(?=`|</code>)"
# Before the value: the backtick (or <code>), spaces, then the separator; a shell's = is glued to the name.
_SHELL_EQUALS = re.compile(r"[A-Za-z0-9_]=[ \t]{0,4}(?:`|<code>)\Z")
_WORD = re.compile(r"[A-Za-z0-9]{2,24}")
_NOT_PASSPHRASE = PROSE_WORDS | SECRET_PARTS | TYPE_NAMES


def _spaced_ok(value: str) -> bool:
    """A literal with spaces: a random-looking word among words that are no command's, or a passphrase."""
    words = value.split()
    if any(random_looking(word) for word in words):
        return not any(word[0] in "-/~" or "=" in word for word in words)
    return (
        3 <= len(words) <= 12
        and all(_WORD.fullmatch(word) for word in words)
        and not any(word.lower() in _NOT_PASSPHRASE for word in words)
    )


def _backtick_ok(match: re.Match[str]) -> bool:
    value = match.group("value").rstrip(" \t")
    if " " not in value and "\t" not in value:
        return random_looking(value)
    start = match.start("value")
    if _SHELL_EQUALS.search(match.string, max(0, start - 12), start):
        return False  # a command substitution: TOKEN=`vault read -field=token secret/ci`
    return _spaced_ok(value)


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
