"""The text as the rules should read it: escapes decoded, nested quotes flattened, pieces joined.

A secret written as ``\\u0067hp_...`` in the JSON text, split in code as
``"sk-" + "proj-..."``, or sitting in JSON inside JSON inside a string
(``\\\\\\"password\\\\\\": ...``) does not look like itself to a pattern. The
view decodes ``\\uXXXX`` escapes of printable ASCII, writes every quote of a
JSON text nested in a string as ``\\"`` (the form the rules know, one level
down), turns ``%3D`` after a name into ``=`` and ``%26`` before one into
``&`` (a URL-encoded query), drops the ``" + "`` between two quoted
pieces, drops the zero-width characters (INVISIBLE) that split a name or
a token, raw or escaped, and drops a terminal's escape sequences (colours,
erases, an OSC's opening), so ``grep --color`` output reads as printed; a
control character's escape (``\\b``), a tab and a no-break or other Unicode
space read as a space, a BEL, a NUL and an OSC's terminator as a line break,
and a CR before a LF as nothing, so a token or a line's first word after one
reads as it would after a space or a line break, and a Windows file as a Unix
one. A line's prefix (a diff's marker, a listing's number, grep's path,
lineprefix.py; a log's time, level or service, logprefix.py) after a line
break or a string's opening quote is dropped, so
the line reads as it starts. It reads at most MAX_LEVEL levels of JSON: the
payload and three levels of JSON text inside its strings; what is deeper is
read as it is.
Every character of the view comes from a known stretch of the original, so
a span found in the view maps back to whole escapes and whole joints there:
the original is redacted, and everything outside the secrets stays byte for
byte.

A decoded character is never ``"`` or ``\\`` alone (a quote is decoded to
the pair ``\\"``), so the view is valid JSON, and what the rules guarantee
(a marker never splits an escape or ends a string) holds in the original as
well. The view is built only when the scanner saw something to decode
(VIEW_TRIGGERS); its map back is built when a span is asked for.

Two implementations, one behaviour: ``_viewcore.c`` (a C extension, built by
``make setup`` and by the wheel where there is a compiler) finds the same
matches in one pass over the str's own storage; where it is not built, the
Python one here (one ``re.split`` and C-level passes over its matches) is
used. The Python one is the reference: the tests compare the two on random
escape-rich texts of every str kind.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
from collections.abc import Sequence

from hookd.redact.lineprefix import LINE_BREAK, LINE_PREFIX, STRING_OPEN, STRING_PREFIX

try:  # the compiled view (hookd/redact/_viewcore.c); optional: without it, the Python reference below
    from hookd.redact._viewcore import decode as _decode
    from hookd.redact._viewcore import NARROW_MAX as _NARROW_MAX
    from hookd.redact._viewcore import edits as _edits

    COMPILED = True
except ImportError:
    COMPILED = False

MAX_LEVEL = 4  # the payload's JSON and three levels of JSON text nested in its strings
# At level k (1: the payload's own strings) an escape is written with 2**(k-1) backslashes
# (\u0067, \\u0067, \\\\u0067...), and a quote that ends a string of level k+1 as
# 2**k - 1 backslashes and a quote (\", \\\", \\\\\\\") or as level k's \u0022.
# Every alternative starts with a plain character (\\, ' or %) and looks behind only after it, so
# the regex skips at C speed from one of those characters to the next; the character after it is
# checked before the lookbehind (a JSON text's every \n and ' is such a start).
# PHP's and Perl's . and Lua's .. join literals too, with a space or an escaped break on each side (PSR-12's and
# Lua's style): a dot alone, '.' or "a"."b", is also a character literal (split('.')) and a method's call
# ('.'.join).
# A line break in a joint may carry the next line's prefix (h101): the Read tool's or cat -n's number (escaped tab
# or arrow), a diff's marker before the line's indentation, or both (a patch's "+    \"<v>\""): what stands between the
# two literals is still only the joint; and a line's continuation before the break (a shell's, Python's, a C
# macro's escaped backslash). Each side is possessive, as _viewcore.c's greedy reading.
_DIFF_MARKER = r"[+-](?=[ \t]|\\t)"
_NEXT_PREFIX = (
    r"(?:(?:(?: {5}[0-9]| {4}[0-9]{2}| {3}[0-9]{3}| {2}[0-9]{4}| [0-9]{5}|[0-9]{6,7})\\t"
    r"| {0,6}[0-9]{1,7}\\u2192)(?:" + _DIFF_MARKER + ")?+|" + _DIFF_MARKER + ")?+"
)
# An Edit's structuredPatch writes each line as a string of its own, its marker first: a string's end and the next
# string's opening quote and marker are a line break there.
_PATCH_BREAK = r'", ?"[+ -]'
# (The next line's indentation after it, up to 40 as _IMPLICIT's, is the break's: not the side's 8.)
_JOINT_BREAK = r"(?:\\\\)?(?:\\n" + _NEXT_PREFIX + "|" + _PATCH_BREAK + r")(?:[ \t]|\\t){0,40}+"
_SIDE = r"(?:[ \t]|\\[rt]|" + _JOINT_BREAK + ")"
_JOINT = "(?:" + _SIDE + r"{0,8}+\+" + _SIDE + "{0,8}+|" + _SIDE + r"{1,8}+\.\.?" + _SIDE + "{1,8}+)"
# Two literals on adjacent lines with no + (Python's implicit concatenation inside parentheses, C's adjacent
# literals): a newline right after the quote (or a line's continuation after it, spaces and an escaped backslash;
# the next line's prefix after it, as in a joint), or a patch's next line, and the next line's indentation (at least one space or tab: not
# a CSV file's next row).
_IMPLICIT = (
    r"(?:[ \t]{0,8}+\\\\(?=\\n|" + _PATCH_BREAK + r")|\\r(?=\\n))?+(?:\\n" + _NEXT_PREFIX + "|" + _PATCH_BREAK + r")"
    r"(?:[ \t]|\\t){1,40}"
)
_JOINED = "(?:" + _JOINT + "|" + _IMPLICIT + ")"
# The characters that print as nothing a secret may be split by: the zero-width ones (U+200B-U+200D, U+2060,
# U+FEFF), the soft hyphen, the combining grapheme joiner, the Mongolian vowel separator, the bidi marks,
# embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and the invisible
# operators (U+2061-U+2064). The view drops them, raw or written as an escape of any level it reads, as it
# drops a joint: a value they split reads whole (``API_KEY=sk_live_4e<U+00AD>C39...`` kept all after it).
INVISIBLE = (
    "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
INVISIBLE_HEX = r"00[Aa][Dd]|034[Ff]|061[Cc]|180[Ee]|200[B-Fb-f]|202[A-Ea-e]|206[0-46-9]|[Ff][Ee][Ff][Ff]"
# The spaces a web page or a chat tool writes between words (a no-break space, the narrow one, the en quad to the
# hair space, the ideographic space): the view reads them, raw or escaped, as a space, so ``mysql -p...`` or
# ``password = ...`` pasted from a page reads as typed. (U+FEFF, zero-width, stays INVISIBLE: it splits tokens.)
SPACES = "\xa0\u2000-\u200a\u202f\u3000"
_SPACE_HEX = r"00[Aa]0|200[0-9Aa]|202[Ff]|3000"
# The fullwidth forms of a token's characters (letters, digits, _ + - . /) an East Asian input method writes
# (``ＡＰＩ＿ＫＥＹ＝<v>``, ``ｓｋ＿ｌｉｖｅ＿...``): the view reads each as its ASCII character, raw or escaped. Not the
# punctuation of CJK prose (，：；（）！？: a view at every sentence cost Chinese text 4x), nor the quote, the
# backslash, the colon and the equals sign (encoded.py reads ``password：<v>`` as a sign of its own).
FULLWIDTH = "".join(map(chr, (0xFF0B, *range(0xFF0D, 0xFF1A), *range(0xFF21, 0xFF3B), 0xFF3F, *range(0xFF41, 0xFF5B))))
_FULLWIDTH_HEX = r"[Ff][Ff](?:0[BbD-Fd-f]|1[0-9]|2[1-9A-Fa-f]|3[0-9AaFf]|4[1-9A-Fa-f]|5[0-9Aa])"
FULLWIDTH_OFFSET = 0xFEE0  # from a fullwidth form to its ASCII character
# re.split keeps the whole match (its length maps the view back) and the groups an edit depends on
# (the lookbehinds are settled by then): whether an escaped line break ends right before it (empty, else
# None), whether the escape is a first level's NUL, BEL or ESC \\ (empty: _LINE_ESCAPE; a prefix after it is
# part of the match, so its edit's length), the escape or quote after the first backslash, which
# percent escape (3: %3D, 2: %26), what follows a raw ESC, a raw space, and the line break or the string's
# opening quote before a line's prefix; none for a joint or a raw invisible character.
# A quote of a nested level between two letters or digits is kept as written: it is escaped inside a nested
# string's word ({"password": "p4ss\"w0rd"} in a Read's content), where no quote of a JSON text stands, and
# flattened it closed the value there.
# (A letter or digit that ends an escape, \n's or \u00a0's, is none: a quote after it opens a nested string.)
_ESCAPE_END = "|".join(rf"(?<=\\[A-Za-z0-9]\\{{{n}}}\")|(?<=\\u[0-9A-Fa-f]{{4}}\\{{{n}}}\")" for n in (3, 7))
# Nor is a short option's letter (mysql -p\"<pw>\", zip -P\"<pw>\"): a quote after it opens the option's value.
_OPTION_END = "|".join(rf"(?<=-[A-Za-z]\\{{{n}}}\")(?<![A-Za-z0-9_-]-[A-Za-z]\\{{{n}}}\")" for n in (3, 7))
# A terminal's escape sequences (ESC, raw or as an escape of any level the view reads) print nothing: a colour
# or an erase (CSI: ESC [ parameters, intermediates, a final character) and an OSC's opening (ESC ] and its
# number; OSC 8's hyperlink parameters too) are dropped, so ``grep --color`` output that splits a token reads
# whole; a string terminator (ESC \\) reads as a line break: what an OSC holds (a title, a link's address) is
# not printed, so the text after it begins a line as printed (a section header after a prompt's title), and an
# OSC 8 link's address and its text stay apart.
# Bounded (32 parameters, 4 intermediates, 256 characters of OSC 8 parameters) and never past a backslash or
# an ESC: linear. The last four alternatives of the escaped form are ESC \\ at each level (2**k backslashes).
# A CSI never begins on a marker's bracket (ESC [REDACTED:...] is an ESC and a marker, not ESC [R and text):
# read as a CSI, the marker's rest became text a second pass redacted again. Nor is one with intermediates
# whose final begins a word (ESC [ SP gsk_..., ESC [, SP ghp_...): a terminal's (ESC [2 SP q, ESC [!p) ends
# where its text begins, and read as one, the final hid a token's first letter and the token with it.
_CSI = r"\[(?!REDACTED:)[0-?]{0,32}(?:[ !#-/]{1,4}[@-\[\]-~](?![A-Za-z0-9_])|[@-\[\]-~])"
_OSC = r"\](?:8;[^;\x00-\x1f\"\\]{0,256};|[0-9]{1,4};)"
_ESC_HEX = r"u001[Bb]"
# ESC \\ at level k: 2**(k-1) backslashes (the first is the match's own) and 2**k after it, no more.
_ST = "|".join("\\\\" * (2 ** (k - 1) - 1) + _ESC_HEX + "\\\\" * 2**k + r"(?!\\)" for k in range(1, MAX_LEVEL + 1))
# A control character's escape (not a line break or ESC, read above) and JSON's \b, \f and \t read as a space:
# a backspace, a form feed, a unit separator end a word as a space does, so a token right after one reads as it
# would after a space, and a tab between a name, its sign and its value (aligned .tfvars, INI files) or a
# command's words as a space between them. A BEL (an OSC title's end, as ESC \\ above) and a NUL (a record's
# end: find -print0, /proc/<pid>/environ) read as a line break of their level, so a line's first word after one
# reads as a line's first word. A CR before a line feed is dropped: a file with Windows line ends reads as one
# with Unix ones.
_CONTROL_HEX = r"00(?:0[0-8BbCcEeFf]|1[0-9AaC-Fc-f])"
# A line break the view reads where no line break is written (a NUL, a BEL, ESC \\; raw ESC \\ below) is a line's
# start as a written one is: a line's prefix after it (lineprefix.py) is dropped too, at the first level as after
# a written one (an OSC title, then grep's path:N:; find -print0's records with cat -n's numbers). The group
# (empty) says the escape after the match's backslash is one: what follows it may then be a prefix.
_LINE_ESCAPE = r"(?=(?:\\\\)*u000[07]|u001[Bb]\\\\(?!\\))"
_EDIT = re.compile(
    r"(\\(?=[\\u\"bfrt/])(?<!\\\\)((?<=\\n\\))?(?:("
    + _LINE_ESCAPE
    + r")?(\\*u(?:00[2-7][0-9A-Fa-f]|"
    + _CONTROL_HEX
    + "|"
    + INVISIBLE_HEX
    + "|"
    + _SPACE_HEX
    + "|"
    + _FULLWIDTH_HEX
    + r")|\\*"
    + _ESC_HEX
    + r"(?:"
    + _CSI
    + r"|"
    + _OSC
    + r")|"
    + _ST
    + r"|\\*"
    + _ESC_HEX
    + r"|(?:\\{6}|\\{2})\"(?:(?![A-Za-z0-9])|(?<![A-Za-z0-9]\\{7}\")(?<![A-Za-z0-9]\\{3}\")|"
    + _ESCAPE_END
    + "|"
    + _OPTION_END
    + r")"
    + r"|[bft]|r(?=\\n)|\\*/)(?(3)(?:"
    + LINE_PREFIX
    + r")?)|\""
    + _JOINED
    + r"\\\")"
    r"|'(?=[ \t\\+\"])(?<!\\')" + _JOINED + "'"
    r"|%((?<=[A-Za-z0-9_]%)3(?=[Dd])|(?<=[A-Za-z0-9_.~-]%)2(?=6[A-Za-z_]))[Dd6]"
    r"|[" + INVISIBLE + "]"
    r"|\x1b(" + _CSI + "|" + _OSC + r"|\\)(?:(?<=\x1b\\)(?:" + LINE_PREFIX + "))?"
    r"|([" + SPACES + FULLWIDTH + "])"
    r"|(" + LINE_BREAK + ")(?:" + LINE_PREFIX + ")"
    r"|(" + STRING_OPEN + ")(?:" + STRING_PREFIX + "))"
)


_STEP = 10  # split's entries per match: the text before it and its nine groups


@functools.lru_cache(maxsize=4096)
def _edit(
    after: str | None,
    percent: str | None,
    esc: str | None = None,
    space: str | None = None,
    line_before: str | None = None,
    line: str | None = None,
) -> tuple[int, str | None, str]:
    """What the view has for a match: where the edit starts in it, the replacement (None: no edit), and
    the view's piece for the whole match."""
    if line is not None:  # a line's prefix: the line break or quote before it kept, the prefix dropped
        return len(line), "", line
    if space is not None:  # a raw no-break or other Unicode space, or a fullwidth form
        char = chr(ord(space) - FULLWIDTH_OFFSET) if space > "\uff00" else " "
        return 0, char, char
    if esc is not None:  # a raw ESC (text that is not JSON): a string terminator reads as a line break
        return (0, "\n", "\n") if esc == "\\" else (0, "", "")
    if after in ("b", "f", "t"):  # a backspace, a form feed, a tab: a space
        return 0, " ", " "
    if after == "r":  # a CR before a line feed: nothing
        return 0, "", ""
    if after and after[-1] == "/":  # JSON's escaped solidus (PHP's json_encode writes every / so): a /
        run = len(after)
        level_escape = run & -run
        if level_escape > 2 ** (MAX_LEVEL - 1):
            return 0, None, "\\" + after
        return run - level_escape, "/", "\\" * (run - level_escape) + "/"
    if after and after[-1] == '"':  # a quote of a nested level
        return 0, '\\"', '\\"'
    if after and after[after.index("u") + 1 : after.index("u") + 5] in ("001b", "001B"):  # an escaped ESC sequence
        run = after.index("u") + 1
        level_escape = run & -run
        if level_escape > 2 ** (MAX_LEVEL - 1):
            return 0, None, "\\" + after
        if after[-1] == "\\":  # ESC \\ (only ever its level's escape: _ST): a line break of its level
            return 0, "\\" * run + "n", "\\" * run + "n"
        if len(after) == run + 4:  # a lone ESC (no sequence a token hides behind): a space, as a control character
            return run - level_escape, " ", "\\" * (run - level_escape) + " "
        return run - level_escape, "", "\\" * (run - level_escape)
    if after:  # an escape \u00XX, after ``run`` backslashes in all
        run = len(after) - 4
        level_escape = run & -run  # the backslashes of the escape itself; those before are literal
        code = int(after[-4:], 16)
        if level_escape > 2 ** (MAX_LEVEL - 1) or code in (0x5C, 0x7F):
            return 0, None, "\\" + after
        literal = "\\" * (run - level_escape)  # the backslashes before the escape's own (an even run): kept
        if code > 0x7F:  # a space reads as a space, a fullwidth form as its ASCII one; an invisible one is dropped
            char = "" if chr(code) in INVISIBLE else chr(code - FULLWIDTH_OFFSET) if code > 0xFF00 else " "
            return run - level_escape, char, literal + char
        if code == 0x22:  # a quote: the rules read it as \" whatever its level, if nothing precedes it
            return (0, '\\"', '\\"') if run == level_escape else (0, None, "\\" + after)
        if code in (0x00, 0x07):  # a NUL or a BEL: a line break of the escape's level, nothing after one
            char = "" if line_before is not None else "\\" * level_escape + "n"
        else:
            char = " " if code < 0x20 else chr(code)  # another control character: a space
        return run - level_escape, char, literal + char
    if percent:
        return (0, "=", "=") if percent == "3" else (0, "&", "&")
    return 0, "", ""  # a joint, or a raw invisible character


