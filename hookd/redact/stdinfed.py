"""Passwords a command reads from stdin, rclone's passwords and SNMPv3 passphrases (h68;
issue 16's misses left by h65).

* ``gpg_stdin_passphrase``: a passphrase echoed or printed into ``gpg --passphrase-fd 0`` (oscommands.py
  has sudo -S, passwd --stdin and chpasswd; rules.py's stdin_password has ``--password-stdin``);
* ``here_string_secret``: the same commands given the password as a here-string (``<<< 'pw'``):
  ``gpg --passphrase-fd 0``, ``sudo -S``, ``passwd --stdin``, ``chpasswd`` (``user:password``),
  ``--password-stdin``. A file (``< pw.txt``), a variable and ``--passphrase-file`` hold no password;
* ``rclone_conf_pass``: rclone.conf's ``pass = <obscured>`` in a section with a ``type =`` line (the
  obscured form is reversible: ``rclone reveal``); ``password =``, ``client_secret =`` and ``token = {...}``
  were redacted before. ``rclone_password``: the password given to ``rclone obscure`` and to ``rclone config
  create|update|password ... pass <value>``;
* ``snmp_passphrase`` (commands.py): net-snmp's ``-A`` and ``-X``, only in an snmp command.

Each is keyword-gated: its regex runs only near its commands' words, and each repetition is bounded.
"""

from __future__ import annotations

import re

from hookd.redact.checks import option_value_ok
from hookd.redact.commands import SNMP_PASSPHRASE, command_start
from hookd.redact.patterns import AFTER_ESCAPE, VALUE, VALUE_REACH
from hookd.redact.rule import Rule

# A character of one command in JSON text: not a separator, a line break or the string's end.
_CMD = r"""(?:[^"\\\n;|&]|\\["\\/ t])"""
# Where a word starts (not after a letter, a digit, _, - or a backslash; after an escape \\n, \\t), read back
# by the checks: a regex that starts on a lookbehind is tried at every character of a flood near its
# keyword, one that starts on its word's letters skips to them.
_WORD_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-\\")


def _at_word_start(text: str, start: int) -> bool:
    before = text[start - 1 : start]
    if before not in _WORD_BEFORE:
        return True
    return _AFTER_ESCAPE.match(text, start) is not None


_AFTER_ESCAPE = re.compile(AFTER_ESCAPE)


