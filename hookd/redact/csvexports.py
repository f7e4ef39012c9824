"""The password column of a password manager's CSV export pasted into a session (issue 16, h167's leftover).

Chrome, 1Password, Bitwarden, LastPass, Firefox, KeePassXC, Dashlane, Safari and Proton Pass export logins as CSV:
a header line naming the columns (``name,url,username,password,note``; Bitwarden's ``login_password``; Firefox's and
KeePassXC's quoted ``"password"``) and a row per login. No name stands beside a row's password, so the name rules
kept every one. This rule reads the header: Hyperscan reports a ``password`` column's cell after a comma; the
header is then parsed in Python (its cells all column names, one of them a login's username, url or email, and the
line ending after them), and its rows are walked once below it, each as many cells as the header, the password
column's cell read. A row of another width (the export's end, a line of text) ends the walk. The other columns
(names, urls, usernames, notes) are kept. A Python tuple (``name,url,username,password = row``) is no header: the
line goes on after its cells.
"""

from __future__ import annotations

import re

from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

# A line's break as the text holds it: raw, escaped at any JSON level, or an Edit's structuredPatch (each line a
# string: a string's end, a comma and the next's opening quote; the view has dropped the diff's marker).
_BREAK = re.compile(r"(?:\\{1,15}r)?\\{1,15}n|\r?\n|\r|\",[ ]?\"")
# A quoted cell (its quote escaped: the text is inside a JSON string) or a bare one, read to its end.
_QUOTED_CELL = re.compile(r'(?P<q>\\{1,15}")(?:(?P=q)(?P=q)|(?!(?P=q)).){0,1024}?(?P=q)(?=,|\\{1,15}[nr]|[\r\n"]|\Z)')
_BARE = r'(?:[^,"\\\r\n]|(?:\\\\)++(?![\\nr"])|\\[^\\nr"])'
_BARE_CELL = re.compile(_BARE + r"{0,1024}+")
# A header's cell: a column's name, bare or quoted.
_NAME = re.compile(r'(?P<q>(?:\\{1,15}")?)(?P<name>[A-Za-z][A-Za-z0-9_ .-]{0,39})(?P=q)(?=,|\\{1,15}[nr]|[\r\n"]|\Z)')
_PASSWORD = {"password", "login_password"}
# A login's other columns: at least one beside the password says the line is a login export's header.
_LOGIN = {"username", "login_username", "url", "login_uri", "email", "website", "user", "login", "title", "name"}
_PASSWORD_NAME = re.compile(r"(?i)password")
# A terminal's sequences where a cell or a line begins: an SGR's colour (CSI) or an OSC (a title, a hyperlink) ended
# by BEL or ST, raw or escaped at any JSON level. Skipped there: the cell begins after them.
_CSI = r"\[[0-9;?]{0,32}[A-Za-z]"
_OSC = r"\][^\x07\x1b\\]{0,512}"
# The escape's own backslashes (none raw, one per JSON level's doubling) are its BEL's and twice its ST's.
_SEQ = (
    r"(?:\x1b(?:" + _CSI + "|" + _OSC + r"(?:\x07|\x1b\\))"
    r"|(?P<e>\\{1,15})u001[bB](?:" + _CSI + "|" + _OSC + r"(?:(?P=e)u0007|(?P=e)u001[bB](?P=e)(?P=e))))"
)
_SEQS = re.compile("(?:" + _SEQ + "){0,8}")
# A line's mark before an export's lines: a diff's ``+``/``-``/`` `` (a patch of the file) or set -x's ``+ ``. The
# header's says the rows may have one; a mark is taken only before a cell's first character or quote.
_MARK = re.compile(r'(?:\+ ?|-| )(?=[A-Za-z0-9"\\])')
_LINE_STARTS = re.compile(r'\n|\r|\\[nr]|(?:(?<=[:\[])|(?<=[:\[] ))\\*"|(?<=[^\\]"), ?"')
# What the view leaves of a terminal's title before a quoted header (its text, a space): the header begins after it.
_LEAD = re.compile(r'[^,"\\\r\n]{1,512}? (?=\\{1,15}")')
_MAX_CELLS = 32
# Characters no match of _LINE_STARTS holds: not a break's escape letter (\\n, \\r), a quote, a backslash, a comma or
# a space; and how far back from the last read a read of them begins.
_NO_LINE_START = frozenset("abcdefghijklmopqstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LINE_STEP = 64
_HEADER_BACK = 600  # how far back from the password cell the header line may begin

# The Hyperscan trigger: a password column's cell after a comma, then a comma or the line's end.
_HS_Q = r'(?:\\{1,15}")?'
# Or the first column's: after a line's start (a break, a JSON string's opening quote, a terminal's BEL), a mark.
_HS_CSI = r"(?:(?:\x1b|\\{1,15}u001[bB])\[[0-9;]{0,16}[A-Za-z]){0,2}"
_HS_FIRST = r"(?:^|\\{1,15}[nr]|[\r\n\"\x07]|\\{1,15}u0007)(?:[+-] ?)?"
TRIGGER = (
    r"(?i)(?:,"
    + _HS_CSI
    + "|"
    + _HS_FIRST
    + ")"
    + _HS_Q
    + r"(?:login_)?password"
    + _HS_Q
    + r"(?:,|\\{1,15}[nr]|[\r\n]|\",)"
)


def _line_start(text: str, at: int) -> int:
    """Where the line holding ``at`` begins: after its break (raw or escaped), a JSON string's opening quote (after
    a key's colon or a list's bracket, at any level) or a patch's next line; -1: none within _HEADER_BACK."""
    low = max(0, at - _HEADER_BACK)
    # The nearest break first (found in C), so that the regex reads only the line's own stretch
    low = max(low, text.rfind("\n", low, at), text.rfind("\\n", low, at), text.rfind("\r", low, at))
    # The last of _LINE_STARTS' matches from ``low``, read from near ``at`` first: past a character no match holds
    # (nor spans), the matches are those a read from ``low`` finds. From ``low`` each time, a flood of a row's cells
    # (a JSON list of objects on one line) read 600 characters per report.
    end = at
    while end > low:
        part = max(low, end - _LINE_STEP)
        while part > low and text[part - 1] not in _NO_LINE_START:
            part = part - 1 if end - part < 2 * _LINE_STEP else low
        start = -1
        for start_match in _LINE_STARTS.finditer(text, part, end):
            start = start_match.end()
        if start >= 0:
            return start
        end = part
    return -1 if low > 0 else 0


def _skip(pattern: re.Pattern[str], text: str, at: int) -> int:
    found = pattern.match(text, at)
    return found.end() if found else at


def _skip_seqs(text: str, at: int) -> int:
    """Past a terminal's sequences at ``at``; most cells have none, which one character says."""
    return _skip(_SEQS, text, at) if text[at : at + 1] in ("\x1b", "\\") else at


def _row(text: str, at: int, marked: bool = False, seqs: bool = True) -> tuple[list[int], int]:
    """The cells' starts of the row beginning at ``at`` (after a line's mark if ``marked``), and where the row's
    last cell ends. A terminal's sequences before a cell or its comma are skipped (if ``seqs``: the text has some)."""
    starts: list[int] = []
    if seqs:
        at = _skip_seqs(text, at)
    if marked:
        at = _skip(_MARK, text, at)
    while len(starts) <= _MAX_CELLS:
        if seqs:
            at = _skip_seqs(text, at)
        starts.append(at)
        cell = _QUOTED_CELL.match(text, at) or _BARE_CELL.match(text, at)
        assert cell is not None  # a bare cell may be empty
        at = _skip_seqs(text, cell.end()) if seqs else cell.end()
        if not text.startswith(",", at):
            break
        at += 1
    return starts, at


def _names(text: str, start: int, marked: bool, seqs: bool) -> tuple[list[str], int] | None:
    """The column names of a header's line from ``start``, and where its cells end; None: a cell is no name."""
    starts, end = _row(text, start, marked, seqs)
    names: list[str] = []
    for cell in starts:
        name = _NAME.match(text, cell)
        if name is None:
            return None
        names.append(name.group("name").lower())
    return names, end


def _header(text: str, report: int, seqs: bool) -> tuple[int, int, int, bool] | None:
    """For a trigger's report (past the password cell and one character): the password column's index, the
    header's width, where its rows begin and whether its line has a mark; None if the line is not a login
    export's header."""
    named = [m.start() for m in _PASSWORD_NAME.finditer(text, max(0, report - 40), report)]
    if not named:
        return None
    start = _line_start(text, named[-1])  # the last: the reported cell's
    if start < 0:
        return None
    after = _skip_seqs(text, start) if seqs else start
    marked = _MARK.match(text, after) is not None
    read = _names(text, start, marked, seqs)
    if read is None and not marked and _LEAD.match(text, after):
        read = _names(text, _skip(_LEAD, text, after), False, seqs)
    if read is None:
        return None
    names, end = read
    lowered = set(names)
    if len(names) < 3 or not lowered & _LOGIN or not lowered & _PASSWORD:
        return None
    brk = _BREAK.match(text, end)
    if brk is None:
        return None  # the line goes on after its cells (a tuple's assignment) or the text ends
    column = next(i for i, n in enumerate(names) if n in _PASSWORD)
    return column, len(names), brk.end(), marked


def password_cells(text: str, reports: list[int]) -> list[int]:
    """Where each row's password cell begins, for every export header reported; each header's rows walked once.
    Work is the header lines' and the rows' length."""
    out: list[int] = []
    walked = -1
    seqs = "\x1b" in text or "u001b" in text or "u001B" in text  # a terminal's sequences to skip: once per text
    for report in reports:
        if report <= walked:
            continue
        header = _header(text, report, seqs)
        if header is None:
            continue
        column, width, at, marked = header
        while True:
            starts, end = _row(text, at, marked, seqs)
            if len(starts) != width:
                break
            out.append(starts[column])
            walked = end
            brk = _BREAK.match(text, end)
            if brk is None:
                break
            at = brk.end()
        walked = max(walked, at)
    return out


# A cell that is a reference whole: a shell's or a template's variable (``$PW``, ``${PW}``, ``$(pass show x)``).
_REFERENCE = re.compile(r"\$(?:\{[^}]*\}|\([^)]*\)|[A-Za-z_][A-Za-z0-9_]*)")


def _cell_is_a_password(match: re.Match[str]) -> bool:
    """A placeholder or a reference is kept. A generated password may hold a ``$`` (plausible_secret refuses a
    value that begins with one or holds ``$NAME``: a reference in an assignment); in an export's cell it is a
    reference only whole."""
    value = match.group("value")
    if "$" not in value:
        return plausible_secret(value)
    return not _REFERENCE.fullmatch(value) and plausible_secret(value.replace("$", "x"))


CSV_EXPORT_PASSWORD = Rule(
    name="csv_export_password",
    replaces="the password column's cells of a password manager's CSV export (Chrome, 1Password, Bitwarden, ...)",
    # A quoted cell to its closing quote, a bare one to its comma or line's end.
    pattern=(
        r'(?P<q>\\{1,15}")?(?P<value>(?(q)(?:(?P=q)(?P=q)|(?!(?P=q)).){1,1024}?(?=(?P=q)(?:,|\\{1,15}[nr]|[\r\n"]|\Z))'
        r"|" + _BARE + r"{1,1024}+))"
    ),
    group="value",
    trigger=TRIGGER,
    anchored=True,
    reach=1100,
    select=password_cells,
    check=_cell_is_a_password,
    example="`name,url,username,password` / `GitHub,https://github.com,alice,<password>`",
)

CSV_EXPORT_RULES: tuple[Rule, ...] = (CSV_EXPORT_PASSWORD,)
