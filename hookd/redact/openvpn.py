"""OpenVPN's auth-user-pass file (h75, h77; issue 16): a user's line, then the password's.

* ``openvpn_auth_file``: the file as a whole string of two lines (a Read's content, a cat's stdout);
* ``openvpn_auth_lines``: its two lines inside a longer string, after the line that names the file (head's
  ``==> auth.txt <==``, a cat's command, a here-document's ``cat > auth.txt <<EOF``);
* ``openvpn_auth_typed``: the file typed into a command, ``printf 'user\\npassword\\n' > file`` (``echo -e``);
* ``openvpn_auth_named``: its two lines under any name, where an ``auth-user-pass <file>`` names it (h82);
* ``openvpn_auth_inline``: a config's inline ``<auth-user-pass>`` block (h82).

Each where the payload says ``auth-user-pass`` or ``openvpn`` within 4 KiB (the option, or the file's path).
"""

from __future__ import annotations

import re

from hookd.redact.checks import word_near
from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

NAME_NEAR = 4096  # characters between the lines and the word openvpn, either side

# A whole JSON string of two lines: a user name, then the password (a Read's content, a cat's stdout). The
# string's opening quote begins the pattern, a literal Python's regex skips to (a lookbehind there was tried
# at every character).
_AUTH_FILE = (
    r""""(?<!\\")(?P<user>[A-Za-z0-9._@+-]{1,64})(?:\\r)?\\n"""
    r"""(?P<value>[^\s"\\]{1,512})(?:\\r)?(?:\\n)?(?=")"""
)
_OPENVPN_WORD = re.compile("(?i)auth-user-pass|openvpn")
# The same two lines inside a longer string: after a line that names the file (a cat's command, head's
# ==> path <== header, a here-document's cat > path <<EOF) and up to a blank line, a header, a here-document's
# end or the string's end; or typed into a command, printf 'user\npassword\n' > path (echo -e too).
_BR = r"(?:\\{1,7}+r)?\\{1,7}+n"  # a line break escaped as deep as its string is nested
# Hyperscan reads the line that names the file (its last word is an auth, creds, pass or login file:
# auth.txt, credentials.conf, creds.txt, pass.txt, vpn-creds..., then head's <== or a here-document's
# <<EOF), the user's line and the password's first character; the regex reads the password to the end of
# its line, then the string's end, a blank line, head's next header or a here-document's end. Its repeats
# are unbounded, which Hyperscan runs without counters (the regex reads no further back than the password);
# its words are file names, not pass or auth alone (in every payload: the engine's pass ran 7 times slower on
# a flood of PASS).
_HS_BR = r"(?:\\+r)?\\+n"
_AUTH_LINES_TRIGGER = (
    r"(?i:vpn[._-]?(?:pass|auth|creds?|login|secret)|auth[._-]?(?:txt|file|conf|creds?)"
    r"|cred(?:ential)?s?\.(?:txt|conf)"
    r"|pass(?:word)?s?\.txt|login\.(?:txt|conf))"
    r"""[^\s"\\]*(?:[ \t]<==|[ \t]{1,4}<<-?'?[A-Za-z_]+'?)?[ \t]*"""
    + _HS_BR
    + r"[A-Za-z0-9._@+-]+"
    + _HS_BR
    + r"""[^\s"'\\]"""
)
_AUTH_LINES = (
    r"""(?P<value>[^\s"'\\]{1,512}+)(?:\\{1,7}+r)?(?=(?:\\{1,7}+n)?\\{0,7}+\"|"""
    + _BR
    + _BR
    + "|"
    + _BR
    + "==>|"
    + _BR
    + r"[A-Z_]{2,20}+(?:\\{1,7}+n|\\{0,7}+\"))"
)
_OPENVPN_WORDS = ("openvpn", "OpenVPN", "OPENVPN", "auth-user-pass", "Openvpn")


def _previous_line(text: str, start: int) -> str:
    """The line before the one that begins at ``start`` (after an escaped line break: the user's line)."""
    end = start
    while end > max(0, start - 20) and text[end - 1] in "nr\\":
        end -= 1
    low = max(0, end - 80)  # a user's line is at most 64 characters
    begin = max(text.rfind("\\", low, end), text.rfind('"', low, end), text.rfind("\n", low, end), low - 1) + 1
    return text[begin:end]


def _auth_lines_ok(match: re.Match[str]) -> bool:
    """The password is no copy of the user's line and the payload names OpenVPN (str.find: this runs at each
    candidate of a flood)."""
    value, text = match.group("value"), match.string
    if value == _previous_line(text, match.start()) or not plausible_secret(value):
        return False
    return word_near(text, match.start(), match.end(), _OPENVPN_WORDS, NAME_NEAR)


# printf 'user\npassword\n' > file (echo -e): Hyperscan reads the command to the password's first character.
_AUTH_TYPED_TRIGGER = r"""(?:printf|echo\s+-e)\s+(?:'|\\+")[A-Za-z0-9._@+-]+\\\\+n[^\s"'\\]"""
_AUTH_TYPED = r"""(?P<value>[^\s"'\\]{1,512}+)(?:\\{2,8}+n)?(?:'|\\{1,7}+")\s{0,4}>"""