_START = r"(?:(?<![A-Za-z0-9_\\-])|" + AFTER_ESCAPE + r")"  # the same, inside a pattern (after a pipe)
_GPG_FD0 = r"gpg2?\s" + _CMD + r"{0,300}?--passphrase-fd(?:=|\s{1,4})0(?![0-9])"
# The commands that read a password from stdin, and the option that makes them do it (chpasswd: none).
_READS_STDIN = {
    "gpg": re.compile(r"\s--passphrase-fd(?:=|\s{1,4})0(?![0-9])"),
    "gpg2": re.compile(r"\s--passphrase-fd(?:=|\s{1,4})0(?![0-9])"),
    "sudo": re.compile(r"\s-[A-Za-z]{0,3}S(?![A-Za-z0-9_-])|\s--stdin(?![A-Za-z0-9_-])"),
    "passwd": re.compile(r"\s--stdin(?![A-Za-z0-9_-])"),
    "login": re.compile(r"\s--(?:password-stdin|with-token)(?![A-Za-z0-9_-])"),  # gh auth login --with-token
    "chpasswd": re.compile(""),
    "vncpasswd": re.compile(r"\s-f(?![A-Za-z0-9_-])"),  # -f: the password from stdin, the obfuscated file to stdout
    "openssl": re.compile(r"\s-pass(?:in|out)?\s{1,4}stdin(?![A-Za-z0-9_-])"),
}
_PRINTF_FORMAT = r"""(?:(?:'|\\")?%s(?:\\\\n)?(?:'|\\")?\s{1,4})?"""  # printf '%s\n' "<value>", printf %s <value>
_GPG_PIPED = (
    r"(?:echo|printf)\s{1,4}(?:-[neE]{1,3}\s{1,4})?" + _PRINTF_FORMAT + VALUE + r"\s{0,4}\|\s{0,4}" + _START + _GPG_FD0
)
# openssl's -pass stdin (-passin, -passout: a key's passphrase): the first line of stdin is the password, so
# a value echoed into it is one whether or not the data comes from stdin too (openssl enc with no -in).
_OPENSSL_STDIN = r"{0,300}?\s-pass(?:in|out)?\s{1,4}stdin"
# gcloud's secrets create and versions add with --data-file=- (the secret's data from stdin).
_GCLOUD_SECRET = r"gcloud\s{1,4}secrets\s{1,4}(?:create|versions\s{1,4}add)\s"
_GCLOUD_STDIN = r"{0,300}?\s--data-file(?:=|\s{1,4})-"
# Commands that read a secret from stdin with no option saying so (or, vncpasswd, with -f): a value echoed
# into one is that secret. vercel env add and wrangler secret put store it under the name they are given.
_READER = (
    r"(?:(?:npx|bunx|pnpm\s{1,4}dlx)\s{1,4})?(?:vncpasswd\s{1,4}-f|vercel\s{1,4}env\s{1,4}add"
    r"|wrangler\s{1,4}secret\s{1,4}put|gh\s{1,4}secret\s{1,4}set\s{1,4}[A-Za-z0-9_]{1,100}(?=\s{0,4}(?:$|[\"\\;|&)]))"
    r"|openssl\s" + _CMD + _OPENSSL_STDIN + "|" + _GCLOUD_SECRET + _CMD + _GCLOUD_STDIN + ")"
    r"(?![A-Za-z0-9_-])"
)
# Hyperscan finds the reader command (the rule's trigger); the regex runs only around it, back to the echo.
_READER_TRIGGER = (
    r"\|\s{0,4}(?:(?:npx|bunx|pnpm\s{1,4}dlx)\s{1,4})?(?:vncpasswd\s{1,4}-f|vercel\s{1,4}env\s{1,4}add"
    r"|wrangler\s{1,4}secret\s{1,4}put|gh\s{1,4}secret\s{1,4}set"
    r"|openssl\s[^\n;|&]"
    + _OPENSSL_STDIN
    + r"|"
    + _GCLOUD_SECRET
    + r"[^\n;|&]"
    + _GCLOUD_STDIN
    + r")(?:[^A-Za-z0-9_-]|$)"
)
_PIPED_INTO_READER = (
    r"(?:echo|printf)\s{1,4}(?:-[neE]{1,3}\s{1,4})?" + _PRINTF_FORMAT + VALUE + r"\s{0,4}\|\s{0,4}" + _START + _READER
)
# The command, its arguments (no separator, no redirection: a file's content is no password), a here-string.
_HERE = (
    r"(?P<cmd>gpg2?|sudo|passwd|chpasswd|vncpasswd|login|openssl)(?=\s)"
    + r"""(?P<args>(?:[^"\\\n;|&<]|\\["\\/ t]){0,300}?)<<<\s{0,4}"""
    + VALUE
)


def _stdin_ok(match: re.Match[str]) -> bool:
    value_ok = len(match.group("value")) >= 4 and option_value_ok(match)
    return value_ok and _at_word_start(match.string, match.start())


def _here_ok(match: re.Match[str]) -> bool:
    """The command reads its password from stdin with the options it was given (gpg --passphrase-fd 0)."""
    option = _READS_STDIN[match.group("cmd")]
    return option.search(match.group("args")) is not None and _stdin_ok(match)


GPG_STDIN_PASSPHRASE = Rule(
    name="gpg_stdin_passphrase",
    replaces="a passphrase echoed or printed into gpg --passphrase-fd 0",
    pattern=_GPG_PIPED,
    group="value",
    keywords=("--passphrase-fd",),
    reach=VALUE_REACH + 400,
    check=_stdin_ok,
    example="`echo <passphrase> | gpg --batch --passphrase-fd 0 -d f.gpg`",
)

PIPED_STDIN_SECRET = Rule(
    name="piped_stdin_secret",
    replaces="a secret echoed into a command that reads it from stdin (vncpasswd -f, vercel env add, "
    "wrangler secret put, gh secret set NAME, gcloud secrets create|versions add --data-file=-)",
    pattern=_PIPED_INTO_READER,
    group="value",
    trigger=_READER_TRIGGER,
    exact=True,
    reach=VALUE_REACH + 100,
    ahead=120,
    check=_stdin_ok,
    example="`echo <token> | vercel env add API_KEY production`, `echo <password> | vncpasswd -f > passwd`",
)

HERE_STRING_SECRET = Rule(
    name="here_string_secret",
    replaces="a password given as a here-string to a command that reads it from stdin "
    "(gpg --passphrase-fd 0, sudo -S, passwd --stdin, chpasswd, --password-stdin, gh's --with-token)",
    pattern=_HERE,
    group="value",
    keywords=("<<<",),
    reach=VALUE_REACH + 320,
    check=_here_ok,
    example="`gpg --batch --passphrase-fd 0 -d f.gpg <<< '<passphrase>'`, `chpasswd <<< 'bob:<password>'`",
)

