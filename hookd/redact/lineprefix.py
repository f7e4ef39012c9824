"""A line's prefix, which the view (view.py) drops so that a line reads as it starts.

An agent sees files and output with something before each line: a diff's marker, a listing's number, grep's
path. The rules that want a line's start (.netrc, .pgpass, redis's ``requirepass``, a command's first word)
read such a line as mid-line. The view drops the prefix after a line break or where a JSON string opens
(an Edit's ``structuredPatch`` lines are strings that begin with one); these are its alternatives, and
_viewcore.c's ``line_prefix`` reads the same.
"""

from __future__ import annotations

from hookd.redact.logprefix import LOG_PREFIX, LOG_TRIGGERS

# A line's prefix that a tool or a format writes before the line itself: a diff's + or - (a git diff, an Edit's
# structuredPatch lines, set -x's trace), a number (cat -n's, padded to six, and a tab; Claude Code's Read, a
# number and an arrow), grep's path:N: (or path: with -H; a path with a slash, so not a key: or host:port:),
# and a comment's or a quote's mark (# // ; -- >, then a space). After a line break (raw, or a JSON string's
# \n) or where a JSON string opens, the view drops it: the line then starts as its rules want (.netrc, redis's
# requirepass, pgpass, a command's first word). A - is kept before one space (a list's "- item"; two or more are
# a diff's indented line), a second - (a PEM's -----) and a one-letter option (-p secret), a + before a second +
# (a diff's +++ header); set -x's "+ " is dropped whole. path: without a number is kept before one space (an
# error message's "path: text") and a colon (pytest's path::test).
_NUMBERED = (
    r"(?: {5}[0-9]| {4}[0-9]{2}| {3}[0-9]{3}| {2}[0-9]{4}| [0-9]{5}|[0-9]{6,7})(?:\t|\\t)"
    r"| {0,6}[0-9]{1,7}(?:\u2192|\\u2192)"
)
_PATH = r"[A-Za-z0-9_.~@+-]{0,64}(?:/[A-Za-z0-9_.~@+-]{1,64}){1,16}"
_WS = r" \t\n\r\f\v"  # ASCII whitespace (not re's \s, which is Unicode's: _viewcore.c reads the same)
_GREP = _PATH + r":(?:[0-9]{1,7}:|(?=  |\t|[^" + _WS + r"/:]))"
_MINUS = r"-(?:(?=  )|(?![-" + _WS + r"]|[A-Za-z](?:[" + _WS + r"=\"]|\\[nt]|$)))"
_MARKER = r"\+(?!\+) ?|" + _MINUS + r"|(?:#|//|;|--|>) "
# A listing's prefix may stand before a marker or a log line's prefix (logprefix.py): the Read tool's or cat -n's
# lines of a patch, a commented file or a log, grep -n's of a log.
# A log line's prefix may stand before a marker (a CI job's log of set -x's "+ " lines, a logged diff), and a
# marker before a log line's prefix (a patch that adds a log line, an Edit's "+2024-05-01 12:00:00 INFO ..."): the
# one after the other is read only where the first ended, so a line's prefix is still read once.
_LOGGED = LOG_PREFIX + "(?:" + _MARKER + ")?"
_MARKED = "(?:" + _MARKER + ")(?:" + LOG_PREFIX + ")?"
_LISTED = "(?:" + _NUMBERED + "|" + _GREP + ")(?:" + _MARKED + "|" + _LOGGED + ")?"
LINE_PREFIX = _LISTED + "|" + _LOGGED + "|" + _MARKED
# A JSON string's opening quote (after [ , : { or a space, or at the text's start; not a closing one, never
# followed by a prefix in JSON), and a - there only in a string with a space, : or = after it on its first line
# (within 200 characters, escapes or markers): "-p" and "-psecret" are arguments, not a diff's lines.
# A line break: raw, or escaped after an even run of backslashes (escaped ones, kept: a line that ends in a
# backslash, a shell's continuation).
LINE_BREAK = r"\n|(?<!\\)(?:\\\\)*\\n"
# On the string's first line, where a redaction's marker counts as one character and its colon as none: a marker's
# colon, or a line after markers shorter than the secrets they replaced, made a second pass drop a string's "-"
# (-p<token>), which the first had read as an option (fresh seed 7,022,652).
_MARKER_UNIT = r"\[REDACTED:[a-z0-9_]{1,64}\]"
STRING_OPEN = r"(?<![^\[,:{" + _WS + r'])"'
STRING_PREFIX = (
    _LISTED
    + "|"
    + _LOGGED
    + r"|(?:\+(?!\+) ?|"
    + _MINUS
    + r"(?=(?:"
    + _MARKER_UNIT
    + r'|[^"\\ :=\n\r]|\\[^nr]){0,200}+[ :=])|(?:#|//|;|--|>) )(?:'
    + LOG_PREFIX
    + ")?"
)
# The view's triggers for a line's prefix (viewtriggers.VIEW_TRIGGERS; Hyperscan reads the text as UTF-8, the arrow as
# E2 86 92), each an expression of its own: a number and a tab or an arrow, and a word's character, a colon, a
# number and a colon (grep -n's path:N:), anywhere; a line that starts with a path (/, ./ or ../: grep -r's
# path: without -n); a diff's marker or a comment's mark after a line break or a quote. Wider than the
# prefixes where that is cheap (a view that changes nothing is not read), narrower where it is not: grep's
# path: on a line that starts with a relative path (src/a.env:) is read only where another trigger builds the
# view. What cost more (bench/README.md): a path's characters then a colon anywhere (pytest's path::test on
# every line: the whole scan 3x slower), a line break then a bounded class or a number and a colon.
PREFIX_TRIGGERS = (
    r"[0-9](?:\t|\\t|\xE2\x86\x92|\\u2192)",
    r"[A-Za-z0-9_]:[0-9]{1,7}:",
    r"(?:\n|\\n)\.{0,2}/|\"\.\.?/",
    r"(?:\n|\\n|\")(?:\+[^+]|-[^-\s]|#|//|;|--|>)",
    *LOG_TRIGGERS,
)