# The file under any name, where the payload names it after auth-user-pass (the option, a config's line):
# Hyperscan reads a line that ends in a file's name (head's ==> path <==, a cat's command), the user's line
# and the password's first character; the check finds the same name after an auth-user-pass.
_AUTH_NAMED_TRIGGER = (
    r"""(?:==>[ \t][^\s"\\]{1,256}[ \t]<==|cat[ \t]{1,4}[^\s"'\\<>|;&]{1,256})[ \t]*"""
    + _HS_BR
    + r"[A-Za-z0-9._@+-]+"
    + _HS_BR
    + r"""[^\s"'\\]"""
)
_FILE_AFTER_OPTION = re.compile(r"""auth-user-pass[ \t]{1,8}(?:\\?["'])?([^\s"'\\]{1,256})""")
# An inline block of a .ovpn file: <auth-user-pass>, the user's line, the password's, </auth-user-pass>.
_INLINE_TRIGGER = r"<auth-user-pass>(?:[ \t]|\\+t)*" + _HS_BR + r"[A-Za-z0-9._@+-]+" + _HS_BR + r"""[^\s"'\\<]"""
_INLINE = r"""(?P<value>[^\s"'\\<]{1,512}+)""" + _BR + r"</auth-user-pass>"


def _line_before(text: str, end: int) -> tuple[int, str]:
    """The line that ends at ``end`` (its escaped line break just after) and where it begins."""
    low = max(0, end - 300)
    begin = max(text.rfind('"', low, end), text.rfind("\n", low, end) + 1, low - 1) + 1
    return begin, text[begin:end].rstrip(" \t")


def _auth_named_ok(match: re.Match[str]) -> bool:
    """As _auth_lines_ok, and the line before the user's ends in a file that an auth-user-pass in the payload
    names (the same path, or the same name where one of the two is relative)."""
    if not _auth_lines_ok(match):
        return False
    text = match.string
    user = _previous_line(text, match.start())
    user_start = text.rfind(user, max(0, match.start() - 100), match.start())
    end = user_start
    while end > 0 and text[end - 1] in "nr\\":
        end -= 1
    _, header = _line_before(text, end)
    name = header.removesuffix("<==").rstrip(" \t").rsplit(" ", 1)[-1]
    if not name:
        return False
    low = max(0, match.start() - NAME_NEAR)
    for named in _FILE_AFTER_OPTION.finditer(text, low, match.end() + NAME_NEAR):
        path = named.group(1)
        relative = "/" not in path or "/" not in name
        if path == name or relative and path.rsplit("/", 1)[-1] == name.rsplit("/", 1)[-1]:
            return True
    return False


def _auth_file_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    if value == match.group("user") or not plausible_secret(value):
        return False
    text = match.string
    return _OPENVPN_WORD.search(text, max(0, match.start() - NAME_NEAR), match.end() + NAME_NEAR) is not None


OPENVPN_RULES: tuple[Rule, ...] = (
    Rule(
        name="openvpn_auth_file",
        replaces="the password line of an OpenVPN auth-user-pass file (user, then password) where the "
        "payload says auth-user-pass or openvpn",
        pattern=_AUTH_FILE,
        group="value",
        keywords=("auth-user-pass", "openvpn"),
        ignore_case_keywords=True,
        reach=2 * NAME_NEAR,
        check=_auth_file_ok,
        example="a Read of /etc/openvpn/auth.txt: `bob` / `<password>`",
    ),
    Rule(
        name="openvpn_auth_lines",
        replaces="an OpenVPN auth-user-pass file's password line inside a longer string, after the line that "
        "names the file, where the payload says auth-user-pass or openvpn",
        pattern=_AUTH_LINES,
        group="value",
        trigger=_AUTH_LINES_TRIGGER,
        anchored=True,
        back=1,
        reach=1100,
        check=_auth_lines_ok,
        example="`==> /etc/openvpn/auth.txt <==` / `bob` / `<password>`",
    ),
    Rule(
        name="openvpn_auth_typed",
        replaces="an OpenVPN auth-user-pass file typed into a command (printf 'user\\npassword' > file, echo -e), "
        "where the payload says auth-user-pass or openvpn",
        pattern=_AUTH_TYPED,
        group="value",
        trigger=_AUTH_TYPED_TRIGGER,
        anchored=True,
        back=1,
        reach=600,
        check=_auth_lines_ok,
        example="`printf 'bob\\n<password>\\n' > auth.txt`",
    ),
    Rule(
        name="openvpn_auth_named",
        replaces="an OpenVPN auth-user-pass file's password line under any name, after the line that names the "
        "file (head's header, a cat's command), where an auth-user-pass in the payload names that file",
        pattern=_AUTH_LINES,
        group="value",
        trigger=_AUTH_NAMED_TRIGGER,
        anchored=True,
        back=1,
        reach=1100,
        check=_auth_named_ok,
        example="`auth-user-pass up.txt` ... `$ cat up.txt` / `bob` / `<password>`",
    ),
    Rule(
        name="openvpn_auth_inline",
        replaces="the password line of an inline <auth-user-pass> block of an OpenVPN config",
        pattern=_INLINE,
        group="value",
        trigger=_INLINE_TRIGGER,
        anchored=True,
        back=1,
        reach=600,
        check=lambda match: plausible_secret(match.group("value")),
        example="`<auth-user-pass>` / `bob` / `<password>` / `</auth-user-pass>`",
    ),
)