def _either(line_break: str | None, string_open: str | None) -> str | None:
    return string_open if line_break is None else line_break


class PyView:
    """The decoded text, and the map from its characters back to the original's (the Python reference)."""

    # Per edit that changes the text, in order: where it starts in the view and the original, its length in each.
    _view_at: Sequence[int]
    _view_len: Sequence[int]
    _orig_at: Sequence[int]
    _orig_len: Sequence[int]

    def __init__(self, text: str) -> None:
        self.original = text
        # C-level passes only (split, map, join): a text of nothing but escapes costs no Python per
        # escape, and _edit runs once per distinct match (its cache). The map back to the original is
        # built when a span is first asked for (most views find nothing).
        self._found = _EDIT.split(text)
        found = self._found
        lines = map(_either, found[8::_STEP], found[9::_STEP])
        groups = (found[4::_STEP], found[5::_STEP], found[6::_STEP], found[7::_STEP], found[2::_STEP], lines)
        self._edits = list(map(_edit, *groups))
        joined = [""] * (2 * len(self._edits) + 1)
        joined[0::2] = self._found[0::_STEP]
        joined[1::2] = map(operator.itemgetter(2), self._edits)
        self.text = "".join(joined)
        # every edit shortens the text but a raw space read as a space (the same length: compared then)
        self.changed = len(self.text) < len(text) or self.text != text
        self._mapped = False

    def _map(self) -> None:
        """Per edit: where it starts in the view and the original, how long it is in each."""
        lengths = [0] * (2 * len(self._edits) + 1)
        lengths[0::2] = map(len, self._found[0::_STEP])
        lengths[1::2] = map(len, self._found[1::_STEP])
        at = list(itertools.accumulate(lengths))  # where each piece and each match ends in the original
        replaced = list(map(operator.itemgetter(1), self._edits))
        kept = list(map(operator.is_not, replaced, itertools.repeat(None)))
        offsets = map(operator.itemgetter(0), itertools.compress(self._edits, kept))
        self._orig_at = list(map(operator.add, itertools.compress(at[0::2], kept), offsets))
        self._orig_len = list(map(operator.sub, itertools.compress(at[1::2], kept), self._orig_at))
        self._view_len = list(map(len, itertools.compress(replaced, kept)))
        shrunk = itertools.accumulate(map(operator.sub, self._orig_len, self._view_len), initial=0)
        self._view_at = list(map(operator.sub, self._orig_at, shrunk))
        self._mapped = True

    def _char(self, x: int) -> tuple[int, int]:
        """The original stretch that view character ``x`` comes from."""
        i = bisect.bisect_right(self._view_at, x) - 1
        # Skip the joints (no view characters) sitting exactly at x: the character follows them.
        if i >= 0 and self._view_len[i] and x < self._view_at[i] + self._view_len[i]:
            return self._orig_at[i], self._orig_at[i] + self._orig_len[i]
        if i < 0:
            return x, x + 1
        base_view = self._view_at[i] + self._view_len[i]
        base_orig = self._orig_at[i] + self._orig_len[i]
        at = base_orig + (x - base_view)
        return at, at + 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span for the view span [start, end): whole escapes and joints."""
        if not self._mapped:
            self._map()
        return self._char(start)[0], self._char(end - 1)[1]


class CompiledView(PyView):
    """The same view, decoded and mapped by _viewcore.c: one pass over the text, no Python per match."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.text = _decode(text)
        self.changed = len(self.text) < len(text) or self.text != text
        self._mapped = False

    def _map(self) -> None:
        # The map is a second pass of the C scan, made only when a span is asked for (most views find
        # nothing): four columns of C ints (long longs past NARROW_MAX), read in place (bisect and indexing
        # work on the memoryview).
        columns = memoryview(_edits(self.original)).cast("i" if len(self.original) <= _NARROW_MAX else "q")
        k = len(columns) // 4
        self._view_at, self._view_len = columns[:k], columns[k : 2 * k]
        self._orig_at, self._orig_len = columns[2 * k : 3 * k], columns[3 * k :]
        self._mapped = True


View: type[PyView] = CompiledView if COMPILED else PyView
