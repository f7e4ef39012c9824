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
_LINE_STARTS = re.compile(r'\n|\r|\\[nr]|(?:(?<=[:\[])|(?<=[:\[] ))\\*"|(?<=[^\\]"), ?"')
_MAX_CELLS = 32
_HEADER_BACK = 600  # how far back from the password cell the header line may begin

# The Hyperscan trigger: a password column's cell after a comma, then a comma or the line's end.
_HS_Q = r'(?:\\{1,15}")?'
TRIGGER = r"(?i)," + _HS_Q + r"(?:login_)?password" + _HS_Q + r"(?:,|\\{1,15}[nr]|[\r\n]|\",)"


def _line_start(text: str, at: int) -> int:
    """Where the line holding ``at`` begins: after its break (raw or escaped), a JSON string's opening quote (after
    a key's colon or a list's bracket, at any level) or a patch's next line; -1: none within _HEADER_BACK."""
    low = max(0, at - _HEADER_BACK)
    # The nearest break first (found in C), so that the regex reads only the line's own stretch
    low = max(low, text.rfind("\n", low, at), text.rfind("\\n", low, at), text.rfind("\r", low, at))
    start = -1
    for start_match in _LINE_STARTS.finditer(text, low, at):
        start = start_match.end()
    return start if start >= 0 or low > 0 else 0


def _row(text: str, at: int) -> tuple[list[int], int]:
    """The cells' starts of the row beginning at ``at``, and where the row's last cell ends."""
    starts: list[int] = []
    while len(starts) <= _MAX_CELLS:
        starts.append(at)
        cell = _QUOTED_CELL.match(text, at) or _BARE_CELL.match(text, at)
        assert cell is not None  # a bare cell may be empty
        at = cell.end()
        if not text.startswith(",", at):
            break
        at += 1
    return starts, at


def _header(text: str, report: int) -> tuple[int, int, int] | None:
    """For a trigger's report (past the password cell and one character): the password column's index, the
    header's width and where its rows begin; None if the line is not a login export's header."""
    named = [m.start() for m in _PASSWORD_NAME.finditer(text, max(0, report - 40), report)]
    if not named:
        return None
    start = _line_start(text, named[-1])  # the last: the reported cell's
    if start < 0:
        return None
    starts, end = _row(text, start)
    names: list[str] = []
    for cell in starts:
        name = _NAME.match(text, cell)
        if name is None:
            return None
        names.append(name.group("name").lower())
    lowered = set(names)
    if len(names) < 3 or not lowered & _LOGIN or not lowered & _PASSWORD:
        return None
    brk = _BREAK.match(text, end)
    if brk is None:
        return None  # the line goes on after its cells (a tuple's assignment) or the text ends
    column = next(i for i, n in enumerate(names) if n in _PASSWORD)
    return column, len(names), brk.end()


def password_cells(text: str, reports: list[int]) -> list[int]:
    """Where each row's password cell begins, for every export header reported; each header's rows walked once.
    Work is the header lines' and the rows' length."""
    out: list[int] = []
    walked = -1
    for report in reports:
        if report <= walked:
            continue
        header = _header(text, report)
        if header is None:
            continue
        column, width, at = header
        while True:
            starts, end = _row(text, at)
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
