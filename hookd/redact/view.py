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
from collections.abc import Sequence

from hookd.redact.viewpattern import EDIT, FULLWIDTH_OFFSET, INVISIBLE, MAX_LEVEL

try:  # the compiled view (hookd/redact/_viewcore.c); optional: without it, the Python reference below
    from hookd.redact._viewcore import decode as _decode
    from hookd.redact._viewcore import NARROW_MAX as _NARROW_MAX
    from hookd.redact._viewcore import edits as _edits

    COMPILED = True
except ImportError:
    COMPILED = False


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
    if after and after.lstrip("\\")[:1] == "n":  # a line continuation, and the next line's prefix: nothing
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
            return run - level_escape, "\\" * level_escape + "n", "\\" * run + "n"
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
        self._found = EDIT.split(text)
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