# rclone.conf's pass line (rclone writes "key = value"); the section it is in must have a type line.
_RCLONE_PASS = r"pass[ \t]{0,2}=[ \t]{0,2}" + VALUE  # at a line's start: the check
# A [section] header at a line's start or a JSON string's. The quote's lookbehind follows the quote, so that
# every alternative begins with a character and the regex engine skips to those; the header at the text's
# start is _SECTION_AT_START's.
_SECTION = re.compile(r"(?:\n|\\n|\"(?<!\\\"))\[[^\]\n\\]{1,80}\](?=\n|\\n|\", ?\")")
_SECTION_AT_START = re.compile(r"\[[^\]\n\\]{1,80}\](?=\n|\\n)")
_TYPE_LINE = re.compile(r"(?:\n|\\n|(?<!\\)\", ?\")type = [a-z0-9]{2,30}(?=\n|\\n|\", ?\")")
_SECTION_REACH = 1000  # a section's lines before pass: type, host, user, port, key_file...


def _rclone_conf_ok(match: re.Match[str]) -> bool:
    """A pass line in an rclone.conf section: a [name] header, then a type line, before it."""
    text, start = match.string, match.start()
    patch_line = text.startswith('", "', start - 4) or text.startswith('","', start - 3)  # an Edit's patch line
    if not (start == 0 or text[start - 1] == "\n" or text.startswith("\\n", start - 2) or patch_line):
        return False
    header = _last_header(text, max(0, start - _SECTION_REACH), start)
    if header < 0 or _TYPE_LINE.search(text, header, start) is None:
        return False
    return option_value_ok(match)


def _last_header(text: str, low: int, start: int) -> int:
    """Where the last section header in text[low:start] ends (-1: none). A header ends at the first ] after
    its [, so the last to end is the one whose [ is last; none begins more than two characters before the
    first [ (a flood of pass lines holds none: one find, then no regex)."""
    first = text.find("[", low, start)
    if first < 0:
        return -1
    end = -1
    for header in _SECTION.finditer(text, max(low, first - 2), start):
        end = header.end()
    if end < 0 and first == 0:
        at_start = _SECTION_AT_START.match(text, 0, start)
        end = at_start.end() if at_start else -1
    return end


RCLONE_CONF_PASS = Rule(
    name="rclone_conf_pass",
    replaces="rclone.conf's pass = <obscured> (reversible: rclone reveal) in a section with a type line",
    pattern=_RCLONE_PASS,
    group="value",
    # pass at a line's start, as rclone writes it ("type = " is in much code: every chunk of Python ran the regex)
    keywords=("\npass = ", "\\npass = ", '", "pass = ', '","pass = '),
    reach=VALUE_REACH + 16,
    check=_rclone_conf_ok,
    example="`[nas]` / `type = sftp` / `pass = <obscured>` (not Perl's `$pass = shift`)",
)

# rclone obscure <value>, or pass <value> (pass=<value>) in rclone config create|update|password: the
# command is read back from pass (a pattern from rclone over the command's words to pass tried 300
# characters at each rclone of a flood).
_RCLONE_VALUE = r"(?:rclone\s{1,4}obscure\s{1,4}|\s(?:pass|password)(?:=|\s{1,4}))" + VALUE
_RCLONE_CONFIG = re.compile(r"rclone\s{1,4}config\s{1,4}(?:create|update|password)\s")


def _rclone_ok(match: re.Match[str]) -> bool:
    text, start = match.string, match.start()
    if text.startswith("rclone", start):
        return _at_word_start(text, start) and option_value_ok(match)
    low = max(0, start - 400)
    before = text[low:start]
    command = _RCLONE_CONFIG.search(before, command_start(text, low, start) - low)
    return command is not None and _at_word_start(before, command.start()) and option_value_ok(match)


RCLONE_PASSWORD = Rule(
    name="rclone_password",
    replaces="the password given to rclone obscure, or to rclone config create|update|password as pass",
    pattern=_RCLONE_VALUE,
    group="value",
    keywords=("rclone",),
    reach=VALUE_REACH + 400,
    check=_rclone_ok,
    example="`rclone obscure <password>`, `rclone config create nas sftp host x pass <password>`",
)

STDIN_FED_RULES: tuple[Rule, ...] = (
    GPG_STDIN_PASSPHRASE,
    PIPED_STDIN_SECRET,
    HERE_STRING_SECRET,
    RCLONE_CONF_PASS,
    RCLONE_PASSWORD,
    SNMP_PASSPHRASE,
)
