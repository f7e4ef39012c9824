"""Formats agents really see that leaked (eleventh session): SQL, .pgpass lines without the word, short
names, Terraform variables; the commands in oscommands.py, key bodies without their PEM lines in derkeys.py.

* ``sql_password``: CREATE/ALTER USER|ROLE|LOGIN ... PASSWORD '...', IDENTIFIED BY '...', SET PASSWORD
  FOR 'u'@'h' = '...', PASSWORD('...');
* ``pgpass_line``: host:port:database:user:secret where the port is PostgreSQL's (5432, 5433, 6432) or `*`;
* ``short_password_name``: PASS=, PW=, PSWD=, ODBC's PWD= at a line's start (never a path: the shell's
  working directory; nor PASS in test output);
* ``terraform_secret_default``: the default of a Terraform variable whose name says secret.

The anchored rules' triggers are their context up to the value's first character (Hyperscan); the regex
reads the value. Every repetition is bounded.
"""

from __future__ import annotations

import re

from hookd.redact.checks import assigned_value_ok, option_value_ok
from hookd.redact.values import plausible_secret
from hookd.redact.derkeys import DER_KEY_RULES
from hookd.redact.files import PGPASS_AHEAD
from hookd.redact.oscommands import OS_COMMAND_RULES
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule

_NOT_WORD = r"""(?:^|[^A-Za-z0-9_\\-]|\\[nrt])"""
# A quoted value's opening: ' or \" (not a backslash alone: "password \n" and "password \t" are no
# values, and a report at each of them made floods of those dense). The regex starts two characters
# back, at the character before ' (a space, =, ( or N) or at the backslash of \".
_QUOTE = r"(?:'|\\\")"
# The statements that set a password in SQL (PostgreSQL, MySQL/MariaDB, SQL Server, Oracle, Snowflake),
# each up to the value's first character (Oracle's IDENTIFIED BY also takes a bare word). PASSWORD and a
# quote is also a column compared with a literal (WHERE password = '...'), and prose says "identified by
# four values", so every form is checked for its statement (_sql_ok).
SQL_TRIGGER = (
    r"(?i)"
    + _NOT_WORD
    + r"(?:password\s{1,4}(?:=\s{0,4})?N?"
    + _QUOTE
    + r"|identified(?:\s{1,4}with\s{1,4}[A-Za-z0-9_]{1,40})?\s{1,4}by\s{1,4}(?:(?:password|values)\s{1,4}"
    + _QUOTE
    + r"|N?"
    + _QUOTE
    + r"|[^\s;'\\N]|N[^\s;'\\])"
    + r"|password\s{0,4}\(\s{0,4}"
    + _QUOTE
    + r"|password\s{1,4}for\s{1,4}[^=;\"\s]{1,100}\s{0,4}=\s{0,4}(?:password\s{0,4}\(\s{0,4})?"
    + _QUOTE
    + ")"
)
# The statement before the value (prose is "identified by four values", "the password 'x'"): one that
# creates or changes a user, a grant, SET PASSWORD, a database link, or MySQL's PASSWORD() function.
# A word starts after a character that is no word's, or after an escaped line break or tab (\\nALTER ROLE: a
# statement at a line's start; the n of \\n is a word character).
_WORD_START = r"(?:(?<!\w)|(?<=\\[nrt]))"
_SQL_STATEMENT = re.compile(
    r"(?is)"
    + _WORD_START
    + r"(?:(?:create|alter)\s+(?:user|role|login|group)\b|grant\b|set\s+password\b|connect\s+to\b"
    r"|password\s*\()[^;]*\Z"
)
# The same statements, case-sensitive, for ASCII text already lower-cased (the common case: (?i) and each
# alternative opening on \b kept the regex engine from skipping to their first letters). Each word's start
# is a lookbehind after its first letter, the engine's cue to jump there: no word character before it but the
# letter of an escape (\nalter, as _WORD_START).
_SQL_STATEMENT_LOWER = re.compile(
    r"(?s)(?:(?:c(?<!(?<!\\)\wc)reate|a(?<!(?<!\\)\wa)lter)\s+(?:user|role|login|group)\b|g(?<!(?<!\\)\wg)rant\b"
    r"|s(?<!(?<!\\)\ws)et\s+password\b|c(?<!(?<!\\)\wc)onnect\s+to\b|p(?<!(?<!\\)\wp)assword\s*\()"
)
_SQL_WORDS = frozenset({"password", "values", "by", "random"})


def _sql_ok(match: re.Match[str]) -> bool:
    """A password in a statement that sets one (not WHERE password = '...'), not a keyword or a bind."""
    value = match.group("value")
    if len(value) < 2 or value.lower() in _SQL_WORDS or value[0] in ":?@ \t" or not option_value_ok(match):
        return False
    # From past the last ";" only: no keyword holds one, so a statement that began before it ended there.
    # Searched from further back, each keyword before it read on to that ";" (a run of "grant": quadratic).
    low = max(0, match.start() - 300)
    low = match.string.rfind(";", low, match.start()) + 1 or low
    return _sql_statement_before(match.string, low, match.start())


