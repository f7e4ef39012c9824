"""SNMP credentials in an agent's configuration (h69; issue 16): snmpd.conf and a Cisco device's config.

* ``snmp_community_line``: the community of net-snmp's access directives (``rocommunity``, ``rwcommunity``,
  their ``6`` forms, ``authcommunity TYPES <community>``, ``trapcommunity``), of ``com2sec [-Cn ctx] name
  source <community>``, of a trap sink (``trap2sink host <community>``), and of Cisco's ``snmp-server
  community <community>``. ``public`` and ``private`` are every device's defaults, kept (as
  commands.py's ``snmp_passphrase`` keeps them for ``-c``);
* ``snmp_create_user``: an SNMPv3 user's passphrases in ``createUser [-e id] name SHA <auth> AES <priv>``.

Each directive stands at a line's start (after indentation), read back by the check: the words are in
prose ("a rocommunity line"), and ``createUser`` is a function's name in much code.
"""

from __future__ import annotations

import re

from hookd.redact.checks import option_value_ok
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule

_SP = r"(?:[ \t]|\\t)"  # a space or tab, raw or escaped in a JSON string
# an argument before the community: a name, a source (not an option: com2sec -Cn ctx is read as one)
_WORD = r"""(?:[^\s"'\\-]|\\\\)(?:[^\s"'\\]|\\\\){0,127}"""
_COMMUNITY = (
    r"(?:(?:ro|rw)community6?|trapcommunity"
    + r"|authcommunity"
    + _SP
    + r"{1,8}[a-z,]{1,40}"
    + r"|com2sec6?(?:"
    + _SP
    + r"{1,8}-Cn"
    + _SP
    + r"{1,8}"
    + _WORD
    + r")?(?:"
    + _SP
    + r"{1,8}"
    + _WORD
    + r"){2}"
    + r"|(?:trap2?sink|informsink)"
    + _SP
    + r"{1,8}"
    + _WORD
    + r"|snmp-server"
    + _SP
    + r"{1,4}community)"
    + _SP
    + r"{1,8}"
    + VALUE
)
_DEFAULT_COMMUNITIES = frozenset(("public", "private"))
_LINE_REACH = 200  # a createUser line's words before a passphrase
_INDENT = " \t"


def line_begins(text: str, start: int) -> int:
    """Where the line that ``start`` stands in begins after its indentation, if that is ``start``; else -1.

    A line begins at the text's start, after a newline (raw or escaped) or where a JSON string opens."""
    at = start
    while True:
        while at > 0 and text[at - 1] in _INDENT:
            at -= 1
        if text.endswith("\\t", 0, at) and not text.endswith("\\\\t", 0, at):
            at -= 2
            continue
        break
    if at == 0 or text[at - 1] in "\n\r":
        return at
    if text[at - 1] == '"' and not text.endswith("\\", 0, at - 1):
        return at
    if text.endswith(("\\n", "\\r"), 0, at) and not text.endswith(("\\\\n", "\\\\r"), 0, at):
        return at
    return -1


def _community_ok(match: re.Match[str]) -> bool:
    if match.group("value").strip("'\"\\") in _DEFAULT_COMMUNITIES:
        return False
    return line_begins(match.string, match.start()) >= 0 and option_value_ok(match)


SNMP_COMMUNITY_LINE = Rule(
    name="snmp_community_line",
    replaces="the SNMP community of an agent's config line (snmpd.conf's rocommunity, rwcommunity, com2sec, "
    "trap2sink; Cisco's snmp-server community), but public and private",
    pattern=_COMMUNITY,
    group="value",
    keywords=(
        "rocommunity",
        "rwcommunity",
        "authcommunity",
        "trapcommunity",
        "com2sec",
        "trap2sink",
        "trapsink",
        "informsink",
        "snmp-server",
    ),
    reach=VALUE_REACH + 400,
    check=_community_ok,
    example="`rocommunity <community> 10.0.0.0/8`, `com2sec readonly default <community>`, "
    "`snmp-server community <community> RO`",
)

# createUser [-e ENGINEID] name (MD5|SHA|SHA-512...) <authpassphrase> [(DES|AES...) [<privpassphrase>]]: the
# regex starts at the protocol (two passphrases on one line), the check reads the line back to createUser.
_PASSPHRASE = r"(?<![A-Za-z0-9_-])(?:MD5|SHA(?:-224|-256|-384|-512)?|DES|AES(?:128|192|256)?)" + _SP + r"{1,8}" + VALUE
_NAME = r"""(?:[ \t]|\\t){1,8}(?:[^\s"\\]|\\[\\"]){1,64}"""  # a quoted passphrase too (\"...\")
_ALGORITHM = r"(?:[ \t]|\\t){1,8}(?:MD5|SHA(?:-224|-256|-384|-512)?)"
_CREATE_USER = re.compile(
    r"createUser(?:(?:[ \t]|\\t){1,8}-e"
    + _NAME
    + ")?"
    + _NAME
    + r"(?P<auth>"
    + _ALGORITHM
    + _NAME
    + r")?(?:[ \t]|\\t){1,8}"
)


def _create_user_ok(match: re.Match[str]) -> bool:
    text, start = match.string, match.start()
    low = max(0, start - _LINE_REACH)
    at = text.rfind("createUser", low, start)
    if at < 0 or line_begins(text, at) < 0:
        return False
    words = _CREATE_USER.fullmatch(text, at, start)
    if words is None:
        return False
    # the authentication protocol after the name; the privacy one after the authentication passphrase
    after_auth = words.group("auth") is not None
    return text[start] in ("DA" if after_auth else "MS") and option_value_ok(match)


SNMP_CREATE_USER = Rule(
    name="snmp_create_user",
    replaces="an SNMPv3 user's passphrases in snmpd.conf's createUser line (authentication, privacy)",
    pattern=_PASSPHRASE,
    group="value",
    keywords=("createUser",),
    reach=VALUE_REACH + _LINE_REACH,
    check=_create_user_ok,
    example="`createUser bob SHA <passphrase> AES <passphrase>`",
)

SNMP_CONF_RULES: tuple[Rule, ...] = (SNMP_COMMUNITY_LINE, SNMP_CREATE_USER)
