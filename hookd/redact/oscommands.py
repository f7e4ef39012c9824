"""Commands that take a password as a plain argument (eleventh session): it follows no option, so the
command-line rules (rules.py, commands.py) do not see it.

* htpasswd -b[c|n...] [file] user <pw>; echo 'user:<pw>' | chpasswd; echo <pw> | passwd --stdin user;
* ConvertTo-SecureString "<pw>" -AsPlainText; net use ... /user:bob <pw>; net user bob <pw> /add;
* sqlplus/expdp/impdp/sqlldr/rman user/<pw>@db; rabbitmqctl add_user|change_password user <pw>;
  mysqladmin ... password <pw>; MongoDB createUser({..., pwd: <pw>}) and changeUserPassword(user, <pw>);
  nmcli ... password <pw>; wpa_passphrase ssid <pw>.

Each rule is gated by its command's name (a keyword) and its regex starts there and reads at most a few
hundred characters of the command, then the value (patterns.VALUE), so its work per keyword is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hookd.redact.checks import option_value_ok
from hookd.redact.commands import command_names
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule

# A character of one command's argument in JSON text: not a space, quote, backslash or separator.
_WORD = r"""[^\s"'\\;|&<>]"""
# A positional argument: a word, perhaps quoted (\"...\" in JSON text, or '...'). Possessive: a flood of
# the command's name reads each word once.
_ARG = r"""(?:\\"[^"\\\s]{1,256}+\\"|'[^'"\\\s]{1,256}+'|[^\s"'\\;|&<>,()]{1,256}+)"""
_SP = r"\s{1,4}"


def _at_word_start(match: re.Match[str], dot: bool) -> bool:
    """The command's name is a word of its own (not xhtpasswd, a.sqlplus): checked here rather than by a
    lookbehind before the name, which would keep the regex from skipping to the name at C speed."""
    text, start = match.string, match.start()
    before = text[start - 1 : start]
    if not before or text[start - 2 : start] in ("\\n", "\\r", "\\t"):
        return True
    return not (before.isalnum() or before in "_\\-" or (before == "." and not dot))


def _value_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    return len(value) >= 4 and value[0] not in "/-*" and option_value_ok(match)  # "or", "pw": words


def _tool_value_ok(match: re.Match[str]) -> bool:
    """createUser's and updateUser's pwd is a password only as a string literal: bare, it is an expression
    (``pwd: process.env.MONGO_PASSWORD``, ``pwd: passwordPrompt()``, a variable)."""
    if match.group(0)[:6] in ("create", "update") and not (match.group("dq") or match.group("sq")):
        return False
    return _value_ok(match)


def _htpasswd_ok(match: re.Match[str]) -> bool:
    """Batch mode (-b): the password is the last argument; with -n there is no file before the user."""
    flags = match.group("flags")
    letters = "".join(word.lstrip("-") for word in flags.split() if word.startswith("-"))
    return "b" in letters and (("n" in letters) == (match.group("file") is None)) and _value_ok(match)


# A password word after these commands' other arguments: read back from the word to the command, since
# a pattern from the command over its words cost a pass over every word per command in a flood of them.
_WORD_COMMANDS = {"password": ("mysqladmin", "nmcli"), "wifi-sec.psk": ("nmcli",)}


def _word_argument_ok(match: re.Match[str]) -> bool:
    text, start = match.string, match.start()
    if not text[start - 1 : start].isspace():
        return False
    names = command_names(text, max(0, start - 300), start)
    return not names.isdisjoint(_WORD_COMMANDS[match.group("word")]) and _value_ok(match)


_NET_USE_NEEDS = ((r"(?i)net\s{1,4}use", r"(?i)/u(?:ser)?:"), (r"(?i)net\s{1,4}user",))


# Where tool_password_argument's regex can begin (prefilter.py, reported at the place itself): its regex,
# an alternation, was tried at every character near a keyword, and at every createUser({ it read the object
# for pwd (a flood of "createUser({ ": 34 MB/s). A space is Python's (\x1c-\x1f too) or a non-ASCII "?".
# Hyperscan gives one (the leftmost) start per end: no match of an alternative may hold another's start
# with the same end (hence _ARG's characters, with no parenthesis, and no brace or parenthesis in the
# object before pwd).
_PF_SP = r"[\s?\x1c-\x1f]"
_TOOL_PREFILTER = (
    r"rabbitmqctl|wpa_passphrase|changeUserPassword"
    + _PF_SP
    + r"{0,4}\("
    + _PF_SP
    + r"{0,4}(?:\\\"[^\"\\\s]+\\\"|'[^'\"\\\s]+'|[^\s\"'\\;|&<>,()]+)"
    + _PF_SP
    + r"{0,4},|(?:create|update)User"
    + _PF_SP
    + r"{0,4}\("
    + _PF_SP
    + r"""{0,4}\{(?:[^{}()]*[^A-Za-z0-9_{}()])?pwd(?:\\?["'])?"""
    + _PF_SP
    + r"{0,4}:"
)

# Where oracle_connect_password's regex can begin: at every tool name it read the options and the word
# after them, and its alternation was tried at every character (a flood of "rman target ": 41 MB/s). No
# option, "target" or user word holds another tool's name followed by a space (one start per end).
# Python's ignore-case takes the long s (U+017F, a "?" here) for s.
_ORACLE_PREFILTER = (
    r"(?:sqlplus|sqlldr|expdp|impdp|rman|dgmgrl)(?:"
    + _PF_SP
    + r"{1,4}-[A-Za-z]{1,3}|"
    + _PF_SP
    + r"{1,4}(?i:target)){0,3}"
    + _PF_SP
    + r"""{1,4}(?i:u[s?]erid=)?(?:\\?["'])?[A-Za-z0-9_$#.]+/[^\s@/"'\\]{2}"""
)


def _rule(
    name: str,
    replaces: str,
    head: str,
    keywords: tuple[str, ...],
    example: str,
    check: Callable[[re.Match[str]], bool] = _value_ok,
    dot: bool = False,
    needs: tuple[tuple[str, ...], ...] = (),
    prefilter: tuple[str, int, bool] | None = None,
) -> Rule:
    """``needs``: instead of the keywords, a trigger (the first keyword, ignoring case) scanned only in the
    chunks holding one of these groups (Rule.trigger_needs)."""
    return Rule(
        name=name,
        replaces=replaces,
        pattern=head + VALUE,
        group="value",
        keywords=() if needs else keywords,
        trigger="(?i)" + keywords[0] if needs else "",
        trigger_needs=needs,
        ignore_case_keywords=True,
        reach=VALUE_REACH + 400,
        prefilter=prefilter,
        check=lambda match: _at_word_start(match, dot) and check(match),
        example=example,
    )


OS_COMMAND_RULES: tuple[Rule, ...] = (
    _rule(
        "htpasswd_password",
        "the password given to htpasswd -b (batch mode) as its last argument",
        r"htpasswd(?P<flags>(?:"
        + _SP
        + r"-[A-Za-z]{1,8}(?:"
        + _SP
        + r"[0-9]{1,3})?){1,6})"
        + _SP
        + r"(?:(?P<file>"
        + _ARG
        + r")"
        + _SP
        + r")?"
        + _ARG
        + _SP,
        ("htpasswd",),
        "`htpasswd -b .htpasswd bob <password>`, `htpasswd -nbB bob <password>`",
        check=_htpasswd_ok,
    ),
    _rule(
        "chpasswd_password",
        "the password in user:password piped into chpasswd",
        r"(?:echo|printf)(?:"
        + _SP
        + r"-[ne]{1,2})?"
        + _SP
        + r"""(?:\\"|')?[A-Za-z0-9_.-]{1,64}:(?=[^"'\\\s]{2,1024}+"""
        r"""(?:\\"|')?\s{0,4}\|\s{0,4}(?:sudo\s{1,4}(?:-\S{1,20}\s{1,4}){0,3})?chpasswd)""",
        ("chpasswd",),
        "`echo 'bob:<password>' | chpasswd`",
    ),
    _rule(
        "passwd_stdin_password",
        "the password echoed into passwd --stdin (or twice into passwd)",
        r"(?:echo|printf)(?:"
        + _SP
        + r"-[ne]{1,2})?"
        + _SP
        + r"""(?=(?:\\"|')?([^"'\\\s]{2,256})(?:\\\\n\1)?(?:\\\\n)?(?:\\"|')?\s{0,4}\|\s{0,4}"""
        r"""(?:sudo\s{1,4})?passwd\s{1,4}(?:--stdin|[A-Za-z0-9_.-]{1,32}\s{0,4}(?:["\\]|$)))""",
        # not "passwd" alone (code and docs say it often: each chunk holding it ran the regex at every e and p)
        ("--stdin", "| passwd", "|passwd", "| sudo passwd"),
        "`echo <password> | passwd --stdin bob`",
    ),
    _rule(
        "sudo_stdin_password",
        "the password echoed into sudo -S (sudo reads it from standard input)",
        r"(?:echo|printf)(?:"
        + _SP
        + r"-[ne]{1,2})?"
        + _SP
        + r"""(?=(?:\\"|')?[^"'\\\s]{2,256}(?:\\"|')?\s{0,4}\|\s{0,4}sudo\s{1,4}"""
        r"""(?:-[A-Za-z]{1,4}\s{1,4}){0,3}(?:-[A-Za-z]{0,4}S[A-Za-z]{0,4}|--stdin)(?![A-Za-z0-9_-]))""",
        ("| sudo -", "|sudo -"),
        "`echo <password> | sudo -S apt update`",
    ),
    _rule(
        "securestring_password",
        "the plain text given to PowerShell's ConvertTo-SecureString",
        r"(?i:convertto-securestring)(?:" + _SP + r"-(?i:asplaintext|force)){0,2}(?:" + _SP + r"-(?i:string))?" + _SP,
        ("convertto-securestring",),
        '`ConvertTo-SecureString "<password>" -AsPlainText -Force`',
    ),
    _rule(
        "net_use_password",
        "the password given to Windows' net use (after /user:name or the share) or net user name",
        r"(?i:net)"
        + _SP
        + r"(?:(?i:use)(?:"
        + _SP
        + r"(?!/(?i:u|user):)[^\s\"]{1,200}+){0,4}+"
        + _SP
        + r"/(?i:u|user):[^\s\"]{1,128}+"
        + _SP
        + r"|(?i:use)"
        + _SP
        + r"(?:[A-Za-z]:"
        + _SP
        + r")?(?:\\\\){2}[^\s\"]{1,200}+"
        + _SP
        + r"(?=[^\s\"/]{2,256}+\s{1,4}/(?i:u|user):)"
        + r"|(?i:user)"
        + _SP
        + r"(?!/)"
        + _ARG
        + _SP
        + ")",
        (r"net\s{1,4}use",),
        "`net use Z: \\\\srv\\share /user:bob <password>`, `net user bob <password> /add`",
        # Every match holds /user: (or /u:) or is net user: a flood of "net use " alone ran the regex at
        # every "net" over the four words after it (31 MB/s).
        needs=_NET_USE_NEEDS,
    ),
    _rule(
        "oracle_connect_password",
        "the password in an Oracle tool's user/password@database (sqlplus, expdp, impdp, sqlldr, rman)",
        r"(?:sqlplus|sqlldr|expdp|impdp|rman|dgmgrl)(?:"
        + _SP
        + r"-[A-Za-z]{1,3}|"
        + _SP
        + r"(?i:target)){0,3}"
        + _SP
        + r"""(?i:userid=)?(?:\\?["'])?[A-Za-z0-9_$#.]{1,128}/(?=[^\s@/"'\\]{2,256}(?:@|\s|\\?["']|$))""",
        # "rman" alone is in "performance" and "German": every chunk of prose ran the regex (docs 3x slower)
        ("sqlplus", "sqlldr", "expdp", "impdp", "rman target", "dgmgrl"),
        "`sqlplus scott/<password>@orcl`",
        prefilter=(_ORACLE_PREFILTER, 200, True),
    ),
    _rule(
        "tool_password_argument",
        "the password argument of rabbitmqctl add_user/change_password, wpa_passphrase, "
        "MongoDB createUser/changeUserPassword",
        r"(?:rabbitmqctl(?:"
        + _SP
        + r"-[^\s\"\\]{1,40}+){0,4}+"
        + _SP
        + r"(?:add_user|change_password)"
        + _SP
        + _ARG
        + _SP
        + r"|wpa_passphrase"
        + _SP
        + _ARG
        + _SP
        + r"|(?:createUser|updateUser)\s{0,4}\(\s{0,4}\{[^{}()]{0,300}?(?<![A-Za-z0-9_])pwd(?:\\?[\"'])?\s{0,4}:\s{0,4}"
        + r"|changeUserPassword\s{0,4}\(\s{0,4}"
        + _ARG
        + r"\s{0,4},\s{0,4})",
        ("rabbitmqctl", "wpa_passphrase", "createuser", "updateuser", "changeuserpassword"),
        "`rabbitmqctl add_user bob <password>`, `db.createUser({user: 'bob', pwd: '<password>'})`",
        check=_tool_value_ok,
        dot=True,
        prefilter=(_TOOL_PREFILTER, 340, True),
    ),
    Rule(
        name="password_word_argument",
        replaces="the argument after the word password of mysqladmin and nmcli (and nmcli's wifi-sec.psk)",
        pattern=r"(?P<word>password|wifi-sec\.psk)\s{1,4}" + VALUE,
        group="value",
        keywords=("mysqladmin", "nmcli"),
        reach=VALUE_REACH + 320,
        check=_word_argument_ok,
        example="`mysqladmin -u root password <password>`, `nmcli dev wifi connect Home password <password>`",
    ),
)