def _sql_statement_before(text: str, low: int, start: int) -> bool:
    """Whether _SQL_STATEMENT matches in text[low:start], which holds no ";" (so that its tail, any run of
    characters but ";" to the end, holds wherever a statement's words begin). ASCII text is lower-cased,
    with the two characters before ``low`` (which a word's start reads: \\n before it), and searched with
    _SQL_STATEMENT_LOWER; other text with _SQL_STATEMENT itself."""
    back = min(2, low)
    head = text[low - back : start]
    if not head.isascii():
        return _SQL_STATEMENT.search(text, low, start) is not None
    low_head = head.lower()
    # Each statement's words, by substring first (most heads hold none of them).
    if not (
        "create" in low_head
        or "alter" in low_head
        or "grant" in low_head
        or "connect" in low_head
        or "password" in low_head
        and ("set" in low_head or "(" in low_head)
    ):
        return False
    return _SQL_STATEMENT_LOWER.search(low_head, back) is not None


# A .pgpass line (files.PGPASS_PATTERN's fields) whose password has no unescaped colon (.pgpass writes \\:)
# and ends the line: a run of colon-separated fields (*:*:*:*:..., a:5432:b:c:d:...) is no such line, and
# is read once, not as one candidate per field.
_PGPASS_CHAR = r"""(?:[^\s:"'\\]|\\\\:)"""
PGPASS_LINE_PATTERN = (
    r"""(?:(?<![^\s"'])|(?<=\\[nr]))(?P<host>\*|[A-Za-z0-9.-]{1,253}):(?:\*|5432|5433|6432):[^:\s\\"]{1,63}:"""
    r"""(?P<user>[^:\s\\"]{1,63}):(?P<value>(?!\$)"""
    + _PGPASS_CHAR
    + "{1,256}+)"
    + r"""(?=\\{1,7}[nrt]|\\{0,7}"|\s|$)"""
)


# Where PGPASS_LINE_PATTERN can begin (prefilter.py): PostgreSQL's port or a star, and a value that ends its
# line (or a ?, as the scan sees a non-ASCII character: a Unicode space). files.PGPASS_PREFILTER (any port,
# any value start) reported at every field of a flood of "*:*:*:" (6 MB/s); no such flood has a line end
# after its value.
_FIELD = r"""[^:\s\\"]+"""
PGPASS_LINE_PREFILTER = (
    r"""(?:^|[^A-Za-z0-9.-]|\\[nr])(?:\*|[A-Za-z0-9.-]+):(?:\*|5432|5433|6432):"""
    + _FIELD
    + ":"
    + _FIELD
    + ":"
    + _PGPASS_CHAR
    + r"""+(?:\\+[nrt]|\\*"|[\s?]|$)"""
)
PGPASS_LINE_AHEAD = PGPASS_AHEAD + 2 * 256 + 8  # the fields, then a value of 256 escaped characters


def _pgpass_line_ok(match: re.Match[str]) -> bool:
    """PostgreSQL's port, or a `*` port with another `*` field; a host that is a name or an address; a
    user that is not only digits; a secret."""
    text = match.group(0)
    host, value = match.group("host"), match.group("value")
    port = text.split(":", 2)[1]
    if port == "*":
        if host != "*" and text.split(":", 3)[2] != "*":
            return False
    named = host == "*" or any(c.isalpha() for c in host) or host.count(".") == 3
    return named and not match.group("user").isdigit() and plausible_secret(value) and not value.isdigit()


# PASS=, PW=, PSWD= at a word's start (DB_PASS=, .pass=, -pass= are secret_assignment's): = only, since
# test runners print "PASS: 12" and "PASS tests/...", and never PWD= (the working directory). Not in a URL
# query (&pass=through), where url_query_secret takes only a random-looking value.
# The name and its = as literals (pass=, "pass =", "pass\t="): a trigger that read spaces after the name
# started at every "PASSED" of a pytest log (40000 in a 2 MB Bash result: 15% of its redaction time).
SHORT_NAME_TRIGGER = (
    r"(?i)(?:(?:^|[^A-Za-z0-9_\\?&-]|\\[nrt])(?:pass|pw|pswd)(?:=| =|  =|\t=)\s{0,4}[^\s=~]"
    r"|(?:^|[\n\r\"]|\\[nr])(?:[ \t]|\\t){0,8}pwd[ \t]{0,2}=[ \t]{0,4}[^\s=~/\\${])"
)
# PWD= is ODBC's password (odbc.ini's PWD = <password>, a DSN's line) and the shell's working directory, an
# absolute path: it counts when its value is no path, written with or without spaces at a line's start (the
# trigger's second part: a connection string's Pwd={...}; mid-line is braced_connection_password's).
_PWD_NAME = re.compile(r"(?i)(?:^|(?<=[\n\r\"])|(?<=\\[nr]))pwd[ \t]{0,2}=[ \t]{0,4}\Z")


def _short_name_ok(match: re.Match[str]) -> bool:
    """Short names are common variables in code (pw = -pw, pass = new PassThrough(), pw = "\\n".join(...)):
    a quoted value must end its expression; a bare one counts only in the shell's form, NAME=value with
    no space around the =. PWD counts at a line's start only, and never for a path."""
    text, start, end = match.string, match.start(), match.end()
    head = text[max(0, start - 12) : start]
    if head.lower().rstrip(" \t=").endswith("pwd"):
        value = match.group("value")
        if "/" in value or "\\" in value or _PWD_NAME.search(text, max(0, start - 12), start) is None:
            return False
        return assigned_value_ok(match)
    if match.group("dq") or match.group("sq"):
        if text[end : end + 1] in (".", "[", "(", "+", "%", "*"):
            return False
    elif text[start - 1 : start] != "=" or not text[start - 2 : start - 1].isalpha() or match.group("value")[0] == "-":
        return False
    return assigned_value_ok(match)


# A Terraform variable whose name says secret: its default, inside the block (description, type and
# sensitive lines before it). Hyperscan reads from "variable" to the value's first character, in a database
# of its own scanned only in the chunks holding both words: its read of up to 600 characters of the block
# after each { is costly per header in the main database. The header's start is the need; "default" is
# looked for (LATER) only where one is: every event holds it ("permission_mode": "default"), and a need
# found in a chunk costs the scan a check in Python. The block's characters are one class (escapes
# included): Hyperscan compiles a bounded repeat of an alternation slowly, and an uncached start compiles
# it twice (scanner_cache.Twin).
_TF_NAME = r"[A-Za-z0-9_-]{0,60}(?i:password|passwd|secret|token|api_?key|private_?key|access_?key|credential)"
TERRAFORM_TRIGGER = (
    r"(?:^|[^A-Za-z0-9_]|\\[nrt])variable\s{1,4}\\\"" + _TF_NAME + r"[A-Za-z0-9_-]{0,60}\\\"\s{0,4}\{"
    r"[^{}]{0,600}[^A-Za-z0-9_]default\s{0,4}=\s{0,4}(?:\\|[^\s\\\"{\[])"
)

TERRAFORM_NEEDS = ((r'(?:variable\s{1,4}\\")', "(?#later)default"),)


def _terraform_ok(match: re.Match[str]) -> bool:
    return assigned_value_ok(match)


FORMAT_RULES: tuple[Rule, ...] = (
    *DER_KEY_RULES,
    Rule(
        name="sql_password",
        replaces="the password a SQL statement sets (CREATE/ALTER USER ... PASSWORD '...', IDENTIFIED BY, "
        "SET PASSWORD FOR ... = '...')",
        pattern=r"(?:[\s=(]|N(?='|\\\"))?" + VALUE,
        group="value",
        trigger=SQL_TRIGGER,
        anchored=True,
        back=2,
        reach=VALUE_REACH,
        check=_sql_ok,
        example="`CREATE USER bob WITH PASSWORD '<password>'`, `IDENTIFIED BY '<password>'`",
    ),
    Rule(
        name="pgpass_line",
        replaces="the password of a .pgpass line with PostgreSQL's port or `*` (host:5432:db:user:<secret>)",
        pattern=PGPASS_LINE_PATTERN,
        group="value",
        keywords=(":5432:", ":5433:", ":6432:", ":*:"),
        reach=PGPASS_LINE_AHEAD,
        prefilter=(PGPASS_LINE_PREFILTER, PGPASS_LINE_AHEAD),
        check=_pgpass_line_ok,
        example="`db.example.com:5432:shop:app:<password>`, `*:*:*:postgres:<password>`",
    ),
    Rule(
        name="short_password_name",
        replaces="the value of PASS=, PW= or PSWD=, and of ODBC's PWD= at a line's start (not a path: the "
        "shell's working directory), not PASS in test output",
        pattern=VALUE,
        group="value",
        trigger=SHORT_NAME_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH + 8,
        check=_short_name_ok,
        example="`PASS='<password>'`, `PW=<password>`",
    ),
    Rule(
        name="terraform_secret_default",
        replaces='the default of a Terraform variable whose name says secret (variable "db_password" { default = ... })',
        pattern=VALUE,
        group="value",
        trigger=TERRAFORM_TRIGGER,
        trigger_needs=TERRAFORM_NEEDS,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_terraform_ok,
        example='`variable "db_password" { default = "<password>" }`',
    ),
    *OS_COMMAND_RULES,
)
